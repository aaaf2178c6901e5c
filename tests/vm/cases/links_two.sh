# SPDX-License-Identifier: GPL-2.0
# Two interconnect links: a link failure is never the partner's loss, and
# the clients move to the surviving link.
# Both nodes load ccm with two links (peer_addr=169.254.0.x,169.254.1.x, on
# rxe0 and rxe1) and ccm_echo (1 client x 2 QPs, with a stream of requests
# every 10 ms that must go on after every phase: what a failed link flushed
# is posted again on the next, node 2 does so at least once, in phase 3,
# where it only hears silence; no error, no answer without its request).
# The node with the higher
# node_id chooses the clients' link (clients_link, the same on both nodes).
# The host (links_two.host) cuts node 1's NICs with the QEMU monitor
# (`set_link ... off`: node 1 loses carrier, node 2 sees silence), one
# phase at a time, 2 s each:
#   1. the other link (not the clients'): it leaves connected, the partner
#      stays connected, partner_lost stays 0, the client is not disturbed;
#      CCM_LINK / CCM_REDUNDANCY=lost uevents; the link rejoins by itself
#      and redundancy is restored;
#   2. the clients' link: the partner stays connected, the client is told
#      "interconnect link down" (not "partner lost") and is connected and
#      verified again on the other link while its own is still down; no
#      fail-back once it returns;
#   3. both, the link without the clients first (one monitor command takes
#      the host ~0.7 s): the partner is lost at the last one, its state
#      leaves connected, the client is told "partner lost"; both links and
#      the client come back by themselves.
# In phases 1 and 2 node 1's port event fails the link at once, and node 1
# tells node 2 so on the other link (a DOWN message): node 2 fails its end
# at once too instead of waiting for the silence, and says so.
# Then node 1 fails links itself, the local ways (the port event fails the
# link at once on node 1; node 2 sees silence):
#   4. `ip link set ethN down` of the link without the clients for 2 s:
#      as phase 1 (after `ip link set ethN up`, Soft-RoCE here receives no
#      more CM messages on that device until it is created again: seen
#      with rxe on 6.1, where packets of established QPs and pings still
#      arrive, so the case then runs `rdma link del/add` on it);
#   5. `rdma link del rxeN` of the clients' link, 2 s later `rdma link add`
#      again: the client is told "interconnect link down" and moves to the
#      other link; the link rejoins on the new device.
# Then both unload and the RDMA resources of both devices are back to the
# baseline.
# nics: 2
# timeout: 300

start_uevents() {
	# busybox uevent runs the command once per uevent with its env
	uevent sh -c 'env | grep "^CCM_" | tr "\n" " " >> /tmp/uevents; echo >> /tmp/uevents' &
	sleep 0.2
}

setup() {
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	res_baseline
	start_uevents
	run_logged modprobe ccm peer_addr="$PEER_ADDR,$PEER_ADDR2" ||
		{ fail "modprobe ccm failed"; return 1; }
	echo_load clients=1 qps=2 stream_ms=10 || { fail "modprobe ccm_echo failed"; return 1; }
	wait_state connected 60 || { fail "ccm not connected"; return 1; }
	wait_cmd 60 both_links_up || { fail "links not both connected: $(link_state 0) $(link_state 1)"; return 1; }
	echo_stream_alive echo0 || fail "setup: echo0's requests never acknowledged"
	echo_check_all echo 1 2 30 || return 1
	CL=$(cat $CCM_SYSFS/clients_link)
	case $CL in
	0) OTHER=1 ;;
	1) OTHER=0 ;;
	*) fail "clients_link '$CL'"; return 1 ;;
	esac
	log "clients on link $CL"
	# the administrator's screen, for the log (README shows one)
	if command -v ccmctl > /dev/null; then
		ccmctl status 2>&1 | while IFS= read -r line; do log "status| $line"; done
	fi
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

