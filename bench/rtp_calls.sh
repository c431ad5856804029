#!/usr/bin/env bash
# Concurrent calls with RTP both ways through the switch. For each step of N
# calls: a sipp trunk (UAC, testdata/sipp/bench_trunk_rtp.xml) places N calls
# at RATE calls/s that the dialplan Dial()s to a registered sipp phone (UAS,
# bench_phone_echo.xml, run with -rtp_echo); the trunk plays a 20 ms G.711
# A-law stream (50 packets/s, made by bench/mkpcap from sipp's g711a.pcap)
# into each call for HOLD seconds, the phone echoes every packet back, the
# switch relays both ways; then the trunk hangs up. A fresh switch runs each
# step. Prints, per step, a Markdown row: calls, failures, RTP packet rates
# in the steady window (all N calls up), the switch's CPU and RSS.
#
#   bench/rtp_calls.sh [HOLD_S [N ...]]     (defaults 25 s; 50 100 200 400)
#   RATE=100 (calls/s while a step ramps up)  KEEP=1 (keep logs, print dir)
#   REV=HEAD (build the switch from that commit instead of the working tree)
#
# Needs root: sipp plays pcaps through a raw socket, and the run goes into a
# network namespace of its own (unshare -n) so that the kernel's UDP counters
# (/proc/net/snmp) and socket drop counters (ss -m) count only its packets.
# Traffic stays on that namespace's loopback. Takes about HOLD+8 s per step.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != --in-netns ]; then
	HOLD=${1:-25}
	shift || true
	STEPS=${*:-50 100 200 400}
	if [ "$(id -u)" != 0 ]; then
		echo "rtp_calls.sh: needs root (sipp's play_pcap_audio uses a raw socket; unshare -n)" >&2
		exit 1
	fi
	work=$(mktemp -d /tmp/obelisk-rtpbench.XXXXXX)
	[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
	if [ -n "${REV:-}" ]; then
		mkdir "$work/src"
		git archive "$REV" | tar -x -C "$work/src"
		(cd "$work/src" && go build -o "$work/obelisk" ./cmd/obelisk)
		desc=$(git describe --always "$REV")
	else
		go build -o "$work/obelisk" ./cmd/obelisk
		desc=$(git describe --always --dirty 2>/dev/null || echo '?')
	fi
	go run ./bench/mkpcap -s $((HOLD + 5)) -o "$work/bench_g711a.pcap"
	cp testdata/sipp/bench_trunk_rtp.xml testdata/sipp/bench_phone_echo.xml testdata/sipp/register.xml "$work/"
	echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(nproc) CPU $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
		"$(go version | awk '{print $3}'), obelisk $desc, hold ${HOLD}s, ramp ${RATE:-100} cps"
	if unshare -n true 2>/dev/null; then
		unshare -n "$0" --in-netns "$work" "$HOLD" $STEPS
	else
		echo "# warning: unshare -n failed: running in the host's network namespace, UDP counters include other traffic" >&2
		"$0" --in-netns "$work" "$HOLD" $STEPS
	fi
	[ -z "${KEEP:-}" ] || echo "# logs in $work"
	exit
fi

shift
work=$1 HOLD=$2
shift 2
RATE=${RATE:-100}
IP=127.0.98.1 TRUNK=127.0.98.2 PHONE=127.0.98.3
PORT=5990 PHONE_PORT=5991 REG_PORT=5992 TRUNK_PORT=5993 PHONE_MP=16400 TRUNK_MP=16500
ip link set lo up 2>/dev/null || true
tick=$(getconf CLK_TCK)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# snap NAME: the switch's CPU ticks and RSS, the sipps' CPU ticks, the
# machine's busy/total ticks, the namespace's UDP counters and the drop
# counters of the trunk's and phone's media sockets and the switch's sockets.
snap() {
	local v
	v="t=$(date +%s%N) cpu=$(awk '{print $14+$15}' "/proc/$SW/stat")"
	v+=" rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SW/status")"
	v+=" sipp=$({ cat "/proc/$TR/stat" "/proc/$PH/stat" 2>/dev/null || true; } | awk '{s+=$14+$15} END {print s+0}')"
	v+=" $(awk '/^cpu / {print "busy=" $2+$3+$4+$7+$8 " all=" $2+$3+$4+$5+$6+$7+$8}' /proc/stat)"
	v+=" $(awk '/^Ip: [0-9]/ {print "ipout=" $11} /^Icmp: [0-9]/ {print "icmpout=" $16}
		/^Udp: [0-9]/ {print "in=" $2 " noport=" $3 " out=" $5 " rcvbuf=" $6}' /proc/net/snmp)"
	v+=" $(ss -u -a -n -m -H | awk -v t="$TRUNK:$TRUNK_MP" -v p="$PHONE:$PHONE_MP" -v s="$IP:" '
		/skmem/ { match($0, /,d[0-9]+\)/); d = substr($0, RSTART + 2, RLENGTH - 3)
			match($0, /\(r[0-9]+,/); r = substr($0, RSTART + 2, RLENGTH - 3)
			if (loc == t) dt += d; else if (loc == p) dp += d; else if (index(loc, s) == 1) { ds += d; qs += r; socks++ }
			next }
		{ loc = $4 }
		END { print "dt=" dt + 0 " dp=" dp + 0 " ds=" ds + 0 " qs=" qs + 0 " socks=" socks + 0 }')"
	local kv
	for kv in $v; do eval "${1}_$kv"; done
}

