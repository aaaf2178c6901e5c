# SPDX-License-Identifier: GPL-2.0
# A busy node must not look dead. Node 2 runs ccm_rogue.ko in mode 11:
# once connected, its worker is held for 2.5 s under peer->lock three
# times, as a node busy with slow firmware commands would be (on hardware
# moving 1024 QPs to RTS can take seconds). Its heartbeat comes from a
# timer of its own, so it goes on meanwhile: node 1 (100 ms x 3) must
# read the partner connected throughout, count no loss and no lost
# connection, and node 2 must not take node 1 for dead when its worker
# resumes either. Node 2 has the rogue's built-in client (echo0, 2 QPs),
# node 1 ccm_echo's: their link stays up, never disconnected.
# timeout: 200

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "never connected"; return; }
	wait_file_eq /sys/kernel/ccm_echo/echo0/connects 1 30 ||
		{ fail "client never connected"; return; }
	watch_partner_start
	log "BUSY-READY"
	# node 2's stalls start 1.5 s after the connect and span about 12 s
	sleep 15
	watch_partner_stop stalls
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	expect_eq handshakes "$(counter handshakes)" 1
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
}

# dmesg_has TEXT: the kernel log has TEXT (for wait_cmd)
dmesg_has() {
	dmesg | grep -qF "$1"
}

node2() {
	local h0 h1
	wait_rxe_active
	modprobe ccm_rogue peer_addr="$PEER_ADDR" rogue=11 ||
		{ fail "modprobe ccm_rogue rogue=11"; return; }
	wait_state connected 60 || { fail "never connected"; return; }
	# During a stall: the heartbeats go on (the counter is read
	# without the lock the worker holds).
	wait_cmd 30 dmesg_has "rogue: holding the worker for 2500 ms (1 of 3)" ||
		{ fail "no first stall"; return; }
	h0=$(counter heartbeats_sent)
	sleep 1.5
	h1=$(counter heartbeats_sent)
	expect_ge heartbeats_during_stall $((h1 - h0)) 10
	wait_cmd 30 dmesg_has "rogue: holding the worker for 2500 ms (3 of 3)" ||
		{ fail "no third stall"; return; }
	sleep 3
	expect_eq state "$(cat $CCM_SYSFS/state)" connected
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	expect_eq handshakes "$(counter handshakes)" 1
	expect_eq client_state "$(cat $CCM_SYSFS/clients/echo0/state)" connected
	sleep 4
	rmmod ccm_rogue || fail "rmmod ccm_rogue failed"
}
