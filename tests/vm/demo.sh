#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/demo.sh [--ko FILE.ko]... [run.sh options]
#
# Runs the case "demo" (tests/vm/cases/demo.sh) on two guests and prints both
# guests' CCMT lines merged in time order, prefixed by node. Guest times are
# uptimes; they are put on one time line using the host time at which each
# QEMU was started (DIR/demo/node{1,2}.start), shown relative to node 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results=${CCM_VM_RESULTS:-/tmp/ccm-vmtest}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	[ "${args[$i]}" = --results ] && results=${args[$((i + 1))]}
done
"$here/run.sh" "$@" demo
rc=$?
d=$results/demo
echo "===== demo: CCMT lines of both nodes by time (t = s since node1 start) ====="
for n in 1 2; do
	[ -f "$d/node$n.log" ] || continue
	s=$(cat "$d/node$n.start" 2>/dev/null || echo 0)
	tr -d '\r' < "$d/node$n.log" | sed -n 's/^.*\(CCMT[- ].*\)$/\1/p' | grep -v '^CCMT-DMESG' |
		awk -v n="$n" -v s="$s" '
		{ t = ""
		  if (match($0, / t=[0-9.]+/)) t = substr($0, RSTART + 3, RLENGTH - 3)
		  else if (match($0, /uptime=[0-9.]+/)) t = substr($0, RSTART + 7, RLENGTH - 7)
		  if (t == "") t = last; last = t
		  printf "%.3f\t%d\t%s\t[node%d] %s\n", s + t, n, NR, n, $0 }'
done | sort -t '	' -k1,1n -k2,2n -k3,3n | awk -F '	' '
	NR == 1 { base = $1 }
	{ printf "%8.3f %s\n", $1 - base, $4 }'
exit $rc
