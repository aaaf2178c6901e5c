# SPDX-License-Identifier: GPL-2.0
# Helpers for ccm VM test cases; sourced by /init in each guest (busybox sh).
# A case file tests/vm/cases/NAME.sh defines node1() and node2(); it may carry
# a line "# timeout: N" (seconds, whole case, host side; default 240) and a
# line "# nics: 2" (two interconnect links: eth0/rxe0 on 169.254.0.0/24 and
# eth1/rxe1 on 169.254.1.0/24; default one, eth0/rxe0 on 169.254.0.0/16).
# NICS: 1 or 2. MY_ADDR/PEER_ADDR: this node's / the partner's address on the
# first link, MY_ADDR2/PEER_ADDR2 on the second (only up with NICS=2).

NODE=${NODE:-1}
NICS=${NICS:-1}
case $NODE in 1) PEER_NODE=2 ;; *) PEER_NODE=1 ;; esac
MY_ADDR=169.254.0.$NODE
PEER_ADDR=169.254.0.$PEER_NODE
MY_ADDR2=169.254.1.$NODE
PEER_ADDR2=169.254.1.$PEER_NODE
CCM_SYSFS=/sys/kernel/ccm
CCMT_FAILFILE=/tmp/ccmt.failed

# Monotonic time since boot in ms (from /proc/timer_list, else /proc/uptime).
now_ms() {
	local ns
	ns=$(sed -n '3{s/^now at \([0-9]*\) nsecs.*/\1/p;q}' /proc/timer_list 2>/dev/null)
	if [ -n "$ns" ]; then
		echo $((ns / 1000000))
	else
		awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
	fi
}

# uptime as seconds with ms: 12.345
now_s() {
	local ms
	ms=$(now_ms)
	printf '%d.%03d\n' $((ms / 1000)) $((ms % 1000))
}

log() {
	echo "CCMT node=$NODE t=$(now_s) $*"
}

fail() {
	echo "$*" >> "$CCMT_FAILFILE"
	log "FAIL: $*"
	return 1
}

ccmt_failed() {
	[ -s "$CCMT_FAILFILE" ]
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		log "ok $1=$2"
	else
		fail "$1: got '$2', want '$3'"
	fi
}

# wait_file_eq FILE VALUE TIMEOUT_S -- poll every 0.1 s; nonzero on timeout
wait_file_eq() {
	local f=$1 want=$2 to=$3 got= start deadline n=0 max
	start=$(now_ms)
	deadline=$((start + to * 1000))
	max=$((to * 10 + 10))
	while :; do
		got=$(cat "$f" 2>/dev/null)
		if [ "$got" = "$want" ]; then
			log "$f=$want after $(($(now_ms) - start)) ms"
			return 0
		fi
		n=$((n + 1))
		if [ $n -ge $max ] || [ "$(now_ms)" -ge $deadline ]; then
			log "timeout after ${to}s waiting for $f=$want (last '$got')"
			return 1
		fi
		sleep 0.1
	done
}

# wait_state STATE TIMEOUT_S
wait_state() {
	wait_file_eq "$CCM_SYSFS/state" "$1" "$2"
}

# run_logged CMD [ARGS...]: run it, log the command, its exit code and
# output; return its exit code
run_logged() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	log "$* -> rc=$rc${out:+ ($out)}"
	return $rc
}

# ccm_load [extra module params]
ccm_load() {
	run_logged modprobe ccm peer_addr="$PEER_ADDR" "$@"
}

ccm_unload() {
	run_logged rmmod ccm
}

# print every file under /sys/kernel/ccm as path=value
sysfs_dump() {
	local d=${1:-$CCM_SYSFS} f
	[ -d "$d" ] || { log "sysfs_dump: no $d"; return 1; }
	find "$d" -type f | sort | while read -r f; do
		echo "$f=$(cat "$f" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
	done
}

# counter NAME
counter() {
	cat "$CCM_SYSFS/counters/$1"
}

# ---- ccm-specific checks shared by the cases ----

