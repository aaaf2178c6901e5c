# SPDX-License-Identifier: GPL-2.0
# 10 % packet loss on the link: both guests put `netem loss 10%` on eth0
# (each direction loses 10 %) before loading ccm. Both must connect with
# ccm_echo (1 client x 2 QPs, verified by data) and stay connected for 20 s
# (sampled every 0.1 s): RC retransmits what is lost, and the heartbeat must
# not declare the partner lost (partner_lost 0, no reconnect, the client
# never disconnected). Node 1 ends first (node 2 waits for its client to be
# unregistered by node 1); both check that the RDMA resources are back to
# baseline.
#
# With the defaults: a heartbeat WRITE attempt fails when the request or
# its ACK is dropped (1 - 0.9 * 0.9 = 19 %) and is retried after the ACK
# timeout (ack_timeout 12: 16.8 ms); retry_count 6 fails it (and the
# connection) only after 7 attempts in a row fail (0.19^7 = 9e-6), and a
# write is never late by more than those 117 ms, well inside
# heartbeat_miss 3 x 100 ms. (With the earlier defaults, ack_timeout 14
# and retry_count 3, one run in two lost the partner within 22 s.)
# timeout: 150

# iproute2's tc: a bare "tc" runs busybox's applet, which has no netem
TC=/usr/sbin/tc

lossy() {
	local i=0 bad=0 st t0 hs
	wait_rxe_active
	$TC qdisc add dev eth0 root netem loss 10% || { fail "tc qdisc add netem"; return 1; }
	log "qdisc: $($TC qdisc show dev eth0 | tr '\n' ' ')"
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return 1; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return 1; }
	wait_state connected 90 || { fail "ccm not connected"; return 1; }
	echo_check_all echo 1 2 60 || return 1
	check_connected
	hs=$(counter handshakes)
	log "connected with loss: handshakes=$hs connect_failures=$(counter connect_failures) errors=$(counter errors) timeouts=$(counter timeouts) last_handshake_ms=$(($(cat $CCM_SYSFS/last_handshake_ns) / 1000000))"
	# 20 s, sampled every 0.1 s
	t0=$(now_ms)
	while [ $i -lt 200 ] && [ $(($(now_ms) - t0)) -lt 20000 ]; do
		st=$(state_now)
		if [ "$st" != connected ]; then
			bad=$((bad + 1))
			[ $bad -le 5 ] && log "not connected at +$(($(now_ms) - t0)) ms: $st"
		fi
		i=$((i + 1))
		sleep 0.1
	done
	log "LOSS window $(($(now_ms) - t0)) ms, $i samples, $bad not connected; partner_lost=$(counter partner_lost) writes_failed=$(counter writes_failed) connections_lost=$(counter connections_lost) heartbeats_sent=$(counter heartbeats_sent) heartbeats_skipped=$(counter heartbeats_skipped) last_detection_ns=$(cat $CCM_SYSFS/last_detection_ns)"
	log "qdisc: $($TC -s qdisc show dev eth0 | tr '\n' ' ')"
	log "rxe: $(rdma statistic show link rxe0/1 | tr '\n' ' ')"
	echo_log echo0
	expect_eq not_connected_samples "$bad" 0
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq handshakes_after_window "$(counter handshakes)" "$hs"
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
	expect_eq echo0_errors "$(cat /sys/kernel/ccm_echo/echo0/errors)" 0
	expect_eq illegal_events "$(counter illegal_events)" 0
	return 0
}

node1() {
	lossy || return
	# node 2's window may have started a few seconds later
	sleep 6
	expect_eq partner_lost_at_end "$(counter partner_lost)" 0
	expect_eq echo0_disconnects_at_end "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	echo_unload || fail "rmmod ccm_echo failed"
	# Node 2 checks partner_lost once our client is gone; were we to
	# unload now, a dropped DREQ would leave it to notice the silence.
	sleep 3
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
	$TC qdisc del dev eth0 root
}

node2() {
	lossy || return
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 60 ||
		fail "partner's client never went away"
	expect_eq partner_lost_at_end "$(counter partner_lost)" 0
	dmesg | grep -q "ccm_echo: echo0: disconnected: unregistered by partner" ||
		fail "client did not end by 'unregistered by partner'"
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
	$TC qdisc del dev eth0 root
}
