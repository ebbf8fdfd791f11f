#!/usr/bin/env bash
# The README's test command: sets the machine up if needed, then runs the default (fast) test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m slow` for the slow tests.
source "$(dirname "$0")/bootstrap.sh"
exec python -m pytest "$@"
