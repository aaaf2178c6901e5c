#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ccmctl against a fake /sys/kernel/ccm (CCM_SYSFS): two links, one client,
# counters, in the formats ccm_sysfs.c and ccm_clients.c print. Run by
# `make check`; ends with "N passed, N failed" and fails if one failed.
#
#   ./test.sh [path/to/ccmctl]
# shellcheck disable=SC2016 # the sh -c scripts expand "$0" themselves
set -u
cd "$(dirname "$0")" || exit 1
CCMCTL=$(realpath "${1:-./ccmctl}")
pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
# check NAME COMMAND...: the command succeeds
check() {
	local name=$1

	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sys=$tmp/ccm
export CCM_SYSFS=$sys
unset NO_COLOR

put() {	# put FILE VALUE: a sysfs file, with its newline
	mkdir -p "$(dirname "$sys/$1")"
	printf '%s\n' "$2" > "$sys/$1"
}

# Every counter of a link (ccm_stat_names); the partner's own are extra.
link_counters="transitions illegal_events stale_events handshakes errors
timeouts reads_issued reads_completed reads_failed writes_issued
writes_completed writes_failed connects connect_failures accepts
rejects_address rejects_invalid rejects_tiebreak rejects_port rejects_epoch
auth_failures connections_lost sentinel_invalid descriptor_invalid mailbox_invalid
mailbox_stale messages_sent messages_received messages_invalid messages_stale
doorbells heartbeats_sent heartbeats_skipped link_lost"

make_tree() {
	local c n

	put state connected
	put peer_addr 192.168.50.2,fe80::2%3
	put local_addr any
	put port 18515
	put auth hmac-sha256
	put node_id 00000000000000a1
	put local_epoch 5f3c2a9d11e04b77
	put peer_node_id 00000000000000b2
	put peer_epoch 0c0ffee000000001
	put generation 7
	put clients_link 0
	put last_error 'link 1: connect to fe80::2%3: connection refused (-111)'
	put last_handshake_ns 1234567
	put last_detection_ns 0
	put state_age_ms 3725400
	for c in $link_counters; do
		put "links/0/counters/$c" 0
		put "links/1/counters/$c" 0
	done
	for c in $link_counters partner_lost links_down redundancy_lost; do
		put "counters/$c" 0
	done
	put counters/transitions 12
	put counters/handshakes 2
	put counters/connect_failures 5
	put counters/redundancy_lost 1
	put links/0/counters/handshakes 2
	put links/1/counters/connect_failures 5
	put links/0/state connected
	put links/0/peer_addr 192.168.50.2
	put links/0/local_addr any
	put links/0/generation 7
	put links/0/device rxe0
	put links/0/last_error none
	put links/0/last_handshake_ns 1234567
	put links/0/last_detection_ns 0
	put links/1/state attempting_read
	put links/1/peer_addr fe80::2%3
	put links/1/local_addr any
	put links/1/generation 3
	put links/1/device none
	put links/1/last_error 'connect to fe80::2%3: connection refused (-111)'
	put links/1/last_handshake_ns 0
	put links/1/last_detection_ns 0
	put clients/dlm/state connected
	put clients/dlm/nr_qps 4
	put clients/dlm/mem_size 65536
	put clients/dlm/connects 3
	put clients/dlm/disconnects 2
	put clients/dlm/last_error 'partner "lost" \ link down'
	put clients/dlm/local_qpns '17 18 19 20'
	put clients/dlm/peer_qpns '33 34 35 36'
}

# json NAME PYTHON-EXPR COMMAND...: valid JSON (json.tool) and EXPR holds
# for it (the parsed document is d)
json() {
	local name=$1 expr=$2 out

	shift 2
	out=$("$@") || { ko "$name (exit $?)"; return; }
	if ! printf '%s\n' "$out" | python3 -m json.tool > /dev/null; then
		ko "$name (not JSON)"
		printf '%s\n' "$out"
		return
	fi
	if printf '%s\n' "$out" | python3 -c "import json, sys
d = json.load(sys.stdin)
sys.exit(0 if ($expr) else 1)"; then
		ok "$name"
	else
		ko "$name"
		printf '%s\n' "$out"
	fi
}

# has NAME PATTERN COMMAND...: exit 0 and the output matches (grep -E)
has() {
	local name=$1 pat=$2 out

	shift 2
	out=$("$@" 2>&1) || { ko "$name (exit $?)"; printf '%s\n' "$out"; return; }
	if printf '%s\n' "$out" | grep -qE -- "$pat"; then
		ok "$name"
	else
		ko "$name"
		printf '%s\n' "$out"
	fi
}

# rc NAME CODE COMMAND...: the command exits with CODE
rc() {
	local name=$1 want=$2 got

	shift 2
	"$@" > "$tmp/out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		ko "$name (exit $got, want $want)"
		cat "$tmp/out"
	fi
}

make_tree

# ---- status ----
has "status: state" '^state +connected$' "$CCMCTL"
has "status: partner identity" \
	'^partner +192.168.50.2,fe80::2%3, node 00000000000000b2, epoch 0c0ffee000000001$' \
	"$CCMCTL" status
has "status: this node" '^this node +any port 18515, node 00000000000000a1' "$CCMCTL"
has "status: auth" '^auth +hmac-sha256$' "$CCMCTL"
has "status: handshake duration" '^handshake +1.235 ms$' "$CCMCTL"
has "status: since" '^since +20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] \(1 h 2 min ago\)$' "$CCMCTL"
has "status: clients' link" '^clients on +link 0$' "$CCMCTL"
has "status: last error" '^last error +link 1: connect to fe80::2%3: connection refused' \
	"$CCMCTL"
has "status: link 1 row" '^1 +attempting_read +none +fe80::2%3 +any +connect to' "$CCMCTL"
has "status: link 0 row" '^0 +connected +rxe0 +192.168.50.2 ' "$CCMCTL"
has "status: client row" '^dlm +connected +4 +3 +2  partner "lost"' "$CCMCTL"
has "status: counters not 0" 'connect_failures +5 +handshakes +2' "$CCMCTL"
out=$("$CCMCTL")
if printf '%s\n' "$out" | grep -qE 'rejects_port|links_down'; then
	ko "status: counters that are 0 are left out"
else
	ok "status: counters that are 0 are left out"
fi
if printf '%s' "$out" | grep -q $'\033'; then
	ko "status: no colour when not a terminal"
else
	ok "status: no colour when not a terminal"
fi
if command -v script > /dev/null; then
	out=$(script -qec "$CCMCTL" /dev/null)
	if printf '%s' "$out" | grep -q $'\033\\[32mconnected'; then
		ok "status: colour on a terminal"
	else
		ko "status: colour on a terminal"
	fi
	out=$(NO_COLOR=1 script -qec "$CCMCTL" /dev/null)
	if printf '%s' "$out" | grep -q $'\033'; then
		ko "status: NO_COLOR"
	else
		ok "status: NO_COLOR"
	fi
fi

json "status -j" 'd["state"] == "connected" and d["port"] == 18515 and
	d["auth"] == "hmac-sha256" and
	d["node_id"] == "00000000000000a1" and d["peer_node_id"] == "00000000000000b2" and
	d["peer_addr"] == "192.168.50.2,fe80::2%3" and d["generation"] == 7 and
	d["clients_link"] == 0 and d["last_handshake_ns"] == 1234567 and
	d["state_age_ms"] == 3725400 and
	d["last_error"].startswith("link 1: connect")' "$CCMCTL" -j
json "status --json: links" '[l["index"] for l in d["links"]] == [0, 1] and
	d["links"][0]["device"] == "rxe0" and d["links"][1]["device"] == "none" and
	d["links"][1]["state"] == "attempting_read" and d["links"][1]["generation"] == 3 and
	d["links"][1]["counters"]["connect_failures"] == 5 and
	d["links"][0]["counters"]["handshakes"] == 2 and
	"partner_lost" not in d["links"][0]["counters"]' "$CCMCTL" status --json
json "status -j: clients" 'd["clients"] == [{"name": "dlm", "state": "connected",
	"nr_qps": 4, "mem_size": 65536, "connects": 3, "disconnects": 2,
	"last_error": "partner \"lost\" \\ link down",
	"local_qpns": [17, 18, 19, 20], "peer_qpns": [33, 34, 35, 36]}]' \
	"$CCMCTL" --json status
