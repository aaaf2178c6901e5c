# SPDX-License-Identifier: GPL-2.0
# Both connect; node 1 unloads ccm and loads it again. Node 2 must notice
# (connection lost, partner with a new epoch) and both must connect again.
# Node 1 then unloads for good: the unload must be clean in any state.
# timeout: 240

node1() {
	local e1
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || { fail "not connected within 60 s"; return; }
	e1=$(cat $CCM_SYSFS/local_epoch)
	sleep 2
	ccm_unload || fail "rmmod ccm failed"
	[ -d $CCM_SYSFS ] && fail "/sys/kernel/ccm still there after rmmod"
	sleep 1
	ccm_load || { fail "second modprobe ccm failed"; return; }
	expect_ne new_local_epoch "$(cat $CCM_SYSFS/local_epoch)" "$e1"
	wait_state connected 60 || fail "not connected again within 60 s"
	check_connected
	log_identity
	sleep 8
	expect_eq state_after_8s "$(cat $CCM_SYSFS/state)" connected
	ccm_unload || fail "final rmmod ccm failed"
	if lsmod | grep -q '^ccm '; then
		fail "ccm still loaded"
	fi
}

# new_incarnation EPOCH: connected to a partner whose epoch is not EPOCH
new_incarnation() {
	[ "$(cat $CCM_SYSFS/peer_epoch)" != "$1" ] && [ "$(state_now)" = connected ]
}

node2() {
	local e1
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || { fail "not connected within 60 s"; return; }
	e1=$(cat $CCM_SYSFS/peer_epoch)
	log "partner epoch $e1"
	# Wait (bounded) until we are connected to the partner's new incarnation.
	wait_cmd 60 new_incarnation "$e1"
	expect_ne partner_epoch_changed "$(cat $CCM_SYSFS/peer_epoch)" "$e1"
	check_connected
	expect_ge handshakes "$(counter handshakes)" 2
	expect_ge connections_lost "$(counter connections_lost)" 1
	log_identity
	sleep 8
	sysfs_dump
}
