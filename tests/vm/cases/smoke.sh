# SPDX-License-Identifier: GPL-2.0
# Smoke test of the test bed itself (no ccm module needed): rxe0 is ACTIVE,
# the peer answers pings, and rdma statistics are readable.
# timeout: 180

smoke() {
	local i=0 st out n
	# rxe0 port state follows eth0 carrier; give it a few seconds
	while [ $i -lt 50 ]; do
		st=$(rdma link show rxe0/1 2>&1)
		case $st in *"state ACTIVE"*) break ;; esac
		i=$((i + 1))
		sleep 0.1
	done
	log "rdma link: $st (after $i polls)"
	case $st in
	*"link rxe0/1 "*"state ACTIVE"*"netdev eth0"*) log "ok rxe0 ACTIVE" ;;
	*) fail "rxe0 not ACTIVE: $st" ;;
	esac

	# The partner may boot seconds later (nothing here waits for it):
	# one probe a second, 30 at most, before the three that must pass.
	i=0
	while [ $i -lt 30 ] && ! ping -c 1 -W 1 "$PEER_ADDR" > /dev/null 2>&1; do
		i=$((i + 1))
		sleep 1
	done
	if ping -c 3 -W 2 "$PEER_ADDR" > /tmp/ping.out 2>&1; then
		log "ok ping $PEER_ADDR: $(grep -E 'packets transmitted' /tmp/ping.out) (after $i failed probes)"
	else
		cat /tmp/ping.out
		fail "ping $PEER_ADDR failed"
	fi

	out=$(rdma statistic show link rxe0/1 2>&1)
	n=$(echo "$out" | tr ' ' '\n' | grep -cE '^(sent_pkts|rcvd_pkts|duplicate_request)$')
	log "rdma statistic: $(echo "$out" | head -c 300)"
	expect_eq rxe_counters_seen "$n" 3
}

node1() { smoke; }
node2() { smoke; }