# wait_rxe_active [DEV]: DEV (default rxe0) follows its netdev's carrier
# (rxe0: eth0, rxe1: eth1): wait (bounded) until it is ACTIVE.
wait_rxe_active() {
	local dev=${1:-rxe0} i=0
	while [ $i -lt 100 ]; do
		case $(rdma link show "$dev/1" 2>&1) in
		*"state ACTIVE"*) return 0 ;;
		esac
		i=$((i + 1))
		sleep 0.1
	done
	fail "$dev never became ACTIVE"
}

# rxe_sent_pkts [DEV]: packets DEV (default rxe0) sent, from `rdma
# statistic` (a counter that moves only when RDMA traffic crossed the link).
rxe_sent_pkts() {
	rdma statistic show link "${1:-rxe0}/1" 2>/dev/null |
		tr ' ' '\n' | sed -n '/^sent_pkts$/{n;p;q}'
}

# expect_ge NAME GOT MIN
expect_ge() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null; then
		log "ok $1=$2 (>= $3)"
	else
		fail "$1: got '$2', want >= $3"
	fi
}

# expect_ne NAME GOT NOT
expect_ne() {
	if [ "$2" != "$3" ]; then
		log "ok $1=$2"
	else
		fail "$1: got '$2', want anything else"
	fi
}

# The checks every connected node must pass.
check_connected() {
	expect_eq state "$(cat $CCM_SYSFS/state)" connected
	expect_ge handshakes "$(counter handshakes)" 1
	expect_ge writes_completed "$(counter writes_completed)" 1
	expect_eq illegal_events "$(counter illegal_events)" 0
	expect_eq peer_addr "$(cat $CCM_SYSFS/peer_addr)" "$PEER_ADDR"
	expect_ne peer_epoch "$(cat $CCM_SYSFS/peer_epoch)" 0000000000000000
	expect_ne peer_node_id "$(cat $CCM_SYSFS/peer_node_id)" 0000000000000000
	expect_ge last_handshake_ns "$(cat $CCM_SYSFS/last_handshake_ns)" 1
	expect_ge rxe_sent_pkts "$(rxe_sent_pkts)" 1
}

# Print this node's identity so the host (and a reader) can cross-check:
# each node's peer_epoch must be the other's local_epoch.
log_identity() {
	log "IDENTITY local_epoch=$(cat $CCM_SYSFS/local_epoch) peer_epoch=$(cat $CCM_SYSFS/peer_epoch) node_id=$(cat $CCM_SYSFS/node_id) peer_node_id=$(cat $CCM_SYSFS/peer_node_id)"
}

# ---- client (ccm_echo) helpers ----

# echo_load [params]: load the sample client
echo_load() {
	run_logged modprobe ccm_echo "$@"
}

echo_unload() {
	run_logged rmmod ccm_echo
}

# echo_wait_verified NAME NR_QPS TIMEOUT_S: every QP ping-ponged and the
# partner's RDMA write verified, as seen by the sample on this node
echo_wait_verified() {
	local d=/sys/kernel/ccm_echo/$1
	wait_file_eq "$d/qps_ok" "$2" "$3" || { fail "$1: qps_ok $(cat $d/qps_ok 2>&1), want $2"; return 1; }
	wait_file_eq "$d/write_ok" 1 "$3" || { fail "$1: write not verified"; return 1; }
	expect_eq "$1.errors" "$(cat $d/errors)" 0
	expect_eq "$1.ccm_state" "$(cat $CCM_SYSFS/clients/$1/state)" connected
}

# echo_check_all PREFIX COUNT NR_QPS TIMEOUT_S
echo_check_all() {
	local i=0
	while [ $i -lt "$2" ]; do
		echo_wait_verified "$1$i" "$3" "$4" || return 1
		i=$((i + 1))
	done
	log "all $2 clients x $3 QPs verified"
}

# echo_stream_alive NAME [N]: NAME's request stream (ccm_echo stream_ms=)
# moves on: N (default 10) more requests acknowledged within 10 s
echo_stream_alive() {
	local f=/sys/kernel/ccm_echo/$1/reqs_acked n0
	n0=$(cat "$f")
	wait_cmd 10 file_ge "$f" $((n0 + ${2:-10}))
}

