#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make model: check the handshake and the multi-link layer with SPIN (see
# Documentation/model.rst).
#
# Generates the Promela FSM from ccm_fsm_table.h into a scratch directory
# (never committed, so the model cannot drift from the C table), checks
# that the C compiler reads the table the same way and that the C code
# still has the multi-link rules links.pml is written from, verifies every
# property exhaustively, and requires SPIN to find the violation in each
# deliberately broken variant. Prints PASS/FAIL per check and ends with
# "N passed, N failed".
#
#   tests/model/run.sh            everything
#   tests/model/run.sh --trails   also rewrite tests/model/trails/*.txt
#                                 (and the links-trail-* counterexamples)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
CCM_CACHE=${CCM_CACHE:-/var/cache/ccm}
trails=0
[ "${1:-}" = "--trails" ] && trails=1
pass=0
fail=0
ok() { echo "PASS $1${2:+ ($2)}"; pass=$((pass + 1)); }
ko() { echo "FAIL $1${2:+ ($2)}"; fail=$((fail + 1)); }

need=()
command -v spin >/dev/null || need+=(spin)
command -v gcc >/dev/null || need+=(gcc)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing ${need[*]}"
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq "${need[@]}") >/dev/null 2>&1
fi
for t in spin gcc python3; do
	if ! command -v $t >/dev/null; then
		echo "$t missing and could not be installed"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

work=$(mktemp -d /tmp/ccm-model.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$CCM_CACHE" 2>/dev/null || true
lock=${CCM_MODEL_LOCK:-$CCM_CACHE/heavy.lock}
[ -w "$CCM_CACHE" ] || lock="$work/heavy.lock"

# ---- the table: parsed completely, and read the same way as by C ----
if python3 "$here/gen_model.py" --src "$src" --check &&
   python3 "$here/gen_model.py" --src "$src" --out "$work/fsm_gen.pml"; then
	ok table-parse
else
	ko table-parse
	echo "$pass passed, $fail failed"
	exit 1
fi
mkdir -p "$work/inc/linux"
cat > "$work/inc/linux/types.h" <<'EOT'
#include <stdint.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
#define BIT(n) (1UL << (n))
EOT
cat > "$work/dump.c" <<'EOT'
#include <stdio.h>
#include "ccm_fsm.h"
int main(void)
{
#define CCM_T(s, e, n, a) printf("%d %d %d %lu\n", CCM_S_##s, CCM_EV_##e, CCM_S_##n, (unsigned long)(a));
#include "ccm_fsm_table.h"
#undef CCM_T
	return 0;
}
EOT
if gcc -I"$work/inc" -I"$src" -o "$work/dump" "$work/dump.c" &&
   "$work/dump" > "$work/table.c.txt" &&
   python3 "$here/gen_model.py" --src "$src" --dump > "$work/table.py.txt" &&
   diff -u "$work/table.c.txt" "$work/table.py.txt"; then
	ok table-matches-c "$(wc -l < "$work/table.c.txt") transitions"
else
	ko table-matches-c
fi
if out=$(python3 "$here/check_links_c.py" --src "$src"); then
	ok links-c-rules "${out#check_links_c: }"
else
	echo "$out"
	ko links-c-rules "the C code no longer has what links.pml assumes"
fi
cp "$here/ccm.pml" "$here/links.pml" "$work/"

# verify NAME EXPECT DEFINES...: EXPECT is "ok", "violation" or "trail"
# (a counterexample of the C code as it is, only kept with --trails);
# links-* checks run links.pml, the others ccm.pml. OPT=-O0 before spawn:
# pan.c compiled without optimisation (links.pml's pan.c takes longer to
# compile with -O2 than a small search takes)
verify() {
	local name=$1 expect=$2 dir="$work/$1" live=0 cflags pflags out t0 t1
	local model=ccm.pml
	shift 2
	case $name in links-*) model=links.pml ;; esac
	case " $* " in *" -DLIVE "*) live=1 ;; esac
	mkdir -p "$dir"
	cp "$work/$model" "$work/fsm_gen.pml" "$dir/"
	cflags="${OPT:--O2} -DCOLLAPSE -DVECTORSZ=2048"
	pflags="-m1000000 -w24"
	if [ $live = 1 ]; then
		cflags="$cflags -DNFAIR=3"
		pflags="$pflags -a -f -N live"
	elif [ "$expect" != ok ]; then
		cflags="${OPT:--O2} -DSAFETY -DBFS -DVECTORSZ=2048"	# shortest trail
		pflags=""
	else
		cflags="$cflags -DSAFETY"
	fi
	t0=$(date +%s)
	if ! (cd "$dir" && spin -a "$@" $model > spin.out 2>&1 &&
	      gcc $cflags -o pan pan.c > gcc.out 2>&1); then
		ko "$name" "does not build: $(tail -n 2 "$dir/spin.out" "$dir/gcc.out" | tr '\n' ' ')"
		return
	fi
	(cd "$dir" && ./pan $pflags > pan.out 2>&1)
	t1=$(date +%s)
	out=$(grep -E '^State-vector' "$dir/pan.out" | sed 's/.*errors: //')
	local states
	states=$(grep -E 'states, stored' "$dir/pan.out" | head -n 1 | awk '{print $1}')
	local info="errors: ${out:-?}, $states states, $((t1 - t0))s"
	if grep -q 'search not completed\|max search depth too small\|out of memory' "$dir/pan.out"; then
		ko "$name" "incomplete search: $info"
		return
	fi
	if [ "$expect" = ok ] && [ "$out" = 0 ]; then
		ok "$name" "$info"
		return
	fi
	if [ -z "$out" ] || [ "$out" = 0 ] || [ ! -f "$dir/$model.trail" ]; then
		ko "$name" "no violation found: the property does not bite ($info)"
		return
	fi
	local why
	why=$(cd "$dir" && spin -t "$@" $model 2>&1 | grep -m1 -E 'assertion violated|acceptance cycle|invalid end' )
	[ -n "$why" ] || why=$(grep -m1 '^pan:1:' "$dir/pan.out" | cut -c1-100)
	if [ "$expect" = ok ]; then
		ko "$name" "$why; $info"
		(cd "$dir" && spin -t "$@" $model 2>&1 | grep -E 'MSC|spin:' | tail -n 40)
	else
		ok "$name" "violation found as required: $why; $info"
	fi
	if [ $trails = 1 ]; then
		mkdir -p "$here/trails"
		{
			echo "# SPIN counterexample: $name"
			echo "# spin -a $* $model; gcc $cflags pan.c; ./pan${pflags:+ $pflags}"
			echo "# then: spin -t $* $model (MSC lines), state at the end"
			echo
			(cd "$dir" && spin -t "$@" $model 2>&1 |
				grep -E 'MSC|spin:|violated' | sed 's/^ *//')
		} > "$here/trails/$name.txt"
	fi
}

