# SPDX-License-Identifier: GPL-2.0
# Link failover benchmark (bench/run.sh copies this file, with @TRIALS@
# filled in, to tests/vm/cases/demo_bench_failover.sh together with
# bench_failover.host). Two links; ccm_echo's client (4 QPs) on one of
# them; the link that carries it is cut, @TRIALS@ times each way:
#   port-down: node 2 says which link carries the client, the host waits
#     a random 300-1300 ms and cuts node 1's NIC of that link with the
#     QEMU monitor (`set_link nN off`: node 1 loses carrier, so its
#     port-down event fails the link at once; node 2 sees silence), and
#     brings it back once node 2's client is verified again on the other
#     link;
#   silent: node 2 waits a random 300-1300 ms itself, then drops all it
#     sends and receives on that link (`netem loss 100%` on its NIC's
#     egress, a matchall drop filter on its ingress: no port event on
#     either node, the heartbeat path on both, as with a cable cut that
#     no port notices), and lifts it once its client is verified again
#     on the other link.
# Each trial waits until both links are up (no fail-back: the client
# stays where it moved, so the trials cut the two links in turn).
#
# Node 1 pings both of node 2's addresses every 10 ms (200 bytes of data,
# so 228-byte IP packets: the trace keeps only packets of that length, not
# the client's stream and the RDMA traffic, which would overrun the trace
# buffer within a few trials), so on each node
# the last packet from the partner on the cut link (net:netif_receive_skb,
# node 2 sees the requests, node 1 the replies) marks the cut on that
# node's own clock to within 10 ms. Node 2's silent cut is one tc batch
# (both directions within microseconds of each other); the packets it
# then drops still reach the tracepoint, which fires before tc ingress,
# so node 2 marks the cut in its trace (trace_marker) as soon as tc is
# done, a few ms late at most. At the end each node reports, per move of
# the client it traced:
#   told_ns      last packet on the cut link -> ccm tells the client
#                (ccm_client_event link_down)
#   connected_ns ... -> the client is connected on the other link
#   traffic_ns   ... -> ccm_echo's round on the new QPs verified by data
#                in both directions (its printk; printk and the trace
#                both use local_clock)
#   stream_ns    ... -> the first request of ccm_echo's stream (stream_ms=1:
#                a REQ on every idle QP each jiffy, what the failed link
#                flushed posted again) answered on the new QPs
# side=portdown is node 1 (with cut=port its port reported the cut),
# side=silent node 2 (it only stopped hearing node 1); with cut=netem
# both sides only stop hearing each other. node 2 also counts partner losses over all cuts: a link
# cut must never be one.
# nics: 2
# timeout: 900

. /tests/cases/demo_bench_lib.sh

TRIALS=@TRIALS@
ECHO_ARGS="clients=1 qps=4 mem_size=4096 stream_ms=1"
# iproute2's tc: a bare "tc" runs busybox's applet, which has no netem
TC=/usr/sbin/tc

# silent_cut DEV / silent_mend DEV: drop all DEV sends and receives (one
# tc process: both directions at once), and stop
silent_cut() {
	printf '%s\n' "qdisc add dev $1 root netem loss 100%" "qdisc add dev $1 ingress" \
		"filter add dev $1 parent ffff: matchall action drop" | $TC -b -
}

silent_mend() {
	$TC qdisc del dev "$1" ingress
	$TC qdisc del dev "$1" root
}

fo_start() {
	wait_rxe_active rxe0
	wait_rxe_active rxe1
	tr_setup global net/netif_receive_skb
	echo 'len == 228' > $T/events/net/netif_receive_skb/filter ||
		{ fail "no filter on netif_receive_skb"; return 1; }
	ccm_load peer_addr="$PEER_ADDR,$PEER_ADDR2" || { fail "modprobe ccm"; return 1; }
	tr_ccm_on
	echo_load $ECHO_ARGS || { fail "modprobe ccm_echo"; return 1; }
	wait_state connected 60 || { fail "not connected"; return 1; }
	wait_cmd 60 both_links_up || { fail "links not both up"; return 1; }
	echo_wait_verified echo0 4 60
}

