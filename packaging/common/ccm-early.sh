# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# ccm-early.sh - load ccm in the initramfs (sourced, not executed).
#
# Shared by the initramfs-tools script (scripts/local-top/ccm) and the dracut
# hook (90ccm/ccm-pre-mount.sh); installed into the initramfs as
# /usr/lib/ccm/ccm-early.sh. POSIX sh using only cat, sleep, modprobe and
# (for Soft-RoCE) rdma, so that it also works with klibc tools instead of
# busybox; when the initramfs has ccmctl (the hook and the dracut module add
# it when it is installed), `ccmctl wait` is the bounded wait. It never
# fails the boot: every problem is logged and boot goes on.
#
# Settings (/etc/default/ccm, copied into the initramfs; kernel command line
# arguments win):
#   CCM_EARLY=yes|no        rd.ccm=0|1      load ccm in the initramfs at all
#   CCM_WAIT=SECONDS        rd.ccm.wait=N   wait up to N s for "connected"
#                                           before the root fs is mounted
#                                           (0: do not wait; default 0)
#   CCM_RXE_NETDEV=IFACE    rd.ccm.rxe=IF   create Soft-RoCE (rxe) on IFACE
#                                           first (test setups only)
#   CCM_MODULES="m1 m2"     -               extra modules (RDMA NIC drivers,
#                                           e.g. mlx5_ib) loaded before ccm
# Module options: /etc/modprobe.d/ccm.conf and ccm.<param>=... on the kernel
# command line (read by modprobe itself).
#
# The caller may define ccm_net_setup() (configure the interconnect address);
# it is called after CCM_MODULES are loaded and before rxe and ccm.

CCM_SYS=/sys/kernel/ccm

ccm_log() {	# level message...: to the kernel log (console + dmesg)
	_ccm_lvl=$1
	shift
	if [ -w /dev/kmsg ]; then
		echo "<$_ccm_lvl>ccm-early: $*" > /dev/kmsg
	else
		echo "ccm-early: $*"
	fi
}

ccm_early_config() {
	CCM_EARLY=yes
	CCM_WAIT=0
	CCM_RXE_NETDEV=
	CCM_MODULES=
	# shellcheck disable=SC1091
	[ -r /etc/default/ccm ] && . /etc/default/ccm
	_ccm_peer_cmdline=
	# shellcheck disable=SC2013
	for _ccm_arg in $(cat /proc/cmdline); do
		case $_ccm_arg in
		rd.ccm=0|rd.ccm=no|rd.ccm=off) CCM_EARLY=no ;;
		rd.ccm=1|rd.ccm=yes|rd.ccm=on) CCM_EARLY=yes ;;
		rd.ccm.wait=*) CCM_WAIT=${_ccm_arg#rd.ccm.wait=} ;;
		rd.ccm.rxe=*) CCM_RXE_NETDEV=${_ccm_arg#rd.ccm.rxe=} ;;
		ccm.peer_addr=?*) _ccm_peer_cmdline=y ;;
		esac
	done
	case $CCM_WAIT in
	''|*[!0-9]*)
		ccm_log 4 "ignoring wait time '$CCM_WAIT' (not a number of seconds)"
		CCM_WAIT=0 ;;
	esac
	# bounded: at most one hour
	[ "$CCM_WAIT" -gt 3600 ] && CCM_WAIT=3600
	return 0
}

# True if peer_addr is set on the command line or in an "options ccm" line.
ccm_peer_configured() {
	[ -n "$_ccm_peer_cmdline" ] && return 0
	for _ccm_f in /etc/modprobe.d/*.conf /lib/modprobe.d/*.conf \
		/usr/lib/modprobe.d/*.conf /run/modprobe.d/*.conf; do
		[ -r "$_ccm_f" ] || continue
		# shellcheck disable=SC2034
		while read -r _ccm_kw _ccm_mod _ccm_rest; do
			if [ "$_ccm_kw" != options ] || [ "$_ccm_mod" != ccm ]; then
				continue
			fi
			case " $_ccm_rest" in *" peer_addr="?*) return 0 ;; esac
		done < "$_ccm_f"
	done
	return 1
}

ccm_setup_rxe() {	# netdev
	_ccm_dev=$1
	modprobe -q crc32_generic 2>/dev/null
	if ! modprobe rdma_rxe; then
		ccm_log 3 "rxe on $_ccm_dev: cannot load rdma_rxe"
		return 1
	fi
	_ccm_i=0
	while [ ! -e "/sys/class/net/$_ccm_dev" ] && [ $_ccm_i -lt 100 ]; do
		sleep 0.1
		_ccm_i=$((_ccm_i + 1))
	done
	if [ ! -e "/sys/class/net/$_ccm_dev" ]; then
		ccm_log 3 "rxe: network interface $_ccm_dev did not appear within 10 s"
		return 1
	fi
	for _ccm_ib in /sys/class/infiniband/*; do
		[ -r "$_ccm_ib/parent" ] || continue
		if [ "$(cat "$_ccm_ib/parent")" = "$_ccm_dev" ]; then
			ccm_log 5 "rxe: ${_ccm_ib##*/} already on $_ccm_dev"
			return 0
		fi
	done
	if ! command -v rdma >/dev/null 2>&1; then
		ccm_log 3 "rxe: no rdma tool in the initramfs (install iproute2 and rebuild it)"
		return 1
	fi
	_ccm_name=rxe0
	[ -e /sys/class/infiniband/rxe0 ] && _ccm_name=rxe_$_ccm_dev
	if rdma link add "$_ccm_name" type rxe netdev "$_ccm_dev"; then
		ccm_log 5 "rxe: created $_ccm_name on $_ccm_dev"
	else
		ccm_log 3 "rxe: 'rdma link add $_ccm_name type rxe netdev $_ccm_dev' failed"
		return 1
	fi
}

