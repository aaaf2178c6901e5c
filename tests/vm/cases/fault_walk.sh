# SPDX-License-Identifier: GPL-2.0
# Every allocation and verbs call that ccm makes to connect (the handshake
# and the client exchange) fails in turn, injected by the kernel's
# fault-injection framework: node 1 loads ccm with fault=1,100,K,1 (the
# Kth call through CCM_FAULT() fails, once) for K = 1, 2, ..., then
# ccm_echo. Each round: the injected failure is recorded in ccm's or the
# client's last_error, ccm connects again once that one failure is spent,
# and the client ends up connected and verified by data (reloaded once
# when the failure failed it). The walk ends at the first K beyond every
# call of a whole connection. Nothing may crash or warn (the debug kernel
# panics on a WARN), both nodes' RDMA resources are back at the
# baseline after the last unload, and kmemleak finds nothing that ccm or
# ccm_echo allocated left unreferenced (node 2 then shows that it would:
# ccm_rogue.ko in mode 12 leaks one object on purpose, which is found).
# Needs CONFIG_FAULT_INJECTION: the debug kernel only.
# kernel: debug
# timeout: 600

FAULT=/sys/kernel/debug/ccm/fault
MAX_K=80

# reaction FROM: ccm's first log line after the injected failure (kernel
# log lines after line FROM)
reaction() {
	dmesg | tail -n +"$1" | awk '
		/FAULT_INJECTION: forcing a failure/ { on = 1; next }
		on && /ccm: / { sub(/^\[[ 0-9.]*\] /, ""); print; exit }'
}

# round K: returns 0 when the Kth call failed, 2 when there was none
round() {
	local k=$1 from fired st err cerr rea
	from=$(($(dmesg | wc -l) + 1))
	ccm_load fault="1,100,$k,1" || { fail "K=$k: modprobe ccm failed"; return 1; }
	[ -d $FAULT ] || { fail "no $FAULT: CONFIG_FAULT_INJECTION_DEBUG_FS?"; return 1; }
	echo_load clients=1 qps=2 || { fail "K=$k: modprobe ccm_echo failed"; return 1; }
	wait_cmd 60 settled ||
		{ fail "K=$k: neither connected nor failed (ccm $(state_now), echo0 $(cat $CCM_SYSFS/clients/echo0/state))"; return 1; }
	# whatever the exchange sends after connected() has gone out too
	sleep 1
	fired=$(( $(cat $FAULT/times) == 0 ))
	st=$(cat $CCM_SYSFS/clients/echo0/state)
	if [ "$fired" = 1 ]; then
		# recorded where an administrator looks: ccm's or the client's
		# last_error
		err=$(cat $CCM_SYSFS/last_error)
		cerr=$(cat $CCM_SYSFS/clients/echo0/last_error)
		rea=$(reaction "$from")
		log "WALK K=$k: client $st; last_error '$err', client's '$cerr'; log: $rea"
		case "$err$cerr:$rea" in
		nonenone:*'(-12)'*) ;;
		nonenone:*) fail "K=$k: the injected failure was neither recorded nor logged" ;;
		esac
		case $st in
		failed) N_CLIENT=$((N_CLIENT + 1)) ;;
		*) N_CONN=$((N_CONN + 1)) ;;
		esac
	fi
	if [ "$st" = failed ]; then
		expect_ne "K=$k.last_error" "$(cat $CCM_SYSFS/clients/echo0/last_error)" none
		echo_unload || { fail "K=$k: rmmod ccm_echo"; return 1; }
		echo_load clients=1 qps=2 || { fail "K=$k: modprobe ccm_echo"; return 1; }
	fi
	wait_state connected 60 || { fail "K=$k: ccm not connected again"; return 1; }
	echo_wait_current echo 1 2 60 || { fail "K=$k: echo0 not back"; return 1; }
	echo_unload || { fail "K=$k: rmmod ccm_echo"; return 1; }
	ccm_unload || { fail "K=$k: rmmod ccm"; return 1; }
	[ "$fired" = 1 ] || return 2
}

# settled: the client is connected, or failed for good
settled() {
	echo_connected_now echo0 ||
		[ "$(cat $CCM_SYSFS/clients/echo0/state 2>/dev/null)" = failed ]
}

node1() {
	local k=1 ret
	N_CLIENT=0
	N_CONN=0
	wait_rxe_active
	res_baseline
	kmemleak_mark
	while [ $k -le $MAX_K ]; do
		round $k
		ret=$?
		[ $ret = 0 ] || break
		k=$((k + 1))
	done
	[ $ret = 2 ] || { [ $ret = 1 ] || fail "over $MAX_K calls: walk not done"; return; }
	log "WALK done: $((k - 1)) calls failed in turn, the next connection made $((k - 1)); $N_CLIENT failed the client, $N_CONN the connection or an attempt"
	expect_ge calls_failed $((k - 1)) 30
	# it reached the handshake's calls and the client exchange's
	expect_ge failed_the_connection $N_CONN 1
	expect_ge failed_the_client $N_CLIENT 1
	# Node 2 checks its client against this final incarnation, then both
	# unload.
	ccm_load node_id=0x5758 || { fail "final modprobe ccm"; return; }
	echo_load clients=1 qps=2 || { fail "final modprobe ccm_echo"; return; }
	echo_wait_current echo 1 2 60 || return
	sleep 5
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
	expect_res_baseline after_walk
	expect_no_leak after_walk
}

node2() {
	wait_rxe_active
	res_baseline
	kmemleak_mark
	ccm_load || { fail "modprobe ccm failed"; return; }
	echo_load clients=1 qps=2 || { fail "modprobe ccm_echo failed"; return; }
	wait_cmd 560 connected_to 0000000000005758 ||
		{ fail "never connected to node 1's final incarnation"; return; }
	echo_wait_current echo 1 2 60
	wait_left_connected 60 || fail "partner never unloaded"
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || fail "rmmod ccm"
	expect_res_baseline after_walk
	expect_no_leak after_walk
	# and that check can fail: a leak on purpose is found
	expect_leak_found "$PEER_ADDR"
}
