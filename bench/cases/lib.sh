# SPDX-License-Identifier: GPL-2.0
# Guest helpers for the ccm benchmark cases (busybox sh). bench/run.sh copies
# this file into the guest as /tests/cases/demo_bench_lib.sh; the cases source
# it after /tests/guest-lib.sh. Every figure comes from kernel timestamps,
# never from shell sleeps: the ftrace buffer (ccm tracepoints, module_load,
# printk's console event, netif_receive_skb, workqueue) with the "global"
# trace clock, ccm's sysfs, and the local_clock() durations the baseline
# module ccm_cmbench reports. A figure's two ends always come from the same
# source, the trace buffer, and its end is the first matching event after
# its start.
#
# The ccm tracepoints exist only while ccm is loaded, and 6.1 cannot enable
# a module's events before it loads: where a figure starts at the module
# load itself (handshake, reconnect) its end is the console event of ccm's
# printk ("connected (...)", "client NAME connected"), printed in the same
# work item right after the traced transition.

T=/sys/kernel/tracing
BENCH_PORT=7472		# ccm_cmbench (RDMA CM)
CTL_PORT=7000		# side channel (TCP over eth0) between the benchmark scripts

# bench CATEGORY key=value...: one result line for bench/report.py
bench() {
	log "BENCH $*"
}

# tr_setup CLOCK EVENT...: fresh trace buffer with CLOCK and the events
tr_setup() {
	local clk=$1 e
	shift
	echo 0 > $T/tracing_on
	echo "$clk" > $T/trace_clock || fail "trace_clock $clk"
	echo 8192 > $T/buffer_size_kb
	echo 0 > $T/events/enable
	for e in "$@"; do
		echo 1 > "$T/events/$e/enable" || fail "cannot enable $e"
	done
	echo > $T/trace
	echo 1 > $T/tracing_on
}

# tr_ccm_on: enable the ccm events (ccm must be loaded)
tr_ccm_on() {
	echo 1 > $T/events/ccm/enable || fail "cannot enable the ccm events"
}

# kmsg_count ERE: how many kernel messages match ERE
kmsg_count() {
	dmesg | grep -cE -- "$1"
}

# quiet_wait SECONDS: let SECONDS pass without starting a process. The
# guests have one vCPU: a poll loop's dmesg | grep started right after a
# module load runs in the middle of what is measured (a trace showed the
# shell's children on the vCPU for about 7 of ccm's 40 traced
# milliseconds), while the baseline's modprobe blocks until its connection
# is up. The shell's builtin read times out on a FIFO nobody writes.
quiet_wait() {
	quiet_init
	read -r -t "$1" _ <> /tmp/quiet
}

# quiet_init: quiet_wait's FIFO (call it before a measured window)
quiet_init() {
	[ -p /tmp/quiet ] || mkfifo /tmp/quiet || fail "mkfifo /tmp/quiet"
}

# kmsg_wait_count ERE N TIMEOUT_S: until at least N kernel messages match
kmsg_wait_count() {
	local i=0
	while [ $i -lt $(($3 * 20)) ]; do
		[ "$(kmsg_count "$1")" -ge "$2" ] && return 0
		i=$((i + 1))
		usleep 50000
	done
	return 1
}

tr_clear() {
	echo > $T/trace
}

# tr_snap: copy the trace buffer to /tmp/tr (parsed by the functions below)
tr_snap() {
	cat $T/trace > /tmp/tr
}

# awk: the timestamp (seconds, as printed) of the current trace line
TR_LINE_TS='function tr_line_ts(i) {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^[0-9]+\.[0-9]+:$/) return substr($i, 1, length($i) - 1)
	return ""
}
'

# tr_ts ERE [first|last]: timestamp (seconds, as printed) of the first/last
# event in /tmp/tr whose line matches ERE; empty if none
tr_ts() {
	awk -v re="$1" -v which="${2:-first}" "$TR_LINE_TS"'
		/^#/ { next }
		$0 ~ re {
			ts = tr_line_ts()
			if (which == "first") { print ts; exit }
			last = ts
		}
		END { if (which == "last" && last != "") print last }' /tmp/tr
}

# tr_ts_after ERE LIMIT: first timestamp matching ERE that is >= LIMIT
tr_ts_after() {
	awk -v re="$1" -v lim="$2" "$TR_LINE_TS"'
		/^#/ { next }
		$0 ~ re {
			ts = tr_line_ts()
			if (ts + 0 >= lim + 0) { print ts; exit }
		}' /tmp/tr
}

# tr_ts_before ERE LIMIT: last timestamp matching ERE that is <= LIMIT
tr_ts_before() {
	awk -v re="$1" -v lim="$2" "$TR_LINE_TS"'
		/^#/ { next }
		$0 ~ re {
			ts = tr_line_ts()
			if (ts + 0 <= lim + 0) last = ts
		}
		END { if (last != "") print last }' /tmp/tr
}

