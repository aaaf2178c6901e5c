# SPDX-License-Identifier: GPL-2.0
# make demo: node 1 loads ccm, node 2 three seconds later. Each node then
# shows its kernel's ccm messages (state transitions through dynamic debug)
# and its final sysfs, and prints its ccm trace records (CCMT-TRACE lines)
# for tests/vm/demo.sh to draw. Node 2 turns tracing on before its
# handshake can begin (ccm_load_traced); node 1's is on from its second
# attempt. Not part of make check.
# timeout: 200

demo_node() {
	local line ts msg
	wait_rxe_active
	if [ "$NODE" = 2 ]; then
		sleep 3
		ccm_load_traced dyndbg=+p || return
	else
		ccm_load dyndbg=+p || { fail "modprobe ccm failed"; return; }
		ccm_trace_on || return
	fi
	wait_state connected 60 || fail "not connected within 60 s"
	sleep 4
	dmesg | grep ' ccm: ' | grep -v 'taints kernel\|verification failed' |
		while read -r line; do
			ts=${line#\[}
			ts=${ts%%\]*}
			msg=${line#*\] }
			echo "CCMT node=$NODE t=$(echo "$ts" | tr -d ' ') kernel: $msg"
		done
	sysfs_dump | while read -r line; do log "sysfs ${line#/sys/kernel/ccm/}"; done
	ccm_trace_dump
}

node1() { demo_node; }
node2() { demo_node; }
