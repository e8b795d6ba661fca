# Runner side of the control channel: sends one script to a dom0's rig-agent over the host's
# virtio-serial socket and returns its stdout, stderr and exit code, bounded by a timeout.
# Needs common.sh.

# rig_ctl HOSTINDEX TIMEOUT_S SCRIPT — prints the script's stdout/stderr, returns its exit code
# (124 on timeout, 255 when the channel did not answer).
rig_ctl() {
  local idx=$1 limit=$2 script=$3
  local sock="$RIG_RUN/host$idx.ctl" lock_fd token line state=none rc=255 now deadline
  [ -S "$sock" ] || { echo "rig: host$idx is not running (no $sock)" >&2; return 255; }
  exec {lock_fd}>"$RIG_RUN/host$idx.ctl.lock"
  if ! flock -w $((limit + 60)) "$lock_fd"; then
    echo "rig: control channel of host$idx busy" >&2
    exec {lock_fd}>&-
    return 255
  fi
  token="rig$$x$RANDOM$RANDOM"
  local tmp
  tmp=$(mktemp -d)
  coproc RIG_SOCAT { exec socat - "UNIX-CONNECT:$sock" 2>/dev/null; }
  local in_fd=${RIG_SOCAT[1]} out_fd=${RIG_SOCAT[0]} pid=$RIG_SOCAT_PID
  printf '%s %s %s\n' "$token" "$limit" "$(printf '%s' "$script" | base64 -w0)" >&"$in_fd"
  deadline=$(($(date +%s) + limit + 60))
  while :; do
    now=$(date +%s)
    if [ "$now" -ge "$deadline" ]; then rc=124; echo "rig: host$idx: no answer in ${limit}s" >&2; break; fi
    if ! IFS= read -r -t $((deadline - now)) line <&"$out_fd"; then
      [ $? -gt 128 ] && continue
      echo "rig: control channel of host$idx closed" >&2
      break
    fi
    case "$line" in
      "$token OUT") state=out ;;
      "$token ERR") state=err ;;
      "$token END "*) rc=${line##* }; state=done; break ;;
      *) case $state in out) echo "$line" >>"$tmp/out" ;; err) echo "$line" >>"$tmp/err" ;; esac ;;
    esac
  done
  # SIGKILL: a socat told SIGTERM after a timeout was seen to keep polling, and the wait below
  # then held the run (and the host's one control channel) for 20 minutes.
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  exec {lock_fd}>&-
  if [ "$state" = done ]; then
    [ -s "$tmp/out" ] && base64 -d "$tmp/out"
    [ -s "$tmp/err" ] && base64 -d "$tmp/err" >&2
  fi
  rm -rf "$tmp"
  return "$rc"
}

# rig_ctl_wait HOSTINDEX TOTAL_S — waits until the agent answers.
rig_ctl_wait() {
  local idx=$1 total=$2 start
  start=$(date +%s)
  while [ $(($(date +%s) - start)) -lt "$total" ]; do
    [ "$(rig_ctl "$idx" 30 'echo pong' 2>/dev/null)" = pong ] && return 0
    sleep 2
  done
  return 1
}
