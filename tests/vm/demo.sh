#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/demo.sh [--ko FILE.ko]... [run.sh options]
#
# Runs the case "demo" (tests/vm/cases/demo.sh) on two guests, draws the
# handshake from both nodes' ccm trace events as a message sequence chart
# (tests/vm/msc.py: DIR/demo/msc.svg, its path printed), prints both nodes'
# transitions and RDMA operations on one time line, and then both guests'
# CCMT lines merged in time order, prefixed by node. Each guest has its own
# clock; node 2's is put on node 1's by the offset msc.py derives from
# causality (a WRITE is posted before the partner reacts to it), shown
# with its uncertainty. Without it (no trace) the host time at which each
# QEMU was started (DIR/demo/node{1,2}.start) is used, which is off by
# hundreds of ms. Exit status: run.sh's, else msc.py's.
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
echo "===== demo: the handshake from both nodes' trace events (tests/vm/msc.py) ====="
msc_out=$(python3 -B "$here/msc.py" --timeline --title "ccm handshake, make demo: two QEMU guests (Soft-RoCE)" \
	-o "$d/msc.svg" "$d/node1.log" "$d/node2.log")
mrc=$?
echo "$msc_out"
[ "$rc" = 0 ] && rc=$mrc
# node 2's offset on node 1's clock, in s; else from the QEMU start times
off=$(echo "$msc_out" | sed -n 's/^msc: alignment: .* d = \(-\{0,1\}[0-9.]*\) ms (\(.*\) ms).*/\1 \2/p')
if [ "$mrc" = 0 ] && [ -n "$off" ]; then
	s1=0
	s2=$(awk -v d="${off%% *}" 'BEGIN { printf "%.6f", d / 1000 }')
	how="node 2 shifted by ${off%% *} ms, ${off#* } ms, causal alignment"
else
	s1=$(cat "$d/node1.start" 2>/dev/null || echo 0)
	s2=$(cat "$d/node2.start" 2>/dev/null || echo 0)
	how="aligned by QEMU start times only"
fi
echo "===== demo: CCMT lines of both nodes by time (t = s since the first; $how) ====="
for n in 1 2; do
	[ -f "$d/node$n.log" ] || continue
	s=$s1
	[ "$n" = 2 ] && s=$s2
	tr -d '\r' < "$d/node$n.log" | sed -n 's/^.*\(CCMT[- ].*\)$/\1/p' | grep -v '^CCMT-DMESG\|^CCMT-TRACE' |
		awk -v n="$n" -v s="$s" '
		{ t = ""
		  if (match($0, / t=[0-9.]+/)) t = substr($0, RSTART + 3, RLENGTH - 3)
		  else if (match($0, /uptime=[0-9.]+/)) t = substr($0, RSTART + 7, RLENGTH - 7)
		  if (t == "") t = last; last = t
		  printf "%.3f\t%d\t%s\t[node%d] %s\n", s + t, n, NR, n, $0 }'
done | sort -t '	' -k1,1n -k2,2n -k3,3n | awk -F '	' '
	NR == 1 { base = $1 }
	{ printf "%8.3f %s\n", $1 - base, $4 }'
if [ -f "$d/msc.svg" ]; then
	echo "===== demo: message sequence chart: $d/msc.svg ====="
else
	echo "===== demo: no chart (msc.py exit $mrc) ====="
fi
exit $rc
