# SPDX-License-Identifier: GPL-2.0
# Unregister and re-register in a loop: node 1 unloads and reloads
# ccm_echo five times while node 2 keeps it loaded. Each round must be
# verified by data on both sides; node 2's clients see "unregistered by
# partner" and connect again. ccm itself cannot be unloaded while a client
# is registered (its module is in use), and the handshake is never
# disturbed. The rounds run beside two CPU hogs on the host
# (clients_cycle.host): a busy machine must not make a node look dead,
# so partner_lost and connections_lost stay 0 on both nodes.
# timeout: 260

node1() {
	local i=1
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	log "HOG-READY"
	while [ $i -le 5 ]; do
		echo_load clients=2 qps=4 || { fail "modprobe ccm_echo ($i)"; return; }
		echo_check_all echo 2 4 60 || return
		if rmmod ccm 2>/dev/null; then
			fail "rmmod ccm succeeded with clients registered"
			return
		fi
		log "ok rmmod ccm refused while clients are registered"
		echo_unload || fail "rmmod ccm_echo ($i)"
		[ -d $CCM_SYSFS/clients/echo0 ] && fail "clients/echo0 left after unload"
		i=$((i + 1))
		sleep 1
	done
	echo_load clients=2 qps=4 || { fail "final modprobe ccm_echo"; return; }
	echo_check_all echo 2 4 60
	log "CYCLE-DONE"
	expect_eq handshakes "$(counter handshakes)" 1
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	sleep 8
}

node2() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=2 qps=4 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	# Six rounds in all on node 1's side.
	wait_cmd 90 file_ge /sys/kernel/ccm_echo/echo0/connects 6
	expect_eq echo0_connects "$(cat /sys/kernel/ccm_echo/echo0/connects)" 6
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 5
	# echo1 is registered apart from echo0: seen up to 80 ms later
	wait_file_eq $CCM_SYSFS/clients/echo1/connects 6 30 ||
		fail "echo1: ccm connects $(cat $CCM_SYSFS/clients/echo1/connects), want 6"
	echo_check_all echo 2 4 60
	expect_eq handshakes "$(counter handshakes)" 1
	expect_eq echo0_told_unregistered_by_partner \
		"$(dmesg | grep -c 'ccm_echo: echo0: disconnected: unregistered by partner$')" 5
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	sleep 8
}
