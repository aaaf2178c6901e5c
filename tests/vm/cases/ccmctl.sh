# SPDX-License-Identifier: GPL-2.0
# ccmctl against a live cluster (run.sh --bin tools/ccmctl/ccmctl.static).
# On node 1: exit status 2 while ccm is not loaded; once both nodes run ccm
# and ccm_echo (1 client x 2 QPs), `wait` returns 0 for connected and 3 for
# a state that does not come; status, clients and counters, as text and
# JSON, say what sysfs says (state_age_ms counts up, and starts over when
# the state changes); `counters -d` shows the heartbeats moving;
# `monitor` sees node 2 reload ccm (the loss, then connected again) and
# exits 0 on SIGTERM. Node 2 checks `wait` across its own reload.
# timeout: 200

# has LABEL REGEX CMD...: CMD's output has a line matching REGEX
has() {
	local label=$1 re=$2 out
	shift 2
	out=$("$@" 2>&1)
	if printf '%s\n' "$out" | grep -qE "$re"; then
		log "ok $label"
	else
		fail "$label: no /$re/ in: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-300)"
	fi
}

# rc_is LABEL WANT CMD...: CMD exits with WANT
rc_is() {
	local label=$1 want=$2 rc
	shift 2
	"$@" > /tmp/rc.out 2>&1
	rc=$?
	expect_eq "$label" "$rc" "$want"
}

node1() {
	command -v ccmctl > /dev/null || { fail "no ccmctl in the guest (run.sh --bin)"; return; }
	rc_is not_loaded_rc 2 ccmctl
	grep -q "ccm is not loaded" /tmp/rc.out || fail "not loaded: $(cat /tmp/rc.out)"
	connect_with_echo 1 2 30 || return
	rc_is wait_connected_rc 0 ccmctl wait -t 30
	rc_is wait_other_state_rc 3 ccmctl wait -t 1 error

	has "status: state" '^state +connected$' ccmctl
	has "status: since" '^since +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} \([0-9]' ccmctl
	# state_age_ms counts while the state stays (1 s asleep: at least 0.9 s)
	AGE1=$(cat $CCM_SYSFS/state_age_ms)
	sleep 1
	AGE2=$(cat $CCM_SYSFS/state_age_ms)
	[ "$AGE2" -ge $((AGE1 + 900)) ] || fail "state_age_ms: $AGE1 then $AGE2 a second later"
	has "status -j: state_age_ms" '"state_age_ms": [0-9]+[,}]' ccmctl -j
	has "status: partner" "^partner +$PEER_ADDR, node $(cat $CCM_SYSFS/peer_node_id), epoch $(cat $CCM_SYSFS/peer_epoch)\$" ccmctl
	has "status: this node" "^this node .*node $(cat $CCM_SYSFS/node_id), epoch $(cat $CCM_SYSFS/local_epoch)\$" ccmctl
	has "status: auth" '^auth +none$' ccmctl
	has "status: generation" "^generation +$(cat $CCM_SYSFS/generation)\$" ccmctl
	has "status -j: state" '"state": "connected"' ccmctl -j
	has "status -j: node_id" "\"node_id\": \"$(cat $CCM_SYSFS/node_id)\"" ccmctl -j
	has "status -j: peer_epoch" "\"peer_epoch\": \"$(cat $CCM_SYSFS/peer_epoch)\"" ccmctl -j
	has "status -j: generation" "\"generation\": $(cat $CCM_SYSFS/generation)[,}]" ccmctl -j
	has "clients: echo0" '^echo0 +connected +2 +1 +0 ' ccmctl clients
	has "clients -j: echo0" '"name": "echo0"' ccmctl -j clients
	has "counters: handshakes" '^handshakes +1$' ccmctl counters
	has "counters -j: handshakes" '"handshakes": 1[,}]' ccmctl -j counters
	has "counters -d: heartbeats moving" '^heartbeats_sent +\+[1-9][0-9]*$' ccmctl counters -d 1
	# the whole screen, for the log (README shows one)
	ccmctl status 2>&1 | while IFS= read -r line; do log "status| $line"; done

	ccmctl monitor > /tmp/monitor.out 2> /tmp/monitor.err &
	MON=$!
	log "MONITOR-READY"
	wait_cmd 90 grep -q "CCM_STATE=error" /tmp/monitor.out ||
		fail "monitor: no CCM_STATE=error for node 2's unload"
	wait_cmd 90 grep -q "CCM_STATE=connected" /tmp/monitor.out ||
		fail "monitor: no CCM_STATE=connected after node 2's reload"
	# connected again: the age starts over (it was AGE2 and more before)
	AGE3=$(cat $CCM_SYSFS/state_age_ms)
	[ "$AGE3" -lt "$AGE2" ] || fail "state_age_ms not reset by the reconnect: $AGE2 before, $AGE3 after"
	log "state_age_ms: $AGE1, $AGE2 a second later, $AGE3 after the reconnect"
	kill -TERM $MON
	wait $MON
	expect_eq monitor_rc "$?" 0
	log "monitor saw: $(grep -c CCM_ /tmp/monitor.out) events"
	grep -q "^[0-9-]*T[0-9:.]*[+-][0-9]* change /module/ccm" /tmp/monitor.out ||
		fail "monitor: lines not as documented: $(head -n 2 /tmp/monitor.out)"
	sleep 4
}

node2() {
	connect_with_echo 1 2 30 || return
	# Node 1 runs its checks, then starts its monitor.
	sleep 12
	echo_unload || fail "rmmod ccm_echo"
	ccm_unload || { fail "rmmod ccm"; return; }
	sleep 1
	ccm_load || { fail "modprobe ccm again"; return; }
	rc_is wait_reload_rc 0 ccmctl wait -t 60
	sleep 8
}
