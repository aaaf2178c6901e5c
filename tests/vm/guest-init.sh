#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the ccm test guest (busybox sh, PID 1).
# Kernel command line: ccmt_node=N ccmt_case=NAME [ccmt_nics=2] [ccmt_shell=1]
# One NIC (default): eth0 169.254.0.N/16, rxe0. ccmt_nics=2 (run.sh, for a
# case with "# nics: 2"): eth0 169.254.0.N/24 + rxe0 and eth1 169.254.1.N/24
# + rxe1, each link its own subnet (and route).
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
export HOME=/root
umask 022

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /sys/kernel/debug /sys/kernel/tracing
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname ccmt

NODE=
CASE=
NICS=
SHELL_AFTER=
for arg in $(cat /proc/cmdline); do
	case $arg in
	ccmt_node=*) NODE=${arg#ccmt_node=} ;;
	ccmt_case=*) CASE=${arg#ccmt_case=} ;;
	ccmt_nics=*) NICS=${arg#ccmt_nics=} ;;
	ccmt_shell=*) SHELL_AFTER=${arg#ccmt_shell=} ;;
	esac
done
NODE=${NODE:-1}
NICS=${NICS:-1}
export NODE CASE NICS
hostname "ccmt$NODE"

echo "CCMT-BOOT node=$NODE case=$CASE uptime=$(cut -d' ' -f1 /proc/uptime)"

finish() {
	# $1 = pass|fail
	echo "CCMT-RESULT node=$NODE $1"
	echo "CCMT-DMESG-BEGIN node=$NODE"
	dmesg
	echo "CCMT-DMESG-END node=$NODE"
	if [ "$SHELL_AFTER" = 1 ]; then
		setsid cttyhack sh
	fi
	sync
	poweroff -f
	sleep 5
	echo o > /proc/sysrq-trigger
}

setup_fail() {
	echo "CCMT node=$NODE setup failed: $*"
	finish fail
}

# extra (out-of-tree) modules came in the overlay: refresh modules.dep
KVER=$(uname -r)
if [ -n "$(ls /lib/modules/$KVER/extra/ 2>/dev/null)" ] ||
	[ -n "$(find /lib/modules/$KVER/kernel -newer /lib/modules/$KVER/modules.dep -name '*.ko*' 2>/dev/null)" ]; then
	depmod -a || setup_fail "depmod -a"
fi

# crc32_generic before rdma_rxe (rxe needs crc32 shash, no udev to autoload it)
for m in virtio_pci virtio_net crc32_generic rdma_rxe rdma_cm; do
	modprobe "$m" || setup_fail "modprobe $m"
done

case $NICS in 1|2) ;; *) setup_fail "ccmt_nics=$NICS (1 or 2)" ;; esac
# wait (bounded) for eth0 to appear
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
ip link set eth0 up || setup_fail "eth0 up"
if [ "$NICS" = 1 ]; then
	ip addr add 169.254.0.$NODE/16 dev eth0 || setup_fail "ip addr"
	rdma link add rxe0 type rxe netdev eth0 || setup_fail "rdma link add"
else
	# the second link's NIC (run.sh: netdev n1, mac 52:54:00:12:35:0N)
	i=0
	while [ ! -e /sys/class/net/eth1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(cat /sys/class/net/eth0/address 2>/dev/null)" = "52:54:00:12:34:0$NODE" ] ||
		setup_fail "eth0 is not the first link's NIC: $(cat /sys/class/net/eth0/address 2>&1)"
	[ "$(cat /sys/class/net/eth1/address 2>/dev/null)" = "52:54:00:12:35:0$NODE" ] ||
		setup_fail "eth1 is not the second link's NIC: $(cat /sys/class/net/eth1/address 2>&1)"
	ip link set eth1 up || setup_fail "eth1 up"
	ip addr add 169.254.0.$NODE/24 dev eth0 || setup_fail "ip addr eth0"
	ip addr add 169.254.1.$NODE/24 dev eth1 || setup_fail "ip addr eth1"
	rdma link add rxe0 type rxe netdev eth0 || setup_fail "rdma link add rxe0"
	rdma link add rxe1 type rxe netdev eth1 || setup_fail "rdma link add rxe1"
	echo "CCMT node=$NODE nics=2: eth0 169.254.0.$NODE/24 rxe0, eth1 169.254.1.$NODE/24 rxe1"
fi
echo "CCMT-READY node=$NODE uptime=$(cut -d' ' -f1 /proc/uptime)"

[ -f /tests/guest-lib.sh ] || setup_fail "no /tests/guest-lib.sh"
[ -f "/tests/cases/$CASE.sh" ] || setup_fail "no case '$CASE'"
for f in /tests/guest-lib.sh "/tests/cases/$CASE.sh"; do
	sh -n "$f" || setup_fail "syntax error in $f"
done
. /tests/guest-lib.sh
# Run the case in a subshell so that exit / set -e in it cannot kill PID 1;
# fail() records failures in a file.
(
	. "/tests/cases/$CASE.sh"
	if ! type "node$NODE" >/dev/null 2>&1; then
		fail "case $CASE has no function node$NODE"
		exit 0
	fi
	"node$NODE"
) || fail "node$NODE returned nonzero"
if ccmt_failed; then
	finish fail
else
	finish pass
fi
