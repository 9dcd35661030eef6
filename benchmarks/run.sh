#!/usr/bin/env bash
# Runs the benchmarks (all, or those named) in Release and prints their figures.
# The cluster benchmark runs on PostgreSQL too: the server in BENCH_POSTGRES (a connection string without a database),
# or, when that is unset, a throwaway cluster started here as test.sh does and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

wants_cluster=$([ $# -eq 0 ] && echo yes || true)
for name in "$@"; do
  [ "${name,,}" = "cluster" ] && wants_cluster=yes
done
if [ "$wants_cluster" != "yes" ] || [ -n "${BENCH_POSTGRES:-}" ]; then
  exec dotnet run -c Release --project benchmarks/BulkSender.Benchmarks -- "$@"
fi

source scripts/postgres.sh
trap stop_postgres EXIT
trap 'exit 130' INT TERM # so the cluster is stopped on Ctrl-C or kill too
start_postgres "the cluster benchmark"
BENCH_POSTGRES="$POSTGRES_SERVER" dotnet run -c Release --project benchmarks/BulkSender.Benchmarks -- "$@"
