#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A debug kernel for the two-node QEMU tests (make vmtest-debug): Debian's
# linux-source-6.1 built with a small config (tests/vm/debug.config: virtio,
# IPv4/IPv6, netem, InfiniBand, rdma_rxe, RDMA CM, tracing, all built in) plus
# KASAN (generic, inline), PROVE_LOCKING, DEBUG_OBJECTS, DEBUG_ATOMIC_SLEEP.
#
#   tests/vm/debug-kernel.sh           build the kernel when missing; print
#                                      KVER=, KDIR= (build dir for modules)
#                                      and KERNEL_ROOT= (boot/ + lib/modules/)
#   tests/vm/debug-kernel.sh --run [CASE...]
#                                      also build ccm.ko, samples/ccm_echo.ko
#                                      and ccm_rogue.ko against it (from a copy
#                                      of this tree) and run tests/vm/run.sh on
#                                      it with panic_on_warn=1; default cases:
#                                      the fault cases (DEBUG_CASES below);
#                                      "all": every case make vmtest runs
#
# Caches (never in the repo), in ${CCM_CACHE:-/var/cache/ccm}:
#   linux-source-<ver>/    the unpacked linux-source-6.1 tarball (shared with
#                          tests/kunit/run.sh; apt-get install linux-source-6.1
#                          and unpacked here when missing)
#   debug-kernel-<ver>-<hash>/   the O= build; <hash> covers debug.config and
#                          the build steps, so changing either builds a new kernel
#                          (KVER 6.1.N-ccmdebug-<hash>); root/ is the install
#   debug-ko-<hash of repo path>/  the copy of this tree the modules build in
#                          (the repo's own .o/.ko stay those of the stock kernel)
#   guest-<KVER>/          tests/vm/build-guest.sh's guest cache for it
# A cold kernel build takes about 6 minutes on 2 cores (the source already
# unpacked); it runs at nice 19 / idle I/O priority and does not hold the
# heavy lock, so QEMU runs go on meanwhile. The default cases take about
# 7 minutes (each case about 1-1.6 times as long as on the stock kernel).
# A new kernel build removes the older debug-kernel-*/ and
# guest-*-ccmdebug-*/ directories (~450 MB each) that no build is using;
# every run removes the debug-ko-*/ copies of trees that no longer exist
# (CI clones).
#
# Environment: CCM_CACHE, CCM_LOCK (the heavy lock, held only to unpack the
# source), CCM_VM_DEBUG_RESULTS (run.sh's results, default
# /tmp/ccm-vmtest-debug, so that make vmtest's logs stay),
# CCM_VM_TIMEOUT_SCALE (per-case timeout factor, default 2 with --run),
# CCM_VM_APPEND (more kernel arguments), CCM_VM_HOST_HOGS (host CPU hogs
# in cases that have them, default 0 here), CCM_DEBUG_JOBS (make -j,
# default nproc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CCM_CACHE=${CCM_CACHE:-/var/cache/ccm}
CCM_LOCK=${CCM_LOCK:-/var/cache/ccm/heavy.lock}
fragment=$here/debug.config
pkg=linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${CCM_DEBUG_JOBS:-$(nproc)}

# The fault cases, the basics they build on, and the authenticated
# connect (the crypto API and a connection that waits for its proof).
DEBUG_CASES=(smoke clients_basic clients_cycle clients_gone_unload
	partner_crash partner_hung partner_restart link_flap netem_loss
	device_late reload_storm reload_50 rogue_peer links_two links_partner auth
	fault_walk)

die() { echo "debug-kernel: $*" >&2; exit 1; }
say() { echo "debug-kernel: $*" >&2; }

run=0
cases=()
while [ $# -gt 0 ]; do
	case $1 in
	--run) run=1; shift ;;
	-h|--help) sed -n '3,41p' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) [ $run = 1 ] || die "cases only with --run"; cases+=("$1"); shift ;;
	esac
done

mkdir -p "$CCM_CACHE" "$(dirname "$CCM_LOCK")"
CCM_CACHE=$(cd "$CCM_CACHE" && pwd)
export PATH=$PATH:/sbin:/usr/sbin

# --- host packages ----------------------------------------------------------
pkg_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=()
pkg_ok "$pkg" && [ -f "$tarball" ] || missing+=("$pkg")
for p in gcc make bc flex bison libelf-dev libssl-dev xz-utils kmod cpio rsync python3; do
	pkg_ok "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${missing[@]}" >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; } ||
		die "apt-get install ${missing[*]} failed"
