# SPDX-License-Identifier: GPL-2.0
# ccm benchmarks in one boot of the two-node cluster (bench/run.sh copies
# this file to tests/vm/cases/demo_bench_main.sh for the run only).
# Node 2 drives; node 1 serves (ccm, the ccm_cmbench server) and acts on
# node 2's commands over a TCP side channel (bench/cases/lib.sh: ctl).
#   H  handshake: ccm module load -> CONNECTED vs ccm_cmbench load ->
#      one RDMA CM connection ESTABLISHED (same device, same boot), the
#      connect run in module init and, as ccm does, from a work item
#   B  baselines: n RDMA CM connects (seq, par) and the local floor
#   P  ccm provisioning of one client with n QPs: FSM CONNECTED -> client
#      connected (QPs created, offered, moved to RTS, memory registered,
#      READY both ways); each trial is paired with a run of the local
#      floor for the same n just before it
#   R  reconnect: partner's ccm (and client) reloaded -> client connected
#   M  memory per client QP (MemFree)
#   I  idle cost while connected (ccm work items, guest CPU)
# Trial counts: the @...@ placeholders are filled in by bench/run.sh.
# timeout: 1500

. /tests/cases/demo_bench_lib.sh

H_TRIALS=@H_TRIALS@
R_TRIALS=@R_TRIALS@
PROV_NS="@PROV_NS@"
IDLE_S=@IDLE_S@		# seconds per idle window
IDLE_N=@IDLE_N@		# idle windows per setting
MEM_TRIALS=@MEM_TRIALS@
# trials MODE N: how many runs of MODE with N QPs
trials() {
	case $1:$2 in
	seq:1024) echo @SEQ_1024@ ;;
	seq:256) echo @SEQ_256@ ;;
	par:1024) echo @PAR_1024@ ;;
	ccm:1024) echo @CCM_1024@ ;;
	*) echo @TRIALS@ ;;
	esac
}
ECHO_ARGS="clients=1 mem_size=4096"

# ---------------------------------------------------------------- node 1

write_handler() {
	cat > /tmp/bench_cmd.sh <<'EOF'
#!/bin/sh
# one side-channel request: read one line, act, answer one line
exec 3>&1 1>/dev/console 2>&1
. /tests/guest-lib.sh
. /tests/cases/demo_bench_lib.sh
read -r cmd a b c
r=ok
case $cmd in
state)	r=$(cat $CCM_SYSFS/state 2>/dev/null || echo none) ;;
echo)	# echo N: ccm_echo with one client of N QPs (0: none)
	if lsmod | grep -q '^ccm_echo '; then rmmod ccm_echo || r=fail; fi
	if [ "$a" -gt 0 ]; then
		modprobe ccm_echo clients=1 mem_size=4096 qps="$a" || r=fail
	fi
	tr_clear ;;
provtime) # this node's view of the last provisioning
	tr_snap
	t0=$(tr_ts 'ccm_fsm_transition:.*-> CONNECTED')
	t1=$(tr_ts_after 'ccm_client_event: client=echo0 state connected' "$t0")
	r=$(ns_between "$t0" "$t1")
	r=${r:-none} ;;
ccm)	# ccm [params]: (re)load ccm
	if lsmod | grep -q '^ccm_echo '; then rmmod ccm_echo || r=fail; fi
	if lsmod | grep -q '^ccm '; then rmmod ccm || r=fail; fi
	modprobe ccm peer_addr="$PEER_ADDR" $a $b $c || r=fail
	tr_ccm_on ;;
unload)	if lsmod | grep -q '^ccm_echo '; then rmmod ccm_echo || r=fail; fi
	if lsmod | grep -q '^ccm '; then rmmod ccm || r=fail; fi ;;
done)	touch /tmp/bench_done ;;
*)	r=unknown ;;
esac
[ "$cmd" = state ] || log "ctl: $cmd $a $b $c -> $r"
echo "$r" >&3
EOF
	chmod +x /tmp/bench_cmd.sh
}

