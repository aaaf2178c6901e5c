#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run ccm's KUnit suites under UML with Debian's linux-source-6.1.
#
#   tests/kunit/run.sh [extra kunit.py run args...]
#
# Environment:
#   CCM_CACHE            cache dir (default /var/cache/ccm); holds the unpacked
#                        tree linux-source-<ver>/ and kunit-build-<ver>/
#   CCM_KUNIT_SOURCES    list of sources to build (default tests/kunit/sources)
#   CCM_KUNITCONFIG      kunitconfig (default tests/kunit/.kunitconfig)
#   CCM_KUNIT_TIMEOUT    wall-clock limit for kunit.py in seconds (default 2400)
#   CCM_HEAVY_LOCK       lock shared with other heavy jobs
#                        (default /var/cache/ccm/heavy.lock)
#
# Last line of output is always "N passed, N failed"; exit status is 0 iff
# the run completed and nothing failed (a build failure counts as 1 failed).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${CCM_CACHE:-/var/cache/ccm}
lock=${CCM_HEAVY_LOCK:-/var/cache/ccm/heavy.lock}
sources_list=${CCM_KUNIT_SOURCES:-$here/sources}
kunitconfig=${CCM_KUNITCONFIG:-$here/.kunitconfig}
run_timeout=${CCM_KUNIT_TIMEOUT:-2400}
pkg=linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz

log() { echo "ccm-kunit: $*" >&2; }
# Report a harness-level failure in the mandated format and exit non-zero.
fail() { log "$*"; echo "0 passed, 1 failed"; exit 1; }

mkdir -p "$cache" "$(dirname "$lock")" || fail "cannot create $cache"
cache=$(cd "$cache" && pwd)

# ---- 1. host packages ------------------------------------------------------
pkg_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=()
pkg_ok "$pkg" && [ -f "$tarball" ] || missing+=("$pkg")
for t in gcc:gcc make:make flex:flex bison:bison bc:bc python3:python3 xz:xz-utils; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
done
pkg_ok libelf-dev || missing+=(libelf-dev)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${missing[@]}" >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; } ||
		fail "apt-get install ${missing[*]} failed"
fi
[ -f "$tarball" ] || fail "$tarball missing after installing $pkg"

ver=$(dpkg-query -W -f='${Version}' "$pkg") || fail "cannot query $pkg version"
[ -n "$ver" ] || fail "empty $pkg version"
src=$cache/linux-source-$ver
build=$cache/kunit-build-$ver
stamp=$src/.ccm-unpacked

