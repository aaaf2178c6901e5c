# SPDX-License-Identifier: GPL-2.0
# A partner whose software stops (its adapter still acknowledges our
# writes): node 2 heartbeats only every 5 s. Node 1 (default 100 ms x 3)
# must declare it lost by the heartbeat alone, count it, and measure the
# detection time; then both keep recovering without errors in the logs.
# timeout: 200

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_file_eq $CCM_SYSFS/counters/partner_lost 1 30 ||
		{ fail "partner never declared lost"; return; }
	det=$(cat $CCM_SYSFS/last_detection_ns)
	log "DETECTION last_detection_ns=$det heartbeats_sent=$(counter heartbeats_sent)"
	# Lost at the first check after 3 intervals of silence (less an
	# eighth of slack): 287.5 to ~400 ms, plus scheduling on a slow guest.
	if [ "$det" -ge 287000000 ] && [ "$det" -le 600000000 ]; then
		log "ok heartbeat detection after $((det / 1000000)) ms"
	else
		fail "heartbeat detection took $det ns, want 287-600 ms"
	fi
	expect_eq writes_failed "$(counter writes_failed)" 0
	dmesg | grep -q "partner lost: no sign of life" || fail "no 'partner lost' message"
	sleep 8
}

node2() {
	wait_rxe_active
	ccm_load heartbeat_ms=5000 || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || fail "never connected"
	sleep 15
}
