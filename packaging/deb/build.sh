#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build the Debian packages ccm-dkms and ccm-tools with plain
# dpkg-deb from staging trees (no debian/ source package).
#
#   packaging/deb/build.sh [--out DIR]      (default: ./deb-out)
#
# ccm-dkms (Architecture: all)
#   /usr/src/ccm-<version>/   what the top Makefile needs to build the
#       module: the top-level .c/.h, include/, samples/*.c (Kbuild builds
#       samples/ccm_echo.ko), Kbuild, Makefile, dkms.conf, and for the
#       Makefile's other paths scripts/kver.sh + scripts/ensure-headers.sh
#       (KDIR when none is given) and tools/ccmctl's sources ("make" alone
#       builds ccmctl too, "make clean" - which DKMS runs - cleans it). Not
#       tests/, bench/, Documentation/.
#   the initramfs-tools hook and local-top script, the dracut module,
#   /usr/share/ccm/ccm-early.sh; modprobe.d/ccm.conf, default/ccm and the
#   udev rule only as examples in /usr/share/doc/ccm-dkms/examples, so that
#   installing the package configures nothing.
#   postinst/prerm: dkms add/build/install, dkms remove --all (as dh_dkms).
# ccm-tools (Architecture: the build machine's)
#   /usr/sbin/ccmctl (dpkg-buildflags' hardening flags, stripped), its man
#   page and bash completion.
#
# The version is dkms.conf's PACKAGE_VERSION plus "-<Debian revision>" from
# packaging/deb/changelog, whose top entry must match dkms.conf.
#
# lintian (2.116, Debian 12; also with -EI --pedantic) reports nothing on
# either package. Two tags are overridden, with the reason next to each in
# packaging/deb/<package>.lintian-overrides:
#   initial-upload-closes-no-bugs (both) - these packages are built locally,
#       never uploaded to Debian, so there is no ITP bug to close;
#   executable-in-usr-lib (ccm-dkms; pedantic, experimental) - dracut's
#       modules must be in /usr/lib/dracut/modules.d, module-setup.sh and
#       the hook executable.
set -euo pipefail
umask 022

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/packaging/deb
out=$top/deb-out
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--out DIR]" >&2; exit 2 ;;
	esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() { echo "deb: $*" >&2; exit 1; }
for t in dpkg-deb dpkg-buildflags dpkg-shlibdeps dpkg-architecture gzip strip; do
	command -v "$t" >/dev/null || die "$t is missing (apt-get install dpkg-dev binutils)"
done

upstream=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
[ -n "$upstream" ] || die "no PACKAGE_VERSION in dkms.conf"
version=$(sed -n '1s/^ccm (\([^)]*\)).*/\1/p' "$here/changelog")
[ "${version%-*}" = "$upstream" ] ||
	die "packaging/deb/changelog's top entry ($version) is not dkms.conf's version $upstream: add an entry"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
maintainer=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$here/changelog" | head -n 1)
# Reproducible: every file's time is the changelog entry's.
SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  //p' "$here/changelog" | head -n 1)" +%s)
export SOURCE_DATE_EPOCH

work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -f "$out"/ccm-dkms_*.deb "$out"/ccm-tools_*.deb

# The module's source files (bash globs under the top directory), without
# generated ones (*.mod.c) and, in a git checkout, without ignored ones.
src_files() {
	local f
	(
		cd "$top"
		shopt -s nullglob globstar
		for f in "$@"; do
			case $f in *.mod.c) continue ;; esac
			[ -f "$f" ] || continue
			if git rev-parse --git-dir >/dev/null 2>&1 &&
				git check-ignore -q -- "$f"; then
				continue
			fi
			echo "$f"
		done
	)
}

# docs PKG: copyright and changelog.Debian.gz in /usr/share/doc/PKG.
docs() {
	local d=$1/usr/share/doc/$2
	install -d "$d"
	install -m 644 "$here/copyright" "$d/copyright"
	gzip -9n < "$here/changelog" > "$d/changelog.Debian.gz"
	chmod 644 "$d/changelog.Debian.gz"
	install -D -m 644 "$here/$2.lintian-overrides" \
		"$1/usr/share/lintian/overrides/$2"
}

