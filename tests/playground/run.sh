#!/usr/bin/env bash
# The playground suites (headless Chromium over WebDriver), counted.
exec bash "$(dirname "$0")/../support/run-counted.sh" tests/playground playground