# tr_ts_before2 ERE LIMIT: "LAST PREV", the last two such timestamps
tr_ts_before2() {
	awk -v re="$1" -v lim="$2" "$TR_LINE_TS"'
		/^#/ { next }
		$0 ~ re {
			ts = tr_line_ts()
			if (ts + 0 <= lim + 0) { prev = last; last = ts }
		}
		END { if (last != "") print last, prev }' /tmp/tr
}

# ns_between T0 T1: (T1 - T0) in ns, T0/T1 in seconds with up to 9 decimals;
# empty if either is empty
ns_between() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, "."); split(b, y, ".");
		fa = substr(x[2] "000000000", 1, 9); fb = substr(y[2] "000000000", 1, 9);
		# busybox awk reads "061113000" as octal: no leading zeros
		sub(/^0+/, "", fa); sub(/^0+/, "", fb);
		printf "%.0f\n", (y[1] - x[1]) * 1e9 + (fb + 0) - (fa + 0) }'
}

# ---- side channel: node 2 asks node 1 to act (TCP, busybox nc) ----

# ctl CMD [ARG...]: send one command line to node 1, print its one-line reply
ctl() {
	local i=0 out
	while [ $i -lt 100 ]; do
		out=$(echo "$*" | nc -w 10 "$PEER_ADDR" $CTL_PORT 2>/dev/null)
		if [ -n "$out" ]; then
			echo "$out"
			return 0
		fi
		i=$((i + 1))
		usleep 100000
	done
	fail "ctl $*: no answer from node 1"
	return 1
}

# ctl_wait_state STATE TIMEOUT_S: until node 1's ccm is in STATE
ctl_wait_state() {
	local i=0 st
	while [ $i -lt $(($2 * 5)) ]; do
		st=$(ctl state) || return 1
		[ "$st" = "$1" ] && return 0
		i=$((i + 1))
		usleep 200000
	done
	log "node 1 never reached $1 (last '$st')"
	return 1
}

# ---- misc ----

memfree_kb() {
	awk '/^MemFree:/ { print $2 }' /proc/meminfo
}

# cpu_busy_ticks: busy jiffies of the whole guest (all but idle + iowait)
cpu_busy_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

cpu_all_ticks() {
	awk '/^cpu / { s = 0; for (i = 2; i <= NF; i++) s += $i; print s }' /proc/stat
}

# wait_client_state NAME STATE TIMEOUT_S (quiet; bounded)
wait_client_state() {
	local f=$CCM_SYSFS/clients/$1/state i=0
	while [ $i -lt $(($3 * 20)) ]; do
		[ "$(cat $f 2>/dev/null)" = "$2" ] && return 0
		i=$((i + 1))
		usleep 50000
	done
	log "timeout: client $1 not $2 after $3 s (last '$(cat $f 2>/dev/null)')"
	return 1
}

# idle_window SETTING: one window of IDLE_S seconds, timed by trace markers
# (the trace is set up anew: set up again what the caller traces)
idle_window() {
	local setting=$1 b0 b1 a0 a1 h0 h1 t0 t1
	tr_setup global workqueue/workqueue_execute_start workqueue/workqueue_execute_end
	h0=$(counter heartbeats_sent 2>/dev/null || echo 0)
	b0=$(cpu_busy_ticks)
	a0=$(cpu_all_ticks)
	echo BENCH_IDLE_START > $T/trace_marker
	sleep "$IDLE_S"
	echo BENCH_IDLE_END > $T/trace_marker
	b1=$(cpu_busy_ticks)
	a1=$(cpu_all_ticks)
	h1=$(counter heartbeats_sent 2>/dev/null || echo 0)
	tr_snap
	t0=$(tr_ts 'BENCH_IDLE_START')
	t1=$(tr_ts 'BENCH_IDLE_END')
	# time inside ccm's work items (ccm and ccm_cb workqueues) in the window;
	# the function is printed as "name [module]"
	set -- $(awk -v a="$t0" -v b="$t1" "$TR_LINE_TS"'
		/^#/ { next }
		/workqueue_execute_(start|end):/ {
			ts = tr_line_ts() + 0
			if (ts < a || ts > b) next
			fn = ""; w = ""
			for (j = 1; j <= NF; j++) {
				if ($j == "struct") w = $(j + 1)
				if ($j == "function") fn = $(j + 1)
			}
			if (fn !~ /^ccm_/ || fn ~ /^ccm_cmbench/) next
			if ($0 ~ /execute_start:/) st[w] = ts
			else if (w in st) { tot += ts - st[w]; cnt++; delete st[w] }
		}
		END { printf "%.0f %d\n", tot * 1e9, cnt }' /tmp/tr)
	# /proc/stat counts in USER_HZ (100) ticks
	bench idle setting=$setting window_ns=$(ns_between "$t0" "$t1") ccm_work_ns=$1 works=$2 busy_ticks=$((b1 - b0)) all_ticks=$((a1 - a0)) heartbeats=$((h1 - h0))
}

# idle_windows SETTING COUNT: COUNT windows in a row (one trial each)
idle_windows() {
	local k=1
	while [ $k -le "$2" ]; do
		idle_window "$1"
		k=$((k + 1))
	done
}