col() { head -n 1 "$1" | tr ';' '\n' | grep -n "^$2\$" | cut -d: -f1; }
last() { tail -n 1 "$1" | cut -d';' -f"$(col "$1" "$2")"; }

echo "| calls up | successful | failed | RTP pkt/s trunk→switch | switch→phone | switch→trunk | relayed to phone / back | drops at switch / phone | switch backlog | switch CPU, whole step | per call | per call-second | switch CPU, steady | per call-second, steady | sipp CPU, steady | other CPU | RSS idle → steady | RSS per call | peak RSS |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for N in "$@"; do
	d=$work/step$N
	mkdir -p "$d/conf"
	cd "$d"
	cat > conf/sip.conf <<-CONF
		[general]
		bindaddr=$IP
		bindport=$PORT
		[1001]
		type=friend
		host=dynamic
		secret=bench-1001
		context=phones
		disallow=all
		allow=alaw
		[pstn]
		type=peer
		host=$TRUNK
		context=from-pstn
		insecure=port,invite
		disallow=all
		allow=alaw
	CONF
	printf '[from-pstn]\nexten => _X.,1,Dial(SIP/1001,10)\n same => n,Hangup()\n[phones]\n' > conf/extensions.conf
	"$work/obelisk" run --config conf --data data --log-level warn 2> obelisk.log &
	SW=$!
	pids+=("$SW")
	for _ in $(seq 50); do
		[ -n "$(ss -u -l -n -H "sport = :$PORT")" ] && break
		sleep 0.1
	done
	ramp=$(((N + RATE - 1) / RATE))
	tmax=$((HOLD + ramp + 30))
	sipp -sf "$work/bench_phone_echo.xml" -i "$PHONE" -p "$PHONE_PORT" -mi "$PHONE" -mp "$PHONE_MP" -rtp_echo \
		-m "$N" -timeout "${tmax}s" -nostdin -trace_err -trace_stat -stf phone.csv -fd 1 >/dev/null 2>&1 &
	PH=$!
	pids+=("$PH")
	sipp -sf "$work/register.xml" -i "$PHONE" -p "$REG_PORT" -m 1 -s 1001 -au 1001 -ap bench-1001 \
		-key contact_port "$PHONE_PORT" -timeout 10s -nostdin "$IP:$PORT" >/dev/null 2>&1 ||
		{ echo "step $N: phone did not register" >&2; exit 1; }
	sleep 1
	TR=$PH
	snap idle
	sipp -sf "$work/bench_trunk_rtp.xml" -i "$TRUNK" -p "$TRUNK_PORT" -mi "$TRUNK" -mp "$TRUNK_MP" -s 0522000000 \
		-r "$RATE" -m "$N" -l "$N" -d $((HOLD * 1000)) -timeout "${tmax}s" \
		-nostdin -trace_err -trace_stat -stf trunk.csv -fd 1 "$IP:$PORT" >/dev/null 2>&1 &
	TR=$!
	pids+=("$TR")
	snap s0
	# The steady window: from 2 s after the last call is up to 2 s before
	# the first hangs up.
	win=$((HOLD - ramp - 4))
	[ "$win" -ge 3 ] || { echo "HOLD too short for $N calls at $RATE cps" >&2; exit 1; }
	sleep $((ramp + 2))
	snap a
	sleep "$win"
	snap b
	wait "$TR" || true
	snap e
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SW/status")
	wait "$PH" || true
	kill -INT "$SW"
	wait "$SW" 2>/dev/null || true
	ok=$(last trunk.csv 'SuccessfulCall(C)') failed=$(last trunk.csv 'FailedCall(C)')
	phone_ok=$(last phone.csv 'SuccessfulCall(C)')
	# sipp's "Overload warning: the minor watchdog timer ... tripped": sipp
	# itself ran late (CPU starved), so its traffic was late too.
	late=$(cat ./*_errors.log 2>/dev/null | grep -o 'watchdog timer [0-9]*ms has been tripped' | wc -l || true)
	awk -v N="$N" -v hold="$HOLD" -v tick="$tick" -v ok="$ok" -v failed="$failed" -v phone_ok="$phone_ok" -v late="$late" \
		-v w="$(((b_t - a_t) / 1000000))" \
		-v ipout="$((b_ipout - a_ipout - b_icmpout + a_icmpout))" -v out="$((b_out - a_out))" -v noport="$((b_noport - a_noport))" \
		-v dt="$((b_dt - a_dt))" -v dp="$((b_dp - a_dp))" -v ds="$((b_ds - a_ds))" -v rcvbuf="$((b_rcvbuf - a_rcvbuf))" \
		-v cpu_all="$((e_cpu - s0_cpu))" -v cpu_win="$((b_cpu - a_cpu))" -v sipp_win="$((b_sipp - a_sipp))" \
		-v qs="$b_qs" -v ncpu="$(nproc)" -v busy="$((b_busy - a_busy))" -v all="$((b_all - a_all))" \
		-v rss_idle="$idle_rss" -v rss_b="$b_rss" -v peak="$hwm" 'BEGIN {
		s = w / 1000
		# Steady window, no call set up or torn down: every datagram is RTP
		# (plus RTCP to ports nobody bound, counted as NoPorts). T, what the
		# trunk sent through its raw socket, is the IP packets sent less the
		# UDP and ICMP ones. The trunk never reads its media socket (full, so
		# every packet the switch relays to it is a drop there: C = dt); the
		# phone echoes what it reads: out = A (switch to phone) + B (echo) + C
		# + RTCP, and B = A - dp.
		T = ipout - out; C = dt; A = (out - noport - C + dp) / 2; B = A - dp
		printf "| %d | %d | %s | %.0f | %.0f | %.0f | %.1f%% / %.1f%% | %d / %d | %.0f kB | %.2f s | %.1f ms | %.2f ms | %.0f%% | %.2f ms | %.0f%% | %.0f%% | %.1f → %.1f MB | %.0f kB | %.1f MB |\n",
			N, ok, failed (phone_ok != ok ? " (phone: " phone_ok " successful)" : "") (late > 0 ? " (sipp late ×" late ")" : ""),
			T / s, A / s, C / s, 100 * A / T, 100 * C / B, ds, dp, qs / 1024,
			cpu_all / tick, 1000 * cpu_all / tick / ok, 1000 * cpu_all / tick / (ok * hold),
			100 * cpu_win / tick / s, 1000 * cpu_win / tick / (N * s), 100 * sipp_win / tick / s, 100 * (busy / all * ncpu - (cpu_win + sipp_win) / tick / s),
			rss_idle / 1024, rss_b / 1024, (rss_b - rss_idle) / N, peak / 1024
	}'
	cd - >/dev/null
done
