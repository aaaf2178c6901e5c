# SPDX-License-Identifier: GPL-2.0
# Link down/up: both connect with ccm_echo (1 client x 2 QPs) and log
# FLAP-READY; the host (link_flap.host) then takes node 1's link down with
# the QEMU monitor (`set_link n0 off`: node 1 loses carrier, node 2's
# packets are dropped) for 2 s and brings it back. Both must detect the
# loss within the heartbeat bound (logged as DETECTION), tell their client
# (partner lost), and connect again once the link is back (same epochs, a
# second handshake) with the client verified by data (RECONNECT: from
# noticing the loss to the client verified, guest clock; node 1 also
# measures from its carrier coming back). Then both unload and check that
# the RDMA resources are back to baseline.
#
# Fails with ccm ab5d3e9 on node 1 (the node whose carrier goes down): the
# heartbeat notices the loss at ~310 ms and sysfs shows "error" at once,
# but the CONNECTED -> ERROR step first tears the connection down, and
# rdma_destroy_qp() blocks in rxe (__rxe_cleanup) for ~3 s, until the
# neighbour entry of the partner, INCOMPLETE while the link is down, fails
# or the link returns (the QP's packets queued on it hold QP references).
# Only then is last_detection_ns recorded (~2.8-3.2 s) and are the clients
# told "partner lost"; the ccm workqueue is stalled meanwhile.
# timeout: 150

carrier_is() {
	[ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = "$1" ]
}

flap() {
	local e1 hs t_up= t_conn t_ver
	wait_rxe_active
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 1 2 30 || return
	e1=$(cat $CCM_SYSFS/peer_epoch)
	hs=$(counter handshakes)
	log "FLAP-READY"
	wait_left_connected 60 || { fail "link loss never noticed"; return; }
	[ "$NODE" = 1 ] && log "carrier $(cat /sys/class/net/eth0/carrier)"
	wait_client_told echo0 1 500
	log_detection 500
	dmesg | grep -q "ccm_echo: echo0: disconnected: partner lost" ||
		fail "no 'partner lost' disconnect in dmesg"
	if [ "$NODE" = 1 ]; then
		wait_cmd 30 carrier_is 1 || { fail "carrier never came back"; return; }
		t_up=$(now_ms)
	fi
	wait_cmd 60 connected_counter_ge handshakes $((hs + 1)) || { fail "not connected again"; return; }
	t_conn=$(now_ms)
	echo_wait_round echo0 2 2 60 || return
	t_ver=$(now_ms)
	log "RECONNECT ms=$((t_ver - LEFT_MS)) (loss -> ccm connected $((t_conn - LEFT_MS)) ms, incl. ~2 s link down${t_up:+; carrier up (as seen) -> client verified $((t_ver - t_up)) ms}; handshake $(($(cat $CCM_SYSFS/last_handshake_ns) / 1000000)) ms; -> client verified $((t_ver - t_conn)) ms)"
	expect_eq peer_epoch_same "$(cat $CCM_SYSFS/peer_epoch)" "$e1"
	check_connected
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 2
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 1
	expect_eq echo0_errors "$(cat /sys/kernel/ccm_echo/echo0/errors)" 0
	log "counters: partner_lost=$(counter partner_lost) writes_failed=$(counter writes_failed) connections_lost=$(counter connections_lost) errors=$(counter errors) connect_failures=$(counter connect_failures) timeouts=$(counter timeouts)"
}

# Node 1 ends first; node 2 waits for its client to be unregistered by it.
node1() {
	flap || return
	sleep 4
	expect_eq state_after_4s "$(state_now)" connected
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}

node2() {
	flap || return
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 2 60 ||
		fail "partner's client never went away"
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}
