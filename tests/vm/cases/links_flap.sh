# SPDX-License-Identifier: GPL-2.0
# The link without the clients flapped 50 times at random moments (the
# host cuts it on node 1 with the QEMU monitor for 0.1-0.7 s, then leaves
# it up for 0.2-1.2 s; links_flap.host): the partner is never lost, the
# client on the other link is never disturbed (its stream of requests, one
# every 10 ms on each QP, goes on throughout: each node counts at least
# 1000 acknowledged during the flaps, none posted again, no error), the
# flapped link rejoins
# after the last flap, and neither node leaks RDMA resources (the counts
# of both devices equal those seen before the flaps, and the baseline
# after unload).
# nics: 2
# timeout: 300

flaps() {
	local cl other before after acked
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	res_baseline
	run_logged modprobe ccm peer_addr="$PEER_ADDR,$PEER_ADDR2" ||
		{ fail "modprobe ccm failed"; return 1; }
	echo_load clients=1 qps=2 stream_ms=10 || { fail "modprobe ccm_echo failed"; return 1; }
	wait_state connected 60 || { fail "ccm not connected"; return 1; }
	wait_cmd 60 both_links_up || { fail "links not both up"; return 1; }
	echo_check_all echo 1 2 30 || return 1
	cl=$(cat $CCM_SYSFS/clients_link)
	other=$((1 - cl))
	before=$(res_counts rxe0 rxe1)
	acked=$(cat /sys/kernel/ccm_echo/echo0/reqs_acked)
	watch_partner_start
	log "FLAPS-READY clients=$cl"
	# The flaps have begun once a link went down; they are over once the
	# link stays up for 5 s (the host leaves it up 1.2 s at the most).
	wait_cmd 60 counter_ge links_down 1 || fail "no flap seen"
	stable_for "$other" 5 200 || fail "link $other not stable after the flaps"
	watch_partner_stop flaps
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_ge links_down "$(counter links_down)" 10
	expect_eq clients_link "$(cat $CCM_SYSFS/clients_link)" "$cl"
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	expect_eq echo0_errors "$(cat /sys/kernel/ccm_echo/echo0/errors)" 0
	expect_ge echo0_reqs_acked_in_flaps "$(cat /sys/kernel/ccm_echo/echo0/reqs_acked)" $((acked + 1000))
	expect_eq echo0_reposted "$(cat /sys/kernel/ccm_echo/echo0/reposted)" 0
	echo_stream_log echo0
	after=$(res_counts rxe0 rxe1)
	expect_eq resources_after_flaps "$after" "$before"
	log "flaps: links_down=$(counter links_down) link $other handshakes=$(cat $CCM_SYSFS/links/$other/counters/handshakes) connections_lost=$(counter connections_lost)"
}

# stable_for N SECS TIMEOUT: link N has been connected without a new
# handshake for SECS, judged every 0.1 s (at most TIMEOUT s). Both nodes
# see the same link settle, so both get here within a poll or two of each
# other: node 1 unloads 3 s later (a check that slept SECS from an
# arbitrary moment could leave node 2 up to SECS behind, and node 1's
# unload then broke the link node 2 was still watching).
stable_for() {
	local n=$1 want=$(($2 * 1000)) to=$3 i=0 start now t0 hs= cur
	start=$(now_ms)
	t0=$start
	while [ $i -lt $((to * 10 + 10)) ]; do
		now=$(now_ms)
		cur=down
		link_is "$n" connected &&
			cur=$(cat $CCM_SYSFS/links/$n/counters/handshakes)
		if [ "$cur" != "$hs" ]; then
			hs=$cur
			t0=$now
		elif [ "$cur" != down ] && [ $((now - t0)) -ge $want ]; then
			log "link $n settled $((t0 - start)) ms into the wait"
			return 0
		fi
		[ $((now - start)) -ge $((to * 1000)) ] && break
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}

node1() {
	flaps
	sleep 3
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
	expect_res_baseline after_unload
}

node2() {
	flaps
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 60 ||
		fail "partner's client never went away"
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
	expect_res_baseline after_unload
}
