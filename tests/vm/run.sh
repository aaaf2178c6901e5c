#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two-node QEMU (TCG) integration tests for ccm.
#
#   tests/vm/run.sh [--ko FILE.ko]... [--bin FILE]... [--results DIR]
#                   [--timeout S] [CASE...]
#
# --bin: a statically linked program for the guests' /usr/sbin (ccmctl's
# ccmctl.static: /usr/sbin/ccmctl); a case that needs one it was not given
# fails.
#
# CASE is a name from tests/vm/cases/NAME.sh (or a path to one); default: all
# cases in sorted order except demo* and those with a "# kernel: debug" line
# (they need the debug kernel's options: debug-kernel.sh runs them). Each case boots two guests joined by a
# QEMU socket netdev (169.254.0.1 <-> 169.254.0.2, rxe0 on eth0), runs node1()
# / node2() from the case file and checks both results and both kernel logs.
# Logs: DIR/<case>/node{1,2}.log (DIR default /tmp/ccm-vmtest); QEMU monitors
# (for `set_link n0 off` etc.): DIR/<case>/node{1,2}.mon (unix sockets).
# Per-case timeout: "# timeout: N" in the case file, else --timeout, else 240;
# times CCM_VM_TIMEOUT_SCALE if set (debug-kernel.sh --run: 2). A guest
# whose kernel has not reached user space 60 s (times the scale;
# CCM_VM_BOOT_TIMEOUT overrides) after the case started hung in its own
# boot, before any ccm code (seen on the debug kernel, in its RCU-tasks
# self tests): the case is run again once, with a "RETRY" line; its first
# run's logs stay in <results>/<case>.boot-hang/.
# Two interconnect links: "# nics: 2" in the case file (default 1, as above)
# gives each guest a second NIC (netdev n1, mac 52:54:00:12:35:0N) on its own
# socket link (own TCP port / UDP port pair, node 1 binds, node 2 joins,
# host_restart reconnects both); in the guest eth0 169.254.0.N/24 + rxe0 and
# eth1 169.254.1.N/24 + rxe1 (kernel argument ccmt_nics=2; guest-lib.sh
# exports NICS, MY_ADDR2, PEER_ADDR2).
# Other environment: KVER, CCM_KERNEL_DEB, CCM_KERNEL_ROOT (the guest kernel,
# see build-guest.sh), CCM_VM_APPEND (more kernel arguments), CCM_LOCK,
# CCM_VM_NETDEV=udp (the link as two UDP sockets on 127.0.0.1 instead of one
# TCP stream: no Nagle/delayed-ACK hold-ups of small frames between the two
# QEMUs; bench/run.sh uses it), CCM_VM_PCAP=1 (each node's link traffic to DIR/<case>/nodeN.pcap, stamped
# with that guest's virtual clock: intervals within one file are real, the two
# files do not share a time base; tests/vm/roce-pcap.py decodes RoCEv2; the
# second link of a "# nics: 2" case to DIR/<case>/nodeN-n1.pcap).
# Lines with DETECTION or RECONNECT that a guest logs are repeated after the
# case's PASS/FAIL line (and kept in DIR/<case>/timing).
# Exit status 0 iff no case failed.
#
# Host-side hook: if tests/vm/cases/NAME.host exists (a bash snippet that
# defines host()), run.sh sources it and runs host() on the host, in the
# background, once both QEMUs have been started; its output goes to
# DIR/<case>/host.log. The case fails unless host() returns 0 without having
# called host_fail, and before the guests are done (it is killed 15 s after
# both reported, like the QEMUs). It sees CCMT_CASE, CCMT_DIR (the case's
# results dir), CCMT_MON1/CCMT_MON2 (monitor sockets), CCMT_PID1/CCMT_PID2
# (QEMU pids at hook start) and these helpers (all bounded):
#   host_log MSG...          log "HOST t=<ms since case start> MSG" (host.log)
#   host_fail MSG...         log and mark the host side failed
#   host_ms                  ms since the case started (host clock)
#   host_mon NODE CMD        one HMP command on NODE's monitor, e.g.
#                            host_mon 1 'set_link n0 off' (n1: the second
#                            link of a "# nics: 2" case); logs the reply
#   host_wait_log NODE ERE TIMEOUT_S
#                            wait until NODE's current console log has a line
#                            matching ERE (\r stripped); 1 on timeout
#   host_pid NODE / host_logfile NODE   NODE's current QEMU pid / console log
#   host_restart NODE        SIGKILL NODE's QEMU, wait until it is gone, start
#                            it again with the same command line, its console
#                            going to DIR/<case>/nodeN.bootK.log (K = 2, 3..)
# A restarted guest runs the same nodeN() again. The harness then waits for
# the last boot's CCMT-RESULT; an earlier, killed boot needs none (its log is
# still scanned for kernel problems). Only node 2 can be restarted: node 1's
# QEMU holds the listening end of the socket netdev(s) and accepts the new
# node 2 QEMU, but a connecting QEMU would not reconnect to a new node 1.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CCM_CACHE=${CCM_CACHE:-/var/cache/ccm}
CCM_LOCK=${CCM_LOCK:-/var/cache/ccm/heavy.lock}
results=${CCM_VM_RESULTS:-/tmp/ccm-vmtest}
def_timeout=240
kos=()
cases=()
extra_append=${CCM_VM_APPEND:-}
netdev=${CCM_VM_NETDEV:-tcp}
case $netdev in
tcp|udp) ;;
*) echo "run.sh: CCM_VM_NETDEV must be tcp or udp" >&2; exit 2 ;;
esac