# echo_stream_log NAME: its request stream's counters, one line
echo_stream_log() {
	local d=/sys/kernel/ccm_echo/$1 c out=
	for c in reqs_sent reqs_acked reqs_pending reposted reqs_again flushed errors; do
		out="$out $c=$(cat $d/$c)"
	done
	log "$1 stream:$out"
}

# qpn_count NAME local|peer: how many QP numbers sysfs lists
qpn_count() {
	cat "$CCM_SYSFS/clients/$1/$2_qpns" | wc -w
}

# crash_now: this guest vanishes at once, the way a crashed or powered-off
# node does (no module unload, no disconnect): report the result so far,
# then power off immediately. Uses /init's finish().
crash_now() {
	log "crashing now"
	if ccmt_failed; then finish fail; else finish pass; fi
}

# ---- fault tests: timing, reconnects, RDMA resources ----

# state_now: ccm's state, or "unloaded"
state_now() {
	cat $CCM_SYSFS/state 2>/dev/null || echo unloaded
}

# wait_left_connected TIMEOUT_S: poll every 10 ms until ccm's state is not
# "connected"; sets LEFT_MS (now_ms right after) and LEFT_STATE.
wait_left_connected() {
	local to=$1 i=0 max st
	max=$((to * 100))
	while [ $i -lt $max ]; do
		st=$(state_now)
		[ "$st" != connected ] && break
		i=$((i + 1))
		usleep 10000
	done
	LEFT_MS=$(now_ms)
	LEFT_STATE=$st
	if [ "$st" = connected ]; then
		log "still connected after ${to}s"
		return 1
	fi
	log "state left connected: $st"
}

# klog_ms: the time stamp of a kernel log line on stdin, in ms
klog_ms() {
	sed -n 's/^\[ *\([0-9]*\)\.\([0-9][0-9][0-9]\).*/\1\2/p' | sed 's/^0*\([0-9]\)/\1/'
}

# wait_client_told NAME DISCONNECTS BOUND_MS: after wait_left_connected,
# the client's DISCONNECTS-th ->disconnected() ran within BOUND_MS of
# ccm's "connection lost" (waits up to 10 s). Timed by the kernel log's
# stamps: this shell's polling is slow on a loaded guest.
wait_client_told() {
	local d=/sys/kernel/ccm_echo/$1 i=0 t t0 t1
	while [ $i -lt 1000 ] && [ "$(cat $d/disconnects)" -lt "$2" ]; do
		i=$((i + 1))
		usleep 10000
	done
	if [ "$(cat $d/disconnects)" -lt "$2" ]; then
		fail "$1 not told within 10 s of the loss"
		return 1
	fi
	t0=$(dmesg | grep "ccm: .*: connection lost" | tail -n 1 | klog_ms)
	t1=$(dmesg | grep "ccm_echo: $1: disconnected" | sed -n "$2p" | klog_ms)
	if [ -z "$t0" ] || [ -z "$t1" ]; then
		fail "$1: no 'connection lost' or '$1: disconnected' in the kernel log"
		return 1
	fi
	t=$((t1 - t0))
	log "$1 told (disconnects=$(cat $d/disconnects)) $t ms after ccm's connection lost (kernel log)"
	[ $t -le "$3" ] || fail "$1 told $t ms after the connection was lost (bound $3 ms)"
}

# log_detection BOUND_MS: log DETECTION (last_detection_ns, recorded with
# the clients' notification) and check it
log_detection() {
	local det
	det=$(cat $CCM_SYSFS/last_detection_ns)
	log "DETECTION ms=$((det / 1000000)) last_detection_ns=$det state=$LEFT_STATE partner_lost=$(counter partner_lost) writes_failed=$(counter writes_failed) connections_lost=$(counter connections_lost)"
	if [ "$det" -gt 0 ] && [ "$det" -le $(($1 * 1000000)) ]; then
		log "ok detected within $((det / 1000000)) ms (bound $1 ms)"
	else
		fail "detection took $det ns (bound $1 ms)"
	fi
}