node1() {
	local i=0
	wait_rxe_active
	tr_setup global module/module_load
	ccm_load || { fail "modprobe ccm failed"; return; }
	tr_ccm_on
	modprobe ccm_cmbench role=server port=$BENCH_PORT ||
		{ fail "ccm_cmbench server"; return; }
	write_handler
	log "serving node 2"
	# one request per nc; bounded by count and by the case timeout
	while [ ! -e /tmp/bench_done ] && [ $i -lt 20000 ]; do
		nc -l -p $CTL_PORT -e /tmp/bench_cmd.sh
		i=$((i + 1))
	done
	log "cmbench server accepted $(cat /sys/module/ccm_cmbench/parameters/accepted) connections"
	if lsmod | grep -q '^ccm_echo '; then echo_unload; fi
	rmmod ccm_cmbench || fail "rmmod ccm_cmbench"
	if lsmod | grep -q '^ccm '; then ccm_unload || fail "rmmod ccm"; fi
}

# ---------------------------------------------------------------- node 2

unload_all() {
	if lsmod | grep -q '^ccm_cmbench '; then rmmod ccm_cmbench; fi
	if lsmod | grep -q '^ccm_echo '; then rmmod ccm_echo; fi
	if lsmod | grep -q '^ccm '; then rmmod ccm; fi
}

CONNECTED_RE='ccm: [0-9.]*: connected .node '
CLIENT_RE='ccm: client echo0 connected'

CMB_DONE_RE='ccm_cmbench: seq n=1 at load: done'

# baseline_handshake AUTORUN KIND TRIAL: one ccm_cmbench connect at load;
# with AUTORUN=2 modprobe returns before it is ESTABLISHED
baseline_handshake() {
	local c t0 t1 ns p=/sys/module/ccm_cmbench/parameters

	c=$(kmsg_count "$CMB_DONE_RE")
	tr_clear
	modprobe ccm_cmbench role=client peer="$PEER_ADDR" port=$BENCH_PORT \
		n=1 mode=seq autorun="$1" || { fail "modprobe ccm_cmbench"; return 1; }
	if [ "$1" = 2 ]; then
		quiet_wait 1
		kmsg_wait_count "$CMB_DONE_RE" $((c + 1)) 30 ||
			{ fail "$2 handshake $3"; rmmod ccm_cmbench; return 1; }
	fi
	tr_snap
	t0=$(tr_ts 'module_load: ccm_cmbench( |$)')
	t1=$(tr_ts_after "console: .*$CMB_DONE_RE" "$t0")
	if [ "$(cat $p/ok_count)" = 1 ] && [ -n "$t0" ] && [ -n "$t1" ]; then
		ns=$(ns_between "$t0" "$t1")
	else
		ns=
		fail "$2 handshake $3 failed"
	fi
	bench handshake kind="$2" trial="$3" ns=$ns connect_ns=$(cat $p/last_ns)
	rmmod ccm_cmbench
}

phase_handshake() {
	local i=1 t0 t1 ns c
	quiet_init	# outside the measured windows
	ctl ccm > /dev/null
	while [ $i -le $H_TRIALS ]; do
		# ccm: node 1 is up and waiting for us (the early-boot case)
		ctl_wait_state waiting_on_partner 30 || return 1
		c=$(kmsg_count "$CONNECTED_RE")
		tr_clear
		modprobe ccm peer_addr="$PEER_ADDR" || { fail "modprobe ccm"; return 1; }
		quiet_wait 1
		kmsg_wait_count "$CONNECTED_RE" $((c + 1)) 30 || { fail "handshake $i"; return 1; }
		tr_snap
		t0=$(tr_ts 'module_load: ccm( |$)')
		t1=$(tr_ts_after "console: .*$CONNECTED_RE" "$t0")
		ns=$(ns_between "$t0" "$t1")
		bench handshake kind=ccm trial=$i ns=$ns last_handshake_ns=$(cat $CCM_SYSFS/last_handshake_ns) transitions=$(counter transitions) connects=$(counter connects) accepts=$(counter accepts)
		rmmod ccm || { fail "rmmod ccm"; return 1; }
		# baseline: one RDMA CM connection to the listening node 1, made
		# in module init and, as ccm does, from a work item
		baseline_handshake 1 cm $i || return 1
		baseline_handshake 2 cm_async $i || return 1
		i=$((i + 1))
	done
}

