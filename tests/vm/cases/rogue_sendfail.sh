# SPDX-License-Identifier: GPL-2.0
# A control message that cannot be sent must not stall the client
# exchange: node 2 runs ccm_rogue.ko in mode 10, whose first control
# message (its client's OFFER) fails as if the allocation had failed.
# Node 2 must fail that connection (connections_lost, a clear message),
# and both nodes must connect again with a second handshake, on which the
# OFFER goes out. Node 1 has no client: it only stores the offer.
# timeout: 200

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	# Node 2 may fail the first connection before node 1 reaches
	# connected on it (the rogue sends its OFFER as soon as it is
	# connected; seen 3 ms apart): count the lost connection, not
	# node 1's handshakes. Connected, with the OFFER of node 2's second
	# connection received:
	wait_cmd 90 connected_counter_ge messages_received 1 ||
		fail "not connected again with the OFFER received"
	expect_ge connections_lost "$(counter connections_lost)" 1
	expect_eq messages_invalid "$(counter messages_invalid)" 0
	sleep 10
	ccm_unload || fail "rmmod ccm failed"
}

node2() {
	wait_rxe_active
	modprobe ccm_rogue peer_addr="$PEER_ADDR" rogue=10 ||
		{ fail "modprobe ccm_rogue rogue=10"; return; }
	wait_cmd 60 counter_ge handshakes 2 || fail "no second handshake"
	wait_state connected 30 || fail "not connected again"
	dmesg | grep -q "a control message was lost, reconnecting" ||
		fail "no message for the lost control message"
	expect_ge connections_lost "$(counter connections_lost)" 1
	wait_cmd 30 counter_ge messages_sent 1 || fail "the OFFER was not sent"
	sleep 4
	rmmod ccm_rogue || fail "rmmod ccm_rogue failed"
}