# wait_cmd TIMEOUT_S CMD...: run CMD every 0.1 s until it succeeds
wait_cmd() {
	local to=$1 i=0 max start deadline
	shift
	start=$(now_ms)
	deadline=$((start + to * 1000))
	max=$((to * 10 + 10))
	while [ $i -lt $max ]; do
		if "$@"; then
			log "'$*' after $(($(now_ms) - start)) ms"
			return 0
		fi
		[ "$(now_ms)" -ge $deadline ] && break
		i=$((i + 1))
		sleep 0.1
	done
	log "timeout after ${to}s waiting for '$*'"
	return 1
}

# file_ge FILE N: FILE holds a number >= N (for wait_cmd)
file_ge() {
	[ "$(cat "$1" 2>/dev/null || echo -1)" -ge "$2" ]
}

# counter_ge NAME N: ccm counter NAME >= N (for wait_cmd)
counter_ge() {
	[ "$(counter "$1")" -ge "$2" ]
}

# connected_to NODE_ID_HEX16: ccm is connected and the partner has this node_id
connected_to() {
	[ "$(state_now)" = connected ] && [ "$(cat $CCM_SYSFS/peer_node_id)" = "$1" ]
}

# connected_counter_ge NAME N: connected, with counter NAME at least N
connected_counter_ge() {
	[ "$(state_now)" = connected ] && counter_ge "$1" "$2"
}

# icmp_in_echos: echo requests this node has received (from /proc/net/snmp)
icmp_in_echos() {
	awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 }
		else { print $c; exit } }' /proc/net/snmp
}

# signal_partner LABEL / wait_partner_signal LABEL TIMEOUT_S: order a step
# on one node after a step on the other without relying on the two guests'
# boot timing. The signal is an ICMP echo to the partner's first address;
# the waiter waits (bounded) until its count of received echo requests
# moves. Only for cases that send no other pings.
signal_partner() {
	if ping -c 3 -W 1 "$PEER_ADDR" > /dev/null 2>&1; then
		log "signalled the partner: $1"
	else
		fail "could not signal the partner ($1): no echo reply from $PEER_ADDR"
	fi
}

wait_partner_signal() {
	wait_cmd "$2" eval '[ "$(icmp_in_echos)" -ge 1 ]' ||
		fail "no signal from the partner within $2 s: $1"
}

# stays_connected: still connected 8 s on; then up 3 s more, since the
# partner makes the same check at about the same time
stays_connected() {
	sleep 8
	expect_eq state_after_8s "$(cat $CCM_SYSFS/state)" connected
	sleep 3
}

# echo_connected_now NAME: the client holds a link and ccm says connected
echo_connected_now() {
	[ "$(cat /sys/kernel/ccm_echo/$1/connected 2>/dev/null)" = 1 ] &&
		[ "$(cat $CCM_SYSFS/clients/$1/state 2>/dev/null)" = connected ]
}

# echo_wait_round NAME CONNECTS NR_QPS TIMEOUT_S: the client's CONNECTS-th
# link is up and verified by data (ping-pong on every QP, the partner's write)
echo_wait_round() {
	wait_file_eq /sys/kernel/ccm_echo/$1/connects "$2" "$4" ||
		{ fail "$1: connects $(cat /sys/kernel/ccm_echo/$1/connects), want $2"; return 1; }
	echo_wait_verified "$1" "$3" "$4"
}

# echo_wait_current PREFIX COUNT NR_QPS TIMEOUT_S: every client is connected
# now (a link that is up, not an earlier round's results) and verified
echo_wait_current() {
	local i=0
	while [ $i -lt "$2" ]; do
		wait_cmd "$4" echo_connected_now "$1$i" ||
			{ fail "$1$i not connected"; return 1; }
		echo_wait_verified "$1$i" "$3" "$4" || return 1
		i=$((i + 1))
	done
	log "all $2 clients x $3 QPs connected now and verified"
}

