/**
 * The coordinator of one process run, a bash script (cheap to start, survives the runner).
 * Args: checkpoint path, FORKED seq, JSON-encoded process name, cmdline.
 * It runs the command as a background child (so the runner can SIGTERM just the command), writes
 * RUNNING, waits, then writes the terminal record. bash reports death by signal N as 128+N; that is
 * recorded as KILLED with return code −N (so `exit 137` also reads as killed: bash cannot tell).
 */
export const COORDINATOR_SCRIPT = String.raw`trap '' INT PIPE
ck="$1"; seq="$2"; name="$3"; cmd="$4"
/bin/bash -c "$cmd" &
pid=$!
now() { local t="$EPOCHREALTIME"; printf '%s' "${"$"}{t/,/.}"; }
printf '{"type":"process","seq":%d,"process":%s,"state":"RUNNING","pid":%d,"start_time":%s}\n' $((seq+1)) "$name" "$pid" "$(now)" >> "$ck"
wait "$pid"; rc=$?
if [ "$rc" -eq 0 ]; then st=SUCCESS; elif [ "$rc" -gt 128 ] && [ "$rc" -le 192 ]; then st=KILLED; rc=$((128-rc)); else st=FAILED; fi
printf '{"type":"process","seq":%d,"process":%s,"state":"%s","stop_time":%s,"return_code":%d}\n' $((seq+2)) "$name" "$st" "$(now)" "$rc" >> "$ck"
`
