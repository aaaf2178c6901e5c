# SPDX-License-Identifier: GPL-2.0
# Clients registered before ccm connects: ccm_echo (2 clients x 4 QPs, 64 KiB
# each) is loaded right after ccm on both nodes. Every QP must carry a
# PING/PONG both ways and each side's RDMA write into the partner's memory
# must be verified on the other side; the QPs have the clients' ACK
# timeout, not ccm's. sysfs lists the QP numbers; the
# client is told how many RDMA READs it may have in flight per QP.
# Then an async error on a client's QP: node 1 delivers QP_FATAL to
# echo0's QP 0 handler (as a driver would; rxe raises none itself). Both
# nodes' echo0 must be told "QP error" (node 2 through ccm's GONE), the
# error counted, and a new link set up and verified by data; echo1 and
# the control connection are not disturbed.
# timeout: 200

# echo0's QP failed, it was told so, and it is back and verified
qp_error_round() {
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 20 ||
		{ fail "echo0 not told of the QP error"; return; }
	expect_eq echo0_qp_errors "$(cat /sys/kernel/ccm_echo/echo0/qp_errors)" 1
	dmesg | grep -q "ccm_echo: echo0: disconnected: QP error" ||
		fail "echo0 not told 'QP error'"
	echo_wait_round echo0 2 4 30 || return
	expect_eq echo1_connects "$(cat $CCM_SYSFS/clients/echo1/connects)" 1
	expect_eq handshakes_after_qp_error "$(counter handshakes)" 1
}

both() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=2 qps=4 || { fail "modprobe ccm_echo failed"; return; }
	log "echo0 right after load: $(cat $CCM_SYSFS/clients/echo0/state)"
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 2 4 30
	# READ depth agreed through the offers: 16 (rxe takes 128 each way)
	dmesg | grep -q "ccm_echo: echo0: round 1: 4/4 QPs ping-pong ok, RDMA write verified, 16 READs per QP" ||
		fail "echo0 not told its READ depth (16)"
	expect_eq local_qpns "$(qpn_count echo0 local)" 4
	expect_eq peer_qpns "$(qpn_count echo0 peer)" 4
	# the clients' ACK timeout (client_ack_timeout 16), not ccm's own (12)
	expect_eq qp_ack_timeout "$(cat /sys/kernel/ccm_echo/echo0/qp_ack_timeout)" 16
	expect_eq connects "$(cat $CCM_SYSFS/clients/echo1/connects)" 1
	expect_ge messages_sent "$(counter messages_sent)" 2
	expect_eq messages_invalid "$(counter messages_invalid)" 0
	log "echo0 local $(cat $CCM_SYSFS/clients/echo0/local_qpns) peer $(cat $CCM_SYSFS/clients/echo0/peer_qpns)"
	if [ "$NODE" = 1 ]; then
		sleep 2	# node 2's round 1 verified too
		echo 1 > /sys/kernel/ccm_echo/echo0/inject_qp_fatal ||
			fail "cannot inject QP_FATAL"
		qp_error_round
		expect_eq async_errors "$(cat $CCM_SYSFS/clients/echo0/async_errors)" 1
		dmesg | grep -q "ccm: client echo0: async error on its QPs: QP fatal error" ||
			fail "no 'async error' message"
	else
		qp_error_round
		expect_eq async_errors "$(cat $CCM_SYSFS/clients/echo0/async_errors)" 0
	fi
	sleep 6
	echo_unload || fail "rmmod ccm_echo failed"
	sleep 2
	ccm_unload || fail "rmmod ccm failed"
}

node1() { both; }
node2() { both; }
