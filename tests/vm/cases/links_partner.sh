# SPDX-License-Identifier: GPL-2.0
# Two links, from boot to the partner's death. Node 1 loads ccm with its
# second link's NIC down: ccm connects on link 0 alone and serves the
# client there, while link 1 keeps failing with a clear last_error. Once
# eth1 is up (a port event retries link 1 at once) link 1 joins and
# redundancy is restored. Node 1 then removes link 1's device and adds it
# again (`rdma link del/add rxe1`): the link fails as "local device gone"
# and rejoins, the client (on link 0) is told nothing. Then node 2 powers
# off abruptly: node 1 must declare the partner lost within the same
# bound as with one link (partner_crash: 500 ms from the last sign of
# life), tell its client "partner lost" (not the device removal's reason,
# which once stayed recorded and was told at the next loss), and show
# both links down.
# nics: 2
# timeout: 200

node1() {
	local t0 t1
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	res_baseline
	ip link set eth1 down
	uevent sh -c 'env | grep "^CCM_" | tr "\n" " " >> /tmp/uevents; echo >> /tmp/uevents' &
	sleep 0.2
	run_logged modprobe ccm peer_addr="$PEER_ADDR,$PEER_ADDR2" ||
		{ fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected on link 0"; return; }
	echo_check_all echo 1 2 30 || return
	expect_eq clients_link "$(cat $CCM_SYSFS/clients_link)" 0
	sleep 3
	link_is 1 connected && fail "link 1 connected with eth1 down"
	expect_ne link1_last_error "$(cat $CCM_SYSFS/links/1/last_error)" none
	log "link 1 with eth1 down: $(cat $CCM_SYSFS/links/1/state), last_error: $(cat $CCM_SYSFS/links/1/last_error)"
	expect_eq redundancy_lost_0 "$(counter redundancy_lost)" 0
	grep -q CCM_REDUNDANCY /tmp/uevents && fail "redundancy uevent with one link"
	t0=$(now_ms)
	ip link set eth1 up
	wait_cmd 30 link_is 1 connected || { fail "link 1 never joined"; return; }
	t1=$(now_ms)
	log "link 1 joined $((t1 - t0)) ms after eth1 came up"
	grep -q "CCM_REDUNDANCY=restored" /tmp/uevents ||
		fail "no CCM_REDUNDANCY=restored uevent when link 1 joined"
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 1
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	# link 1's device goes and comes back; link 0 carries the client
	rdma link del rxe1 || fail "rdma link del rxe1"
	wait_cmd 10 link_left 1 || fail "link 1 still connected without rxe1"
	rdma link add rxe1 type rxe netdev eth1 || fail "rdma link add rxe1"
	wait_cmd 30 link_is 1 connected || { fail "link 1 never rejoined"; return; }
	expect_ge link1_handshakes "$(cat $CCM_SYSFS/links/1/counters/handshakes)" 2
	expect_eq echo0_disconnects_device "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	log "BOTH-UP"
	# Node 2 crashes about 3 s after it saw both links: the bound of
	# partner_crash, with one link.
	expect_crash_detected 500
	log "links: last_detection_ns link0=$(cat $CCM_SYSFS/links/0/last_detection_ns) link1=$(cat $CCM_SYSFS/links/1/last_detection_ns)"
	wait_file_eq /sys/kernel/ccm_echo/echo0/disconnects 1 5 || fail "client not told"
	dmesg | grep -q "ccm_echo: echo0: disconnected: partner lost" ||
		fail "no 'partner lost' disconnect in dmesg"
	link_is 0 connected && fail "link 0 still connected after the crash"
	link_is 1 connected && fail "link 1 still connected after the crash"
	expect_eq clients_link_after "$(cat $CCM_SYSFS/clients_link)" none
	sleep 2
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
	expect_res_baseline after_unload
}

node2() {
	local h
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	run_logged modprobe ccm peer_addr="$PEER_ADDR,$PEER_ADDR2" ||
		{ fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	wait_cmd 90 both_links_up || { fail "links never both up"; return; }
	h=$(cat $CCM_SYSFS/links/1/counters/handshakes)
	echo_check_all echo 1 2 30 || return
	# node 1 removed and added its link 1 device: link 1 connected again
	wait_cmd 60 file_ge $CCM_SYSFS/links/1/counters/handshakes $((h + 1)) ||
		{ fail "link 1 never came back after node 1's rdma link del/add"; return; }
	wait_cmd 30 both_links_up || { fail "links not both up again"; return; }
	sleep 3
	crash_now
}
