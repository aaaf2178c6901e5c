# SPDX-License-Identifier: GPL-2.0
# Both nodes load ccm at the same moment (as close as two booting guests
# get) and must both reach connected, then stay connected.
# timeout: 200

both() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || fail "not connected within 60 s"
	check_connected
	log_identity
	# Stay up so the partner can run its checks; we must stay connected.
	stays_connected
	sysfs_dump
}

node1() { both; }
node2() { both; }
