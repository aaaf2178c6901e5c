# SPDX-License-Identifier: GPL-2.0
# The largest client: 1024 QPs (CCM_MAX_QPS) on both nodes, provisioned,
# verified by data and torn down three times (node 1 reloads its
# ccm_echo) while the heartbeat keeps running: no partner loss, no
# reconnect, the RDMA resources back to the baseline. With ccm_echo
# sending a PING on all 1024 QPs at once, Soft-RoCE under emulation
# acknowledged so late that retries ran out on the client QPs and on
# ccm's heartbeat (a false partner loss, reconnecting over and over);
# the sample now keeps 32 PINGs in flight (see the client guide). And on
# a busy host, a node creating its 1024 QPs in one go under the worker's
# lock sent no heartbeat for over 300 ms (false partner loss); ccm now
# creates and connects them for 10 ms a pass, the rest of its worker's
# queue (the heartbeat check among it) in between.
# timeout: 400

ROUNDS=3

no_loss() {
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	expect_eq handshakes "$(counter handshakes)" 1
}

node1() {
	local i=1
	wait_rxe_active
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	while [ $i -le $ROUNDS ]; do
		echo_load clients=1 qps=1024 mem_size=4096 ||
			{ fail "modprobe ccm_echo ($i)"; return; }
		echo_wait_current echo 1 1024 120 || return
		log "round $i: 1024 QPs verified, heartbeats_skipped=$(counter heartbeats_skipped)"
		sleep 3		# node 2 verifies its side meanwhile
		echo_unload || { fail "rmmod ccm_echo ($i)"; return; }
		i=$((i + 1))
	done
	sleep 2
	no_loss
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}

echo_connects_ge() {
	[ "$(cat /sys/kernel/ccm_echo/echo0/connects)" -ge "$1" ]
}

partner_gone() {
	[ "$(cat $CCM_SYSFS/state)" != connected ]
}

node2() {
	wait_rxe_active
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=1024 mem_size=4096 ||
		{ fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	wait_cmd 300 echo_connects_ge $ROUNDS ||
		{ fail "not connected $ROUNDS times"; return; }
	echo_wait_verified echo0 1024 120 || return
	# node 1 unloads its client last, then ccm
	wait_cmd 120 partner_gone ||
		fail "node 1 never unloaded"
	expect_eq partner_lost "$(counter partner_lost)" 0
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}