# cmb_run MODE N KIND TRIAL RUNS: ccm_cmbench (loaded) runs MODE for N
# QPs RUNS times; the last run is reported as KIND
cmb_run() {
	local p=/sys/module/ccm_cmbench/parameters k=1 rc
	echo "$2" > $p/n
	printf '%s' "$1" > $p/mode
	while [ $k -le "$5" ]; do
		echo 1 > $p/run
		rc=$?
		k=$((k + 1))
	done
	bench prov kind=$3 n=$2 trial=$4 ns=$(cat $p/last_ns) ok=$(cat $p/ok_count) failed=$(cat $p/fail_count) rc=$rc
}

phase_baselines() {
	local p=/sys/module/ccm_cmbench/parameters N m t
	ctl unload > /dev/null	# node 1 quiet: no ccm retrying meanwhile
	modprobe ccm_cmbench role=client peer="$PEER_ADDR" port=$BENCH_PORT ||
		{ fail "modprobe ccm_cmbench"; return 1; }
	for N in $PROV_NS; do
		for m in floor seq par; do
			t=1
			while [ $t -le "$(trials $m $N)" ]; do
				cmb_run $m "$N" $m $t 1
				t=$((t + 1))
			done
		done
	done
	log "cmbench: $(cat $p/ok_count) ok last"
	rmmod ccm_cmbench
}

# floor_once N TRIAL: one run of the local floor for N QPs, just before a
# ccm trial, so that the host's drift between phases stays out of their
# ratio (phase B measures the floor too, for the ceilings). Node 1 first
# settles (its link of the last trial torn down, ccm waiting for us), and
# an untimed run warms the module up: the timed one is the floor at its
# best, as in phase B.
floor_once() {
	ctl_wait_state waiting_on_partner 30 || return 1
	sleep 1
	modprobe ccm_cmbench role=client peer="$PEER_ADDR" port=$BENCH_PORT ||
		{ fail "modprobe ccm_cmbench (floor)"; return 1; }
	cmb_run floor "$1" floor_paired "$2" 2
	rmmod ccm_cmbench
}

phase_provision() {
	local N t t0 t1 tx ns n1
	quiet_init
	ctl ccm > /dev/null
	for N in $PROV_NS; do
		t=1
		while [ $t -le "$(trials ccm $N)" ]; do
			unload_all
			floor_once "$N" "$t" || return 1
			# node 1's client of N QPs registers while ccm is not
			# connected; ours too (no device until rxe0 comes back)
			[ "$(ctl echo "$N")" = ok ] || { fail "node 1: echo $N"; return 1; }
			rdma link del rxe0 || { fail "rdma link del"; return 1; }
			modprobe ccm peer_addr="$PEER_ADDR" || { fail "modprobe ccm"; return 1; }
			modprobe ccm_echo $ECHO_ARGS qps="$N" || { fail "modprobe ccm_echo"; return 1; }
			tr_ccm_on
			tr_clear
			rdma link add rxe0 type rxe netdev eth0 || { fail "rdma link add"; return 1; }
			quiet_wait 1	# no poll loop on the vCPU meanwhile
			wait_client_state echo0 connected 120 || { fail "client of $N QPs not connected"; return 1; }
			tr_snap
			t0=$(tr_ts 'ccm_fsm_transition:.*-> CONNECTED')
			tx=$(tr_ts_after 'ccm_client_event: client=echo0 state exchanging' "$t0")
			t1=$(tr_ts_after 'ccm_client_event: client=echo0 state connected' "$t0")
			ns=$(ns_between "$t0" "$t1")
			n1=$(ctl provtime)
			bench prov kind=ccm n=$N trial=$t ns=$ns peer_ns=$n1 exchanging_to_connected_ns=$(ns_between "$tx" "$t1")
			# the traced steps, for a closer look (raw logs only)
			grep -E 'ccm_client_event|-> CONNECTED' /tmp/tr | sed 's/^.*\] [^ ]* *//' |
				head -n 12 | while read -r l; do log "TRACE n=$N t=$t $l"; done
			prov_check "$N" "$t"
			t=$((t + 1))
		done
	done
}

