# SPDX-License-Identifier: GPL-2.0
# Only the partner's ccm gets in. Both nodes run ccm and ccm_echo (1 client
# x 2 QPs) and connect. Then impostors on node 2 connect to node 1 from
# node 2's address with a well-formed request that claims a new
# incarnation of node 2 (its node_id, a new epoch), three times each:
#   0. an unprivileged user (uid 65534, no capabilities) with librdmacm
#      (rdmacm_impostor, test only): it cannot bind port 900
#      (EACCES), so it connects from the port it gets and is refused by
#      the port rule (rejects_port); as root, from port 900, once: refused
#      as in 2 (its request is well-formed);
#   1. the kernel-side variant (ccm_impostor.ko, test only) from an
#      unprivileged port: refused the same way;
#   2. ccm_impostor.ko from a privileged port, as root could: refused
#      because the link to node 2's current incarnation is alive
#      (rejects_epoch).
# Node 1 must read the partner connected throughout, lose no connection,
# make no second handshake, and its client must never be told anything
# (before these rules, each such request replaced the live connection and
# told every client "partner rebooted"). Node 2 stays connected too.
# timeout: 200

node1() {
	connect_with_echo 1 2 30 || return
	watch_partner_start
	log "IMPOSTOR-READY"
	wait_cmd 60 counter_ge rejects_port 6 ||
		fail "rejects_port $(counter rejects_port), want 6"
	wait_cmd 60 counter_ge rejects_epoch 4 ||
		fail "rejects_epoch $(counter rejects_epoch), want 4"
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

# user_impostor: rdmacm_impostor as uid 65534, three attempts, each
# refused by the port rule
user_impostor() {
	local out
	modprobe rdma_ucm || { fail "modprobe rdma_ucm"; return; }
	# -u: all IDs 65534, no groups, no capabilities, before any RDMA call
	out=$(rdmacm_impostor -u 65534 -a "$PEER_ADDR" -b 900 -c 3 \
		-n "0x$(cat $CCM_SYSFS/node_id)" 2>&1)
	echo "$out" | while read -r l; do log "rdmacm_impostor: $l"; done
	case $out in
	*"running as uid 65534 gid 65534, CapEff 0000000000000000"*) ;;
	*) fail "rdmacm_impostor did not run unprivileged" ;;
	esac
	case $out in
	*"bind port 900: Permission denied"*) ;;
	*) fail "an unprivileged user could bind port 900" ;;
	esac
	expect_eq user_impostor_refused \
		"$(echo "$out" | grep -c "^attempt [0-9] from port [0-9]*: rejected (not from a privileged port)")" 3
	# As root it gets port 900, and its request is well-formed: refused
	# for the live incarnation, not as invalid (its encoder is ccm's).
	out=$(rdmacm_impostor -a "$PEER_ADDR" -b 900 -c 1 \
		-n "0x$(cat $CCM_SYSFS/node_id)" 2>&1)
	log "rdmacm_impostor as root: $(echo "$out" | tr '\n' ' ')"
	case $out in
	*"attempt 1 from port 900: rejected (our connection to the partner's current incarnation is alive)"*) ;;
	*) fail "rdmacm_impostor as root from port 900 not refused as alive" ;;
	esac
}

node2() {
	connect_with_echo 1 2 30 || return
	watch_partner_start
	user_impostor
	impostor 0 "not from a privileged port"
	impostor 900 "our connection to the partner's current incarnation is alive"
	sleep 3
	watch_partner_stop impostor
	expect_eq partner_lost "$(counter partner_lost)" 0
	expect_eq connections_lost "$(counter connections_lost)" 0
	expect_eq echo0_disconnects "$(cat /sys/kernel/ccm_echo/echo0/disconnects)" 0
	sleep 4
}
