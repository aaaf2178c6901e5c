# SPDX-License-Identifier: GPL-2.0
# A client registered on one side only stays pending, without disturbing
# the others, until the partner registers the same name much later; then
# that client alone is exchanged. Node 2 loads ccm_echo 10 s after ccm
# connected (a client registered after ccm connects). Node 2 gives its
# clients' QPs an ACK timeout of 14 (client_ack_timeout), node 1 keeps the
# default 16: each side's QPs carry their own node's setting.
# timeout: 220

node1() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=2 qps=4 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	sleep 5
	expect_eq echo0_alone "$(cat $CCM_SYSFS/clients/echo0/state)" pending
	expect_eq echo0_connected_alone "$(cat /sys/kernel/ccm_echo/echo0/connected)" 0
	echo_check_all echo 2 4 60
	expect_eq qp_ack_timeout "$(cat /sys/kernel/ccm_echo/echo0/qp_ack_timeout)" 16
	expect_eq handshakes "$(counter handshakes)" 1
	sleep 8
}

node2() {
	wait_rxe_active
	ccm_load client_ack_timeout=14 || { fail "modprobe ccm failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	sleep 10
	echo_load clients=2 qps=4 || { fail "modprobe ccm_echo failed"; return; }
	echo_check_all echo 2 4 60
	expect_eq qp_ack_timeout "$(cat /sys/kernel/ccm_echo/echo1/qp_ack_timeout)" 14
	expect_eq handshakes "$(counter handshakes)" 1
	sleep 8
}
