# SPDX-License-Identifier: GPL-2.0
# Client register/unregister storm during handshakes: node 1 keeps ccm
# loaded and loads/unloads ccm_echo (2 clients x 2 QPs) 20 times, waiting
# 0 to 400 ms before each unload, while node 2 unloads and reloads ccm (and
# its ccm_echo) 12 times, waiting 0 to 900 ms, so node 1's registrations
# and unregistrations race with handshakes, exchanges and lost connections.
# Then node 2 loads for good with node_id=0x5151 and node 1 loads ccm_echo
# for good, both with prefix=fin (clients pair by name, so node 2's final
# clients cannot pair with one of node 1's storm rounds): both must
# connect, with every client connected now and verified by data. Node 1
# unloads first; both check that the RDMA resources are back to the
# baseline taken before the first load.
#
# This found the crossing-offer ping-pong (both sides replacing their QPs
# for the other's newer offer, "disconnected: unregistered by partner" 6-8
# times in ~150 ms); offers are now paired leader/follower, so READY
# entries for replaced sets may be counted as stale but never invalid.
# timeout: 200

node1() {
	local i=0 d
	wait_rxe_active
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return; }
	while [ $i -lt 20 ]; do
		echo_load clients=2 qps=2 || fail "modprobe ccm_echo failed ($i)"
		set -- 0 10 25 50 100 150 250 400
		shift $(( (i * 5 + 3) % 8 ))
		d=$1
		usleep $((d * 1000))
		log "storm $i: after $d ms: ccm $(state_now), echo0 $(cat $CCM_SYSFS/clients/echo0/state 2>/dev/null)"
		echo_unload || { fail "rmmod ccm_echo failed ($i)"; return; }
		i=$((i + 1))
	done
	echo_load clients=2 qps=2 prefix=fin ||
		{ fail "final modprobe ccm_echo failed"; return; }
	wait_cmd 150 connected_to 0000000000005151 ||
		{ fail "never connected to node 2's final incarnation"; return; }
	echo_wait_current fin 2 2 60 || return
	check_connected
	expect_eq messages_invalid "$(counter messages_invalid)" 0
	echo_log fin0
	echo_log fin1
	log "after the storm: handshakes=$(counter handshakes) connections_lost=$(counter connections_lost) errors=$(counter errors) messages_sent=$(counter messages_sent) messages_invalid=$(counter messages_invalid) messages_stale=$(counter messages_stale) last_error=$(cat $CCM_SYSFS/last_error)"
	sleep 4
	expect_eq state_after_4s "$(state_now)" connected
	expect_eq fin0_errors "$(cat /sys/kernel/ccm_echo/fin0/errors)" 0
	expect_eq fin1_errors "$(cat /sys/kernel/ccm_echo/fin1/errors)" 0
	echo_unload || fail "final rmmod ccm_echo failed"
	ccm_unload || fail "final rmmod ccm failed"
	expect_res_baseline after_final_unload
}

node2() {
	local i=0 d
	wait_rxe_active
	res_baseline
	while [ $i -lt 12 ]; do
		ccm_load || fail "modprobe ccm failed ($i)"
		echo_load clients=2 qps=2 || fail "modprobe ccm_echo failed ($i)"
		set -- 0 30 80 150 250 400 600 900
		shift $(( (i * 3 + 1) % 8 ))
		d=$1
		usleep $((d * 1000))
		log "storm $i: after $d ms: ccm $(state_now), echo0 $(cat $CCM_SYSFS/clients/echo0/state 2>/dev/null)"
		echo_unload || { fail "rmmod ccm_echo failed ($i)"; return; }
		ccm_unload || { fail "rmmod ccm failed ($i)"; return; }
		i=$((i + 1))
	done
	expect_res_baseline after_storm
	ccm_load node_id=0x5151 || { fail "final modprobe ccm failed"; return; }
	echo_load clients=2 qps=2 prefix=fin ||
		{ fail "final modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "not connected after the storm"; return; }
	echo_wait_current fin 2 2 120 || return
	check_connected
	expect_eq messages_invalid "$(counter messages_invalid)" 0
	echo_log fin0
	echo_log fin1
	log "after the storm: handshakes=$(counter handshakes) messages_sent=$(counter messages_sent) messages_invalid=$(counter messages_invalid) messages_stale=$(counter messages_stale) last_error=$(cat $CCM_SYSFS/last_error)"
	# node 1 unregisters its clients about 4 s after they were verified
	wait_cmd 60 sh -c '[ "$(cat /sys/kernel/ccm_echo/fin0/connected)" = 0 ]' ||
		fail "partner's clients never went away"
	expect_eq fin0_errors "$(cat /sys/kernel/ccm_echo/fin0/errors)" 0
	dmesg | grep -q "ccm_echo: fin0: disconnected: unregistered by partner" ||
		fail "no 'unregistered by partner' disconnect"
	echo_unload || fail "final rmmod ccm_echo failed"
	ccm_unload || fail "final rmmod ccm failed"
	expect_res_baseline after_final_unload
}
