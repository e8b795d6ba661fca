#!/usr/bin/env bash
# Runs one end-to-end test on the emulated rig (the command line given) and, when it ends with
# exit 75 — it failed and a guest had triple-faulted under QEMU's emulated SVM meanwhile, see
# finish() in e2e-steps.sh — runs it once more from the start. Both attempts are printed in
# full; a second emulator fault counts as a failure.
"$@"
rc=$?
if [ "$rc" = 75 ]; then
  echo
  echo "=== The emulated CPU faulted a guest in that run; running the test once more"
  echo
  "$@"
  rc=$?
  [ "$rc" = 75 ] && rc=1
fi
exit "$rc"
