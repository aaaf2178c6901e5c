#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dracut module "ccm": put ccm, its RDMA dependencies and its configuration
# into the initramfs and load it before the root file system is mounted
# (pre-mount hook ccm-pre-mount.sh, which runs /usr/lib/ccm/ccm-early.sh).
# Installed as /usr/lib/dracut/modules.d/90ccm/. Included automatically
# when ccm.ko exists for the kernel and CCM_EARLY is not "no" in
# /etc/default/ccm; force with --add ccm, leave out with --omit ccm.
# Settings: /etc/default/ccm and the rd.ccm.* kernel arguments (see
# ccm-early.sh). For the interconnect address use dracut's ip= with
# rd.neednet=1.
# Environment override (for tests and packagers), as in the initramfs-tools
# hook: CCM_CCMCTL, the ccmctl to install as /usr/sbin/ccmctl (default: the
# one on dracut's path, from the ccm-tools package, when installed).

# shellcheck disable=SC2034
ccm_defaults() {
	CCM_EARLY=yes
	CCM_MODULES=
	CCM_RXE_NETDEV=
	# shellcheck disable=SC1091
	[[ -r /etc/default/ccm ]] && . /etc/default/ccm
}

# shellcheck disable=SC2154
ccm_early_sh() {
	local f
	for f in "$moddir/ccm-early.sh" /usr/share/ccm/ccm-early.sh; do
		[[ -r $f ]] && { echo "$f"; return 0; }
	done
	return 1
}

# called by dracut
check() {
	ccm_defaults
	case $CCM_EARLY in no|n|0|false|off) return 255 ;; esac
	# $srcmods: the module tree dracut packs (--kmoddir), else /lib/modules/$kernel
	[[ -n $(find "${srcmods:-/lib/modules/$kernel}/" -name 'ccm.ko*' -print -quit 2>/dev/null) ]] ||
		return 1
	ccm_early_sh >/dev/null || return 1
	return 0
}

# called by dracut
depends() {
	return 0
}

# called by dracut
installkernel() {
	local m
	ccm_defaults
	hostonly='' instmods ccm rdma_cm ib_core
	hostonly='' instmods -o crc32_generic rdma_rxe
	for m in $CCM_MODULES; do
		hostonly='' instmods "$m"
	done
}

# called by dracut
install() {
	inst_simple "$(ccm_early_sh)" /usr/lib/ccm/ccm-early.sh
	[[ -r /etc/modprobe.d/ccm.conf ]] && inst_simple /etc/modprobe.d/ccm.conf
	[[ -r /etc/default/ccm ]] && inst_simple /etc/default/ccm
	# ccmctl (package ccm-tools), when installed: the bounded wait
	inst_multiple -o rdma cat sleep modprobe
	if [[ -n $CCM_CCMCTL ]]; then
		inst_simple "$CCM_CCMCTL" /usr/sbin/ccmctl
	else
		inst_multiple -o ccmctl
	fi
	inst_hook pre-mount 10 "$moddir/ccm-pre-mount.sh"
}
