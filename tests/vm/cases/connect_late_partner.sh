# SPDX-License-Identifier: GPL-2.0
# Node 1 loads ccm alone; node 2 loads it 10 s later. Node 1 must keep
# trying (connect failures counted, never connected alone) and both must
# connect once node 2 is up. Each rings the other's doorbell on the way:
# node 2's "state 5" wakes waiting node 1, node 1's answering "state 5"
# wakes node 2 in WRITE2_DONE.
# timeout: 220

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	sleep 7
	expect_ne state_alone "$(cat $CCM_SYSFS/state)" connected
	expect_ge connect_failures_alone "$(counter connect_failures)" 1
	expect_eq handshakes_alone "$(counter handshakes)" 0
	wait_state connected 60 || fail "not connected within 60 s"
	check_connected
	log_identity
	expect_ge doorbells "$(counter doorbells)" 1
	stays_connected
	sysfs_dump
}

node2() {
	wait_rxe_active
	sleep 10
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || fail "not connected within 60 s"
	check_connected
	log_identity
	expect_ge doorbells "$(counter doorbells)" 1
	stays_connected
}