# Phase 1: the other link cut; the clients on theirs untouched.
phase1() {
	local hs
	hs=$(cat $CCM_SYSFS/links/$OTHER/counters/handshakes)
	watch_partner_start
	log "PHASE1-READY clients=$CL"
	wait_cmd 20 link_left $OTHER || { fail "link $OTHER loss never noticed"; watch_partner_stop phase1; return 1; }
	log "link $OTHER left connected: $(link_state $OTHER)"
	wait_cmd 60 link_is $OTHER connected || { fail "link $OTHER never rejoined"; watch_partner_stop phase1; return 1; }
	watch_partner_stop phase1
	expect_ge link_handshakes_again "$(cat $CCM_SYSFS/links/$OTHER/counters/handshakes)" $((hs + 1))
	expect_eq partner_lost_1 "$(counter partner_lost)" 0
	expect_ge links_down_1 "$(counter links_down)" 1
	expect_ge redundancy_lost_1 "$(counter redundancy_lost)" 1
	expect_eq clients_link_1 "$(cat $CCM_SYSFS/clients_link)" "$CL"
	expect_eq echo0_connects_1 "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
	expect_eq echo0_disconnects_1 "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	expect_eq echo0_errors_1 "$(cat /sys/kernel/ccm_echo/echo0/errors)" 0
	expect_eq echo0_reposted_1 "$(cat /sys/kernel/ccm_echo/echo0/reposted)" 0
	echo_stream_alive echo0 || fail "phase 1: echo0's requests stopped"
	grep -q "CCM_LINK=$OTHER .*CCM_LINK_STATE=down\|CCM_LINK_STATE=down .*CCM_LINK=$OTHER" /tmp/uevents ||
		fail "no CCM_LINK=$OTHER down uevent"
	grep -q "CCM_REDUNDANCY=lost" /tmp/uevents || fail "no CCM_REDUNDANCY=lost uevent"
	[ "$(grep -c CCM_REDUNDANCY=restored /tmp/uevents)" -ge 2 ] ||
		fail "no CCM_REDUNDANCY=restored uevent after link $OTHER came back"
	told_down $OTHER 1
}

# told_down LINK N: node 2 failed LINK N times in all because node 1 said
# its end failed (told on the surviving link), never for silence
told_down() {
	local addr n
	[ "$NODE" = 2 ] || return 0
	addr=$(cat $CCM_SYSFS/links/$1/peer_addr)
	n=$(dmesg | grep -c "ccm: $addr: the partner's end failed (told on link $((1 - $1)))")
	expect_eq "link$1_told_down" "$n" "$2"
}

# Phase 2: the clients' link cut: "link down", back on the other link.
phase2() {
	local t0 t1 addr
	watch_partner_start
	log "PHASE2-READY"
	wait_cmd 20 link_left $CL || { fail "link $CL loss never noticed"; watch_partner_stop phase2; return 1; }
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 10 ||
		{ fail "client not told of link $CL's loss"; watch_partner_stop phase2; return 1; }
	dmesg | grep -q "ccm_echo: echo0: disconnected: interconnect link down" ||
		fail "the client was not told 'interconnect link down'"
	echo_wait_round echo0 2 2 30 || { watch_partner_stop phase2; return 1; }
	expect_eq clients_link_2 "$(cat $CCM_SYSFS/clients_link)" "$OTHER"
	expect_eq echo0_link_downs "$(cat /sys/kernel/ccm_echo/echo0/link_downs)" 1
	log "echo0: $(cat /sys/kernel/ccm_echo/echo0/flushed) WRs flushed by link $CL's end"
	link_is $CL connected && log "note: link $CL was back before the client was verified"
	# From the kernel log: link CL's connection lost -> the client's
	# round verified on the other link.
	addr=$(cat $CCM_SYSFS/links/$CL/peer_addr)
	t0=$(dmesg | grep "ccm: $addr: connection lost" | tail -n 1 | klog_ms)
	t1=$(dmesg | grep "ccm_echo: echo0: round 2: .*verified" | tail -n 1 | klog_ms)
	[ -n "$t0" ] && [ -n "$t1" ] &&
		log "FAILOVER ms=$((t1 - t0)) (link $CL's connection lost -> client verified on link $OTHER, kernel log)"
	wait_cmd 60 link_is $CL connected || { fail "link $CL never rejoined"; watch_partner_stop phase2; return 1; }
	watch_partner_stop phase2
	sleep 1
	expect_eq clients_link_no_failback "$(cat $CCM_SYSFS/clients_link)" "$OTHER"
	expect_eq echo0_connects_2 "$(cat /sys/kernel/ccm_echo/echo0/connects)" 2
	expect_eq partner_lost_2 "$(counter partner_lost)" 0
	expect_ge links_down_2 "$(counter links_down)" 2
	echo_stream_alive echo0 || fail "phase 2: echo0's requests stopped"
	echo_stream_log echo0
	if [ "$CL" = 1 ]; then told_down 1 1; else told_down 0 1; fi
}
# Phase 3: both links cut, the clients' last: the partner is lost, as with one link.
phase3() {
	log "PHASE3-READY"
	wait_left_connected 20 || { fail "loss of both links never noticed"; return 1; }
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 2 10 ||
		{ fail "client not told of the partner's loss"; return 1; }
	# partner_lost counts silence only, as with one link: a cut link
	# fails the heartbeat's write (retries exhausted, ~120 ms) first.
	case $(counter partner_lost) in 0|1) ;; *) fail "partner_lost $(counter partner_lost), want 0 or 1" ;; esac
	link_is $CL connected && fail "link $CL still connected with both links cut"
	dmesg | grep -q "ccm_echo: echo0: disconnected: partner lost" ||
		fail "the client was not told 'partner lost'"
	wait_cmd 60 both_links_up || { fail "links not back: $(link_state 0) $(link_state 1)"; return 1; }
	wait_state connected 10 || { fail "partner not connected again"; return 1; }
	echo_wait_round echo0 3 2 60 || return 1
	echo_stream_alive echo0 || fail "phase 3: echo0's requests stopped"
	echo_stream_log echo0
	# node 2 heard silence for a heartbeat timeout: its requests of that
	# time were flushed, and posted again on the partner's return
	[ "$NODE" = 2 ] && expect_ge echo0_reposted_3 "$(cat /sys/kernel/ccm_echo/echo0/reposted)" 1
	log "phase 3: partner lost once, both links and the client back"
	log "counters: partner_lost=$(counter partner_lost) links_down=$(counter links_down) redundancy_lost=$(counter redundancy_lost) link_lost=$(counter link_lost) connections_lost=$(counter connections_lost)"
}

