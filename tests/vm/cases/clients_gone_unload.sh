# SPDX-License-Identifier: GPL-2.0
# A client's GONE followed at once by ccm's disconnect: node 1 unloads
# ccm_echo and then ccm with nothing in between, four times, reloading
# both each round, while node 2 keeps its clients loaded. The GONE and
# the disconnect reach node 2 close together (the TCP socket link holds
# small frames tens of ms), often in one run of its worker; node 2 must
# still handle the GONE first: every disconnect of its clients says
# "unregistered by partner", never "partner lost". Node 1's own clients
# are told "unregistered", and nothing else.
# timeout: 240

ROUNDS=4

node1() {
	local i=1
	wait_rxe_active
	while [ $i -le $ROUNDS ]; do
		ccm_load || { fail "modprobe ccm ($i)"; return; }
		echo_load clients=2 qps=2 || { fail "modprobe ccm_echo ($i)"; return; }
		wait_state connected 60 || { fail "ccm not connected ($i)"; return; }
		echo_check_all echo 2 2 60 || return
		rmmod ccm_echo && rmmod ccm || { fail "unload ($i)"; return; }
		log "round $i: ccm_echo and ccm unloaded back to back"
		i=$((i + 1))
	done
	# this side's clients were told they unregistered, nothing else
	expect_eq disconnects_unregistered \
		"$(dmesg | grep -c 'ccm_echo: echo[01]: disconnected: unregistered$')" $((2 * ROUNDS))
	expect_eq disconnects_other \
		"$(dmesg | grep 'ccm_echo: echo[01]: disconnected: ' | grep -vc 'unregistered$')" 0
	ccm_load || { fail "final modprobe ccm"; return; }
	echo_load clients=2 qps=2 || { fail "final modprobe ccm_echo"; return; }
	wait_state connected 60 || { fail "ccm not connected (final)"; return; }
	echo_check_all echo 2 2 60
	sleep 5
}

node2_connects_done() {
	[ "$(cat /sys/kernel/ccm_echo/echo1/connects)" -ge $((ROUNDS + 1)) ]
}

node2() {
	local lost unreg
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=2 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_cmd 200 node2_connects_done ||
		fail "echo1 connects $(cat /sys/kernel/ccm_echo/echo1/connects), want $((ROUNDS + 1))"
	echo_check_all echo 2 2 60
	unreg=$(dmesg | grep -c "ccm_echo: echo[01]: disconnected: unregistered by partner")
	lost=$(dmesg | grep -c "ccm_echo: echo[01]: disconnected: partner lost")
	expect_eq disconnects_unregistered_by_partner "$unreg" $((2 * ROUNDS))
	expect_eq disconnects_partner_lost "$lost" 0
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" $ROUNDS
	expect_ge connections_lost "$(counter connections_lost)" $ROUNDS
	sleep 5
}
