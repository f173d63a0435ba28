#!/usr/bin/env bash
# Runs tests/wasm.rs in Node, headless Chromium (window) and a dedicated worker,
# and fails when a run executed fewer tests than the file defines: wasm-pack in
# a browser can skip tests and still exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
expected=$(grep -c '#\[wasm_bindgen_test\]' tests/wasm.rs)
tmp=.tmp/wasm-tests
mkdir -p "$tmp/home"
export HOME_FOR_BROWSER="$PWD/$tmp/home"

run() {
  local label=$1; shift
  local log="$tmp/$label.log"
  echo "== wasm tests: $label"
  if ! env "$@" >"$log" 2>&1; then
    cat "$log"; echo "wasm tests FAILED in $label"; exit 1
  fi
  local passed
  passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | grep -Eo '[0-9]+' | head -1 || true)
  if [ "${passed:-0}" -lt "$expected" ]; then
    cat "$log"; echo "wasm tests in $label ran ${passed:-0} of $expected tests"; exit 1
  fi
  echo "   $passed/$expected passed"
}

common=(WASM_BINDGEN_TEST_TIMEOUT=60 wasm-pack test --mode no-install)
run node "${common[@]}" --node --test wasm
# Chromium keeps its state under HOME; rustup and cargo must still find theirs.
browser=(RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" HOME="$HOME_FOR_BROWSER" XDG_CONFIG_HOME="$HOME_FOR_BROWSER/.config" TMPDIR="$PWD/$tmp"
  "${common[@]}" --headless --chrome --chromedriver /usr/bin/chromedriver --test wasm)
run chromium-window WASM_BINDGEN_USE_BROWSER=1 "${browser[@]}"
run chromium-dedicated-worker WASM_BINDGEN_USE_DEDICATED_WORKER=1 "${browser[@]}"
