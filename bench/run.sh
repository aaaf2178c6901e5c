#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: ccm benchmarks on the two-node QEMU cluster (Soft-RoCE).
#
#   bench/run.sh [--quick] [--only main|detect_default|detect_fast|detect_two|failover]...
#                [--report-only] [--out DIR] [--check]
#
# Builds ccm.ko, samples/ccm_echo.ko and the baseline bench/ccm_cmbench.ko
# (Debian's stock kernel, like make vmtest), copies the benchmark cases into
# tests/vm/cases/ as demo_bench_*.{sh,host} for the duration of the run (the
# default vmtest run skips demo*; the copies are removed on exit), runs them
# with tests/vm/run.sh (one QEMU pair at a time, /var/cache/ccm/heavy.lock)
# and writes bench/results/: results.md, results.csv (the table), raw.csv
# (every trial), provisioning.png, detection.png, machine.txt, and the
# guests' logs under bench/results/logs/.
#
#   --quick        few trials of everything (checks the machinery, ~5 min)
#   --only CASE    run only that case (repeatable); the report uses the
#                  latest logs of the other cases if there are any
#   --report-only  no QEMU: rebuild the report from the kept logs
#   --out DIR      results (and logs) to DIR instead of bench/results
#   --check        end with "N passed, N failed": every case passed and
#                  every headline figure is there and not negative (make
#                  check runs --quick --check --out /tmp/...; ~2 min)
#
# Environment: CCM_CACHE, CCM_LOCK (as for tests/vm/run.sh), BENCH_VM_RESULTS
# (QEMU run directory, default /tmp/ccm-bench), BENCH_NETDEV (the link between
# the two QEMUs, tests/vm/run.sh's CCM_VM_NETDEV: udp by default; tcp, the
# make check link, holds small frames back by up to ~40 ms at times, which
# swamps ccm's figures more than the baseline's: see bench/README.md),
# BENCH_H_TRIALS and BENCH_NS (handshake trials and the provisioning sizes,
# overriding --quick's or the full run's: BENCH_H_TRIALS=20 BENCH_NS=1
# --quick --only main compares handshakes in a few minutes).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
vmres=${BENCH_VM_RESULTS:-/tmp/ccm-bench}
out=$here/results
quick=0
report_only=0
check=()
only=()

while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	--only) only+=("$2"); shift 2 ;;
	--report-only) report_only=1; shift ;;
	--out) out=$(mkdir -p "$2" && cd "$2" && pwd) || exit 2; shift 2 ;;
	--check) check=(--check); shift ;;
	-h|--help) awk 'NR >= 3 && !/^#/ { exit } NR >= 3' "$0"; exit 0 ;;
	*) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

export DEBIAN_FRONTEND=noninteractive
# Debian's python3 (apt's matplotlib), not whatever python3 is first in PATH
PY=/usr/bin/python3
[ -x "$PY" ] || apt-get install -y -qq python3 >/dev/null
need() {	# python module -> apt package
	"$PY" -c "import $1" 2>/dev/null && return 0
	echo "bench: installing $2"
	apt-get install -y -qq "$2" >/dev/null ||
		{ apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null; }
}
need matplotlib python3-matplotlib || { echo "bench: cannot install matplotlib" >&2; exit 2; }

mkdir -p "$out/logs" "$vmres"
netdev=${BENCH_NETDEV:-udp}

if [ "$quick" = 1 ]; then
	H=2 R=2 NS="1 16 256" TR=1 S1024=1 S256=1 P1024=1 C1024=1 IDLE=3 IDLEN=1 MEM=1 DET=2 FO=2
else
	H=20 R=15 NS="1 16 64 256 1024" TR=7 S1024=3 S256=5 P1024=5 C1024=5 IDLE=4 IDLEN=5 MEM=3 DET=20 FO=25
fi
H=${BENCH_H_TRIALS:-$H}
NS=${BENCH_NS:-$NS}

cases=()
if [ ${#only[@]} -eq 0 ]; then
	only=(main detect_default detect_fast detect_two failover)
fi
for c in "${only[@]}"; do
	case $c in
	main|detect_default|detect_fast|detect_two|failover) cases+=("demo_bench_$c") ;;
	*) echo "bench/run.sh: unknown case $c" >&2; exit 2 ;;
	esac
done

