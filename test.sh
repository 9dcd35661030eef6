#!/usr/bin/env bash
# Runs every BulkSender test and ends with "N passed, N failed" (", N skipped" when any).
# Installs what the tests need when it is missing: Debian's Chromium for the browser tests.
set -uo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Chromium from Debian for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || { echo "Could not install chromium with apt-get." >&2; exit 1; }
  else
    echo "The browser tests need Debian's Chromium: run 'sudo apt-get install -y chromium' and try again." >&2
    exit 1
  fi
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet test BulkSender.sln -c Release --nologo \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" \
  --results-directory "$results"
status=$?

trx="$results/tests.trx"
if [ ! -f "$trx" ]; then
  echo "No test results were written (did the build fail? see above)." >&2
  exit 1
fi

counter() { grep -o "<Counters [^>]*" "$trx" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]\+"; }
passed=$(counter passed)
failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
skipped=$(counter notExecuted)

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"

if [ "$status" -ne 0 ] || [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