ccm_state() {
	cat "$CCM_SYS/state" 2>/dev/null || echo absent
}

# /proc/uptime in hundredths of a second
ccm_uptime_cs() {
	read -r _ccm_up _ccm_rest < /proc/uptime
	_ccm_frac=${_ccm_up#*.}
	_ccm_frac=${_ccm_frac#0}
	echo $((${_ccm_up%.*} * 100 + ${_ccm_frac:-0}))
}

# With ccmctl: its wait (the state polled every 50 ms), and why it gave up
ccm_ccmctl_wait() {	# seconds
	_ccm_t0=$(ccm_uptime_cs)
	if _ccm_out=$(ccmctl wait -t "$1" connected 2>&1); then
		_ccm_cs=$(($(ccm_uptime_cs) - _ccm_t0))
		ccm_log 5 "state connected (after $((_ccm_cs / 100)).$((_ccm_cs % 100 / 10)) s)"
		return 0
	fi
	ccm_log 4 "${_ccm_out#ccmctl: }; continuing boot"
	return 1
}

ccm_wait_connected() {	# seconds
	if command -v ccmctl >/dev/null 2>&1; then
		ccm_log 5 "waiting up to $1 s for the partner (ccmctl wait)"
		ccm_ccmctl_wait "$1"
		return
	fi
	_ccm_n=$(($1 * 10))
	_ccm_i=0
	_ccm_last=
	ccm_log 5 "waiting up to $1 s for the partner"
	while :; do
		_ccm_st=$(ccm_state)
		if [ "$_ccm_st" != "$_ccm_last" ]; then
			ccm_log 5 "state $_ccm_st (after $((_ccm_i / 10)).$((_ccm_i % 10)) s)"
			_ccm_last=$_ccm_st
		fi
		[ "$_ccm_st" = connected ] && return 0
		[ $_ccm_i -ge $_ccm_n ] && break
		sleep 0.1
		_ccm_i=$((_ccm_i + 1))
	done
	ccm_log 4 "not connected after $1 s: state $_ccm_st, last_error $(cat "$CCM_SYS/last_error" 2>/dev/null); continuing boot"
	return 1
}

ccm_early_main() {
	ccm_early_config
	case $CCM_EARLY in
	no|n|0|false|off)
		ccm_log 5 "disabled (CCM_EARLY=$CCM_EARLY / rd.ccm=0)"
		return 0 ;;
	esac
	if [ ! -d /sys/module/ccm ]; then
		if ! ccm_peer_configured; then
			ccm_log 4 "no peer_addr (ccm.peer_addr= or 'options ccm peer_addr=' in /etc/modprobe.d/ccm.conf): not loading ccm"
			return 0
		fi
		for _ccm_m in $CCM_MODULES; do
			modprobe "$_ccm_m" || ccm_log 3 "cannot load $_ccm_m"
		done
		if command -v ccm_net_setup >/dev/null 2>&1; then
			ccm_net_setup || ccm_log 4 "network setup failed"
		fi
		if [ -n "$CCM_RXE_NETDEV" ]; then
			ccm_setup_rxe "$CCM_RXE_NETDEV"
		fi
		if ! modprobe ccm; then
			ccm_log 3 "modprobe ccm failed (see the ccm: lines above)"
			return 0
		fi
	fi
	ccm_log 5 "ccm loaded: peer $(cat "$CCM_SYS/peer_addr" 2>/dev/null) port $(cat "$CCM_SYS/port" 2>/dev/null) state $(ccm_state)"
	if [ "$CCM_WAIT" -gt 0 ]; then
		ccm_wait_connected "$CCM_WAIT"
	fi
	return 0
}