# rxe_stat NAME: one rxe0 hardware counter (rdma statistic)
rxe_stat() {
	rdma statistic show link rxe0/1 2>/dev/null |
		tr ' ' '\n' | sed -n "/^$1\$/{n;p;q}"
}

# prov_check N TRIAL: after the measurement, did the N QPs carry data, and
# did anything go wrong meanwhile (the partner declared lost, RNR NAKs on
# rxe0, which was added for this trial)? Reported, not fatal: the
# benchmark measures, the tests judge.
prov_check() {
	local d=/sys/kernel/ccm_echo/echo0 i=0
	while [ $i -lt 600 ] && [ "$(cat $d/qps_ok)" != "$1" ]; do
		i=$((i + 1))
		usleep 100000
	done
	bench provcheck n=$1 trial=$2 verified=$([ "$(cat $d/qps_ok)" = "$1" ] && [ "$(cat $d/write_ok)" = 1 ] && echo 1 || echo 0) echo_errors=$(cat $d/errors) echo_connects=$(cat $d/connects) partner_lost=$(counter partner_lost) connections_lost=$(counter connections_lost) rcvd_rnr_err=$(rxe_stat rcvd_rnr_err) send_rnr_err=$(rxe_stat send_rnr_err) retry_exceeded_err=$(rxe_stat retry_exceeded_err)
}

phase_reconnect() {
	local i=1 t0 t1 th c
	quiet_init
	unload_all
	[ "$(ctl echo 4)" = ok ] || { fail "node 1: echo 4"; return 1; }
	ccm_load || return 1
	echo_load $ECHO_ARGS qps=4 || return 1
	wait_client_state echo0 connected 60 || { fail "reconnect warm-up"; return 1; }
	while [ $i -le $R_TRIALS ]; do
		rmmod ccm_echo && rmmod ccm || { fail "rmmod"; return 1; }
		ctl_wait_state waiting_on_partner 30 || return 1
		c=$(kmsg_count "$CLIENT_RE")
		tr_clear
		modprobe ccm peer_addr="$PEER_ADDR" || { fail "modprobe ccm"; return 1; }
		modprobe ccm_echo $ECHO_ARGS qps=4 || { fail "modprobe ccm_echo"; return 1; }
		quiet_wait 1
		kmsg_wait_count "$CLIENT_RE" $((c + 1)) 60 || { fail "reconnect $i"; return 1; }
		tr_snap
		t0=$(tr_ts 'module_load: ccm( |$)')
		th=$(tr_ts_after "console: .*$CONNECTED_RE" "$t0")
		t1=$(tr_ts_after "console: .*$CLIENT_RE" "$t0")
		bench reconnect trial=$i ns=$(ns_between "$t0" "$t1") handshake_ns=$(ns_between "$t0" "$th") qps=4
		i=$((i + 1))
	done
	echo_wait_verified echo0 4 60
}

