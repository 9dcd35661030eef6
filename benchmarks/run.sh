#!/usr/bin/env bash
# Runs the benchmarks (all, or those named) in Release and prints their figures.
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project benchmarks/BulkSender.Benchmarks -- "$@"
