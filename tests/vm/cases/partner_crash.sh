# SPDX-License-Identifier: GPL-2.0
# Dead-partner detection: node 2 powers off abruptly while connected (no
# unload, no disconnect on the wire). Node 1 must notice within the
# heartbeat bound (default 100 ms x 3), tell its clients (reason: partner
# lost), tear the link down, and keep trying to reach the partner.
# timeout: 200

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 1 2 30
	sleep 2
	expect_ge heartbeats_sent "$(counter heartbeats_sent)" 5
	expect_eq partner_lost_before "$(counter partner_lost)" 0
	# Node 2 crashes about 6 s after it connected. Default heartbeat:
	# 3 x 100 ms; allow one period of scheduling slack under emulation. A
	# failed RDMA write may notice even earlier.
	expect_crash_detected 500
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 5 || fail "client not told"
	expect_eq echo0_state "$(cat $CCM_SYSFS/clients/echo0/state)" pending
	dmesg | grep -q "ccm_echo: echo0: disconnected: partner lost" ||
		fail "no 'partner lost' disconnect in dmesg"
	sleep 3
	expect_ne state_later "$(cat $CCM_SYSFS/state)" connected
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
}

node2() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 1 2 30
	sleep 6
	crash_now
}