usage() { sed -n '3,/^set -uo pipefail$/{/^set -uo pipefail$/!p}' "$0"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--ko) [ $# -ge 2 ] || usage 2; kos+=(--ko "$(readlink -f "$2")"); shift 2 ;;
	--ko=*) kos+=(--ko "$(readlink -f "${1#--ko=}")"); shift ;;
	--bin) [ $# -ge 2 ] || usage 2; kos+=(--bin "$(readlink -f "$2")"); shift 2 ;;
	--results) results=$2; shift 2 ;;
	--timeout) def_timeout=$2; shift 2 ;;
	--append) extra_append="$extra_append $2"; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage 2 ;;
	*) cases+=("$1"); shift ;;
	esac
done

if [ ${#cases[@]} -eq 0 ]; then
	for f in $(ls "$here"/cases/*.sh 2>/dev/null | LC_ALL=C sort); do
		n=$(basename "$f" .sh)
		case $n in demo*) continue ;; esac
		grep -q '^# kernel: debug$' "$f" && continue
		cases+=("$n")
	done
fi
[ ${#cases[@]} -gt 0 ] || { echo "run.sh: no cases" >&2; exit 2; }
for i in "${!cases[@]}"; do
	c=${cases[$i]}
	case $c in */*|*.sh)
		[ -f "$c" ] || { echo "run.sh: no such case file $c" >&2; exit 2; }
		[ "$(cd "$(dirname "$c")" && pwd)" = "$here/cases" ] ||
			{ echo "run.sh: case files must live in $here/cases" >&2; exit 2; }
		c=$(basename "$c" .sh) ;;
	esac
	[ -f "$here/cases/$c.sh" ] || { echo "run.sh: no such case: $c" >&2; exit 2; }
	cases[$i]=$c
done

mkdir -p "$results" "$(dirname "$CCM_LOCK")"
initrd=$results/initrd.img
bg_out=$("$here/build-guest.sh" "${kos[@]}" -o "$initrd") || { echo "run.sh: guest build failed" >&2; exit 2; }
kernel=$(echo "$bg_out" | sed -n 's/^KERNEL=//p')

# Kernel problems in a guest log fail the case (also the debug kernel's
# KASAN, lockdep, DEBUG_OBJECTS and might_sleep reports).
BAD_RE='BUG:|WARNING:|Oops|general protection|Call Trace|refcount_t:|possible circular locking|[Kk]ernel panic'
BAD_RE="$BAD_RE"'|KASAN:|ODEBUG:|UBSAN:|DEBUG_LOCKS_WARN_ON|INFO: trying to register non-static key|sleeping function called from invalid context'

port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
port_bound_udp() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
pick_port() {
	local p i
	for i in $(seq 1 50); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
		port_listening "$p" || port_bound_udp "$p" ||
			port_bound_udp $((p + 1)) || { echo "$p"; return 0; }
	done
	return 1
}

# Every QEMU of the current case (also those the host hook restarted) is
# listed in $cur_dir/qemu.pids; node N's current one in $cur_dir/nodeN.pid,
# its console log in $cur_dir/nodeN.cur.
cur_dir=
hook_pid=
qemu_pids() { [ -n "$cur_dir" ] && cat "$cur_dir/qemu.pids" 2>/dev/null; }
pid_gone() {	# pid -> true when it no longer runs (gone or zombie)
	kill -0 "$1" 2>/dev/null || return 0
	case $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) in Z|X|"") return 0 ;; esac
	return 1
}
cleanup() {
	local p i
	if [ -n "$hook_pid" ]; then
		kill "$hook_pid" 2>/dev/null
		hook_pid=
	fi
	for p in $(qemu_pids); do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in $(qemu_pids); do kill -9 "$p" 2>/dev/null; done
	# hook-started QEMUs are not our children: wait (bounded) until gone
	for p in $(qemu_pids); do
		for i in $(seq 1 50); do pid_gone "$p" && break; sleep 0.1; done
	done
}
trap 'cleanup; exit 130' INT TERM

