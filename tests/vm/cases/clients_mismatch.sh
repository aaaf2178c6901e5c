# SPDX-License-Identifier: GPL-2.0
# Mismatched descriptions: node 1's clients want 4 QPs, node 2's 8. Both
# sides refuse the pairing with a clear reason in sysfs and dmesg; the
# handshake stays connected. After node 2 reloads its clients with 4 QPs,
# they connect.
# timeout: 220

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=4 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	wait_file_eq $CCM_SYSFS/clients/echo0/state failed 30 || fail "echo0 not failed"
	log "last_error: $(cat $CCM_SYSFS/clients/echo0/last_error)"
	case $(cat $CCM_SYSFS/clients/echo0/last_error) in
	*"8 QPs"*"4"*) log "ok last_error names the QP counts" ;;
	*) fail "last_error: $(cat $CCM_SYSFS/clients/echo0/last_error)" ;;
	esac
	expect_eq state "$(cat $CCM_SYSFS/state)" connected
	# never connected, so never disconnected (CCM_DISC_FAILED is not told)
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 0
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	# Node 2 reloads with a matching description; our failed client
	# pairs with the new offer.
	wait_file_eq $CCM_SYSFS/clients/echo0/state connected 60 ||
		fail "echo0 did not connect after the partner fixed its client"
	echo_wait_verified echo0 4 30
	expect_eq echo0_disconnects_after "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	sleep 8
}

node2() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=8 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	wait_file_eq $CCM_SYSFS/clients/echo0/state failed 30 || fail "echo0 not failed"
	dmesg | grep -q "ccm: client echo0: partner's client has 4 QPs, this one 8" ||
		fail "no mismatch message in dmesg"
	sleep 3
	echo_unload || fail "rmmod ccm_echo"
	echo_load clients=1 qps=4 || { fail "second modprobe ccm_echo"; return; }
	echo_check_all echo 1 4 60
	sleep 8
}
