#!/usr/bin/env bash
# Runs every BulkSender test and ends with "N passed, N failed" (", N skipped" when any).
# Then runs the integration tests marked [Trait("Database", "Both")] again on PostgreSQL: a throwaway cluster in a temp
# folder on a free loopback port, stopped at the end. The closing line counts both runs.
# Installs what the tests need when it is missing: Debian's Chromium for the browser tests, Debian's PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")"

source scripts/postgres.sh

[ -x /usr/bin/chromium ] || install_debian chromium "The browser tests"

results=$(mktemp -d)
cleanup() {
  stop_postgres
  rm -rf "$results"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so the cluster is stopped on Ctrl-C or kill too
start_postgres "the PostgreSQL integration tests"

# The whole suite on SQLite, whatever the caller's environment says.
env -u BULKSENDER_TEST_POSTGRES dotnet test BulkSender.sln -c Release --nologo \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" \
  --results-directory "$results"
status=$?

echo "The integration tests marked Database=Both again, on PostgreSQL:"
BULKSENDER_TEST_POSTGRES="$POSTGRES_SERVER" \
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
