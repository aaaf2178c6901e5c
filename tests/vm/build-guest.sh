#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest for the ccm QEMU test bed.
#
#   build-guest.sh                          build (or reuse) the cached base
#   build-guest.sh [--ko F.ko]... [--bin FILE]... -o INITRD
#                                           build the base as needed, then write
#                                           INITRD = base + per-run overlay
#
# Cache: ${CCM_CACHE:-/var/cache/ccm}/guest-$KVER/
#   root/                 dpkg -x of linux-image-$KVER
#   vmlinuz               the guest kernel
#   initramfs-base.cpio.gz  busybox, kmod, rdma, tc, ip + libs, module closure,
#                         modules.dep, /init (padded to 512 bytes so that the
#                         overlay cpio can simply be appended)
# The overlay (uncompressed newc) holds /init, /tests/guest-lib.sh,
# /tests/cases/*.sh and the --ko modules in /lib/modules/$KVER/extra/ (plus any
# in-tree dependency of theirs missing from the base), and the --bin programs
# (statically linked) in /usr/sbin/, named without a ".static" suffix; /init
# runs `depmod -a`.
#
# Environment: CCM_CACHE, KVER (default: scripts/kver.sh), CCM_KERNEL_DEB (use
# this linux-image .deb instead of `apt-get download`), CCM_KERNEL_ROOT (or
# copy this directory instead, laid out like the .deb: boot/vmlinuz-$KVER and
# lib/modules/$KVER/, e.g. tests/vm/debug-kernel.sh's install; modules may be
# built in), CCM_VM_MODULES (extra in-tree modules for the base), CCM_LOCK
# (default /var/cache/ccm/heavy.lock).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CCM_CACHE=${CCM_CACHE:-/var/cache/ccm}
CCM_LOCK=${CCM_LOCK:-/var/cache/ccm/heavy.lock}
mkdir -p "$CCM_CACHE" "$(dirname "$CCM_LOCK")"

die() { echo "build-guest: $*" >&2; exit 1; }
say() { echo "build-guest: $*" >&2; }

# --- host tools -----------------------------------------------------------
need_pkgs() {
	local missing=() c p
	for c in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static \
		rdma:rdma-core tc:iproute2 ip:iproute2 ss:iproute2 \
		modprobe:kmod depmod:kmod cpio:cpio gzip:gzip flock:util-linux; do
		p=${c#*:}; c=${c%%:*}
		command -v "$c" >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin command -v "$c" >/dev/null 2>&1 || missing+=("$p")
	done
	# busybox must be the static one (it is copied into the guest).
	if command -v busybox >/dev/null 2>&1 && ldd "$(command -v busybox)" >/dev/null 2>&1; then
		missing+=(busybox-static)
	fi
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${missing[@]}" >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; }
}
export PATH=$PATH:/sbin:/usr/sbin
need_pkgs

KVER=${KVER:-$("$top/scripts/kver.sh")}
[ -n "$KVER" ] || die "cannot resolve KVER"
G=$CCM_CACHE/guest-$KVER

# maybe:NAME : only if the kernel has it (the debug kernel has no rdma_ucm, the
# RDMA CM for user space, which only the case impostor needs). sch_ingress,
# cls_matchall and act_gact drop what a NIC receives (bench_failover's
# silent cut).
MODULES="virtio_pci virtio_net crc32_generic rdma_rxe rdma_cm maybe:rdma_ucm sch_netem maybe:sch_ingress maybe:cls_matchall maybe:act_gact ${CCM_VM_MODULES:-}"
BINS="/usr/bin/rdma /usr/sbin/tc /usr/sbin/ip /usr/bin/kmod"

kos=()
bins=()
out=
while [ $# -gt 0 ]; do
	case $1 in
	--ko) kos+=("$(readlink -f "$2")"); shift 2 ;;
	--ko=*) kos+=("$(readlink -f "${1#--ko=}")"); shift ;;
	--bin) bins+=("$(readlink -f "$2")"); shift 2 ;;
	-o) out=$2; shift 2 ;;
	-h|--help) sed -n '3,25p' "$0"; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done