# Phase 4 (node 1: ip link down of the link without the clients).
phase4() {
	local ld cl
	cl=$(cat $CCM_SYSFS/clients_link)
	OTHER=$((1 - cl))
	ld=$(counter links_down)
	watch_partner_start
	if [ "$NODE" = 1 ]; then
		sleep 1
		log "PHASE4 ip link set eth$OTHER down"
		ip link set "eth$OTHER" down
		wait_cmd 5 link_left $OTHER || fail "link $OTHER still connected with eth$OTHER down"
		sleep 2
		ip link set "eth$OTHER" up
		rdma link del "rxe$OTHER" && rdma link add "rxe$OTHER" type rxe netdev "eth$OTHER" ||
			fail "rxe$OTHER not created again"
		wait_rxe_active "rxe$OTHER"
	else
		wait_cmd 20 link_left $OTHER || { fail "link $OTHER loss never noticed"; watch_partner_stop phase4; return 1; }
	fi
	wait_cmd 60 link_is $OTHER connected || { fail "link $OTHER never rejoined"; watch_partner_stop phase4; return 1; }
	watch_partner_stop phase4
	expect_ge links_down_4 "$(counter links_down)" $((ld + 1))
	expect_eq clients_link_4 "$(cat $CCM_SYSFS/clients_link)" "$cl"
	expect_eq echo0_connects_4 "$(cat /sys/kernel/ccm_echo/echo0/connects)" 3
	[ "$NODE" = 1 ] && { dmesg | grep -q "ccm: .*local port rxe$OTHER/1 down" ||
		fail "no 'local port rxe$OTHER/1 down' in dmesg"; }
	log "phase 4: link $OTHER down and back locally, clients stayed on link $cl"
}

# Phase 5 (node 1: rdma link del of the clients' link's device).
phase5() {
	local cl
	cl=$(cat $CCM_SYSFS/clients_link)
	OTHER=$((1 - cl))
	watch_partner_start
	if [ "$NODE" = 1 ]; then
		sleep 1
		log "PHASE5 rdma link del rxe$cl"
		rdma link del "rxe$cl" || fail "rdma link del rxe$cl"
	fi
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 3 20 ||
		{ fail "client not told of link $cl's loss"; watch_partner_stop phase5; return 1; }
	echo_wait_round echo0 4 2 30 || { watch_partner_stop phase5; return 1; }
	expect_eq clients_link_5 "$(cat $CCM_SYSFS/clients_link)" "$OTHER"
	expect_eq echo0_link_downs_5 "$(cat /sys/kernel/ccm_echo/echo0/link_downs)" 2
	if [ "$NODE" = 1 ]; then
		sleep 2
		rdma link add "rxe$cl" type rxe netdev "eth$cl" || fail "rdma link add rxe$cl"
		wait_rxe_active "rxe$cl"
	fi
	wait_cmd 60 link_is $cl connected || { fail "link $cl never rejoined"; watch_partner_stop phase5; return 1; }
	watch_partner_stop phase5
	expect_eq partner_lost_5 "$(counter partner_lost)" "$PL3"
	echo_stream_alive echo0 || fail "phase 5: echo0's requests stopped"
	expect_eq echo0_errors_5 "$(cat /sys/kernel/ccm_echo/echo0/errors)" 0
	echo_stream_log echo0
	log "phase 5: device of link $cl removed, client moved to link $OTHER, link $cl back"
}

run_all() {
	setup || return
	phase1 || return
	phase2 || return
	phase3 || return
	PL3=$(counter partner_lost)
	phase4 || return
	phase5 || return
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
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 4 60 ||
		fail "partner's client never went away"
	echo_unload || fail "rmmod ccm_echo failed"
	ccm_unload || fail "rmmod ccm failed"
	expect_res_baseline after_unload
}
