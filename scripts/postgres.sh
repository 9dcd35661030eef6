# Sourced by test.sh and benchmarks/run.sh: a throwaway PostgreSQL cluster for the tests and benchmarks.
# start_postgres <what for>: installs Debian's PostgreSQL when initdb is missing (as root), runs initdb into a temp folder
# under /tmp, starts the server on a free 127.0.0.1 port and sets POSTGRES_SERVER to its connection string (no database).
# stop_postgres: stops it and removes the folder (call it from the caller's EXIT trap).

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

# PostgreSQL's server programs: on PATH, or where Debian puts them (the newest version).
pg_bin() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

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

pgroot=""
as_owner=()

stop_postgres() {
  if [ -n "$pgroot" ] && [ -f "$pgroot/data/postmaster.pid" ]; then
    "${as_owner[@]}" "$bin/pg_ctl" stop -D "$pgroot/data" -m immediate -w >/dev/null 2>&1
  fi
  [ -n "$pgroot" ] && rm -rf "$pgroot"
}

start_postgres() { # what for
  bin=$(pg_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    install_debian postgresql "$1"
    bin=$(pg_bin)
  fi
  # Under /tmp, not $TMPDIR: the postgres user must be able to reach it.
  pgroot=$(mktemp -d /tmp/bulksender-pg.XXXXXX)
  # initdb refuses to run as root: as root the cluster belongs to the postgres user.
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$pgroot"
    as_owner=(runuser -u postgres --)
  fi
  local port
  port=$(free_port)
  mkdir -p "$pgroot/sock"
  [ "$(id -u)" = "0" ] && chown postgres "$pgroot/sock"
  postgres_failed() {
    cat "$1" >&2 2>/dev/null
    echo "Could not start a PostgreSQL cluster for $2 (with $bin, port $port): see above." >&2
    exit 1
  }
  # No locale: byte order and ASCII-only case folding, as SQLite's, whatever the machine's LANG is.
  "${as_owner[@]}" "$bin/initdb" -D "$pgroot/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$pgroot/initdb.log" 2>&1 \
    || postgres_failed "$pgroot/initdb.log" "$1"
  "${as_owner[@]}" "$bin/pg_ctl" start -D "$pgroot/data" -w -t 60 -l "$pgroot/postgres.log" \
    -o "-p $port -k $pgroot/sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || postgres_failed "$pgroot/postgres.log" "$1"
  echo "PostgreSQL $("$bin/postgres" --version | grep -o '[0-9][0-9.]*' | head -n 1) for $1 on 127.0.0.1:$port"
  POSTGRES_SERVER="Host=127.0.0.1;Port=$port;Username=postgres"
}