# echo_log NAME: the sample's results in one line
echo_log() {
	local d=/sys/kernel/ccm_echo/$1 f out=
	for f in connected connects disconnects qps_ok write_ok errors; do
		out="$out $f=$(cat $d/$f 2>/dev/null)"
	done
	log "echo $1:$out ccm_state=$(cat $CCM_SYSFS/clients/$1/state 2>/dev/null)"
}

# rdma_res_counts [DEV]: "pd=N cq=N qp=N mr=N cm_id=N" for DEV (default
# rxe0) from `rdma resource show` (lines like
# "0: rxe0: pd 1 cq 2 qp 1 cm_id 0 mr 0 ctx 0 srq 0"); "none" if absent
rdma_res_counts() {
	rdma resource show 2>/dev/null | awk -v dev="${1:-rxe0}:" '
		$2 == dev {
			for (i = 3; i < NF; i += 2) v[$i] = $(i + 1)
			printf "pd=%s cq=%s qp=%s mr=%s cm_id=%s\n", v["pd"], v["cq"], v["qp"], v["mr"], v["cm_id"]
			found = 1
		}
		END { if (!found) print "none" }'
}

# res_counts DEV...: rdma_res_counts of one DEV as is; of several,
# "DEV: counts" for each, joined by "; "
res_counts() {
	local dev out=
	if [ $# = 1 ]; then
		rdma_res_counts "$1"
		return
	fi
	for dev in "$@"; do
		out="$out${out:+; }$dev: $(rdma_res_counts "$dev")"
	done
	echo "$out"
}

# res_baseline [DEV...]: remember the resource counts of the DEVs (default:
# the interconnect's rxe devices, rxe0 and with NICS=2 also rxe1) before ccm
# is loaded; expect_res_baseline checks the same devices
res_baseline() {
	if [ $# -gt 0 ]; then
		echo "$*" > /tmp/ccmt.res_devs
	elif [ "$NICS" = 2 ]; then
		echo "rxe0 rxe1" > /tmp/ccmt.res_devs
	else
		echo rxe0 > /tmp/ccmt.res_devs
	fi
	res_counts $(cat /tmp/ccmt.res_devs) > /tmp/ccmt.res_base
	log "RESOURCES baseline $(cat /tmp/ccmt.res_base) ($(rdma resource show 2>&1 | tr '\n' ' '))"
}

# expect_res_baseline LABEL: the counts of res_baseline's devices (rxe0 by
# default) equal the baseline again (ccm and its clients unloaded); 3 s to
# settle, how long it took is logged
expect_res_baseline() {
	local want got i=0 start devs
	want=$(cat /tmp/ccmt.res_base)
	devs=$(cat /tmp/ccmt.res_devs 2>/dev/null || echo rxe0)
	start=$(now_ms)
	while :; do
		got=$(res_counts $devs)
		[ "$got" = "$want" ] && break
		[ $i -ge 30 ] && break
		i=$((i + 1))
		sleep 0.1
	done
	if [ "$got" = "$want" ]; then
		log "ok RESOURCES $1: $got = baseline (after $(($(now_ms) - start)) ms)"
	else
		fail "RESOURCES $1: $got, baseline $want ($(rdma resource show 2>&1 | tr '\n' ' '))"
		rdma resource show qp 2>&1 | head -n 20
		rdma resource show cq 2>&1 | head -n 20
		rdma resource show mr 2>&1 | head -n 20
		rdma resource show pd 2>&1 | head -n 20
	fi
}

# ---- kmemleak (the debug kernel) ----

KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_mark: forget what kmemleak has found so far (boot, earlier
# cases): expect_no_leak then sees only what came after.
kmemleak_mark() {
	[ -w $KMEMLEAK ] || return 0
	echo scan > $KMEMLEAK
	echo clear > $KMEMLEAK
}

# kmemleak_ours LABEL: once what was just freed or leaked is older than
# kmemleak's minimum age (5 s), two scans; print how many unreferenced
# objects ccm's modules allocated (see expect_no_leak); the reports in
# /tmp/kmemleak.ours. Fails (and prints nothing) when kmemleak is off.
kmemleak_ours() {
	sleep 6
	# a kmemleak that turned itself off (out of memory) refuses the scan
	if ! { echo scan > $KMEMLEAK && echo scan > $KMEMLEAK; } 2>/dev/null ||
		dmesg | grep -q 'kmemleak: .*disabled'; then
		fail "KMEMLEAK $1: kmemleak is off: $(dmesg | grep 'kmemleak:' | tail -n 1)"
		return 1
	fi
	cat $KMEMLEAK > /tmp/kmemleak.all
	awk '/^unreferenced object/ { if (hit) printf "%s", blk; blk = ""; hit = 0 }
		{ blk = blk $0 "\n" }
		/\[ccm(_echo|_rogue)?\]/ || /\] 0x[0-9a-f]+$/ { hit = 1 }
		END { if (hit) printf "%s", blk }' /tmp/kmemleak.all > /tmp/kmemleak.ours
	# the count, 0 included (grep -c exits 1 on no match)
	grep -c '^unreferenced object' /tmp/kmemleak.ours || :
}

# expect_no_leak LABEL: no object that ccm or ccm_echo allocated is left
# unreferenced (kmemleak_ours): a leak is a report whose allocation backtrace runs
# through their code: [ccm] / [ccm_echo] while loaded, a bare module
# address (no symbol) once unloaded (no other module is unloaded in the
# cases that use this). Without kmemleak (the stock kernel) only a log.
expect_no_leak() {
	local ours
	[ -w $KMEMLEAK ] || { log "kmemleak: not in this kernel"; return 0; }
	ours=$(kmemleak_ours "$1") || return
	if [ "$ours" = 0 ]; then
		log "ok KMEMLEAK $1: none of ccm's ($(grep -c '^unreferenced object' /tmp/kmemleak.all) unreferenced objects in all)"
	else
		fail "KMEMLEAK $1: $ours unreferenced objects allocated by ccm or ccm_echo"
		head -n 40 /tmp/kmemleak.ours
	fi
}

# expect_leak_found PEER: the check above can fail: ccm_rogue.ko in mode
# 12 leaks one object at load; after its unload kmemleak must report it.
expect_leak_found() {
	local ours
	[ -w $KMEMLEAK ] || return 0
	kmemleak_mark
	modprobe ccm_rogue peer_addr="$1" rogue=12 || { fail "modprobe ccm_rogue rogue=12"; return; }
	rmmod ccm_rogue || { fail "rmmod ccm_rogue"; return; }
	ours=$(kmemleak_ours leak_on_purpose) || return
	if [ "$ours" -ge 1 ] && grep -q 'size 96' /tmp/kmemleak.ours; then
		log "ok KMEMLEAK the rogue's object leaked on purpose is reported ($ours)"
	else
		fail "KMEMLEAK: the object ccm_rogue leaked on purpose is not reported ($ours)"
		head -n 20 /tmp/kmemleak.all
	fi
	kmemleak_mark
}

# ---- ccm's tracepoints (tests/vm/msc.py draws them) ----

CCM_TRACEFS=/sys/kernel/tracing

# ccm_trace_on: record every ccm:* event from now on. The events exist only
# once ccm is loaded, and its first handshake may end before modprobe
# returns (a partner already waiting): see ccm_load_traced.
ccm_trace_on() {
	[ -d $CCM_TRACEFS/events/ccm ] || { fail "no $CCM_TRACEFS/events/ccm"; return 1; }
	echo 1 > $CCM_TRACEFS/events/ccm/enable || { fail "cannot enable ccm events"; return 1; }
	echo 1 > $CCM_TRACEFS/tracing_on
}

# ccm_load_traced [params]: load ccm with tracing on before its handshake
# can begin: rxe0 is removed, ccm loaded (without a device its first
# attempt fails: it waits), tracing turned on, rxe0 added back, which
# kicks ccm into its next attempt at once, as in early boot (that one may
# still find the new device not ready and wait another wait_timeout_ms).
ccm_load_traced() {
	rdma link del rxe0 || { fail "rdma link del rxe0"; return 1; }
	ccm_load "$@" || { fail "modprobe ccm failed"; return 1; }
	ccm_trace_on || return 1
	rdma link add rxe0 type rxe netdev eth0 || { fail "rdma link add rxe0"; return 1; }
	wait_rxe_active rxe0
}

# ccm_trace_dump [FILE]: print the ccm records of FILE (default: the trace
# buffer now) as "CCMT-TRACE node=N <record>" lines, the first 6 heartbeat
# records only, then "CCMT-TRACE-END node=N"; the host picks them out of
# the console log (tests/vm/msc.py).
ccm_trace_dump() {
	awk -v p="CCMT-TRACE node=$NODE" \
		'/ ccm_/ { if (/op=heartbeat/ && ++hb > 6) next; print p, $0 }' \
		"${1:-$CCM_TRACEFS/trace}"
	echo "CCMT-TRACE-END node=$NODE"
}

# ---- several links (cases with "# nics: 2") ----

# link_state N / link_is N STATE / link_left N / both_links_up
link_state() {
	cat $CCM_SYSFS/links/$1/state 2>/dev/null
}

link_is() {
	[ "$(link_state "$1")" = "$2" ]
}

link_left() {
	! link_is "$1" connected
}

both_links_up() {
	link_is 0 connected && link_is 1 connected
}

# connect_with_echo CLIENTS QPS TIMEOUT_S [CCM_PARAM...]: load ccm (with
# the given parameters) and ccm_echo (CLIENTS x QPS), wait until connected
# and every client is verified by data
connect_with_echo() {
	local clients=$1 qps=$2 tmo=$3
	shift 3
	wait_rxe_active
	ccm_load "$@" || { fail "modprobe ccm failed"; return 1; }
	echo_load clients="$clients" qps="$qps" || { fail "modprobe ccm_echo failed"; return 1; }
	wait_state connected 60 || { fail "never connected"; return 1; }
	echo_check_all echo "$clients" "$qps" "$tmo"
}

# watch_partner_start / watch_partner_stop LABEL: the partner must read
# connected at every look (every 10 ms, 200 s at most) in between; the
# looks that did not are the failure's reason.
watch_partner_start() {
	rm -f /tmp/watch.done /tmp/partner.left
	(
		n=0
		while [ ! -f /tmp/watch.done ] && [ $n -lt 20000 ]; do
			st=$(state_now)
			[ "$st" = connected ] || echo "$(now_ms) $st" >> /tmp/partner.left
			n=$((n + 1))
			usleep 10000
		done
	) &
	WATCH_PID=$!
}

watch_partner_stop() {
	touch /tmp/watch.done
	wait "$WATCH_PID"
	if [ -s /tmp/partner.left ]; then
		fail "$1: the partner left connected: $(head -n 3 /tmp/partner.left | tr '\n' ' ')"
	else
		log "$1: the partner read connected throughout"
	fi
}

# expect_undisturbed LABEL: after watch_partner_start, an attack on this
# node (LABEL) left it as it was: the partner read connected throughout,
# nothing lost, one handshake, and echo0 connected once and never told
# anything
expect_undisturbed() {
	watch_partner_stop "$1"
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	expect_eq handshakes "$(counter handshakes)" 1
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
}

# expect_crash_detected BOUND_MS: wait (30 s at most, polling every
# 10 ms) until the partner's state leaves connected after it crashed, and
# check last_detection_ns (its last sign of life -> declared lost) is
# within BOUND_MS; logs DETECTION.
expect_crash_detected() {
	local i=0 st det
	while [ $i -lt 3000 ]; do
		st=$(cat $CCM_SYSFS/state)
		[ "$st" != connected ] && break
		i=$((i + 1))
		usleep 10000
	done
	log "state left connected: $st"
	expect_ne state_after_crash "$st" connected
	det=$(cat $CCM_SYSFS/last_detection_ns)
	log "DETECTION last_detection_ns=$det partner_lost=$(counter partner_lost) writes_failed=$(counter writes_failed)"
	if [ "$det" -gt 0 ] && [ "$det" -le $(($1 * 1000000)) ]; then
		log "ok detected within $((det / 1000000)) ms"
	else
		fail "detection took $det ns (bound $1 ms)"
	fi
}
