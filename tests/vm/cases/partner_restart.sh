# SPDX-License-Identifier: GPL-2.0
# Partner killed and restarted: both connect with ccm_echo (1 client x 2
# QPs). The host (partner_restart.host) SIGKILLs node 2's QEMU once node 2
# logs RESTART-ME and starts it again with the same command line, so node 2
# boots a second time and runs node2() again. Node 1 must detect the loss
# within the heartbeat bound, tell its client (partner lost), then connect
# to node 2's new incarnation (new epoch, a second handshake) with its
# client verified again by data. Node 1 logs the detection time and the
# reconnect time (guest clock: from noticing the loss to the client
# verified, which includes node 2's reboot). At the end node 1 unloads;
# node 2 (second boot) sees its client unregistered by the partner and
# unloads too; both check that the RDMA resources are back to baseline.
# timeout: 150

node1() {
	local e1 t_conn t_ver
	wait_rxe_active
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 1 2 30 || return
	e1=$(cat $CCM_SYSFS/peer_epoch)
	expect_eq partner_lost_before "$(counter partner_lost)" 0
	# The host kills node 2 about 1 s after its RESTART-ME.
	wait_left_connected 60 || { fail "partner never lost"; return; }
	# Default heartbeat 3 x 100 ms, or a failed write after ~270 ms; one
	# period of slack for emulation.
	wait_client_told echo0 1 500
	log_detection 500
	expect_eq echo0_connected_after_loss "$(cat /sys/kernel/ccm_echo/echo0/connected)" 0
	dmesg | grep -q "ccm_echo: echo0: disconnected: partner lost" ||
		fail "no 'partner lost' disconnect in dmesg"
	# Node 2 boots again (seconds under TCG) and loads ccm and ccm_echo.
	wait_cmd 120 connected_counter_ge handshakes 2 || { fail "no reconnect to the restarted partner"; return; }
	t_conn=$(now_ms)
	echo_wait_round echo0 2 2 60 || return
	t_ver=$(now_ms)
	log "RECONNECT ms=$((t_ver - LEFT_MS)) (loss -> ccm connected $((t_conn - LEFT_MS)) ms, incl. the partner's reboot; handshake $(($(cat $CCM_SYSFS/last_handshake_ns) / 1000000)) ms; -> client verified $((t_ver - t_conn)) ms)"
	expect_ne peer_epoch_changed "$(cat $CCM_SYSFS/peer_epoch)" "$e1"
	check_connected
	expect_ge handshakes "$(counter handshakes)" 2
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 2
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 1
	expect_eq echo0_errors "$(cat /sys/kernel/ccm_echo/echo0/errors)" 0
	dmesg | grep -q "partner restarted (epoch $e1 -> " ||
		fail "no 'partner restarted' message for epoch $e1"
	log_identity
	sleep 3
	expect_eq state_after_3s "$(state_now)" connected
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}

# Runs on both boots of node 2; the first is killed while it waits.
node2() {
	wait_rxe_active
	res_baseline
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 1 2 60 || return
	check_connected
	log_identity
	log "RESTART-ME"
	# Second boot: node 1 unloads its client at the end of its checks.
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 60 ||
		fail "partner's client never went away"
	dmesg | grep -q "ccm_echo: echo0: disconnected: unregistered by partner" ||
		fail "no 'unregistered by partner' disconnect"
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}
