# SPDX-License-Identifier: GPL-2.0
# The shared key (auth_key): only a ccm that holds it gets in. Both nodes
# load ccm with the same key and connect; a client (1 x 2 QPs) is
# verified by data. Then:
#   1. node 2's impostor (ccm_impostor.ko, test only, as root could: from
#      port 900, with node 2's node_id and its *current* epoch, a high
#      generation) connects to node 1 three times, completes each
#      connection, spends 500 ms erasing the mailbox through the rkey the
#      REP gave it, and sends a descriptor with a forged proof; then twice
#      more without offering a nonce. Without a key such a request
#      superseded the live connection and node 1 told its client "partner
#      lost"; with one, node 1 closes each (auth_failures 5), reads the
#      partner connected throughout (the erasing reached only the
#      impostor's own copy of the sentinel page), and its client is told
#      nothing.
#   2. node 2 reloads ccm with another key: the two never connect, and
#      both count the failed proofs and say why.
#   3. node 2 reloads ccm with the right key, this time from the kernel
#      keyring (`ccmctl key` adds it as a logon key, auth_key_desc names
#      it): connected again, the client verified by data again.
# Before 1., the impostor's first two connections write where the keys
# its REP carries must not reach: its own header over node 1's sentinel
# header through the mailbox's key, and a mailbox message through the
# sentinel's key, which is read-only. Both are refused by node 1's HCA
# (remote access error); with one read-write key for the whole page the
# first landed.
# The key is never readable back (no /sys/module/ccm/parameters/auth_key).
# timeout: 240

KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
BADKEY=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

auth_loaded() {
	expect_eq auth "$(cat $CCM_SYSFS/auth)" hmac-sha256
	[ -e /sys/module/ccm/parameters/auth_key ] &&
		fail "auth_key can be read back in sysfs"
}

node1() {
	local f
	connect_with_echo 1 2 30 auth_key=$KEY || return
	auth_loaded
	watch_partner_start
	log "IMPOSTOR-READY"
	wait_cmd 60 counter_ge auth_failures 5 ||
		fail "auth_failures $(counter auth_failures), want 5"
	sleep 1
	expect_undisturbed impostor
	dmesg | grep -q "authentication failed: the partner's connection did not prove the key" ||
		fail "no message for the forged proof"
	dmesg | grep -q "authentication failed: the partner's request offers no proof" ||
		fail "no message for the request without a nonce"

	# 2. node 2 comes back with another key
	wait_left_connected 60 || { fail "node 2's ccm never went away"; return; }
	f=$(counter auth_failures)
	wait_cmd 60 counter_ge auth_failures $((f + 2)) ||
		fail "wrong key: auth_failures $(counter auth_failures), want $((f + 2))"
	[ "$(state_now)" = connected ] && fail "connected to a partner with another key"
	dmesg | grep -q "authentication failed: the partner did not prove the key" ||
		fail "no message for the partner's wrong key"
	log "WRONG-KEY-SEEN"

	# 3. and with the right one
	wait_state connected 90 || { fail "not connected with the right key"; return; }
	wait_file_eq /sys/kernel/ccm_echo/echo0/connects 2 60 ||
		fail "echo0 never connected again"
	echo_check_all echo 1 2 30
	sleep 6
}

# impostor NAME WANT ARGS...: ccm_impostor with ARGS; each attempt's
# outcome must match WANT
impostor() {
	local name=$1 want=$2 n count
	shift 2
	count=$(dmesg | grep -c "ccm_impostor: attempt [0-9] from port 900: $want")
	modprobe ccm_impostor peer_addr="$PEER_ADDR" port=900 \
		node_id="0x$(cat $CCM_SYSFS/node_id)" \
		epoch="0x$(cat $CCM_SYSFS/local_epoch)" "$@" ||
		{ fail "modprobe ccm_impostor ($name)"; return; }
	rmmod ccm_impostor
	n=$(dmesg | grep -c "ccm_impostor: attempt [0-9] from port 900: $want")
	expect_eq "impostor_$name" "$((n - count))" "$(echo "$@" | sed 's/.*count=//')"
}

node2() {
	local f n
	connect_with_echo 1 2 30 auth_key=$KEY || return
	auth_loaded
	expect_eq auth_failures "$(counter auth_failures)" 0
	watch_partner_start
	sleep 2		# node 1 is watching too
	impostor header "accepted, write refused" nonce=1 header=1 count=2
	dmesg | grep -q "attempt 1: writing the header through the mailbox's key: remote access error" ||
		fail "the header write through the mailbox's key was not refused"
	dmesg | grep -q "attempt 2: writing the mailbox through the sentinel's key: remote access error" ||
		fail "the mailbox write through the sentinel's key was not refused"
	impostor forged "accepted, forged proof sent, closed by ccm" \
		nonce=1 prove=1 erase=1 count=3
	dmesg | grep -q "ccm_impostor: erased the mailbox [1-9][0-9]* times" ||
		fail "the impostor could not write through its rkey"
	impostor no_nonce "rejected (no proof of the shared key (auth_key))" \
		nonce=0 count=2
	sleep 2
	watch_partner_stop impostor
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	sleep 3

	# 2. another key: never connected, the failures counted
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || { fail "rmmod ccm"; return; }
	ccm_load auth_key=$BADKEY || { fail "modprobe ccm (wrong key)"; return; }
	wait_cmd 60 counter_ge auth_failures 2 ||
		fail "wrong key: auth_failures $(counter auth_failures), want 2"
	[ "$(state_now)" = connected ] && fail "connected with another key"
	dmesg | grep -q "authentication failed: the partner" ||
		fail "no message for the wrong key"
	sleep 4
	ccm_unload || { fail "rmmod ccm (wrong key)"; return; }

	# 3. the right key, from the keyring
	n=$(echo "$KEY" | ccmctl key ccm:test) || { fail "ccmctl key: exit $?"; return; }
	log "logon key ccm:test: serial $n; /proc/keys: $(grep ' ccm:test' /proc/keys)"
	grep -q "logon *ccm:test" /proc/keys || fail "no logon key ccm:test in /proc/keys"
	connect_with_echo 1 2 30 auth_key_desc=ccm:test || return
	expect_eq auth_key_desc "$(cat /sys/module/ccm/parameters/auth_key_desc)" ccm:test
	auth_loaded
	sleep 6
}
