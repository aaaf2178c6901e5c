# SPDX-License-Identifier: GPL-2.0
# Two interconnect links: a link failure is never the partner's loss.
# Both nodes load ccm with two links (peer_addr=169.254.0.x,169.254.1.x, on
# rxe0 and rxe1) and ccm_echo (1 client x 2 QPs, on link 0). The host
# (links_two.host) cuts node 1's NICs with the QEMU monitor (`set_link ...
# off`: node 1 loses carrier, node 2 sees silence), one phase at a time:
#   1. link 1 (not the clients') for 2 s: link 1 leaves connected, the
#      partner stays connected, partner_lost stays 0, the client is not
#      disturbed; CCM_LINK / CCM_REDUNDANCY=lost uevents; link 1 rejoins by
#      itself and redundancy is restored;
#   2. link 0 (the clients') for 2 s: the partner stays connected on link
#      1, the client is told "interconnect link down" (not "partner lost")
#      and is connected and verified again once link 0 is back;
#   3. both links for 2 s, link 1 first (one monitor command takes the host
#      ~0.7 s): redundancy is lost at link 1, and the partner at link 0, the
#      last: its state leaves connected and the client is told "partner
#      lost"; both links and the client come back by themselves.
# Then both unload and the RDMA resources of both devices are back to the
# baseline.
# nics: 2
# timeout: 240

start_uevents() {
	# busybox uevent runs the command once per uevent with its env
	uevent sh -c 'env | grep "^CCM_" | tr "\n" " " >> /tmp/uevents; echo >> /tmp/uevents' &
	sleep 0.2
}

link_state() {
	cat $CCM_SYSFS/links/$1/state 2>/dev/null
}

link_is() {
	[ "$(link_state "$1")" = "$2" ]
}

link_left() {
	! link_is "$1" connected
}

# The partner must read connected at every look while a phase runs.
partner_watch() {
	local n=0
	while [ ! -f /tmp/phase.done ] && [ $n -lt 3000 ]; do
		[ "$(state_now)" = connected ] || echo "$(now_ms) $(state_now)" >> /tmp/partner.left
		n=$((n + 1))
		usleep 5000
	done
}

phase_start() {
	rm -f /tmp/phase.done /tmp/partner.left
	partner_watch &
	WATCH=$!
}

phase_end() {
	touch /tmp/phase.done
	wait $WATCH
	if [ -s /tmp/partner.left ]; then
		fail "$1: the partner left connected: $(head -n 3 /tmp/partner.left | tr '\n' ' ')"
	else
		log "$1: the partner read connected throughout"
	fi
}

both_links_up() {
	link_is 0 connected && link_is 1 connected
}

setup() {
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	res_baseline
	start_uevents
	run_logged modprobe ccm peer_addr="$PEER_ADDR,$PEER_ADDR2" ||
		{ fail "modprobe ccm failed"; return 1; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return 1; }
	wait_state connected 60 || { fail "ccm not connected"; return 1; }
	wait_cmd 60 both_links_up || { fail "links not both connected: $(link_state 0) $(link_state 1)"; return 1; }
	echo_check_all echo 1 2 30 || return 1
	expect_eq peer_addr "$(cat $CCM_SYSFS/peer_addr)" "$PEER_ADDR,$PEER_ADDR2"
	expect_eq link0_peer_addr "$(cat $CCM_SYSFS/links/0/peer_addr)" "$PEER_ADDR"
	expect_eq link1_peer_addr "$(cat $CCM_SYSFS/links/1/peer_addr)" "$PEER_ADDR2"
	expect_eq link0_device "$(cat $CCM_SYSFS/links/0/device)" rxe0
	expect_eq link1_device "$(cat $CCM_SYSFS/links/1/device)" rxe1
	expect_ge link0_handshakes "$(cat $CCM_SYSFS/links/0/counters/handshakes)" 1
	expect_ge link1_handshakes "$(cat $CCM_SYSFS/links/1/counters/handshakes)" 1
	expect_ge link1_heartbeats "$(cat $CCM_SYSFS/links/1/counters/heartbeats_sent)" 1
	expect_ge rxe1_sent_pkts "$(rxe_sent_pkts rxe1)" 1
	expect_eq illegal_events "$(counter illegal_events)" 0
	grep -q "CCM_REDUNDANCY=restored" /tmp/uevents ||
		fail "no CCM_REDUNDANCY=restored uevent when the second link connected"
}

