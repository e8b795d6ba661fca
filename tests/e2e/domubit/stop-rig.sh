#!/usr/bin/env bash
# Stops the rig instance the domubit end-to-end tests share (exit 77 when there is no rig).
here=$(cd "$(dirname "$0")" && pwd)
rig=${VIRDOMM_RIG:-$here/../rig/rig.sh}
[ -x "$rig" ] || { echo "SKIP: no rig"; exit 77; }
export VIRDOMM_RIG_RUN=${VIRDOMM_RIG_RUN:-${VIRDOMM_RIG_CACHE:-/var/cache/virdomm-rig}/run-domubit}
"$rig" down
