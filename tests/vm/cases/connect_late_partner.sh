# SPDX-License-Identifier: GPL-2.0
# Node 1 loads ccm alone; node 2 loads it only once node 1 has failed to
# connect twice and checked that it is not connected alone (node 1 signals
# it; the guests' boot timing decides nothing). Node 1 must keep trying
# (connect failures counted, never connected alone) and both must connect
# once node 2 is up. Each rings the other's doorbell on the way: node 2's
# "state 5" wakes waiting node 1, node 1's answering "state 5" wakes node 2
# in WRITE2_DONE.
# timeout: 220

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_cmd 30 counter_ge connect_failures 2 ||
		fail "fewer than 2 connect failures alone within 30 s"
	sleep 3
	expect_ne state_alone "$(cat $CCM_SYSFS/state)" connected
	expect_ge connect_failures_alone "$(counter connect_failures)" 2
	expect_eq handshakes_alone "$(counter handshakes)" 0
	signal_partner "node 1 checked it is alone"
	wait_state connected 60 || fail "not connected within 60 s"
	check_connected
	log_identity
	expect_ge doorbells "$(counter doorbells)" 1
	stays_connected
	sysfs_dump
}

node2() {
	wait_rxe_active
	wait_partner_signal "node 1 checked it is alone" 90
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || fail "not connected within 60 s"
	check_connected
	log_identity
	expect_ge doorbells "$(counter doorbells)" 1
	stays_connected
}
