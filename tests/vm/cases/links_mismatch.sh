# SPDX-License-Identifier: GPL-2.0
# The two nodes configured with different link lists: node 1 lists both
# links, node 2 only the second network (its link 0 is node 1's link 1;
# links are matched by address, not by position). The common link
# connects and carries the client; node 1's other link is refused with a
# clear error per attempt (node 2: "not the partner", counted in
# rejects_address), and the partner is never lost meanwhile.
# nics: 2
# timeout: 150

link0_refused() {
	case $(cat $CCM_SYSFS/links/0/last_error) in
	*"refused by the partner"*) return 0 ;;
	esac
	return 1
}

node1() {
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	res_baseline
	run_logged modprobe ccm peer_addr="$PEER_ADDR,$PEER_ADDR2" ||
		{ fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	wait_file_eq $CCM_SYSFS/links/1/state connected 30 || { fail "link 1 not connected"; return; }
	echo_check_all echo 1 2 30 || return
	expect_eq clients_link "$(cat $CCM_SYSFS/clients_link)" 1
	# Until node 2 listens, "unreachable"; then refused at every attempt.
	wait_cmd 30 link0_refused || fail "link 0 last_error: $(cat $CCM_SYSFS/links/0/last_error)"
	log "link 0: $(cat $CCM_SYSFS/links/0/last_error)"
	expect_ne link0_state "$(cat $CCM_SYSFS/links/0/state)" connected
	case $(cat $CCM_SYSFS/links/1/last_error) in
	*refused*) fail "link 1 refused: $(cat $CCM_SYSFS/links/1/last_error)" ;;
	esac
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq links_down "$(counter links_down)" 0
	stays_connected
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
	expect_res_baseline after_unload
}

node2() {
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	res_baseline
	run_logged modprobe ccm peer_addr="$PEER_ADDR2" ||
		{ fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 1 2 30 || return
	wait_cmd 20 counter_ge rejects_address 2 || fail "node 1's link 0 never refused twice"
	case $(cat $CCM_SYSFS/last_error) in
	*"not the partner"*) log "ok last_error: $(cat $CCM_SYSFS/last_error)" ;;
	*) fail "last_error: $(cat $CCM_SYSFS/last_error)" ;;
	esac
	expect_eq links_0_peer "$(cat $CCM_SYSFS/links/0/peer_addr)" "$PEER_ADDR2"
	expect_eq messages_invalid "$(counter messages_invalid)" 0
	stays_connected
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 30 ||
		fail "partner's client never went away"
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
	expect_res_baseline after_unload
}