rc=0
if [ "$report_only" = 0 ]; then
	# ---- build ----
	make -C "$top" vmtest-build >/dev/null || { echo "bench: building ccm failed" >&2; exit 2; }
	kdir=$(cat "$top/.ccm-kdir")
	make -C "$kdir" M="$here" modules >/dev/null ||
		{ echo "bench: building bench/ccm_cmbench.ko failed" >&2; exit 2; }

	# ---- cases: copied into tests/vm/cases for this run only ----
	cdir=$top/tests/vm/cases
	copies=("$cdir/demo_bench_lib.sh" "$cdir/demo_bench_main.sh"
		"$cdir/demo_bench_detect_default.sh" "$cdir/demo_bench_detect_default.host"
		"$cdir/demo_bench_detect_fast.sh" "$cdir/demo_bench_detect_fast.host"
		"$cdir/demo_bench_detect_two.sh" "$cdir/demo_bench_detect_two.host"
		"$cdir/demo_bench_failover.sh" "$cdir/demo_bench_failover.host")
	cleanup() { rm -f "${copies[@]}"; }
	trap cleanup EXIT
	trap 'cleanup; exit 130' INT TERM
	cp "$here/cases/lib.sh" "$cdir/demo_bench_lib.sh"
	sed -e "s/@H_TRIALS@/$H/; s/@R_TRIALS@/$R/; s/@PROV_NS@/$NS/; s/@IDLE_S@/$IDLE/; s/@IDLE_N@/$IDLEN/" \
		-e "s/@MEM_TRIALS@/$MEM/; s/@SEQ_1024@/$S1024/; s/@SEQ_256@/$S256/" \
		-e "s/@PAR_1024@/$P1024/; s/@CCM_1024@/$C1024/; s/@TRIALS@/$TR/" \
		"$here/cases/bench_main.sh" > "$cdir/demo_bench_main.sh"
	for s in default fast two; do
		# the two-link setting: peer_addr expands in the guest
		case $s in
		default) p= nics=1 idlen=$IDLEN ;;
		fast) p="heartbeat_ms=20" nics=1 idlen=0 ;;
		two) p='peer_addr=$PEER_ADDR,$PEER_ADDR2' nics=2 idlen=$IDLEN ;;
		esac
		sed -e "s/@SETTING@/$s/; s/@CCM_PARAMS@/$p/; s/@TRIALS@/$DET/; s/@NICS@/$nics/" \
			-e "s/@IDLE_S@/$IDLE/; s/@IDLE_N@/$idlen/" \
			"$here/cases/bench_detect.sh" > "$cdir/demo_bench_detect_$s.sh"
		sed -e "s/@TRIALS@/$DET/" "$here/cases/bench_detect.host" \
			> "$cdir/demo_bench_detect_$s.host"
	done
	for f in sh host; do
		sed -e "s/@TRIALS@/$FO/" "$here/cases/bench_failover.$f" \
			> "$cdir/demo_bench_failover.$f"
	done

	# ---- run ----
	t0=$(date +%s)
	CCM_VM_NETDEV=$netdev "$top/tests/vm/run.sh" --results "$vmres" \
		--ko "$top/ccm.ko" --ko "$top/samples/ccm_echo.ko" \
		--ko "$here/ccm_cmbench.ko" "${cases[@]}" 2>&1 | tee "$out/logs/run.log"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
	cleanup
	# keep the guests' logs and each case's PASS/FAIL line (with its time)
	for c in "${cases[@]}"; do
		rm -rf "$out/logs/$c"
		mkdir -p "$out/logs/$c"
		cp "$vmres/$c"/node*.log "$out/logs/$c/" 2>/dev/null
		cp "$vmres/$c"/host.log "$out/logs/$c/" 2>/dev/null
		grep -E "^(PASS|FAIL) $c " "$out/logs/run.log" > "$out/logs/$c/result.txt"
		echo "quick=$quick" >> "$out/logs/$c/result.txt"
	done
	{
		echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
		echo "host_cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
		echo "host_cpus: $(nproc)"
		echo "host_kernel: $(uname -r)"
		echo "qemu: $(qemu-system-x86_64 --version | head -n 1)"
		echo "guest_kernel: $(cat "${CCM_CACHE:-/var/cache/ccm}/kver" 2>/dev/null)"
		echo "guest: QEMU TCG (no KVM), 1 vCPU and 512 MiB per node; Soft-RoCE (rdma_rxe) on virtio-net, the nodes joined by a QEMU socket netdev ($netdev on 127.0.0.1)"
		echo "wall_s_last_run: $((t1 - t0))"
	} > "$out/machine.txt"
fi

"$PY" "$here/report.py" --logs "$out/logs" --out "$out" "${check[@]}" || rc=1
exit "$rc"
