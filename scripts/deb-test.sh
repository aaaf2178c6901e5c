#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, end to end on this machine (as root; no module is
# loaded, no QEMU): make deb, apt-get install both packages (pulls dkms and
# the compiler), build and install ccm with DKMS for Debian's stock kernel
# (scripts/kver.sh; this machine's running kernel may not be Debian's, so
# the kernel is always named with -k), check what got installed, purge both
# packages and check that nothing is left. One PASS/FAIL line per check,
# ending with "N passed, N failed". About two minutes (two module builds:
# DKMS's, and the Makefile's default target in a copy of /usr/src/ccm-*).
#
#   scripts/deb-test.sh [--keep]     --keep: leave the packages installed
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export DEBIAN_FRONTEND=noninteractive
keep=0
[ "${1:-}" = --keep ] && keep=1
pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
check() {	# check NAME CMD...: PASS when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
apt_get() {
	apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"
}
# shellcheck disable=SC2317 # absent is called through check
absent() {	# absent PATH...: none of them exists
	local p
	for p in "$@"; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			echo "  still there: $p"
			return 1
		fi
	done
}

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
out=${DEB_OUT:-$PWD/deb-out}
kver=$(scripts/kver.sh) && kdir=$(scripts/ensure-headers.sh "$kver")
if [ -n "${kdir:-}" ] && [ -f "$kdir/Makefile" ] && [ -d "/lib/modules/$kver" ]; then
	ok "headers of Debian's stock kernel ${kver}"
else
	ko "headers of Debian's stock kernel ${kver:-?}"
	finish
fi
log=$(mktemp -d /tmp/ccm-deb-test.XXXXXX)
echo "logs in $log"

# A previous run that stopped half way.
if dpkg-query -W ccm-dkms ccm-tools >/dev/null 2>&1; then
	apt_get purge ccm-dkms ccm-tools >/dev/null 2>&1
fi

# ---- build ----
if make deb DEB_OUT="$out" >"$log/make-deb.log" 2>&1; then
	ok "make deb"
else
	tail -n 20 "$log/make-deb.log"
	ko "make deb"
	finish
fi
debs=("$out"/ccm-dkms_*.deb "$out"/ccm-tools_*.deb)
check "two packages in $out" test "${#debs[@]}" -eq 2 -a -f "${debs[0]}" -a -f "${debs[1]}"
if command -v lintian >/dev/null; then
	check "lintian clean" lintian --fail-on error,warning,info,pedantic \
		--pedantic "${debs[@]}"
else
	echo "(lintian not installed: not checked)"
fi
check "ccm-dkms is Architecture: all" \
	test "$(dpkg-deb -f "${debs[0]}" Architecture)" = all
check "ccm-dkms ships no /etc file (installing it configures nothing)" \
	bash -c "! dpkg-deb -c '${debs[0]}' | grep -q ' \./etc/'"
check "/usr/src/ccm-$ver has no tests/ or bench/" \
	bash -c "! dpkg-deb -c '${debs[0]}' | grep -Eq '/usr/src/ccm-[^/]*/(tests|bench)/'"

# ---- install ----
if apt_get install "${debs[@]}" >"$log/install.log" 2>&1; then
	ok "apt-get install ccm-dkms ccm-tools"
else
	tail -n 30 "$log/install.log"
	ko "apt-get install ccm-dkms ccm-tools"
fi
check "dkms build -m ccm -v $ver -k $kver" \
	dkms build -m ccm -v "$ver" -k "$kver"
check "dkms install -m ccm -v $ver -k $kver" \
	dkms install -m ccm -v "$ver" -k "$kver"
dkms status -m ccm -v "$ver" -k "$kver" | tee "$log/dkms-status"
check "dkms status: ccm $ver installed for $kver" \
	grep -Eq "^ccm/$ver, $kver, [^:]*: installed" "$log/dkms-status"
ko_file=$(find "/lib/modules/$kver/updates/dkms" -maxdepth 1 -name 'ccm.ko*' 2>/dev/null | head -n 1)
check "/lib/modules/$kver/updates/dkms/ccm.ko" test -n "$ko_file"
check "ccm.ko is built for $kver (vermagic)" \
	bash -c "modinfo -F vermagic '${ko_file:-/nonexistent}' | grep -q '^$kver '"
check "modules.dep lists ccm for $kver" \
	grep -q 'updates/dkms/ccm\.ko' "/lib/modules/$kver/modules.dep"
if v=$(/usr/sbin/ccmctl --version 2>&1) && [[ $v == *"$ver"* ]]; then
	ok "ccmctl --version: $v"
else
	ko "ccmctl --version: ${v:-}"
fi
check "ccmctl's man page and bash completion" \
	test -f /usr/share/man/man8/ccmctl.8.gz -a \
		-f /usr/share/bash-completion/completions/ccmctl
check "initramfs-tools hook, script and dracut module installed" \
	test -x /usr/share/initramfs-tools/hooks/ccm -a \
		-x /usr/share/initramfs-tools/scripts/local-top/ccm -a \
		-x /usr/lib/dracut/modules.d/90ccm/module-setup.sh -a \
		-f /usr/share/ccm/ccm-early.sh
check "no /etc/modprobe.d/ccm.conf or /etc/default/ccm from the package" \
	bash -c "! dpkg -S /etc/modprobe.d/ccm.conf /etc/default/ccm >/dev/null 2>&1"

# The shipped source builds with the Makefile's default target (ccm.ko,
# samples/ccm_echo.ko, ccmctl) and cleans, in a copy, the KDIR chosen as
# the Makefile chooses it (running kernel's headers, else Debian's).
copy=$(mktemp -d /tmp/ccm-src.XXXXXX)
cp -a "/usr/src/ccm-$ver/." "$copy/"
if make -C "$copy" >"$log/src-make.log" 2>&1 &&
	[ -f "$copy/ccm.ko" ] && [ -f "$copy/samples/ccm_echo.ko" ] &&
	[ -x "$copy/tools/ccmctl/ccmctl" ]; then
	ok "make in /usr/src/ccm-$ver (a copy): ccm.ko, ccm_echo.ko, ccmctl"
else
	tail -n 20 "$log/src-make.log"
	ko "make in /usr/src/ccm-$ver (a copy): ccm.ko, ccm_echo.ko, ccmctl"
fi
check "make clean in it" bash -c "make -C '$copy' clean >'$log/src-clean.log' 2>&1 &&
	! ls '$copy'/*.ko '$copy/tools/ccmctl/ccmctl' 2>/dev/null"
rm -rf "$copy"

[ "$keep" = 1 ] && finish

# ---- purge ----
if apt_get purge ccm-dkms ccm-tools >"$log/purge.log" 2>&1; then
	ok "apt-get purge ccm-dkms ccm-tools"
else
	tail -n 30 "$log/purge.log"
	ko "apt-get purge ccm-dkms ccm-tools"
fi
check "dpkg knows neither package" \
	bash -c "! dpkg-query -W -f '\${db:Status-Status}\n' ccm-dkms ccm-tools 2>/dev/null | grep -qv not-installed"
check "dkms status shows no ccm" test -z "$(dkms status -m ccm 2>/dev/null)"
check "nothing left: DKMS tree, source, module, ccmctl, hooks" \
	absent /var/lib/dkms/ccm /usr/src/ccm-"$ver" /usr/sbin/ccmctl \
		/usr/share/initramfs-tools/hooks/ccm /usr/lib/dracut/modules.d/90ccm \
		/usr/share/ccm /usr/share/doc/ccm-dkms /usr/share/doc/ccm-tools \
		/lib/modules/"$kver"/updates/dkms/ccm.ko \
		/lib/modules/"$kver"/updates/dkms/ccm.ko.xz \
		/lib/modules/"$kver"/updates/dkms/ccm.ko.gz \
		/lib/modules/"$kver"/updates/dkms/ccm.ko.zst
check "no /usr/src/ccm-* at all" bash -c "! ls -d /usr/src/ccm-* 2>/dev/null"
check "modules.dep no longer lists ccm for $kver" \
	bash -c "! grep -q 'updates/dkms/ccm\.ko' '/lib/modules/$kver/modules.dep'"
finish
