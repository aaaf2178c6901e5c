#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build ccm.ko with W=1, then run every test suite, and end with
# one line "N passed, N failed" summing them all. A suite that cannot run
# at all counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
log=${CCM_CHECK_LOG:-/tmp/ccm-check}
mkdir -p "$log"

# run_suite NAME CMD...: run it, show its output, add its final counts.
run_suite() {
	local name=$1 out p f rc t0
	shift
	t0=$SECONDS
	echo "=== $name: $*"
	"$@" 2>&1 | tee "$log/$name.log"
	rc=${PIPESTATUS[0]}
	out=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/$name.log" | tail -n 1)
	if [ -n "$out" ]; then
		p=${out%% passed*}
		f=${out#*passed, }
		f=${f%% failed*}
	else
		p=0
		f=1
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	echo "=== $name: $p passed, $f failed ($((SECONDS - t0)) s)"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

build() {
	make vmtest-build W=1 2>&1 | tee "$log/build.out" | tail -n 5
	if grep -E 'warning:|error:' "$log/build.out"; then
		echo "0 passed, 1 failed"
		return 1
	fi
	echo "1 passed, 0 failed"
}

run_suite build build
run_suite ccmctl make -C tools/ccmctl check
run_suite kunit tests/kunit/run.sh
run_suite lint scripts/lint.sh
run_suite model tests/model/run.sh
run_suite vmtest tests/vm/run.sh --ko "$PWD/ccm.ko" --ko "$PWD/samples/ccm_echo.ko" \
	--ko "$PWD/ccm_rogue.ko" --ko "$PWD/ccm_impostor.ko" \
	--bin "$PWD/tools/ccmctl/ccmctl.static" \
	--bin "$PWD/tests/impostor/user/rdmacm_impostor.static"

run_suite initramfs tests/vm/initramfs_test.sh --ko "$PWD/ccm.ko"

# make deb, then install both packages (DKMS builds ccm for the stock
# kernel's headers; nothing is loaded), check them and purge them.
if [ "${CCM_CHECK_DEB:-1}" != 0 ]; then
	run_suite deb scripts/deb-test.sh
fi

# The benchmark machinery, a few trials of each figure (not the figures'
# targets: make bench measures those): about 2 minutes.
run_suite bench bench/run.sh --quick --check --out "$log/bench"

# The fault cases again on a KASAN/lockdep kernel (make vmtest-debug): about
# 6 minutes to build that kernel on a cold machine, 7 of QEMU.
# CCM_CHECK_DEBUG=0 leaves it out.
if [ "${CCM_CHECK_DEBUG:-1}" != 0 ]; then
	run_suite vmtest-debug tests/vm/debug-kernel.sh --run
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