json "status -j: counters" 'len(d["counters"]) == 37 and
	d["counters"]["transitions"] == 12 and d["counters"]["redundancy_lost"] == 1 and
	d["counters"]["rejects_port"] == 0' "$CCMCTL" status -j

# A partner not seen yet, no client's link, one link: its device, no table
put peer_node_id 0000000000000000
put clients_link none
rm -r "$sys/links/1"
has "status: partner not seen yet" '^partner +.*, not seen yet$' "$CCMCTL"
has "status: one link: its device" '^device +rxe0$' "$CCMCTL"
out=$("$CCMCTL")
if printf '%s\n' "$out" | grep -qE '^LINK'; then
	ko "status: one link: no link table"
else
	ok "status: one link: no link table"
fi
json "status -j: clients_link none is null" 'd["clients_link"] is None and
	len(d["links"]) == 1' "$CCMCTL" -j
rm -r "$sys"
make_tree

# ---- clients ----
has "clients" '^dlm +connected +4 +3 +2 ' "$CCMCTL" clients
json "clients -j" 'd["clients"][0]["name"] == "dlm" and
	d["clients"][0]["peer_qpns"] == [33, 34, 35, 36]' "$CCMCTL" clients -j
mkdir "$tmp/empty"
has "clients: none" '^no clients registered$' env CCM_SYSFS="$tmp/empty" "$CCMCTL" clients