# finish ROOT PKG ARCH DEPENDS-ETC DESCRIPTION: DEBIAN/control and md5sums,
# then dpkg-deb --build.
finish() {
	local root=$1 pkg=$2 a=$3 fields=$4 desc=$5 size
	find "$root" -exec touch --no-dereference -d "@$SOURCE_DATE_EPOCH" {} +
	install -d -m 755 "$root/DEBIAN"
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
		LC_ALL=C sort -z | xargs -0r md5sum) > "$root/DEBIAN/md5sums"
	size=$(du -k -s --apparent-size --exclude=DEBIAN "$root" | cut -f1)
	{
		echo "Package: $pkg"
		echo "Source: ccm"
		echo "Version: $version"
		echo "Architecture: $a"
		echo "Maintainer: $maintainer"
		echo "Installed-Size: $size"
		printf '%s\n' "$fields"
		printf '%s\n' "$desc"
	} > "$root/DEBIAN/control"
	chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
	touch -d "@$SOURCE_DATE_EPOCH" "$root/DEBIAN" "$root/DEBIAN"/*
	dpkg-deb --build --root-owner-group -Zxz "$root" \
		"$out/${pkg}_${version}_$a.deb" >/dev/null
	echo "deb: $out/${pkg}_${version}_$a.deb"
}

# ---- ccm-dkms ----
root=$work/ccm-dkms
usrc=$root/usr/src/ccm-$upstream
install -d "$usrc"
shopt -s nullglob globstar
files=$(cd "$top" && src_files ./*.c ./*.h Kbuild Makefile dkms.conf \
	include/**/*.h samples/*.c scripts/kver.sh scripts/ensure-headers.sh \
	tools/ccmctl/Makefile tools/ccmctl/*.c tools/ccmctl/*.h)
shopt -u nullglob globstar
for f in $files; do
	f=${f#./}
	case $f in
	scripts/*.sh) m=755 ;;
	*) m=644 ;;
	esac
	install -D -m "$m" "$top/$f" "$usrc/$f"
done
for f in Kbuild Makefile dkms.conf ccm_main.c include/ccm/ccm.h samples/ccm_echo.c; do
	[ -f "$usrc/$f" ] || die "ccm-dkms: $f is missing from the module source"
done
p=$top/packaging
install -D -m 644 "$p/common/ccm-early.sh" "$root/usr/share/ccm/ccm-early.sh"
install -D -m 755 "$p/initramfs-tools/hooks/ccm" "$root/usr/share/initramfs-tools/hooks/ccm"
install -D -m 755 "$p/initramfs-tools/scripts/local-top/ccm" \
	"$root/usr/share/initramfs-tools/scripts/local-top/ccm"
dracut=$root/usr/lib/dracut/modules.d/90ccm
install -D -m 755 "$p/dracut/90ccm/module-setup.sh" "$dracut/module-setup.sh"
install -D -m 755 "$p/dracut/90ccm/ccm-pre-mount.sh" "$dracut/ccm-pre-mount.sh"
install -D -m 644 "$p/common/ccm-early.sh" "$dracut/ccm-early.sh"
ex=$root/usr/share/doc/ccm-dkms/examples
install -D -m 644 "$p/modprobe.d/ccm.conf" "$ex/modprobe.d-ccm.conf"
install -D -m 644 "$p/default/ccm" "$ex/default-ccm"
install -D -m 644 "$p/udev/90-ccm.rules" "$ex/90-ccm.rules"
docs "$root" ccm-dkms
install -m 644 "$here/README.Debian" "$root/usr/share/doc/ccm-dkms/README.Debian"
install -d -m 755 "$root/DEBIAN"
for s in postinst prerm; do
	sed "s/@VERSION@/$upstream/g" "$here/ccm-dkms.$s" > "$root/DEBIAN/$s"
	chmod 755 "$root/DEBIAN/$s"
done
# Depends: dkms builds the module (and pulls the compiler and, through its
# Recommends, linux-headers-amd64). Recommends rdma-core: ccm.ko only needs
# the kernel's own RDMA modules (rdma_cm, ib_core; modprobe resolves them),
# but rdma-core's udev rules and units set up the RDMA devices at boot;
# ibverbs-providers is user-space verbs only and not needed. iproute2
# provides the rdma tool that the hook copies for Soft-RoCE.
finish "$root" ccm-dkms all "Depends: dkms (>= 2.1.0.0)
Recommends: rdma-core, iproute2
Suggests: ccm-tools, initramfs-tools | dracut
Section: kernel
Priority: optional" \
"Description: cluster connection manager for RDMA-joined nodes (DKMS source)
 ccm is a Linux kernel module for two storage nodes joined by RDMA. Early
 in boot each node finds its partner, runs a handshake over RDMA READs and
 WRITEs until both are connected, and then sets up the queue pairs and
 memory of client modules (storage drivers) with the partner.
 .
 This package builds ccm.ko with DKMS for every installed kernel, and
 provides an initramfs-tools hook and a dracut module that load ccm before
 the root file system is mounted. Nothing is configured on installation:
 example configuration is in /usr/share/doc/ccm-dkms/examples."

# ---- ccm-tools ----
# (staged where dpkg-shlibdeps expects a package's files: debian/<package>)
root=$work/shlibs/debian/ccm-tools
bld=$work/ccmctl-build
install -d "$bld"
cp "$top"/tools/ccmctl/Makefile "$top"/tools/ccmctl/*.[ch] \
	"$top"/tools/ccmctl/ccmctl.8 "$top"/tools/ccmctl/ccmctl.bash-completion "$bld/"
# Debian's hardening flags, from the environment so that the Makefile's own
# CPPFLAGS += -DCCMCTL_VERSION still applies (VERSION: the copy has no
# ../../dkms.conf).
(
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	CFLAGS=$(dpkg-buildflags --get CFLAGS)
	CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
	LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
	export CFLAGS CPPFLAGS LDFLAGS
	make -s -C "$bld" VERSION="$upstream" install DESTDIR="$root" PREFIX=/usr
)
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$root/usr/sbin/ccmctl"
gzip -9n "$root/usr/share/man/man8/ccmctl.8"
docs "$root" ccm-tools
# ${shlibs:Depends}, as dpkg-shlibdeps computes it from a debian/control.
install -d "$root/DEBIAN"
printf 'Source: ccm\n\nPackage: ccm-tools\nArchitecture: any\n' > "$work/shlibs/debian/control"
shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O debian/ccm-tools/usr/sbin/ccmctl |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependency for ccmctl"
finish "$root" ccm-tools "$arch" "Depends: $shlibs
Suggests: ccm-dkms
Section: admin
Priority: optional" \
"Description: show and watch ccm, the RDMA cluster connection manager
 ccmctl reads /sys/kernel/ccm and tells whether the RDMA interconnect is
 healthy: the partner's state, every interconnect link, the client modules
 and the counters that moved (as text or JSON). It also waits for a state
 in scripts and follows ccm's uevents as they come.
 .
 The module itself is in ccm-dkms."
