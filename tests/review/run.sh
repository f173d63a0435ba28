#!/usr/bin/env bash
# The deliveries page suite (headless Chromium over WebDriver), counted.
exec bash "$(dirname "$0")/../support/run-counted.sh" tests/review review
