# SPDX-License-Identifier: GPL-2.0
# Node 1 loads and unloads ccm ten times at irregular short intervals, so
# unloads land in every phase of the handshake on both sides. Then it
# loads for good with node_id=0x5757, so node 2 can tell the final
# incarnation from the storm's (however long the storm takes on a slow or
# debug kernel): both must connect, and nothing may have been leaked or
# warned about (the harness checks both kernel logs).
# timeout: 260

node1() {
	local i=0 d
	wait_rxe_active
	while [ $i -lt 10 ]; do
		ccm_load || fail "modprobe ccm failed ($i)"
		# 0 to 450 ms: from before the first connect to after connected
		d=$(( (i * 7 + 3) % 10 * 50 ))
		usleep $((d * 1000))
		log "state before unload $i after ${d} ms: $(cat $CCM_SYSFS/state)"
		ccm_unload || fail "rmmod ccm failed ($i)"
		i=$((i + 1))
	done
	ccm_load node_id=0x5757 || { fail "final modprobe failed"; return; }
	wait_state connected 60 || { fail "not connected after the storm"; return; }
	check_connected
	sleep 5
	expect_eq state_after_5s "$(state_now)" connected
	ccm_unload || fail "final rmmod failed"
}

node2() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_cmd 150 connected_to 0000000000005757 ||
		{ fail "never connected to node 1's final incarnation"; return; }
	expect_ge connections_lost "$(counter connections_lost)" 1
	check_connected
	# node 1 unloads about 5 s after it connected
	wait_left_connected 30 || fail "partner never unloaded"
}
