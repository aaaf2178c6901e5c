# SPDX-License-Identifier: GPL-2.0
# A missing or malformed parameter fails the load with -EINVAL (a missing
# logon key: -ENOKEY) and one pr_err line naming the parameter; nothing is
# left behind.
# timeout: 150

# try_bad "expected dmesg text" params...: refused with EINVAL, or with
# the error $TRY_ERR names
try_bad() {
	local want=$1 err=${TRY_ERR:-Invalid argument} out rc
	shift
	dmesg -c > /dev/null
	out=$(modprobe ccm "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		fail "modprobe ccm $* succeeded"
		rmmod ccm
		return
	fi
	case $out in
	*"$err"*) log "ok modprobe ccm $* -> $err" ;;
	*) fail "modprobe ccm $*: want $err, got '$out'" ;;
	esac
	if dmesg | grep -q "ccm: $want"; then
		log "ok dmesg: $(dmesg | grep 'ccm: ' | head -n 1)"
	else
		fail "modprobe ccm $*: no 'ccm: $want' in dmesg: $(dmesg | tail -n 3)"
	fi
	[ -d $CCM_SYSFS ] && fail "/sys/kernel/ccm left behind"
	lsmod | grep -q '^ccm ' && fail "ccm loaded after a failed load"
}

# try_bad_key KEY: a malformed auth_key is refused without being printed
try_bad_key() {
	try_bad "auth_key must be 32 to 128 hex digits, in pairs" \
		peer_addr="$PEER_ADDR" auth_key="$1"
	dmesg | grep -q "0102030405060708\|$1" &&
		fail "auth_key '$1' was echoed in the kernel log"
}

both() {
	wait_rxe_active
	try_bad "peer_addr is required"
	try_bad "peer_addr is required" peer_addr=
	try_bad "peer_addr='nonsense' is not an IPv4 or IPv6 address" peer_addr=nonsense
	try_bad "peer_addr='169.254.0.300' is not an IPv4 or IPv6 address" peer_addr=169.254.0.300
	try_bad "port=0 is not a valid port" peer_addr="$PEER_ADDR" port=0
	try_bad "local_addr='fe80::1' is not of peer_addr's address family" peer_addr="$PEER_ADDR" local_addr=fe80::1
	try_bad "local_addr='x' is not an IPv4 or IPv6 address" peer_addr="$PEER_ADDR" local_addr=x
	try_bad "backoff_max_ms=50 is out of range" peer_addr="$PEER_ADDR" backoff_min_ms=100 backoff_max_ms=50
	try_bad "ack_timeout=0 is out of range" peer_addr="$PEER_ADDR" ack_timeout=0
	try_bad "retry_count=8 is out of range" peer_addr="$PEER_ADDR" retry_count=8
	try_bad "client_ack_timeout=32 is out of range" peer_addr="$PEER_ADDR" client_ack_timeout=32
	try_bad "connect_timeout_ms=1 is out of range" peer_addr="$PEER_ADDR" connect_timeout_ms=1
	# auth_key: 32 to 128 hex digits, in pairs; the key is never echoed.
	try_bad_key 000102030405060708090a0b0c0d0e
	try_bad_key 000102030405060708090a0b0c0d0e0f0
	try_bad_key zz0102030405060708090a0b0c0d0e0f
	try_bad_key "$(printf '%0130d' 0)0102030405060708"
	# auth_key_desc: a logon key that is not there; not both key sources.
	TRY_ERR="Required key not available" \
		try_bad "auth_key_desc 'ccm:absent': no such logon key" \
		peer_addr="$PEER_ADDR" auth_key_desc=ccm:absent
	try_bad "set auth_key or auth_key_desc, not both" peer_addr="$PEER_ADDR" \
		auth_key=000102030405060708090a0b0c0d0e0f auth_key_desc=ccm:absent
	# A valid key, then a bad parameter: the load fails as before.
	try_bad "port=0 is not a valid port" peer_addr="$PEER_ADDR" \
		auth_key=000102030405060708090a0b0c0d0e0f port=0
	# Lists of links: at most 4, none empty or repeated, one family, as
	# many local addresses as partner addresses.
	try_bad "peer_addr='169.254.0.2,169.254.1.2,169.254.2.2,169.254.3.2,169.254.4.2': more than 4 addresses" \
		peer_addr=169.254.0.2,169.254.1.2,169.254.2.2,169.254.3.2,169.254.4.2
	try_bad "peer_addr='169.254.0.2,': address 2 is empty" peer_addr=169.254.0.2,
	try_bad "peer_addr='169.254.0.2,,169.254.1.2': address 2 is empty" peer_addr=169.254.0.2,,169.254.1.2
	try_bad "peer_addr='169.254.0.2,169.254.0.2': '169.254.0.2' is given twice" peer_addr=169.254.0.2,169.254.0.2
	try_bad "peer_addr='169.254.0.2,fe80::2': 'fe80::2' is not of the first address's family" peer_addr=169.254.0.2,fe80::2
	try_bad "peer_addr='169.254.0.2,x': 'x' is not an IPv4 or IPv6 address" peer_addr=169.254.0.2,x
	try_bad "local_addr='169.254.0.1' does not name one address per link of peer_addr='169.254.0.2,169.254.1.2' (1 for 2)" \
		peer_addr=169.254.0.2,169.254.1.2 local_addr=169.254.0.1
	# And a good load still works afterwards.
	ccm_load || fail "good modprobe after bad ones failed"
	expect_ne state "$(cat $CCM_SYSFS/state 2>/dev/null)" ""
	sleep 3
	ccm_unload || fail "rmmod failed"
}

node1() { both; }
node2() { both; }
