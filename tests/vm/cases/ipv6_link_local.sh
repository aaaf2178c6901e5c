# SPDX-License-Identifier: GPL-2.0
# The interconnect may be IPv6 link-local: peer_addr=fe80::...%eth0 (the
# scope names the interface). The guests' addresses come from their MACs
# (52:54:00:12:34:0N -> fe80::5054:ff:fe12:340N).
# timeout: 200

both() {
	local mine=fe80::5054:ff:fe12:340$NODE peer=fe80::5054:ff:fe12:340$PEER_NODE i=0
	wait_rxe_active
	# Wait (bounded) for duplicate address detection to finish.
	while [ $i -lt 150 ]; do
		a=$(ip -6 addr show dev eth0 scope link)
		case $a in
		*"$mine"*tentative*) ;;
		*"$mine"*) break ;;
		esac
		i=$((i + 1))
		sleep 0.1
	done
	log "after $i polls: $(ip -6 addr show dev eth0 | tr '\n' ' ')" 
	ip -6 addr show dev eth0 scope link | grep -q "inet6 $mine/64" ||
		{ fail "no link-local $mine: $(ip -6 addr show dev eth0)"; return; }
	out=$(modprobe ccm peer_addr="$peer%eth0" 2>&1) ||
		{ fail "modprobe ccm peer_addr=$peer%eth0: $out"; return; }
	log "loaded with peer_addr=$peer%eth0"
	wait_state connected 60 || { fail "not connected within 60 s"; return; }
	expect_eq peer_addr "$(cat $CCM_SYSFS/peer_addr)" "$peer%2"
	expect_eq handshakes "$(counter handshakes)" 1
	expect_eq illegal_events "$(counter illegal_events)" 0
	expect_ge rxe_sent_pkts "$(rxe_sent_pkts)" 1
	stays_connected
}

node1() { both; }
node2() { both; }