# Memory of one client link on this node: ccm connected, the partner's client
# of N QPs already offered; MemFree before our ccm_echo loads and once its N
# QPs are connected and verified. (Each trial starts from a fresh ccm load:
# the partner re-registering its client while the control connection stays
# up is not what is measured here.)
phase_memory() {
	local N t m0 m1 i
	for N in 256 1024; do
		t=1
		while [ $t -le $MEM_TRIALS ]; do
			unload_all
			[ "$(ctl echo "$N")" = ok ] || { fail "node 1: echo $N"; return 1; }
			ccm_load || return 1
			wait_state connected 30 || return 1
			sleep 1
			sync
			m0=$(memfree_kb)
			modprobe ccm_echo $ECHO_ARGS qps="$N" || { fail "modprobe ccm_echo"; return 1; }
			i=0
			while [ $i -lt 600 ] && [ "$(cat /sys/kernel/ccm_echo/echo0/qps_ok)" != "$N" ]; do
				i=$((i + 1))
				usleep 100000
			done
			m1=$(memfree_kb)
			# a trial whose link was torn down and made again is marked
			bench mem n=$N trial=$t kb=$((m0 - m1)) memfree0_kb=$m0 verified=$([ "$(cat /sys/kernel/ccm_echo/echo0/qps_ok)" = "$N" ] && echo 1 || echo 0) echo_connects=$(cat /sys/kernel/ccm_echo/echo0/connects) partner_lost=$(counter partner_lost)
			t=$((t + 1))
		done
	done
	unload_all
	[ "$(ctl echo 4)" = ok ] || { fail "node 1: echo 4"; return 1; }
	ccm_load || return 1
	echo_load $ECHO_ARGS qps=4 || return 1
	wait_client_state echo0 connected 60
}

# trip_window: the heartbeat WRITE's round trip (tracepoint ccm_rdma_post
# in the heartbeat's timer -> ccm_rdma_completion in its completion
# handler, op=heartbeat), both nodes connected and otherwise idle: one
# BENCH line per write
trip_window() {
	local t0 t1
	tr_setup global ccm/ccm_rdma_post ccm/ccm_rdma_completion
	echo BENCH_TRIP_START > $T/trace_marker
	sleep 3
	echo BENCH_TRIP_END > $T/trace_marker
	tr_snap
	t0=$(tr_ts 'BENCH_TRIP_START')
	t1=$(tr_ts 'BENCH_TRIP_END')
	awk -v a="$t0" -v b="$t1" "$TR_LINE_TS"'
		/^#/ { next }
		/ccm_rdma_(post|completion):.* op=heartbeat/ {
			ts = tr_line_ts() + 0
			if (ts < a || ts > b) next
			if ($0 ~ /ccm_rdma_post:/) p = ts
			else if (p && $0 ~ / status=0/) { printf "%.0f\n", (ts - p) * 1e9; p = 0 }
		}' /tmp/tr > /tmp/trips
	while read -r ns; do
		bench trip op=write ns="$ns"
	done < /tmp/trips
}

phase_idle() {
	# connected, one idle client of 4 QPs on each node
	trip_window
	idle_windows default $IDLE_N
	unload_all
	ctl unload > /dev/null
	idle_windows none 2
	ctl ccm heartbeat_ms=20 > /dev/null
	ccm_load heartbeat_ms=20 || return 1
	wait_state connected 30 || return 1
	sleep 1
	idle_windows fast20 $IDLE_N
	rmmod ccm
}

node2() {
	local t_start
	wait_rxe_active
	# module loads and the console's kernel messages, in one clock
	tr_setup global module/module_load printk/console
	ctl state > /dev/null || return
	log "phase H"; phase_handshake || { fail "phase handshake"; }
	log "phase B"; phase_baselines || { fail "phase baselines"; }
	log "phase P"; phase_provision || { fail "phase provision"; }
	log "phase R"; phase_reconnect || { fail "phase reconnect"; }
	log "phase M"; phase_memory || { fail "phase memory"; }
	log "phase I"; phase_idle || { fail "phase idle"; }
	unload_all
	ctl done > /dev/null
	log "phases done"
}
