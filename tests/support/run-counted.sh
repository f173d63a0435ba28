#!/usr/bin/env bash
# run-counted.sh DIR NAME: runs the node --test suites in DIR one file at a time
# and fails when fewer tests passed than the files define (`it(` lines): a
# suite that silently ran nothing must not pass (headless Chromium suites can).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$1 name=$2
expected=$(cat "$dir"/*.test.mjs | grep -Ec "^\s*it\(" || true)
out=.tmp/$name
mkdir -p "$out"
rm -f "$out/results.tap"
status=0
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$out/results.tap" \
  "$dir/" || status=$?
passed=$(grep -Eo '^# pass [0-9]+' "$out/results.tap" | grep -Eo '[0-9]+' || echo 0)
if [ "$status" -ne 0 ] || [ "${expected:-0}" -eq 0 ] || [ "${passed:-0}" -lt "$expected" ]; then
  echo "$name tests FAILED: ${passed:-0} of ${expected:-0} passed (exit $status)"
  exit 1
fi
echo "$name tests: $passed/$expected passed"