# ---- counters ----
has "counters: all of them" '^rejects_port +0$' "$CCMCTL" counters
has "counters: values" '^connect_failures +5$' "$CCMCTL" counters
n=$("$CCMCTL" counters | wc -l)
if [ "$n" = 37 ]; then ok "counters: 37 lines"; else ko "counters: 37 lines ($n)"; fi
json "counters -j" 'd["counters"]["handshakes"] == 2 and len(d["counters"]) == 37' \
	"$CCMCTL" counters -j
json "counters --link 1 -j" 'd["counters"]["connect_failures"] == 5 and
	len(d["counters"]) == 34' "$CCMCTL" counters --link 1 -j
rc "counters --link 9: no such link" 4 "$CCMCTL" counters --link 9
(sleep 0.2; echo 19 > "$sys/counters/timeouts"; echo 20 > "$sys/counters/transitions") &
has "counters -d: the increase" '^timeouts +\+19$' "$CCMCTL" counters -d 0.6
wait
(sleep 0.2; echo 25 > "$sys/counters/timeouts") &
json "counters --delta -j" 'd["interval_s"] == 0.6 and d["delta"]["timeouts"] == 6 and
	d["delta"]["handshakes"] == 0 and d["counters"]["timeouts"] == 25' \
	"$CCMCTL" counters --delta 0.6 -j
wait
has "counters -d: nothing changed" '^no counter changed in 0.1 s$' "$CCMCTL" counters -d 0.1

# ---- wait ----
put state attempting_read
rc "wait: already in that state" 0 "$CCMCTL" wait attempting_read
(sleep 0.3; echo connected > "$sys/state") &
start=$(date +%s%N)
rc "wait: state becomes connected" 0 "$CCMCTL" wait --timeout 5
ms=$((($(date +%s%N) - start) / 1000000))
wait
if [ "$ms" -ge 250 ] && [ "$ms" -lt 1500 ]; then
	ok "wait: returns once connected (${ms} ms)"
else
	ko "wait: returns once connected (${ms} ms)"
fi
put state error
start=$(date +%s%N)
rc "wait: timeout" 3 "$CCMCTL" wait -t 0.4 connected
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -ge 350 ] && [ "$ms" -lt 1500 ]; then
	ok "wait: times out in time (${ms} ms)"
