# SPDX-License-Identifier: GPL-2.0
# A rogue partner: node 2 runs ccm_rogue.ko (the same sources behind
# lying encoders, tests/rogue/rogue_wire.c; built only for tests) in nine
# modes one after another, then the real ccm. Node 1 must reject every bad
# input with a counter, never connect to the rogue's bad handshakes or
# pair a bad client offer, never warn or crash (the harness checks the
# kernel log), and connect normally with its client verified by data once
# node 2 behaves.
# timeout: 260

# see ccm_rogue.ko's rogue= parameter; 9 first: its check is a logged
# error, and errors share one rate limit, which the others can use up
MODES="9 1 2 3 4 5 6 7 8"

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	# Until node 2 loads the real ccm and our client pairs with its.
	wait_cmd 180 file_ge /sys/kernel/ccm_echo/echo0/connects 1
	log "COUNTERS rejects_invalid=$(counter rejects_invalid) descriptor_invalid=$(counter descriptor_invalid) sentinel_invalid=$(counter sentinel_invalid) mailbox_stale=$(counter mailbox_stale) mailbox_invalid=$(counter mailbox_invalid) messages_invalid=$(counter messages_invalid) illegal_events=$(counter illegal_events) errors=$(counter errors)"
	expect_ge rejects_invalid "$(counter rejects_invalid)" 2
	expect_ge sentinel_invalid "$(counter sentinel_invalid)" 1
	expect_ge mailbox_stale "$(counter mailbox_stale)" 1
	expect_ge messages_invalid "$(counter messages_invalid)" 1
	# mode 8: in the rogue's REP or in its descriptor SEND
	expect_ge descriptor_invalid "$(counter descriptor_invalid)" 1
	dmesg | grep -q "sentinel descriptor: " ||
		fail "no message for the rogue's descriptor"
	dmesg | grep -q "control message refused" || fail "no 'control message refused' message"
	# mode 9: 65 client offers, one more than a node can have
	dmesg | grep -q "offer for flood[0-9]* refused: over 64 partner clients" ||
		fail "no message for the 65th client offer"
	dmesg | grep -q "private data" || fail "no private data rejection message"
	dmesg | grep -q "mailbox write with unknown immediate data" ||
		fail "no message for the rogue's doorbell"
	# the real ccm's handshake rang ours
	expect_ge doorbells "$(counter doorbells)" 1
	echo_check_all echo 1 2 60
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
	sleep 8
}

node2() {
	local m
	wait_rxe_active
	for m in $MODES; do
		modprobe ccm_rogue peer_addr="$PEER_ADDR" rogue=$m ||
			{ fail "modprobe ccm_rogue rogue=$m"; return; }
		log "rogue mode $m loaded"
		case $m in
		5 | 6 | 9)
			# node 1 must connect to the rogue first, which after
			# the bad handshakes of modes 3 and 4 can take a
			# backoff of several seconds
			wait_cmd 30 counter_ge handshakes 1 ||
				fail "rogue mode $m never connected"
			sleep 3
			;;
		*)
			sleep 6
			;;
		esac
		log "rogue mode $m: state $(cat $CCM_SYSFS/state)"
		rmmod ccm_rogue || fail "rmmod ccm_rogue ($m)"
	done
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	echo_check_all echo 1 2 60
	sleep 8
}