# --- kernel ---------------------------------------------------------------
fetch_kernel() {
	[ -f "$G/root/boot/vmlinuz-$KVER" ] && [ -f "$G/root/lib/modules/$KVER/modules.dep" ] && return 0
	if [ -n "${CCM_KERNEL_ROOT:-}" ]; then
		[ -f "$CCM_KERNEL_ROOT/boot/vmlinuz-$KVER" ] && [ -d "$CCM_KERNEL_ROOT/lib/modules/$KVER" ] ||
			die "$CCM_KERNEL_ROOT has no boot/vmlinuz-$KVER or lib/modules/$KVER"
		say "copying $CCM_KERNEL_ROOT"
		rm -rf "$G/root.tmp"
		mkdir -p "$G/root.tmp"
		cp -a "$CCM_KERNEL_ROOT/boot" "$CCM_KERNEL_ROOT/lib" "$G/root.tmp/"
		depmod -b "$G/root.tmp" "$KVER"
		rm -rf "$G/root"
		mv "$G/root.tmp" "$G/root"
		return 0
	fi
	local deb=${CCM_KERNEL_DEB:-}
	if [ -z "$deb" ]; then
		deb=$(ls "$CCM_CACHE"/linux-image-"$KVER"_*.deb 2>/dev/null | tail -n 1 || true)
	fi
	if [ -z "$deb" ]; then
		say "downloading linux-image-$KVER"
		(cd "$CCM_CACHE" && { apt-get download "linux-image-$KVER" >&2 ||
			{ apt-get update -qq >&2 && apt-get download "linux-image-$KVER" >&2; }; })
		deb=$(ls "$CCM_CACHE"/linux-image-"$KVER"_*.deb | tail -n 1)
	fi
	say "extracting $deb"
	rm -rf "$G/root.tmp"
	mkdir -p "$G/root.tmp"
	dpkg -x "$deb" "$G/root.tmp"
	depmod -b "$G/root.tmp" "$KVER"
	rm -rf "$G/root"
	mv "$G/root.tmp" "$G/root"
}

# Print the module files (absolute host paths) in the closure of "$@"
# (a maybe:NAME that the kernel does not have is left out).
closure() {
	local m
	for m in "$@"; do
		case $m in
		maybe:*)
			modprobe -d "$G/root" -S "$KVER" --show-depends "${m#maybe:}" 2>/dev/null
			continue ;;
		esac
		modprobe -d "$G/root" -S "$KVER" --show-depends "$m" ||
			die "module $m not found in $KVER"
	done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++'
}

copy_with_libs() {	# root binary...
	local root=$1 b l; shift
	for b in "$@"; do
		mkdir -p "$root$(dirname "$b")"
		cp -L "$b" "$root$b"
		for l in $(ldd "$b" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
			[ -e "$root$l" ] && continue
			mkdir -p "$root$(dirname "$l")"
			cp -L "$l" "$root$l"
		done
	done
}

mkcpio() {	# dir -> stdout (newc)
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0)
}

