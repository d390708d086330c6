/**
 * The coordinator of one process run, a bash script (cheap to start, survives the runner).
 * Args: checkpoint path, FORKED seq, JSON-encoded process name, cmdline, log mode, stdout path,
 * stderr path, rotation size, rotation backups. Log modes (executor.md §2.3): `plain` (the spawner
 * already pointed stdout/stderr somewhere), `rotate` (files rotated at a size, keeping backups),
 * `tee` (files and the coordinator's stderr), `tee-rotate` (both). Rotation copies with `head -c`,
 * which never reads past its count, so each file holds exactly the rotation size. The terminal
 * record waits (up to 5 s) for the copiers to drain, since the runner then kills the process group.
 * It runs the command as a background child (so the runner can SIGTERM just the command), writes
 * RUNNING, waits, then writes the terminal record. bash reports death by signal N as 128+N; that is
 * recorded as KILLED with return code −N (so `exit 137` also reads as killed: bash cannot tell).
 */
export const COORDINATOR_SCRIPT = String.raw`trap '' INT
ck="$1"; seq="$2"; name="$3"; cmd="$4"; mode="$5"; out="$6"; err="$7"; size="$8"; keep="$9"
rot() {
  local f="$1" k
  while :; do
    head -c "$size" > "$f"
    [ "$(stat -c %s "$f")" -lt "$size" ] && return
    for ((k = keep - 1; k >= 1; k--)); do [ -e "$f.$k" ] && mv -f "$f.$k" "$f.$((k + 1))"; done
    mv -f "$f" "$f.1"
  done
}
copiers=()
case "$mode" in
  rotate) exec 3> >(rot "$out"); copiers+=($!); exec 4> >(rot "$err"); copiers+=($!) ;;
  tee) exec 3> >(tee -a "$out" >&2); copiers+=($!); exec 4> >(tee -a "$err" >&2); copiers+=($!) ;;
  tee-rotate) exec 3> >(tee >(rot "$out") >&2); copiers+=($!); exec 4> >(tee >(rot "$err") >&2); copiers+=($!) ;;
esac
if [ "${"$"}{#copiers[@]}" -gt 0 ]; then
  /bin/bash -c "$cmd" >&3 2>&4 3>&- 4>&- &
  pid=$!
  exec 3>&- 4>&-
else
  /bin/bash -c "$cmd" &
  pid=$!
fi
now() { local t="$EPOCHREALTIME"; printf '%s' "${"$"}{t/,/.}"; }
printf '{"type":"process","seq":%d,"process":%s,"state":"RUNNING","pid":%d,"start_time":%s}\n' $((seq+1)) "$name" "$pid" "$(now)" >> "$ck"
wait "$pid"; rc=$?
# Let the copiers drain what the command wrote (bounded: a leftover child may keep the pipe open).
for ((i = 0; i < 100; i++)); do
  alive=0
  for c in "${"$"}{copiers[@]}"; do kill -0 "$c" 2>/dev/null && alive=1; done
  [ "$alive" -eq 0 ] && break
  sleep 0.05
done
if [ "$rc" -eq 0 ]; then st=SUCCESS; elif [ "$rc" -gt 128 ] && [ "$rc" -le 192 ]; then st=KILLED; rc=$((128-rc)); else st=FAILED; fi
printf '{"type":"process","seq":%d,"process":%s,"state":"%s","stop_time":%s,"return_code":%d}\n' $((seq+2)) "$name" "$st" "$(now)" "$rc" >> "$ck"
`
