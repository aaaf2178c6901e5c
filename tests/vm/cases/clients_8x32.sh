# SPDX-License-Identifier: GPL-2.0
# 8 clients x 32 QPs (256 QPs, 16 KiB of memory each) on both nodes: every
# QP ping-pongs in both directions and every client's RDMA write into its
# partner's memory is verified on the other side.
# timeout: 240

both() {
	wait_rxe_active
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=8 qps=32 mem_size=16384 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "ccm not connected"; return; }
	echo_check_all echo 8 32 90
	expect_eq echo7_local_qpns "$(qpn_count echo7 local)" 32
	expect_eq echo7_peer_qpns "$(qpn_count echo7 peer)" 32
	expect_eq messages_invalid "$(counter messages_invalid)" 0
	sleep 10
}

node1() { both; }
node2() { both; }