# spawn NAME ARGS...: verify in the background, at most $njobs at a time
# (CCM_MODEL_JOBS, default: the CPUs; each pan is single-threaded); its
# lines go to $work/NAME.res
njobs=${CCM_MODEL_JOBS:-$(nproc)}
names=()
spawn() {
	while [ "$(jobs -rp | wc -l)" -ge "$njobs" ]; do
		wait -n
	done
	names+=("$1")
	verify "$@" > "$work/$1.res" 2>&1 &
}

# The searches hold the heavy lock (no QEMU case beside them: timing).
exec 9>"$lock"
flock 9

# ---- the real model: every property holds ----
spawn safety-faults ok -DNRESTART=0 -DNFAULT=2 -DNEARLY=1 -DGMAX=3
spawn safety-restarts ok -DNRESTART=2 -DNFAULT=0 -DNEARLY=1 -DGMAX=2
spawn safety-mixed ok -DNRESTART=1 -DNFAULT=1 -DNEARLY=1 -DGMAX=2
spawn liveness-faults ok -DLIVE -DNRESTART=0 -DNFAULT=1 -DNEARLY=1 -DGMAX=2
spawn liveness-restart ok -DLIVE -DNRESTART=1 -DNFAULT=0 -DNEARLY=0 -DGMAX=2

# ---- broken variants: SPIN must find the violation ----
spawn broken-no-epoch-check violation -DNO_POLL_ASSERT -DBROKEN_NO_EPOCH_CHECK -DNRESTART=1 -DNFAULT=0 -DGMAX=2
spawn broken-no-gen-check violation -DNO_POLL_ASSERT -DBROKEN_NO_GEN_CHECK -DNRESTART=0 -DNFAULT=1 -DGMAX=3

# ---- the multi-link layer (links.pml, Documentation/model.rst) ----
# links.pml models the C code as it is by default; FIX_DEFER and
# FIX_REJOIN are the fixes of the three defects it finds there. Once the
# C code has them, set c_fixed=1: the fixed model becomes the one checked,
# and the defects' runs (each with the fixes that do not prevent it) must
# then find their violation. Bounds (CI budget: about 90 s of wall time
# on 2 CPUs for all links-* checks): NFAIL=3 for the safety search of
# the C code as it is and the dead-end search of the fixed model, NFAIL=1
# for liveness and where a violation is wanted (each defect needs one
# link failure);
# NOCUT shows that IMAX=6 never cut a search.
c_fixed=1
fixes="-DFIX_DEFER -DFIX_REJOIN"
defects() {
	OPT=-O0 spawn links-use-reset "$1" -DWATCH -DNFAIL=1 -DFIX_REJOIN
	OPT=-O0 spawn links-stale-cpath "$1" -DWATCH -DWATCH_SAME -DNFAIL=1 -DFIX_REJOIN_LEADER_ONLY
	OPT=-O0 spawn links-rejoin "$1" -DWATCH -DNFAIL=1 -DFIX_DEFER
}
if [ $c_fixed = 1 ]; then
	spawn links-dead-end ok -DWATCH -DNOCUT -DNFAIL=3 $fixes
	OPT=-O0 spawn links-liveness ok -DLIVE -DNOCUT -DNFAIL=1 $fixes
	OPT=-O0 spawn links-broken-accept-any-use violation -DWATCH -DNFAIL=1 $fixes -DBROKEN_ACCEPT_ANY_USE
	defects violation
else
	# the C code as it is: properties 1 and 2 hold
	spawn links-safety ok -DNOCUT -DNFAIL=3
	# with the fixes: no dead end, liveness
	spawn links-dead-end-fixed ok -DWATCH -DNOCUT -DNFAIL=3 $fixes
	OPT=-O0 spawn links-liveness-fixed ok -DLIVE -DNOCUT -DNFAIL=1 $fixes
	OPT=-O0 spawn links-broken-accept-any-use violation -DWATCH -DNFAIL=1 $fixes -DBROKEN_ACCEPT_ANY_USE
	# the defects of the C code as it is (trails/links-*.txt)
	[ $trails = 1 ] && defects trail
fi
wait
exec 9>&-

for n in "${names[@]}"; do
	r="$work/$n.res"
	cat "$r" 2>/dev/null
	if ! grep -qE '^(PASS|FAIL) ' "$r" 2>/dev/null; then
		echo "FAIL $n (no result)"
		fail=$((fail + 1))
		continue
	fi
	pass=$((pass + $(grep -c '^PASS ' "$r")))
	fail=$((fail + $(grep -c '^FAIL ' "$r")))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