launch_node() {	# dir node logfile: start nodeN's QEMU from DIR/nodeN.argv
	local d=$1 n=$2 lf=$3 argv
	mapfile -d '' -t argv < "$d/node$n.argv"
	"${argv[@]}" </dev/null >"$lf" 2>&1 &
	# not a job of ours: no "Killed" notice when the hook kills it
	disown $!
	echo $! > "$d/node$n.pid"
	echo $! >> "$d/qemu.pids"
	echo "$lf" > "$d/node$n.cur"
}

start_guest() {	# node netdev-spec dir case [netdev-spec of a second link]
	local n=$1 nd=$2 d=$3 c=$4 nd_b=${5:-} nics=
	[ -n "$nd_b" ] && nics="ccmt_nics=2 "
	local argv=(qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 512 -smp 1
		-nographic -no-reboot
		-kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 mitigations=off ccmt_node=$n ccmt_case=$c $nics$extra_append"
		-nic none
		-netdev "socket,id=n0,$nd"
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:0$n,romfile="
		-monitor "unix:$d/node$n.mon,server=on,wait=off"
		-name "ccmt-$c-node$n")
	# the second link after the first: its NIC is the guest's eth1
	[ -n "$nd_b" ] &&
		argv+=(-netdev "socket,id=n1,$nd_b"
			-device "virtio-net-pci,netdev=n1,mac=52:54:00:12:35:0$n,romfile=")
	[ -n "${CCM_VM_PCAP:-}" ] &&
		argv+=(-object "filter-dump,id=fd0,netdev=n0,file=$d/node$n.pcap")
	[ -n "${CCM_VM_PCAP:-}" ] && [ -n "$nd_b" ] &&
		argv+=(-object "filter-dump,id=fd1,netdev=n1,file=$d/node$n-n1.pcap")
	printf '%s\0' "${argv[@]}" > "$d/node$n.argv"
	echo 1 > "$d/node$n.boots"
	date +%s.%N > "$d/node$n.start"
	launch_node "$d" "$n" "$d/node$n.log"
}

node_log() {	# dir node -> current console log of the node
	cat "$1/node$2.cur" 2>/dev/null || echo "$1/node$2.log"
}

