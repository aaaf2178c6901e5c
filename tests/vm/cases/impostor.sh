# SPDX-License-Identifier: GPL-2.0
# Only the partner's ccm gets in. Both nodes run ccm and ccm_echo (1 client
# x 2 QPs) and connect. Then an impostor on node 2 (ccm_impostor.ko, test
# only) connects to node 1 from node 2's address with a well-formed
# request that claims a new incarnation of node 2 (its node_id, a new
# epoch), three times each:
#   1. from an unprivileged port, as any local user who can open the RDMA
#      CM could: refused by the port rule (rejects_port);
#   2. from a privileged port, as root could: refused because the link to
#      node 2's current incarnation is alive (rejects_epoch).
# Node 1 must read the partner connected throughout, lose no connection,
# make no second handshake, and its client must never be told anything
# (before these rules, each such request replaced the live connection and
# told every client "partner rebooted"). Node 2 stays connected too.
# timeout: 200

node1() {
	connect_with_echo 1 2 30 || return
	watch_partner_start
	log "IMPOSTOR-READY"
	wait_cmd 60 counter_ge rejects_port 3 ||
		fail "rejects_port $(counter rejects_port), want 3"
	wait_cmd 60 counter_ge rejects_epoch 3 ||
		fail "rejects_epoch $(counter rejects_epoch), want 3"
	sleep 1
	expect_undisturbed impostor
	dmesg | grep -q "not from a privileged port" ||
		fail "no message for the unprivileged port"
	dmesg | grep -q "refused a new incarnation (epoch [0-9a-f]*): link 0 is alive" ||
		fail "no message for the new incarnation"
	dmesg | grep -q "partner restarted\|partner rebooted" &&
		fail "the impostor passed for a restarted partner"
	sleep 4
}

# impostor PORT WANT: three attempts from PORT, each refused with WANT
impostor() {
	local n
	modprobe ccm_impostor peer_addr="$PEER_ADDR" port="$1" \
		node_id="0x$(cat $CCM_SYSFS/node_id)" count=3 ||
		{ fail "modprobe ccm_impostor port=$1"; return; }
	rmmod ccm_impostor
	n=$(dmesg | grep -c "ccm_impostor: attempt [0-9] from port $1: rejected ($2)")
	expect_eq "impostor_port_$1_refused" "$n" 3
}

node2() {
	connect_with_echo 1 2 30 || return
	watch_partner_start
	impostor 0 "not from a privileged port"
	impostor 900 "our connection to the partner's current incarnation is alive"
	sleep 3
	watch_partner_stop impostor
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	sleep 4
}
