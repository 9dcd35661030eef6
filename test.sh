#!/usr/bin/env bash
# Runs every BulkSender test and ends with "N passed, N failed" (", N skipped" when any).
# Then runs the integration tests marked [Trait("Database", "Both")] again on PostgreSQL: a throwaway cluster in a temp
# folder on a free loopback port, stopped at the end. The closing line counts both runs.
# Installs what the tests need when it is missing: Debian's Chromium for the browser tests, Debian's PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")"

install_debian() { # package, what for
  if [ "$(id -u)" = "0" ]; then
    echo "Installing $1 from Debian for $2..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null \
      || { echo "Could not install $1 with apt-get." >&2; exit 1; }
  else
    echo "$2 need Debian's $1: run 'sudo apt-get install -y $1' and try again." >&2
    exit 1
  fi
}

[ -x /usr/bin/chromium ] || install_debian chromium "The browser tests"

# PostgreSQL's server programs: on PATH, or where Debian puts them (the newest version).
pg_bin() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
bin=$(pg_bin)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  install_debian postgresql "The PostgreSQL integration tests"
  bin=$(pg_bin)
fi

results=$(mktemp -d)
# Under /tmp, not $TMPDIR: the postgres user must be able to reach it.
pgroot=$(mktemp -d /tmp/bulksender-pg.XXXXXX)
as_owner=()
stop_postgres() {
  if [ -f "$pgroot/data/postmaster.pid" ]; then
    "${as_owner[@]}" "$bin/pg_ctl" stop -D "$pgroot/data" -m immediate -w >/dev/null 2>&1
  fi
  rm -rf "$results" "$pgroot"
}
trap stop_postgres EXIT
trap 'exit 130' INT TERM # so the cluster is stopped on Ctrl-C or kill too

# initdb refuses to run as root: as root the cluster belongs to the postgres user.
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$pgroot"
  as_owner=(runuser -u postgres --)
fi

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    # Nothing answers on it: free.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  return 1
}

port=$(free_port)
mkdir -p "$pgroot/sock"
[ "$(id -u)" = "0" ] && chown postgres "$pgroot/sock"
postgres_failed() {
  cat "$1" >&2 2>/dev/null
  echo "Could not start a PostgreSQL cluster for the tests (with $bin, port $port): see above." >&2
  exit 1
}
# No locale: byte order and ASCII-only case folding, as SQLite's, whatever the machine's LANG is.
"${as_owner[@]}" "$bin/initdb" -D "$pgroot/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$pgroot/initdb.log" 2>&1 \
  || postgres_failed "$pgroot/initdb.log"
"${as_owner[@]}" "$bin/pg_ctl" start -D "$pgroot/data" -w -t 60 -l "$pgroot/postgres.log" \
  -o "-p $port -k $pgroot/sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  >/dev/null || postgres_failed "$pgroot/postgres.log"
echo "PostgreSQL $("$bin/postgres" --version | grep -o '[0-9][0-9.]*' | head -n 1) for the tests on 127.0.0.1:$port"

# The whole suite on SQLite, whatever the caller's environment says.
env -u BULKSENDER_TEST_POSTGRES dotnet test BulkSender.sln -c Release --nologo \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" \
  --results-directory "$results"
status=$?

echo "The integration tests marked Database=Both again, on PostgreSQL:"
BULKSENDER_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres" \
  dotnet test BulkSender.Tests -c Release --nologo --no-build --filter "Database=Both" \
  --logger "trx;LogFileName=postgres.trx" --logger "console;verbosity=minimal" \
  --results-directory "$results"
pg_status=$?

for trx in "$results/tests.trx" "$results/postgres.trx"; do
  if [ ! -f "$trx" ]; then
    echo "No test results were written to $(basename "$trx") (did the build fail? see above)." >&2
    exit 1
  fi
done

counter() { cat "$results/tests.trx" "$results/postgres.trx" | grep -o "<Counters [^>]*" | grep -o " $1=\"[0-9]*\"" \
  | grep -o "[0-9]\+" | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(counter passed)
failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
skipped=$(counter notExecuted)

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"

if [ "$status" -ne 0 ] || [ "$pg_status" -ne 0 ] || [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
