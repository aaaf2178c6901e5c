# SPDX-License-Identifier: GPL-2.0
# Failure detection benchmark (bench/run.sh copies this file, with the
# @...@ placeholders filled in, to tests/vm/cases/demo_bench_detect_*.sh
# together with bench_detect.host). Node 1 survives; the host SIGKILLs node
# 2's QEMU at a random moment once node 1 says it is armed, and starts it
# again; every boot of node 2 runs node2() again.
#
# Node 2 sends an ICMP echo request every 10 ms, so the last packet node 1
# receives from it (net:netif_receive_skb, in node 1's trace) marks the
# kill on node 1's own clock to within 10 ms. Per trial node 1 reports:
#   ns        last packet from node 2 -> ccm tells the client (trace event
#             ccm_client_event link_down)
#   cb_ns     last packet -> the client's ->disconnected() ran (ccm_echo's
#             printk; printk and trace both use local_clock)
#   lastsign_ns  ccm's own last_detection_ns (last sign of life -> loss)
#   event     the FSM event that ended the connection (CONN_LOST,
#             WRITE_FAIL)
#   cause     what noticed it, from ccm's message: silence (the heartbeat
#             check, "no sign of life") or transport (a heartbeat write ran
#             out of retries and failed the QP: the write's own error or
#             the flushed receives, whichever ccm handled first)
# Settings: default and fast (heartbeat 20 ms) on one link, two (default
# timers, two links: the partner is lost only once both are silent; the
# kill silences both at once). Before the first trial, default and two
# also measure node 1's idle cost (connected, both links up, node 2's
# pings flowing) in @IDLE_N@ windows of @IDLE_S@ s: two links against one.
# nics: @NICS@
# timeout: 900

. /tests/cases/demo_bench_lib.sh

SETTING=@SETTING@
CCM_PARAMS="@CCM_PARAMS@"
TRIALS=@TRIALS@
IDLE_S=@IDLE_S@
IDLE_N=@IDLE_N@
ECHO_ARGS="clients=1 qps=4 mem_size=4096"

# links_ready: every configured link is up (both with two NICs)
links_ready() {
	[ "$NICS" = 2 ] || return 0
	wait_cmd 60 both_links_up
}

node1() {
	local k=1 d0 n0 i tl td tr tp tc st ev cause
	wait_rxe_active
	[ "$NICS" = 2 ] && wait_rxe_active rxe1
	ccm_load $CCM_PARAMS || { fail "modprobe ccm"; return; }
	echo_load $ECHO_ARGS || { fail "modprobe ccm_echo"; return; }
	if [ "$IDLE_N" -gt 0 ]; then
		wait_client_state echo0 connected 120 && links_ready ||
			{ fail "not connected for the idle windows"; return; }
		sleep 1
		idle_windows "links$NICS" "$IDLE_N"
	fi
	tr_setup global net/netif_receive_skb
	tr_ccm_on
	while [ $k -le $TRIALS ]; do
		# node 2 (re)booted and its client is connected again (and
		# with two links, both are up: the kill silences both)
		wait_client_state echo0 connected 120 && links_ready ||
			{ fail "trial $k: client or links not connected"; return; }
		usleep 500000	# node 2's 10 ms pings are flowing by now
		d0=$(cat /sys/kernel/ccm_echo/echo0/disconnects)
		n0=$(dmesg | wc -l)
		tr_clear
		log "BENCH-ARMED k=$k "
		i=0
		while [ $i -lt 600 ] && [ "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" = "$d0" ]; do
			i=$((i + 1))
			usleep 50000
		done
		[ $i -lt 600 ] || { fail "trial $k: no disconnect within 30 s"; return; }
		tr_snap
		st=$(awk '/ccm_fsm_transition:.*CONNECTED -> / { print; exit }' /tmp/tr)
		ev=$(echo "$st" | sed -n 's/.* on \([A-Z_]*\).*/\1/p')
		tl=$(tr_ts 'ccm_fsm_transition:.*CONNECTED -> ')
		td=$(tr_ts 'ccm_client_event: client=echo0 link_down')
		set -- $(tr_ts_before2 'netif_receive_skb:' "$tl")
		tr=${1:-}
		tp=${2:-}
		# ->disconnected() of ccm_echo: its printk, local_clock like the trace
		tc=$(dmesg | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] ccm_echo: echo0: disconnected: .*/\1/p' | tail -n 1)
		# the first link failure's message of this trial says how
		cause=$(dmesg | tail -n +$((n0 + 1)) | grep -m 1 -E 'ccm: .*(no sign of life|WR flushed|heartbeat write|heartbeat: cannot post|connection [0-9]+ lost)')
		case "$cause" in
		*"no sign of life"*) cause=silence ;;
		"") cause=unknown ;;
		*) cause=transport ;;
		esac
		bench detect setting=$SETTING trial=$k ns=$(ns_between "$tr" "$td") cb_ns=$(ns_between "$tr" "$tc") lost_ns=$(ns_between "$tr" "$tl") lastsign_ns=$(cat $CCM_SYSFS/last_detection_ns) event=$ev cause=$cause rx_gap_ns=$(ns_between "$tp" "$tr") rx_packets=$(grep -c netif_receive_skb: /tmp/tr)
		k=$((k + 1))
	done
	# the last boot of node 2: once it is connected, end (it sees us go)
	wait_client_state echo0 connected 120 || fail "last boot of node 2 not connected"
	log "BENCH-DONE"
	sleep 1
	echo_unload
	ccm_unload
}

node2() {
	local i=0 lost=0 pid
	wait_rxe_active
	[ "$NICS" = 2 ] && wait_rxe_active rxe1
	ccm_load $CCM_PARAMS || { fail "modprobe ccm"; return; }
	echo_load $ECHO_ARGS || { fail "modprobe ccm_echo"; return; }
	wait_state connected 60 || { fail "not connected"; return; }
	ping -q -i 0.01 -w 200 "$PEER_ADDR" > /dev/null 2>&1 &
	pid=$!
	# Until the host kills us; the last boot ends when node 1 has unloaded
	# ccm (5 s in a row without a connection). Bounded.
	while [ $i -lt 1800 ] && [ $lost -lt 50 ]; do
		if [ "$(cat $CCM_SYSFS/state)" = connected ]; then lost=0; else lost=$((lost + 1)); fi
		i=$((i + 1))
		usleep 100000
	done
	kill $pid 2>/dev/null
	echo_unload
	ccm_unload
}
