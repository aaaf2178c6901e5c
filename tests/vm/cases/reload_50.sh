# SPDX-License-Identifier: GPL-2.0
# Unload/reload x 50: node 1 loads and unloads ccm 50 times, waiting 0 to
# 360 ms (varied, mostly short) before each unload, so unloads land in
# every phase of the handshake on both sides, while node 2 stays loaded.
# The RDMA resources (pd, cq, qp, mr, cm_id of rxe0) must be back to the
# baseline taken before the first load, both after the storm and after the
# final unload. Node 1 then loads for good with node_id=0x4242, so node 2
# can tell the final incarnation: both must connect. Node 1 unloads first,
# then node 2, which checks its own resources.
# timeout: 200

node1() {
	local i=0 d
	wait_rxe_active
	res_baseline
	while [ $i -lt 50 ]; do
		ccm_load || fail "modprobe ccm failed ($i)"
		# 0 to 360 ms, mostly short: the handshake takes ~50-500 ms here
		set -- 0 5 10 20 35 50 80 120 200 360
		shift $(( (i * 7 + 3) % 10 ))
		d=$1
		usleep $((d * 1000))
		log "reload $i: state after $d ms: $(state_now)"
		ccm_unload || { fail "rmmod ccm failed ($i)"; return; }
		i=$((i + 1))
	done
	expect_res_baseline after_50_unloads
	ccm_load node_id=0x4242 || { fail "final modprobe failed"; return; }
	wait_state connected 60 || { fail "not connected after the storm"; return; }
	check_connected
	expect_eq node_id "$(cat $CCM_SYSFS/node_id)" 0000000000004242
	log_identity
	sleep 5
	expect_eq state_after_5s "$(state_now)" connected
	ccm_unload || fail "final rmmod failed"
	expect_res_baseline after_final_unload
}

node2() {
	wait_rxe_active
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_cmd 150 connected_to 0000000000004242 ||
		{ fail "never connected to node 1's final incarnation"; return; }
	check_connected
	expect_eq illegal_events "$(counter illegal_events)" 0
	log "after the storm: handshakes=$(counter handshakes) connections_lost=$(counter connections_lost) accepts=$(counter accepts) connects=$(counter connects) connect_failures=$(counter connect_failures) errors=$(counter errors) stale_events=$(counter stale_events) mailbox_stale=$(counter mailbox_stale)"
	log_identity
	# node 1 unloads about 5 s after it connected
	wait_left_connected 30 || fail "partner never unloaded"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}