else
	ko "wait: times out in time (${ms} ms)"
fi
has "wait: timeout message" 'timed out after 0.4 s waiting for connected \(state error' \
	sh -c '"$0" wait -t 0.4; [ $? = 3 ]' "$CCMCTL"
rc "wait -t 0: checks once" 3 "$CCMCTL" wait -t 0
rc "wait: unknown state" 1 "$CCMCTL" wait bogus
rc "wait: bad timeout" 1 "$CCMCTL" wait -t soon
rc "wait: -j is not for wait" 1 "$CCMCTL" wait -j

# ---- not loaded, usage ----
rc "not loaded: exit 2" 2 env CCM_SYSFS="$tmp/none" "$CCMCTL"
export CCM_SYSFS=$tmp/none
has "not loaded: message" "^ccmctl: ccm is not loaded \\(no $tmp/none\\)\$" \
	sh -c '"$0" status; [ $? = 2 ]' "$CCMCTL"
for c in clients counters wait; do
	rc "not loaded: $c" 2 "$CCMCTL" $c
done
export CCM_SYSFS=$sys
rc "unknown command" 1 "$CCMCTL" frobnicate
rc "unknown option" 1 "$CCMCTL" --frobnicate
rc "extra argument" 1 "$CCMCTL" status now
rc "option of another command" 1 "$CCMCTL" status -d 1
rc "zero delta" 1 "$CCMCTL" counters -d 0
has "--help" '^Usage: ccmctl' "$CCMCTL" --help
has "--version" '^ccmctl [0-9]' "$CCMCTL" --version

# ---- key: refused before anything reaches the keyring (the guests'
# case `auth` adds a real one); the key is never echoed ----
K=000102030405060708090a0b0c0d0e0f
rc "key: no DESC" 1 sh -c '"$0" key < /dev/null' "$CCMCTL"
rc "key: DESC without a service" 1 sh -c 'echo $1 | "$0" key ccmha' "$CCMCTL" "$K"
rc "key: DESC starting with ':'" 1 sh -c 'echo $1 | "$0" key :ha' "$CCMCTL" "$K"
rc "key: DESC with a space" 1 sh -c 'echo $1 | "$0" key "ccm:h a"' "$CCMCTL" "$K"
rc "key: DESC too long" 1 sh -c 'echo $1 | "$0" key "ccm:$(printf %070d 0)"' "$CCMCTL" "$K"
rc "key: no key" 1 sh -c '"$0" key ccm:ha < /dev/null' "$CCMCTL"
rc "key: 30 hex digits" 1 sh -c 'echo 000102030405060708090a0b0c0d0e | "$0" key ccm:ha' "$CCMCTL"
rc "key: odd digits" 1 sh -c 'echo ${1}0 | "$0" key ccm:ha' "$CCMCTL" "$K"
rc "key: not hex" 1 sh -c 'echo zz${1#??} | "$0" key ccm:ha' "$CCMCTL" "$K"
rc "key: 130 hex digits" 1 sh -c 'echo $1$1$1$1${1%??????????????????????????????} | "$0" key ccm:ha' "$CCMCTL" "$K"
out=$(echo "zz${K#??}" | "$CCMCTL" key ccm:ha 2>&1)
case $out in
*"${K#??}"*) ko "key: never echoed" ;;
*"hex digits"*) ok "key: never echoed" ;;
*) ko "key: never echoed (no message: $out)" ;;
esac

# ---- monitor: starts, exits cleanly on SIGTERM and SIGINT ----
for sig in TERM INT; do
	"$CCMCTL" monitor > "$tmp/mon" 2>&1 &
	pid=$!
	sleep 0.3
	if ! kill -0 "$pid" 2> /dev/null; then
		wait "$pid"
		ko "monitor: runs (exit $?: $(cat "$tmp/mon"))"
		continue
	fi
	kill -"$sig" "$pid"
	wait "$pid"
	st=$?
	if [ "$st" = 0 ]; then
		ok "monitor: exits 0 on SIG$sig"
	else
		ko "monitor: exits 0 on SIG$sig (exit $st)"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
