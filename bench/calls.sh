#!/usr/bin/env bash
# Calls per second through the switch: a sipp "trunk" (UAC) sends calls that
# the dialplan Dial()s to a registered sipp "phone" (UAS); each call is
# answered, held HOLD_MS and hung up by the trunk. Prints the calls made,
# failed, the rate sipp achieved, and the switch's CPU time and RSS.
#
#   bench/calls.sh [RATE [CALLS [HOLD_MS]]]      (defaults 50 1000 1000)
#   REV=<commit> builds the switch from that commit instead of the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-50} CALLS=${2:-1000} HOLD=${3:-1000}
IP=127.0.99.1 TRUNK=127.0.99.2 PHONE=127.0.99.3 PORT=5960 PHONE_PORT=5961
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -n "${REV:-}" ]; then
  mkdir "$work/src"
  git archive "$REV" | tar -x -C "$work/src"
  (cd "$work/src" && go build -o "$work/obelisk" ./cmd/obelisk)
else
  go build -o "$work/obelisk" ./cmd/obelisk
fi
mkdir -p "$work/conf"
cat > "$work/conf/sip.conf" <<CONF
[general]
bindaddr=$IP
bindport=$PORT
[1001]
type=friend
host=dynamic
secret=bench-1001
context=phones
[pstn]
type=peer
host=$TRUNK
context=from-pstn
insecure=port,invite
CONF
cat > "$work/conf/extensions.conf" <<CONF
[from-pstn]
exten => _X.,1,Dial(SIP/1001,10)
 same => n,Hangup()
[phones]
CONF
"$work/obelisk" run --config "$work/conf" --data "$work/data" --log-level warn 2> "$work/obelisk.log" &
PID=$!
sleep 1
sipp -sn uas -i "$PHONE" -p "$PHONE_PORT" -nostdin -trace_err -error_file "$work/uas.err" >/dev/null 2>&1 &
sipp -sf testdata/sipp/register.xml -i "$PHONE" -p 5962 -m 1 -s 1001 -au 1001 -ap bench-1001 \
  -key contact_port "$PHONE_PORT" -nostdin "$IP:$PORT" >/dev/null
start_cpu=$(awk '{print $14+$15}' "/proc/$PID/stat")
sipp -sn uac -i "$TRUNK" -p 5963 -s 0522000000 -r "$RATE" -m "$CALLS" -d "$HOLD" -l $((RATE * 4)) \
  -nostdin -trace_stat -stf "$work/stat.csv" -fd 1 "$IP:$PORT" >/dev/null 2>&1 || true
end_cpu=$(awk '{print $14+$15}' "/proc/$PID/stat")
tick=$(getconf CLK_TCK)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
last=$(tail -n 1 "$work/stat.csv")
col() { head -n 1 "$work/stat.csv" | tr ';' '\n' | grep -n "^$1\$" | cut -d: -f1; }
ok=$(echo "$last" | cut -d';' -f"$(col SuccessfulCall\(C\))")
failed=$(echo "$last" | cut -d';' -f"$(col FailedCall\(C\))")
elapsed=$(echo "$last" | cut -d';' -f"$(col ElapsedTime\(C\))")
cpu_ms=$(( (end_cpu - start_cpu) * 1000 / tick ))
echo "rate=${RATE}cps calls=$CALLS hold=${HOLD}ms successful=$ok failed=$failed elapsed=$elapsed"
echo "switch cpu=${cpu_ms}ms cpu_per_call=$(awk -v c="$cpu_ms" -v n="$ok" 'BEGIN{ if (n>0) printf "%.2f", c/n; else print "n/a" }')ms peak_rss=${rss}kB"
kill -INT $PID; wait $PID 2>/dev/null || true