fi
[ -f "$tarball" ] || die "$tarball missing after installing $pkg"

# --- the source tree (same layout and stamp as tests/kunit/run.sh) -------------
ver=$(dpkg-query -W -f='${Version}' "$pkg")
[ -n "$ver" ] || die "cannot query the $pkg version"
src=$CCM_CACHE/linux-source-$ver
tree_ok() {
	[ "$(cat "$src/.ccm-unpacked" 2>/dev/null)" = "$pkg $ver" ] &&
		[ -f "$src/Makefile" ] && [ -f "$src/scripts/kconfig/merge_config.sh" ]
}
if ! tree_ok; then
	exec 9>>"$CCM_LOCK"
	say "waiting for $CCM_LOCK to unpack $tarball"
	flock 9
	if ! tree_ok; then
		say "unpacking $tarball into $src"
		tmp=$CCM_CACHE/.unpack-$ver.$$
		rm -rf "$src" "$tmp"
		mkdir -p "$tmp"
		tar -C "$tmp" -xJf "$tarball" || { rm -rf "$tmp"; die "unpacking $tarball failed"; }
		mv "$tmp/linux-source-6.1" "$src"
		rmdir "$tmp"
		rm -rf "$CCM_CACHE/kunit-build-$ver"
		echo "$pkg $ver" > "$src/.ccm-unpacked"
	fi
	flock -u 9
	exec 9>&-
	tree_ok || die "unpacked tree $src is incomplete"
fi

# --- the kernel -------------------------------------------------------------
kmake() { nice -n 19 ionice -c3 make -C "$src" O="$B" -j"$jobs" "$@"; }

# Every line of the fragment must be in the final .config as written.
check_config() {
	local l bad=0
	while IFS= read -r l; do
		case $l in CONFIG_*) ;; *) continue ;; esac
		grep -qxF -- "$l" "$B/.config" || {
			say "config: wanted $l, got: $(grep -E "^(# )?${l%%=*}[= ]" "$B/.config" || echo unset)"
			bad=1
		}
	done < "$fragment"
	[ $bad = 0 ]
}

build_kernel() {
	local t0 frag
	t0=$(date +%s)
	say "building $KVER in $B (log: $B/build.log); nice 19, -j$jobs"
	frag=$B/ccm-fragment.config
	{ cat "$fragment"; echo "CONFIG_LOCALVERSION=\"-ccmdebug-$hash\""; } > "$frag"
	if [ ! -f "$B/.config" ] || ! cmp -s "$frag" "$B/.ccm-fragment.used"; then
		(cd "$src" && scripts/kconfig/merge_config.sh -n -O "$B" "$frag") > "$B/config.log" 2>&1 ||
			{ tail -n 20 "$B/config.log" >&2; die "merge_config.sh failed"; }
		cp "$frag" "$B/.ccm-fragment.used"
	fi
	kmake olddefconfig > /dev/null
	check_config || die "the debug options did not all end up in $B/.config"
	if ! kmake all > "$B/build.log" 2>&1; then
		grep -E 'error|Error' "$B/build.log" | head -n 20 >&2
		die "kernel build failed; see $B/build.log"
	fi
	[ "$(cat "$B/include/config/kernel.release")" = "$KVER" ] ||
		die "built $(cat "$B/include/config/kernel.release"), expected $KVER"
	rm -rf "$root"
	mkdir -p "$root/boot"
	cp "$B/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$KVER"
	cp "$B/.config" "$root/boot/config-$KVER"
	kmake INSTALL_MOD_PATH="$root" modules_install > "$B/install.log" 2>&1 ||
		die "modules_install failed; see $B/install.log"
	# a guest cache for an older build of this KVER must not be reused
	rm -rf "$CCM_CACHE/guest-$KVER"
	echo "$KVER $(($(date +%s) - t0))" > "$stamp"
	say "built $KVER in $(($(date +%s) - t0)) s"
}

# remove_unused DIR [MORE...]: remove DIR (and MORE) and DIR.lock, unless
# something holds DIR.lock (a build or run using it elsewhere)
remove_unused() {
	local d=$1
	( flock -n 9 && rm -rf "$@" ) 9>"$d.lock" || return 1
	rm -f "$d.lock"
}

