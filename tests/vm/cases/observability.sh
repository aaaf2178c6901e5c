# SPDX-License-Identifier: GPL-2.0
# Uevents and tracepoints for a handshake and a client: KOBJ_CHANGE
# uevents (on /module/ccm) carry CCM_STATE/CCM_PEER and CCM_CLIENT/
# CCM_CLIENT_STATE; the ccm tracepoints record FSM transitions, RDMA
# completions and client events. Node 1 loads first (its tracing is on
# before node 2 loads, 3 s later); node 2 watches node 1 reload ccm.
# Node 2 turns tracing on before its handshake can begin (ccm_load_traced),
# so both nodes trace the first handshake whole; both print their records
# of it (CCMT-TRACE lines) and the host draws them (observability.host,
# tests/vm/msc.py): a consistent causal order, all five states.
# timeout: 200

T=/sys/kernel/tracing

start_uevents() {
	# busybox uevent runs the command once per uevent with its env
	uevent sh -c 'env | grep "^CCM_\|^ACTION=\|^DEVPATH=" | tr "\n" " " >> /tmp/uevents; echo >> /tmp/uevents' &
	sleep 0.2
}

check_uevents() {
	log "uevents: $(grep -c CCM_ /tmp/uevents) with CCM_ keys"
	grep -q "CCM_STATE=connected" /tmp/uevents || fail "no CCM_STATE=connected uevent"
	grep -q "CCM_PEER=$PEER_ADDR" /tmp/uevents || fail "no CCM_PEER uevent"
	grep "CCM_STATE=connected" /tmp/uevents | grep -q "DEVPATH=/module/ccm" ||
		fail "uevent not on /module/ccm"
	grep -q "CCM_CLIENT=echo0.*CCM_CLIENT_STATE=connected\|CCM_CLIENT_STATE=connected.*CCM_CLIENT=echo0" /tmp/uevents ||
		fail "no client uevent"
}

check_trace() {
	cat $T/trace > /tmp/trace
	log "trace: $(grep -c ccm_ /tmp/trace) ccm records"
	grep -q "ccm_fsm_transition:.*-> CONNECTED on" /tmp/trace || fail "no transition to CONNECTED traced"
	grep -q "ccm_rdma_completion:.*op=write status=0" /tmp/trace || fail "no write completion traced"
	grep -q "ccm_client_event: client=echo0 state connected" /tmp/trace || fail "no client event traced"
	grep "ccm_fsm_transition" /tmp/trace | head -n 12 | while read -r l; do log "TRACE $l"; done
}

node1() {
	wait_rxe_active
	start_uevents
	ccm_load || { fail "modprobe ccm failed"; return; }
	ccm_trace_on
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "not connected"; return; }
	echo_check_all echo 1 2 30
	# Its first attempt (READ1) may fail before tracing is on: node 2
	# loads 3 s later. Whichever way node 1 then goes (its next READ1, or
	# WAITING -> WRITE2_PEER when node 2 reads it first), a handshake
	# state is entered with tracing on.
	grep -Eq "ccm_fsm_transition:.* -> (READ1|WRITE1|READ2|WRITE2|WRITE2_DONE|WRITE2_PEER) on" $T/trace ||
		fail "handshake not traced"
	check_trace
	# the first handshake, before the reload clears the buffer
	ccm_trace_dump /tmp/trace
	check_uevents
	sleep 2
	echo_unload
	ccm_unload || fail "rmmod ccm"
	sleep 1
	ccm_load || { fail "second modprobe ccm"; return; }
	echo_load clients=1 qps=2 || fail "second modprobe ccm_echo"
	wait_state connected 60 || fail "not connected again"
	sleep 10
}

node2() {
	wait_rxe_active
	start_uevents
	sleep 3
	ccm_load_traced || return
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_state connected 60 || { fail "not connected"; return; }
	echo_check_all echo 1 2 30
	# Node 1 reloads: we see the loss and the new handshake traced.
	wait_file_eq $CCM_SYSFS/counters/handshakes 2 60 || fail "no second handshake"
	wait_file_eq /sys/kernel/ccm_echo/echo0/connects 2 30 || fail "client not reconnected"
	check_trace
	check_uevents
	grep -q "CCM_STATE=error" /tmp/uevents || fail "no CCM_STATE=error uevent for the loss"
	ccm_trace_dump
	sleep 3
}
