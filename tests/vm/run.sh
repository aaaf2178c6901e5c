#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two-node QEMU (TCG) integration tests for ccm.
#
#   tests/vm/run.sh [--ko FILE.ko]... [--results DIR] [--timeout S] [CASE...]
#
# CASE is a name from tests/vm/cases/NAME.sh (or a path to one); default: all
# cases in sorted order except demo*. Each case boots two guests joined by a
# QEMU socket netdev (169.254.0.1 <-> 169.254.0.2, rxe0 on eth0), runs node1()
# / node2() from the case file and checks both results and both kernel logs.
# Logs: DIR/<case>/node{1,2}.log (DIR default /tmp/ccm-vmtest); QEMU monitors
# (for `set_link n0 off` etc.): DIR/<case>/node{1,2}.mon (unix sockets).
# Per-case timeout: "# timeout: N" in the case file, else --timeout, else 240.
# Exit status 0 iff no case failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CCM_CACHE=${CCM_CACHE:-/var/cache/ccm}
CCM_LOCK=${CCM_LOCK:-/var/cache/ccm/heavy.lock}
results=${CCM_VM_RESULTS:-/tmp/ccm-vmtest}
def_timeout=240
kos=()
cases=()
extra_append=${CCM_VM_APPEND:-}

usage() { sed -n '3,17p' "$0"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--ko) [ $# -ge 2 ] || usage 2; kos+=(--ko "$(readlink -f "$2")"); shift 2 ;;
	--ko=*) kos+=(--ko "$(readlink -f "${1#--ko=}")"); shift ;;
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

BAD_RE='BUG:|WARNING:|Oops|general protection|Call Trace|refcount_t:|possible circular locking|[Kk]ernel panic'

port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
pick_port() {
	local p i
	for i in $(seq 1 50); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
		port_listening "$p" || { echo "$p"; return 0; }
	done
	return 1
}

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	pids=()
}
trap 'cleanup; exit 130' INT TERM

start_guest() {	# node netdev-spec dir case
	local n=$1 nd=$2 d=$3 c=$4
	date +%s.%N > "$d/node$n.start"
	qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 512 -smp 1 \
		-nographic -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 mitigations=off ccmt_node=$n ccmt_case=$c $extra_append" \
		-nic none \
		-netdev "socket,id=n0,$nd" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:0$n,romfile=" \
		-monitor "unix:$d/node$n.mon,server=on,wait=off" \
		-name "ccmt-$c-node$n" \
		</dev/null >"$d/node$n.log" 2>&1 &
	pids+=($!)
}

case_timeout() {
	local t
	t=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$here/cases/$1.sh" | head -n 1)
	echo "${t:-$def_timeout}"
}

done_both() {	# dir -> true when both guests reported a result
	grep -q 'CCMT-RESULT node=1 ' "$1/node1.log" 2>/dev/null &&
		grep -q 'CCMT-RESULT node=2 ' "$1/node2.log" 2>/dev/null
}

run_case() {	# name -> sets case_ok, case_secs, case_why
	local c=$1 d=$results/$1 to t0 port i alive done_at=
	to=$(case_timeout "$c")
	rm -rf "$d"; mkdir -p "$d"
	case_why=
	t0=$(date +%s%3N)
	port=$(pick_port) || { case_why="no free port"; case_ok=0; return; }
	pids=()
	start_guest 1 "listen=127.0.0.1:$port" "$d" "$c"
	for i in $(seq 1 100); do
		port_listening "$port" && break
		kill -0 "${pids[0]}" 2>/dev/null || break
		sleep 0.1
	done
	if ! port_listening "$port"; then
		case_why="node1 QEMU did not listen on $port"
	else
		start_guest 2 "connect=127.0.0.1:$port" "$d" "$c"
		# wait for both QEMUs to exit (guests power off), bounded by $to
		while :; do
			alive=0
			for i in "${pids[@]}"; do kill -0 "$i" 2>/dev/null && alive=1; done
			[ $alive = 0 ] && break
			if [ $(( $(date +%s%3N) - t0 )) -gt $((to * 1000)) ]; then
				case_why="timeout after ${to}s"
				break
			fi
			# both done: give poweroff 15 s, then kill
			if [ -z "$done_at" ] && grep -q "CCMT-DMESG-END node=1" "$d/node1.log" && grep -q "CCMT-DMESG-END node=2" "$d/node2.log"; then
				done_at=$(date +%s)
			fi
			[ -n "$done_at" ] && [ $(($(date +%s) - done_at)) -gt 15 ] && break
			sleep 0.5
		done
	fi
	cleanup
	wait 2>/dev/null
	case_secs=$(awk -v ms=$(( $(date +%s%3N) - t0 )) "BEGIN { printf \"%.1f\", ms / 1000 }")
	case_ok=1
	[ -n "$case_why" ] && case_ok=0
	for i in 1 2; do
		if ! grep -q "CCMT-RESULT node=$i pass" "$d/node$i.log"; then
			case_ok=0
			grep -q "CCMT-RESULT node=$i fail" "$d/node$i.log" &&
				case_why="$case_why${case_why:+; }node$i reported fail" ||
				case_why="$case_why${case_why:+; }node$i reported no result"
		fi
		if grep -qE "$BAD_RE" "$d/node$i.log"; then
			case_ok=0
			case_why="$case_why${case_why:+; }node$i kernel log: $(grep -oE "$BAD_RE" "$d/node$i.log" | sort -u | tr '\n' ' ' | sed 's/ $//')"
		fi
	done
	for i in 1 2; do
		sed -n 's/.*\(CCMT-BOOT\|CCMT-READY\).*uptime=\([0-9.]*\).*/\1 \2/p' "$d/node$i.log" |
			tr '\n' ' ' | sed "s/^/node$i: /; s/ \$/\n/" >> "$d/timing"
	done
}

npass=0 nfail=0
exec 8>"$CCM_LOCK"
for c in "${cases[@]}"; do
	# one case (= two QEMUs) at a time on the machine
	flock 8
	run_case "$c"
	flock -u 8
	if [ "$case_ok" = 1 ]; then
		echo "PASS $c (${case_secs}s)"
		npass=$((npass + 1))
	else
		echo "FAIL $c (${case_secs}s): $case_why"
		for i in 1 2; do
			lf=$results/$c/node$i.log
			echo "----- $c node$i: last 60 console lines of $lf (dmesg dump omitted) -----"
			tr -d "\r" < "$lf" | sed "/^CCMT-DMESG-BEGIN/,/^CCMT-DMESG-END/d" | tail -n 60
			if grep -qE "$BAD_RE" "$lf"; then
				echo "----- $c node$i: kernel problems -----"
				grep -aE -A 3 "$BAD_RE" "$lf" | tr -d "\r" | head -n 40
			fi
		done
		echo "-----"
		nfail=$((nfail + 1))
	fi
done
exec 8>&-
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
