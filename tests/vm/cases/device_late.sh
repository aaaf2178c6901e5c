# SPDX-License-Identifier: GPL-2.0
# Early boot: ccm is loaded before the RDMA device exists on node 1 (rxe0 is
# removed first and added back 5 s after the load). ccm must wait without
# error storms, then connect once the device appears (ib_client add), on
# both sides. Node 1 then removes the device while connected (ib_client
# remove must tear everything down, client links included: the client is
# told "local device gone"), adds it back, and both reconnect with the
# client verified by data again.
# timeout: 240

node1() {
	wait_rxe_active
	rdma link del rxe0 || fail "rdma link del rxe0"
	ccm_load || { fail "modprobe ccm failed"; return; }
	sleep 5
	expect_ne state_without_device "$(cat $CCM_SYSFS/state)" connected
	rdma link add rxe0 type rxe netdev eth0 || fail "rdma link add rxe0"
	log "rxe0 added back"
	wait_state connected 60 || { fail "not connected after the device appeared"; return; }
	check_connected
	echo_load clients=1 qps=2 || fail "modprobe ccm_echo"
	echo_check_all echo 1 2 30
	sleep 2
	rdma link del rxe0 || fail "rdma link del rxe0 while connected"
	log "rxe0 deleted while connected"
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 1
	dmesg | grep -q "ccm_echo: echo0: disconnected: local device gone" ||
		fail "client not told 'local device gone'"
	sleep 1
	expect_ne state_device_gone "$(cat $CCM_SYSFS/state)" connected
	expect_ge connections_lost "$(counter connections_lost)" 1
	rdma link add rxe0 type rxe netdev eth0 || fail "rdma link add rxe0 again"
	wait_state connected 60 || fail "not connected after the device came back"
	expect_ge handshakes "$(counter handshakes)" 2
	wait_file_eq /sys/kernel/ccm_echo/echo0/connects 2 30 || fail "client not reconnected"
	echo_check_all echo 1 2 30
	expect_eq illegal_events "$(counter illegal_events)" 0
	sleep 6
	expect_eq state_after_6s "$(cat $CCM_SYSFS/state)" connected
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod failed"
}

node2() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || fail "modprobe ccm_echo"
	wait_state connected 60 || { fail "not connected within 60 s"; return; }
	check_connected
	# Partner's device goes away and comes back: we reconnect.
	wait_cmd 60 counter_ge handshakes 2
	expect_ge handshakes "$(counter handshakes)" 2
	wait_state connected 30 || fail "not connected again"
	expect_eq illegal_events "$(counter illegal_events)" 0
	wait_file_eq /sys/kernel/ccm_echo/echo0/connects 2 30 || fail "client not reconnected"
	echo_check_all echo 1 2 30
	# the partner's device went: to this side, a partner lost
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 1
	expect_eq echo0_told_partner_lost \
		"$(dmesg | grep -c 'ccm_echo: echo0: disconnected: partner lost$')" 1
	sleep 8
}