tree_ok() {
	[ -f "$stamp" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg $ver" ] &&
		[ -f "$src/Makefile" ] && [ -f "$src/drivers/Kconfig" ] &&
		[ -f "$src/drivers/Makefile" ] && [ -x "$src/tools/testing/kunit/kunit.py" ]
}

# Everything below touches the shared tree / runs the heavy build, so it all
# happens under the lock shared with the QEMU jobs.
exec 9>>"$lock" || fail "cannot open lock $lock"
log "waiting for $lock"
flock 9 || fail "flock $lock failed"

# ---- 2. unpack the kernel tree once per package version --------------------
if ! tree_ok; then
	log "unpacking $tarball into $src"
	tmp=$cache/.unpack-$ver.$$
	rm -rf "$src" "$tmp"
	mkdir -p "$tmp" || fail "mkdir $tmp"
	tar -C "$tmp" -xJf "$tarball" || { rm -rf "$tmp"; fail "unpacking $tarball failed"; }
	mv "$tmp/linux-source-6.1" "$src" || { rm -rf "$tmp"; fail "mv into $src failed"; }
	rmdir "$tmp"
	# Stale objects from an older tree must not be reused.
	rm -rf "$build"
	echo "$pkg $ver" > "$stamp"
	tree_ok || fail "unpacked tree $src is incomplete"
fi

# ---- 3. link ccm's sources in as drivers/ccm/ -------------------------------
ccm=$src/drivers/ccm
[ -L "$ccm" ] && rm -f "$ccm"
mkdir -p "$ccm" || fail "mkdir $ccm"
find "$ccm" -mindepth 1 -maxdepth 1 -type l -delete

[ -f "$sources_list" ] || fail "source list $sources_list not found"
objs=()
declare -A seen=()
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%%#*}
	line=$(echo "$line" | xargs)   # trim
	[ -n "$line" ] || continue
	case $line in /*) f=$line ;; *) f=$repo/$line ;; esac
	b=$(basename "$f")
	case $b in *.c) ;; *) fail "$sources_list: '$line' is not a .c file" ;; esac
	[ -f "$f" ] || fail "$sources_list: '$line' does not exist ($f)"
	[ -z "${seen[$b]:-}" ] || fail "$sources_list: duplicate basename $b"
	[ "$b" != ccm_kunit.c ] || fail "ccm_kunit.c clashes with the composite object name"
	seen[$b]=1
	ln -sfn "$f" "$ccm/$b"
	objs+=("${b%.c}.o")
done < "$sources_list"
[ ${#objs[@]} -gt 0 ] || fail "$sources_list lists no sources"

# Headers: the repo's top-level ones and those next to the tests, so that
# '#include "ccm_fsm.h"' works from every linked file. (-I flags below cover
# include/ccm/... and anything else.)
for h in "$repo"/*.h "$here"/*.h; do
	[ -f "$h" ] || continue
	b=$(basename "$h")
	[ -e "$ccm/$b" ] || ln -sfn "$h" "$ccm/$b"
done

# Write $2 to $1 only when it differs (keeps mtimes, and so make, quiet).
put() { if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then printf '%s\n' "$2" > "$1"; fi; }

put "$ccm/Kconfig" "$(cat "$here/Kconfig.in")"
put "$ccm/Makefile" "# SPDX-License-Identifier: GPL-2.0
# Generated by ccm tests/kunit/run.sh from $sources_list -- do not edit.
ccflags-y += -I\$(srctree)/drivers/ccm -I$repo -I$repo/include -I$here
obj-\$(CONFIG_CCM_KUNIT_TEST) += ccm_kunit.o
ccm_kunit-y := ${objs[*]}"

# Hook drivers/ccm into the tree (idempotent).
if ! grep -q '^source "drivers/ccm/Kconfig"' "$src/drivers/Kconfig"; then
	last=$(grep -n '^endmenu' "$src/drivers/Kconfig" | tail -n 1 | cut -d: -f1)
	[ -n "$last" ] || fail "no endmenu in drivers/Kconfig"
	sed -i "${last}i source \"drivers/ccm/Kconfig\"\n" "$src/drivers/Kconfig" ||
		fail "patching drivers/Kconfig failed"
fi
grep -q '^obj-$(CONFIG_CCM_KUNIT_TEST)[[:space:]]*+= ccm/' "$src/drivers/Makefile" ||
	echo 'obj-$(CONFIG_CCM_KUNIT_TEST)	+= ccm/' >> "$src/drivers/Makefile" ||
	fail "patching drivers/Makefile failed"

# ---- 4. build and run under UML ---------------------------------------------
[ -f "$kunitconfig" ] || fail "kunitconfig $kunitconfig not found"
out=$(mktemp /tmp/ccm-kunit.XXXXXX) || fail "mktemp failed"
trap 'rm -f "$out"' EXIT
# The links may point at other files than last time with older
# timestamps: rebuild ccm's objects every run (a few files, seconds).
rm -f "$build"/drivers/ccm/*.o "$build"/drivers/ccm/.*.cmd
log "kunit.py run (build dir $build, timeout ${run_timeout}s)"
start=$(date +%s)
(
	cd "$src" &&
	# Keep a parent's cross/ccache/O= settings out of the UML build.
	env -u ARCH -u CROSS_COMPILE -u O -u KBUILD_OUTPUT \
		timeout --kill-after=30 "$run_timeout" \
		python3 tools/testing/kunit/kunit.py run \
		--arch=um \
		--kunitconfig="$kunitconfig" \
		--build_dir="$build" \
		--jobs=2 "$@"
) 9>&- 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
flock -u 9
log "kunit.py exited $rc after $(( $(date +%s) - start ))s"

# ---- 5. summarise ------------------------------------------------------------
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep 'Testing complete\. Ran [0-9]* tests' | tail -n 1)
num() { echo "$summary" | grep -o "$1: [0-9]*" | head -n 1 | grep -o '[0-9]*$' || true; }
if [ -z "$summary" ]; then
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		log "kunit.py timed out after ${run_timeout}s"
	else
		log "kunit.py did not complete (build failure or crash, exit $rc); see output above"
	fi
	echo "0 passed, 1 failed"
	exit 1
fi
ran=$(echo "$summary" | sed -n 's/.*Ran \([0-9]*\) tests.*/\1/p')
passed=$(num passed); failed=$(num failed); crashed=$(num crashed); errors=$(num errors)
passed=${passed:-0}
bad=$(( ${failed:-0} + ${crashed:-0} + ${errors:-0} ))
if [ "$bad" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "${ran:-0}" -eq 0 ]; }; then
	# No test failed but the run is not a clean, complete one.
	log "run incomplete: kunit.py exit $rc, $ran tests ran"
	bad=1
fi
echo "$passed passed, $bad failed"
[ "$bad" -eq 0 ]