# Phase 1: link 1 cut, clients on link 0 untouched.
phase1() {
	local hs1
	hs1=$(cat $CCM_SYSFS/links/1/counters/handshakes)
	phase_start
	log "PHASE1-READY"
	wait_cmd 20 link_left 1 || { fail "link 1 loss never noticed"; phase_end phase1; return 1; }
	log "link 1 left connected: $(link_state 1)"
	wait_cmd 60 link_is 1 connected || { fail "link 1 never rejoined"; phase_end phase1; return 1; }
	phase_end phase1
	expect_ge link1_handshakes_again "$(cat $CCM_SYSFS/links/1/counters/handshakes)" $((hs1 + 1))
	expect_eq partner_lost_1 "$(counter partner_lost)" 0
	expect_ge links_down_1 "$(counter links_down)" 1
	expect_ge redundancy_lost_1 "$(counter redundancy_lost)" 1
	expect_eq echo0_connects_1 "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
	expect_eq echo0_disconnects_1 "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	expect_eq echo0_errors_1 "$(cat /sys/kernel/ccm_echo/echo0/errors)" 0
	grep -q "CCM_LINK=1 .*CCM_LINK_STATE=down\|CCM_LINK_STATE=down .*CCM_LINK=1" /tmp/uevents ||
		fail "no CCM_LINK=1 down uevent"
	grep -q "CCM_REDUNDANCY=lost" /tmp/uevents || fail "no CCM_REDUNDANCY=lost uevent"
	[ "$(grep -c CCM_REDUNDANCY=restored /tmp/uevents)" -ge 2 ] ||
		fail "no CCM_REDUNDANCY=restored uevent after link 1 came back"
}

# Phase 2: link 0 (the clients') cut: "link down", back on link 0.
phase2() {
	phase_start
	log "PHASE2-READY"
	wait_cmd 20 link_left 0 || { fail "link 0 loss never noticed"; phase_end phase2; return 1; }
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 10 ||
		{ fail "client not told of link 0's loss"; phase_end phase2; return 1; }
	dmesg | grep -q "ccm_echo: echo0: disconnected: interconnect link down" ||
		fail "the client was not told 'interconnect link down'"
	wait_cmd 60 link_is 0 connected || { fail "link 0 never rejoined"; phase_end phase2; return 1; }
	phase_end phase2
	echo_wait_round echo0 2 2 60 || return 1
	expect_eq partner_lost_2 "$(counter partner_lost)" 0
	expect_ge links_down_2 "$(counter links_down)" 2
	log "phase 2: client verified again on link 0"
}

# Phase 3: both links cut: the partner is lost, as with one link.
phase3() {
	log "PHASE3-READY"
	wait_left_connected 20 || { fail "loss of both links never noticed"; return 1; }
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 2 10 ||
		{ fail "client not told of the partner's loss"; return 1; }
	# partner_lost counts silence only, as with one link: a cut link
	# fails the heartbeat's write (retries exhausted, ~120 ms) first.
	case $(counter partner_lost) in 0|1) ;; *) fail "partner_lost $(counter partner_lost), want 0 or 1" ;; esac
	link_is 1 connected && fail "link 1 still connected with both links cut"
	dmesg | grep -q "ccm_echo: echo0: disconnected: partner lost" ||
		fail "the client was not told 'partner lost'"
	wait_cmd 60 both_links_up || { fail "links not back: $(link_state 0) $(link_state 1)"; return 1; }
	wait_state connected 10 || { fail "partner not connected again"; return 1; }
	echo_wait_round echo0 3 2 60 || return 1
	log "phase 3: partner lost once, both links and the client back"
	log "counters: partner_lost=$(counter partner_lost) links_down=$(counter links_down) redundancy_lost=$(counter redundancy_lost) link_lost=$(counter link_lost) connections_lost=$(counter connections_lost)"
}

run_all() {
	setup || return
	phase1 || return
	phase2 || return
	phase3 || return
	log "LINKS-DONE"
}

node1() {
	run_all
	sleep 3
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}

node2() {
	run_all
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 3 60 ||
		fail "partner's client never went away"
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}