build_base() {
	local stamp want r m bb
	want=$( { cat "$0" "$here/guest-init.sh"; echo "$MODULES $BINS"; ls -l --time-style=+%s $BINS "$(command -v busybox)"; } | md5sum | cut -d' ' -f1)
	stamp=$G/initramfs-base.stamp
	if [ -f "$G/initramfs-base.cpio.gz" ] && [ -f "$G/vmlinuz" ] &&
		[ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	fetch_kernel
	say "building base initramfs for $KVER"
	r=$G/base.tmp
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,tests/cases,lib/modules/"$KVER"/extra}
	# busybox + applet links
	bb=$(command -v busybox)
	cp "$bb" "$r/bin/busybox"
	busybox --list-full | while read -r a; do
		[ "$a" = bin/busybox ] && continue
		mkdir -p "$r/$(dirname "$a")"
		ln -sf /bin/busybox "$r/$a"
	done
	# iproute2 / rdma-core / kmod with their libs (ldd includes the loader)
	copy_with_libs "$r" $BINS
	for a in ip; do ln -sf /usr/sbin/ip "$r/sbin/$a"; ln -sf /usr/sbin/ip "$r/bin/$a"; done
	ln -sf /usr/sbin/tc "$r/sbin/tc"
	for a in modprobe depmod insmod rmmod lsmod modinfo; do
		ln -sf /usr/bin/kmod "$r/sbin/$a"
		rm -f "$r/bin/$a" "$r/usr/bin/$a" "$r/usr/sbin/$a"
	done
	[ -d /usr/lib/tc ] && mkdir -p "$r/usr/lib" && cp -a /usr/lib/tc "$r/usr/lib/"
	# module closure
	for m in $(closure $MODULES); do
		mkdir -p "$r$(dirname "${m#"$G/root"}")"
		cp "$m" "$r${m#"$G/root"}"
	done
	for m in modules.order modules.builtin modules.builtin.modinfo; do
		cp "$G/root/lib/modules/$KVER/$m" "$r/lib/modules/$KVER/"
	done
	depmod -b "$r" "$KVER"
	# misc
	mknod -m 600 "$r/dev/console" c 5 1
	mknod -m 666 "$r/dev/null" c 1 3
	echo "root:x:0:0:root:/root:/bin/sh" > "$r/etc/passwd"
	echo "root:x:0:" > "$r/etc/group"
	echo "ccmt" > "$r/etc/hostname"
	install -m 755 "$here/guest-init.sh" "$r/init"
	cp "$G/root/boot/vmlinuz-$KVER" "$G/vmlinuz.tmp"
	mkcpio "$r" | gzip -1 > "$G/initramfs-base.tmp"
	# pad to 512 so an appended newc archive starts 4-byte aligned
	truncate -s $(( ( $(stat -c %s "$G/initramfs-base.tmp") + 511 ) / 512 * 512 )) "$G/initramfs-base.tmp"
	mv "$G/vmlinuz.tmp" "$G/vmlinuz"
	mv "$G/initramfs-base.tmp" "$G/initramfs-base.cpio.gz"
	echo "$want" > "$stamp"
	rm -rf "$r"
	say "base: $(du -h "$G/initramfs-base.cpio.gz" | cut -f1) ($(closure $MODULES | wc -l) modules)"
}

build_overlay() {	# -> $out
	local o k d dep base_mods
	o=$(mktemp -d "${TMPDIR:-/tmp}/ccmt-overlay.XXXXXX")
	trap 'rm -rf "$o"' RETURN
	mkdir -p "$o/tests/cases" "$o/lib/modules/$KVER/extra"
	install -m 755 "$here/guest-init.sh" "$o/init"
	cp "$here/guest-lib.sh" "$o/tests/"
	cp "$here"/cases/*.sh "$o/tests/cases/" 2>/dev/null || true
	base_mods=" $(closure $MODULES | sed 's,.*/,,; s,\.ko.*,,; s,-,_,g' | tr '\n' ' ') "
	local names=" "
	for k in "${kos[@]}"; do
		[ -f "$k" ] || die "no such module: $k"
		names+="$(basename "$k" .ko | tr - _) "
	done
	for k in "${kos[@]}"; do
		local vm
		vm=$(modinfo -F vermagic "$k" 2>/dev/null || true)
		case $vm in "$KVER "*) ;; *) say "WARNING: $k vermagic '$vm' does not match $KVER" ;; esac
		cp "$k" "$o/lib/modules/$KVER/extra/"
		# in-tree dependencies not present in the base
		for dep in $(modinfo -F depends "$k" 2>/dev/null | tr , ' '); do
			dep=$(echo "$dep" | tr - _)
			case "$base_mods$names" in *" $dep "*) continue ;; esac
			for d in $(closure "$dep"); do
				mkdir -p "$o$(dirname "${d#"$G/root"}")"
				cp "$d" "$o${d#"$G/root"}"
				say "adding in-tree dependency ${d##*/} for ${k##*/}"
			done
		done
	done
	for k in "${bins[@]}"; do
		[ -f "$k" ] || die "no such program: $k"
		install -D -m 755 "$k" "$o/usr/sbin/$(basename "$k" .static)"
	done
	mkcpio "$o" > "$out.overlay"
	cat "$G/initramfs-base.cpio.gz" "$out.overlay" > "$out.tmp"
	rm -f "$out.overlay"
	mv "$out.tmp" "$out"
}

exec 9>"$CCM_LOCK"
flock 9
build_base
flock -u 9
exec 9>&-
if [ -n "$out" ]; then
	build_overlay
fi
echo "KERNEL=$G/vmlinuz"
echo "INITRD=${out:-$G/initramfs-base.cpio.gz}"
echo "KVER=$KVER"
