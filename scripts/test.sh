#!/usr/bin/env bash
# The README's test command: sets the machine up if needed, then runs the default (fast) test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m slow` for the slow tests.
# It also installs the optional Blender renderer's environment (scripts/blender_env.sh). If that fails, the
# tests still run (the Blender ones skip with the reason) and the command then exits non-zero, so that CI
# never passes without having run them; IGGAN_SKIP_BLENDER=1 skips the install on purpose.
export IGGAN_BOOTSTRAP_BROWSER=1  # tests/test_report.py opens reports in Chromium
source "$(dirname "$0")/bootstrap.sh"
blender_failed=0
if [ "${IGGAN_SKIP_BLENDER:-0}" != 1 ]; then
  bash scripts/blender_env.sh || blender_failed=1
fi
status=0
python -m pytest "$@" || status=$?
if [ "$blender_failed" = 1 ]; then
  echo "test: scripts/blender_env.sh failed (see its output above), so the blender tests were skipped;" \
    "set IGGAN_SKIP_BLENDER=1 to test without Blender" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
