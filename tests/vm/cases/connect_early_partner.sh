# SPDX-License-Identifier: GPL-2.0
# The mirror image of connect_late_partner: node 2 loads first, node 1
# (the lower address, which wins connect tie-breaks) only once node 2 has
# been alone for 7 s and checked it is not connected (node 2 signals it).
# timeout: 220

node2() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	sleep 7
	expect_ne state_alone "$(cat $CCM_SYSFS/state)" connected
	expect_eq handshakes_alone "$(counter handshakes)" 0
	signal_partner "node 2 checked it is alone"
	wait_state connected 60 || fail "not connected within 60 s"
	check_connected
	log_identity
	stays_connected
}

node1() {
	wait_rxe_active
	wait_partner_signal "node 2 checked it is alone" 90
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || fail "not connected within 60 s"
	check_connected
	log_identity
	stays_connected
}