# ---- host hook helpers (run in the hook's subshell; see the header) ----
host_ms() { echo $(( $(date +%s%3N) - CCMT_T0_MS )); }
host_log() { echo "HOST t=$(host_ms) $*"; }
host_fail() {
	echo "$*" >> "$CCMT_DIR/host.failed"
	host_log "FAIL: $*"
	return 1
}
host_pid() { cat "$CCMT_DIR/node$1.pid"; }
host_logfile() { node_log "$CCMT_DIR" "$1"; }
host_mon() {	# node command
	local out rc
	out=$(CCM_VM_RESULTS=$results timeout 15 "$here/monitor.sh" "$CCMT_CASE" "$1" "$2" 2>&1)
	rc=$?
	host_log "monitor node$1: $2 -> rc=$rc${out:+ ($(echo "$out" | tr '\n' ' ' | sed 's/ *$//'))}"
	return $rc
}
host_wait_log() {	# node ERE timeout_s
	local n=$1 re=$2 to=$3 end i=0
	end=$(( $(date +%s%3N) + to * 1000 ))
	while [ $i -lt $((to * 5 + 5)) ]; do
		if tr -d '\r' < "$(host_logfile "$n")" 2>/dev/null | grep -qE -- "$re"; then
			host_log "node$n log has /$re/"
			return 0
		fi
		[ "$(date +%s%3N)" -ge $end ] && break
		i=$((i + 1))
		sleep 0.2
	done
	host_log "timeout after ${to}s waiting for /$re/ in node$n log"
	return 1
}
host_restart() {	# node
	local n=$1 pid k i lf
	[ "$n" = 2 ] || { host_fail "host_restart $n: only node 2 can be restarted"; return 1; }
	pid=$(host_pid "$n")
	k=$(( $(cat "$CCMT_DIR/node$n.boots") + 1 ))
	host_log "killing node$n QEMU pid $pid (SIGKILL)"
	kill -9 "$pid" 2>/dev/null
	for i in $(seq 1 100); do pid_gone "$pid" && break; sleep 0.1; done
	pid_gone "$pid" || { host_fail "node$n QEMU pid $pid survived SIGKILL"; return 1; }
	host_log "node$n QEMU pid $pid gone"
	echo "$k" > "$CCMT_DIR/node$n.boots"
	lf=$CCMT_DIR/node$n.boot$k.log
	date +%s.%N > "$CCMT_DIR/node$n.boot$k.start"
	launch_node "$CCMT_DIR" "$n" "$lf"
	host_log "node$n started again: boot $k, pid $(host_pid "$n"), console $lf"
}

run_host_hook() {	# case dir t0_ms: the hook's subshell
	trap - INT TERM
	export CCMT_CASE=$1 CCMT_DIR=$2 CCMT_T0_MS=$3
	export CCMT_MON1=$2/node1.mon CCMT_MON2=$2/node2.mon
	export CCMT_PID1=$(cat "$2/node1.pid") CCMT_PID2=$(cat "$2/node2.pid")
	host_log "hook start: case $1, node1 pid $CCMT_PID1, node2 pid $CCMT_PID2"
	# shellcheck disable=SC1090
	. "$here/cases/$1.host" || { host_fail "cannot source $1.host"; echo fail > "$2/host.result"; return; }
	if ! declare -F host >/dev/null; then
		host_fail "$1.host defines no host()"
	elif ! host; then
		host_fail "host() returned nonzero"
	fi
	if [ -s "$2/host.failed" ]; then
		echo fail > "$2/host.result"
	else
		echo pass > "$2/host.result"
	fi
	host_log "hook done: $(cat "$2/host.result")"
}

case_timeout() {
	local t
	t=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$here/cases/$1.sh" | head -n 1)
	t=${t:-$def_timeout}
	if [ -n "${CCM_VM_TIMEOUT_SCALE:-}" ]; then
		t=$(awk -v t="$t" -v f="$CCM_VM_TIMEOUT_SCALE" 'BEGIN { x = t * f; printf "%d", (x == int(x)) ? x : int(x) + 1 }')
	fi
	echo "$t"
}

case_nics() {	# name -> 1 or 2 ("# nics: N" in the case file), else empty
	local n
	n=$(sed -n 's/^#[[:space:]]*nics:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$here/cases/$1.sh" | head -n 1)
	case ${n:-1} in
	1|2) echo "${n:-1}" ;;
	esac
}

done_both() {	# dir -> true when both guests' current boots dumped dmesg
	grep -q "CCMT-DMESG-END node=1" "$(node_log "$1" 1)" 2>/dev/null &&
		grep -q "CCMT-DMESG-END node=2" "$(node_log "$1" 2)" 2>/dev/null
}

