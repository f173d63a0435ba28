#!/usr/bin/env bash
# Runs the deliveries page suite (headless Chromium over WebDriver) and fails when
# fewer tests passed than the files define: a suite that silently ran nothing
# must not pass.
set -euo pipefail
cd "$(dirname "$0")/../.."
expected=$(cat tests/review/*.test.mjs | grep -Ec "^\s*it\(" || true)
out=.tmp/review
mkdir -p "$out"
rm -f "$out/results.tap"
status=0
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$out/results.tap" \
  tests/review/ || status=$?
passed=$(grep -Eo '^# pass [0-9]+' "$out/results.tap" | grep -Eo '[0-9]+' || echo 0)
if [ "$status" -ne 0 ] || [ "${expected:-0}" -eq 0 ] || [ "${passed:-0}" -lt "$expected" ]; then
  echo "review tests FAILED: ${passed:-0} of ${expected:-0} passed (exit $status)"
  exit 1
fi
echo "review tests: $passed/$expected passed"
