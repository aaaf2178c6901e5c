# SPDX-License-Identifier: GPL-2.0
# Only peer_addr may connect, and local_addr picks the address used.
# Node 2 has a second address, 169.254.0.3, and uses it (local_addr).
# Phase 1: node 1 expects its partner at .2, so node 2's requests from .3
# are rejected and counted, and nobody connects. Phase 2: node 1 reloads
# with peer_addr=.3 and both connect over node 2's second address.
# timeout: 220

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	sleep 12
	expect_ne state_wrong_partner "$(cat $CCM_SYSFS/state)" connected
	expect_ge rejects_address "$(counter rejects_address)" 1
	expect_eq handshakes_wrong_partner "$(counter handshakes)" 0
	ccm_unload || fail "rmmod failed"
	modprobe ccm peer_addr=169.254.0.3 || { fail "modprobe peer_addr=.3"; return; }
	log "reloaded with peer_addr=169.254.0.3"
	wait_state connected 60 || { fail "not connected to .3"; return; }
	expect_eq peer_addr "$(cat $CCM_SYSFS/peer_addr)" 169.254.0.3
	expect_eq rejects_address "$(counter rejects_address)" 0
	sleep 8
}

node2() {
	ip addr add 169.254.0.3/16 dev eth0 || fail "ip addr add"
	wait_rxe_active
	sleep 1
	ccm_load local_addr=169.254.0.3 || { fail "modprobe ccm failed"; return; }
	expect_eq local_addr "$(cat $CCM_SYSFS/local_addr)" 169.254.0.3
	# Node 1 reloads 12 s after its load; we loaded about 1 s after it.
	sleep 6
	expect_ne state_wrong_partner "$(cat $CCM_SYSFS/state)" connected
	expect_ge connect_failures "$(counter connect_failures)" 1
	wait_state connected 60 || { fail "not connected in phase 2"; return; }
	check_connected
	sleep 8
}