run_case() {	# name -> sets case_ok, case_secs, case_why
	local c=$1 d=$results/$1 to t0 port i p alive done_at= lf hr nd1 nd2 ready
	local nics port_b= nd1_b= nd2_b= pp
	to=$(case_timeout "$c")
	boot_to=${CCM_VM_BOOT_TIMEOUT:-$(awk -v f="${CCM_VM_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", f * 60 }')}
	boot_hung=
	rm -rf "$d"; mkdir -p "$d"
	case_why=
	t0=$(date +%s%3N)
	cur_dir=$d
	hook_pid=
	: > "$d/qemu.pids"
	nics=$(case_nics "$c")
	[ -n "$nics" ] || { case_why="bad '# nics:' line (1 or 2)"; case_ok=0; case_secs=0.0; return; }
	port=$(pick_port) || { case_why="no free port"; case_ok=0; return; }
	# a second link: its own port (UDP: pair), clear of the first's
	if [ "$nics" = 2 ]; then
		for i in $(seq 1 20); do
			pp=$(pick_port) || break
			if [ "$pp" -lt $((port - 1)) ] || [ "$pp" -gt $((port + 1)) ]; then
				port_b=$pp
				break
			fi
		done
		[ -n "$port_b" ] || { case_why="no free port for the second link"; case_ok=0; case_secs=0.0; return; }
	fi
	# node 1 binds $port (and $port_b) first (TCP: listens); node 2 then
	# joins it
	if [ "$netdev" = udp ]; then
		nd1="udp=127.0.0.1:$((port + 1)),localaddr=127.0.0.1:$port"
		nd2="udp=127.0.0.1:$port,localaddr=127.0.0.1:$((port + 1))"
		if [ -n "$port_b" ]; then
			nd1_b="udp=127.0.0.1:$((port_b + 1)),localaddr=127.0.0.1:$port_b"
			nd2_b="udp=127.0.0.1:$port_b,localaddr=127.0.0.1:$((port_b + 1))"
		fi
		ready=port_bound_udp
	else
		nd1="listen=127.0.0.1:$port" nd2="connect=127.0.0.1:$port"
		[ -n "$port_b" ] && nd1_b="listen=127.0.0.1:$port_b" nd2_b="connect=127.0.0.1:$port_b"
		ready=port_listening
	fi
	start_guest 1 "$nd1" "$d" "$c" ${nd1_b:+"$nd1_b"}
	for i in $(seq 1 100); do
		$ready "$port" && { [ -z "$port_b" ] || $ready "$port_b"; } && break
		kill -0 "$(cat "$d/node1.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if ! $ready "$port"; then
		case_why="node1 QEMU did not bind $port"
	elif [ -n "$port_b" ] && ! $ready "$port_b"; then
		case_why="node1 QEMU did not bind $port_b (second link)"
	else
		start_guest 2 "$nd2" "$d" "$c" ${nd2_b:+"$nd2_b"}
		if [ -f "$here/cases/$c.host" ]; then
			run_host_hook "$c" "$d" "$t0" > "$d/host.log" 2>&1 &
			hook_pid=$!
		fi
		# wait for all QEMUs to exit (guests power off) and the hook to
		# end, bounded by $to
		while :; do
			alive=0
			for p in $(qemu_pids) $hook_pid; do pid_gone "$p" || alive=1; done
			[ $alive = 0 ] && break
			if [ $(( $(date +%s%3N) - t0 )) -gt $((to * 1000)) ]; then
				case_why="timeout after ${to}s"
				break
			fi
			# a guest kernel stuck in its own boot, before user space
			# and ccm (seen on the debug kernel: "Running RCU-tasks
			# wait API self tests", then nothing): the case is run
			# again once (see the main loop)
			if [ $(( $(date +%s%3N) - t0 )) -gt $((boot_to * 1000)) ]; then
				for i in 1 2; do
					grep -q "CCMT-BOOT" "$d/node$i.log" 2>/dev/null && continue
					boot_hung=$i
					case_why="node$i hung in early kernel boot (no user space after ${boot_to}s): $(tr -d '\r' < "$d/node$i.log" | grep -v '^$' | tail -n 1 | cut -c1-100)"
				done
				[ -n "$boot_hung" ] && break
			fi
			# both done: give poweroff (and the hook) 15 s, then kill
			if [ -z "$done_at" ] && done_both "$d"; then
				done_at=$(date +%s)
			fi
			[ -n "$done_at" ] && [ $(($(date +%s) - done_at)) -gt 15 ] && break
			sleep 0.5
		done
	fi
	cleanup
	wait 2>/dev/null
	cur_dir=
	case_secs=$(awk -v ms=$(( $(date +%s%3N) - t0 )) "BEGIN { printf \"%.1f\", ms / 1000 }")
	case_ok=1
	[ -n "$case_why" ] && case_ok=0
	for i in 1 2; do
		lf=$(node_log "$d" "$i")
		if ! grep -q "CCMT-RESULT node=$i pass" "$lf"; then
			case_ok=0
			# the reasons on the FAIL line: CI shows only its output's ends
			grep -q "CCMT-RESULT node=$i fail" "$lf" &&
				case_why="$case_why${case_why:+; }node$i reported fail ($(tr -d '\r' < "$lf" |
					sed -n 's/^CCMT node=.* FAIL: //p' | head -n 3 |
					tr '\n' ';' | sed 's/;$//; s/;/; /g'))" ||
				case_why="$case_why${case_why:+; }node$i reported no result"
		fi
		# every boot of the node, killed ones included
		for lf in "$d/node$i.log" "$d"/node$i.boot*.log; do
			[ -f "$lf" ] || continue
			if grep -qE "$BAD_RE" "$lf"; then
				case_ok=0
				case_why="$case_why${case_why:+; }$(basename "$lf" .log) kernel log: $(grep -oE "$BAD_RE" "$lf" | sort -u | tr '\n' ' ' | sed 's/ $//')"
			fi
		done
	done
	if [ -f "$here/cases/$c.host" ]; then
		hr=$(cat "$d/host.result" 2>/dev/null)
		if [ "$hr" != pass ]; then
			case_ok=0
			case_why="$case_why${case_why:+; }host hook ${hr:-did not finish}"
		fi
	fi
	for i in 1 2; do
		for lf in "$d/node$i.log" "$d"/node$i.boot*.log; do
			[ -f "$lf" ] || continue
			sed -n 's/.*\(CCMT-BOOT\|CCMT-READY\).*uptime=\([0-9.]*\).*/\1 \2/p' "$lf" |
				tr '\n' ' ' | sed "s/^/$(basename "$lf" .log): /; s/ \$/\n/" >> "$d/timing"
		done
	done
	# measured times, as the guests logged them
	for i in 1 2; do
		for lf in "$d/node$i.log" "$d"/node$i.boot*.log; do
			[ -f "$lf" ] || continue
			tr -d '\r' < "$lf" | sed -n 's/^\(CCMT node=.*\(DETECTION\|RECONNECT\).*\)$/\1/p' |
				sed "s/^/  $(basename "$lf" .log): /"
		done
	done > "$d/times"
	cat "$d/times" >> "$d/timing"
}