# Older kernels (another fragment or build steps), with their guest caches.
prune_kernels() {
	local d g
	for d in "$CCM_CACHE"/debug-kernel-*; do
		[ -d "$d" ] && [ "$d" != "$B" ] || continue
		g=$(sed -n 's/^\([^ ]*\) .*/\1/p' "$d/.ccm-built" 2>/dev/null)
		remove_unused "$d" ${g:+"$CCM_CACHE/guest-$g"} &&
			say "removed the older $(basename "$d")"
	done
}

# Module trees of checkouts that are gone (each records its path).
prune_ko() {
	local d p
	for d in "$CCM_CACHE"/debug-ko-*; do
		[ -d "$d" ] || continue
		p=$(cat "$d/path" 2>/dev/null) || continue
		[ -d "$p" ] || remove_unused "$d" || true
	done
}

# The build directory (and KVER) is named after the fragment and the build
# steps above, so that changing either builds a new kernel.
hash=$( { cat "$fragment"; declare -f kmake check_config build_kernel; } | md5sum | cut -c1-8)
B=$CCM_CACHE/debug-kernel-$ver-$hash
mkdir -p "$B"
B=$(cd "$B" && pwd)
kernelversion=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' "$src/Makefile" |
	head -n 3 | paste -sd.)
case $kernelversion in [0-9]*.[0-9]*.[0-9]*) ;; *) die "cannot read the kernel version of $src" ;; esac
KVER=$kernelversion-ccmdebug-$hash
root=$B/root
stamp=$B/.ccm-built

# One build per build directory at a time (not the heavy lock: the compile
# takes long and QEMU runs may go on meanwhile).
exec 7>"$B.lock"
flock 7
if [ ! -f "$stamp" ] || [ ! -f "$root/boot/vmlinuz-$KVER" ]; then
	build_kernel
	prune_kernels
fi
flock -u 7
exec 7>&-

if [ $run = 0 ]; then
	echo "KVER=$KVER"
	echo "KDIR=$B"
	echo "KERNEL_ROOT=$root"
	exit 0
fi

# --- the modules, from a copy of this tree ------------------------------------
prune_ko
kodir=$CCM_CACHE/debug-ko-$(echo "$top" | md5sum | cut -c1-8)
mkdir -p "$kodir"
exec 7>"$kodir.lock"
flock 7
echo "$top" > "$kodir/path"
# build products stay (excluded: neither copied nor deleted), so make only
# rebuilds what changed
rsync -a --delete --exclude=.git --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
	--exclude=Module.symvers --exclude=modules.order --exclude=.ccm-kdir \
	--exclude=bench/results "$top/" "$kodir/src/"
say "building the modules against $KVER in $kodir/src"
{ make -C "$kodir/src" KDIR="$B" CCM_ROGUE_BUILD=1 modules &&
	make -C "$kodir/src/tools/ccmctl" static &&
	make -C "$kodir/src/tests/impostor/user"; } > "$kodir/build.log" 2>&1 ||
	{ tail -n 30 "$kodir/build.log" >&2; die "module build failed; see $kodir/build.log"; }
flock -u 7
exec 7>&-

[ ${#cases[@]} -gt 0 ] || cases=("${DEBUG_CASES[@]}")
[ "${cases[*]}" = all ] && cases=()
export KVER CCM_KERNEL_ROOT=$root
export CCM_VM_RESULTS=${CCM_VM_DEBUG_RESULTS:-/tmp/ccm-vmtest-debug}
export CCM_VM_TIMEOUT_SCALE=${CCM_VM_TIMEOUT_SCALE:-2}
export CCM_VM_APPEND="${CCM_VM_APPEND:-} panic_on_warn=1"
# No host CPU hogs beside a slowed debug guest (see clients_cycle.host).
export CCM_VM_HOST_HOGS=${CCM_VM_HOST_HOGS:-0}
say "running ${cases[*]:-all cases} on $KVER (results: $CCM_VM_RESULTS)"
exec "$here/run.sh" --ko "$kodir/src/ccm.ko" --ko "$kodir/src/samples/ccm_echo.ko" \
	--ko "$kodir/src/ccm_rogue.ko" --ko "$kodir/src/ccm_impostor.ko" \
	--bin "$kodir/src/tools/ccmctl/ccmctl.static" \
	--bin "$kodir/src/tests/impostor/user/rdmacm_impostor.static" "${cases[@]}"