# fo_report SIDE: one BENCH line per move of the client in this node's
# trace (/tmp/tr) and kernel log. The cut link is the one whose last
# packet before the client was told came first (pings run on both).
fo_report() {
	tr_snap
	dmesg | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] ccm_echo: echo0: round [0-9]*: .*verified.*/\1/p' > /tmp/verified
	dmesg | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] ccm_echo: echo0: link [0-9]*: stream: a request answered.*/\1/p' > /tmp/streamed
	awk -v side="$1" -v trials="$TRIALS" "$TR_LINE_TS"'
		function ns(a, b) { return (a == "" || b == "") ? "" : sprintf("%.0f", (b - a) * 1e9) }
		function after(arr, n, t,   j) {
			for (j = 1; j <= n; j++)
				if (arr[j] + 0 > t + 0)
					return arr[j]
			return ""
		}
		FILENAME == ARGV[1] { ver[++nv] = $1; next }
		FILENAME == ARGV[2] { str[++ns_] = $1; next }
		/^#/ { next }
		/netif_receive_skb: dev=eth[01] / {
			d = ($0 ~ /dev=eth0 /) ? 0 : 1
			last[d] = tr_line_ts()
			next
		}
		/tracing_mark_write: BENCH_CUT link=[01]/ {
			mark = tr_line_ts()
			markl = substr($0, index($0, "link=") + 5, 1)
			next
		}
		/ccm_client_event: client=echo0 link_down/ {
			k++
			down[k] = tr_line_ts()
			if (mark != "") {
				cut[k] = markl
				lastrx[k] = mark
				mark = ""
				next
			}
			if (last[0] == "" || last[1] == "") { cut[k] = ""; next }
			cut[k] = (last[0] + 0 < last[1] + 0) ? 0 : 1
			lastrx[k] = last[cut[k]]
			next
		}
		/ccm_client_event: client=echo0 state connected/ {
			if (k && conn[k] == "") conn[k] = tr_line_ts()
		}
		END {
			for (i = 1; i <= k; i++)
				printf "side=%s trial=%d link=%s cut=%s told_ns=%s connected_ns=%s traffic_ns=%s stream_ns=%s\n",
				       side, i, cut[i], (i > trials) ? "netem" : "port",
				       ns(lastrx[i], down[i]), ns(lastrx[i], conn[i]),
				       ns(lastrx[i], after(ver, nv, down[i])),
				       ns(lastrx[i], after(str, ns_, down[i]))
		}' /tmp/verified /tmp/streamed /tmp/tr > /tmp/fo
	while read -r line; do
		bench failover $line
	done < /tmp/fo
	[ "$(wc -l < /tmp/fo)" -ge $((2 * TRIALS)) ] ||
		fail "$(wc -l < /tmp/fo) moves of the client traced, want $((2 * TRIALS))"
}

node1() {
	local p1 p2
	fo_start || return
	ping -q -s 200 -i 0.01 -w 900 "$PEER_ADDR" > /dev/null 2>&1 &
	p1=$!
	ping -q -s 200 -i 0.01 -w 900 "$PEER_ADDR2" > /dev/null 2>&1 &
	p2=$!
	# Every trial cuts our NIC: the client is told each time. After the
	# last, node 2 reports once both links are up again.
	wait_cmd 800 file_ge /sys/kernel/ccm_echo/echo0/link_downs $((2 * TRIALS)) ||
		fail "$(cat /sys/kernel/ccm_echo/echo0/link_downs) link cuts seen, want $((2 * TRIALS))"
	wait_cmd 60 both_links_up || fail "links not both up after the last cut"
	sleep 5
	kill "$p1" "$p2" 2>/dev/null
	fo_report portdown
	echo_unload
	ccm_unload
}

node2() {
	local k=1 cl c0 lost0
	fo_start || return
	# loaded now, not by the first silent cut's tc (hundreds of ms here)
	modprobe -a sch_netem sch_ingress cls_matchall act_gact ||
		{ fail "modprobe of the tc modules"; return; }
	lost0=$(counter partner_lost)
	while [ $k -le "$TRIALS" ]; do
		wait_cmd 60 both_links_up || { fail "trial $k: links not both up"; return; }
		cl=$(cat $CCM_SYSFS/clients_link)
		c0=$(cat /sys/kernel/ccm_echo/echo0/connects)
		sleep 1		# node 1's pings run on the rejoined link again
		log "BENCH-ARMED k=$k nic=n$cl"
		echo_wait_round echo0 $((c0 + 1)) 4 30 ||
			{ fail "trial $k: the client did not move"; return; }
		log "BENCH-RESTORE k=$k"
		k=$((k + 1))
	done
	# silent cuts, made here: a random 300-1300 ms, then netem
	while [ $k -le $((2 * TRIALS)) ]; do
		wait_cmd 60 both_links_up || { fail "trial $k: links not both up"; return; }
		cl=$(cat $CCM_SYSFS/clients_link)
		c0=$(cat /sys/kernel/ccm_echo/echo0/connects)
		sleep 1
		usleep $(awk -v s="$k$(now_ms)" 'BEGIN { srand(s); print 300000 + int(rand() * 1000000) }')
		silent_cut eth$cl || { fail "trial $k: cannot cut eth$cl"; return; }
		echo "BENCH_CUT link=$cl" > $T/trace_marker
		echo_wait_round echo0 $((c0 + 1)) 4 30 ||
			{ fail "trial $k: the client did not move"; silent_mend eth$cl; return; }
		silent_mend eth$cl || { fail "trial $k: eth$cl not mended"; return; }
		k=$((k + 1))
	done
	wait_cmd 60 both_links_up || fail "links not both up after the last cut"
	fo_report silent
	bench failover_total cuts=$((2 * TRIALS)) partner_lost=$(($(counter partner_lost) - lost0)) links_down=$(counter links_down)
	log "BENCH-DONE"
	wait_left_connected 120 || fail "node 1 never unloaded"
	echo_unload
	ccm_unload
}