npass=0 nfail=0
exec 8>"$CCM_LOCK"
for c in "${cases[@]}"; do
	# one case (= two QEMUs) at a time on the machine
	flock 8
	run_case "$c"
	if [ -n "$boot_hung" ]; then
		# not ccm: its guest never reached user space; once more
		echo "RETRY $c: $case_why"
		rm -rf "$results/$c.boot-hang"
		mv "$results/$c" "$results/$c.boot-hang"
		run_case "$c"
	fi
	flock -u 8
	if [ "$case_ok" = 1 ]; then
		echo "PASS $c (${case_secs}s)"
		cat "$results/$c/times" 2>/dev/null
		npass=$((npass + 1))
	else
		echo "FAIL $c (${case_secs}s): $case_why"
		cat "$results/$c/times" 2>/dev/null
		for i in 1 2; do
			for lf in "$results/$c/node$i.log" "$results/$c"/node$i.boot*.log; do
				[ -f "$lf" ] || continue
				echo "----- $c node$i: last 60 console lines of $lf (dmesg dump omitted) -----"
				tr -d "\r" < "$lf" | sed "/^CCMT-DMESG-BEGIN/,/^CCMT-DMESG-END/d" | tail -n 60
				if grep -qE "$BAD_RE" "$lf"; then
					echo "----- $c node$i: kernel problems -----"
					grep -aE -A 3 "$BAD_RE" "$lf" | tr -d "\r" | head -n 40
				fi
			done
		done
		if [ -f "$results/$c/host.log" ]; then
			echo "----- $c host hook: last 30 lines of $results/$c/host.log -----"
			tail -n 30 "$results/$c/host.log"
		fi
		echo "-----"
		nfail=$((nfail + 1))
	fi
done
exec 8>&-
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
