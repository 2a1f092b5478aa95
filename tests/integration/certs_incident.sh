#!/bin/bash
# certs_incident.sh — issue 3, the incident reproduction with a real
# Kamailio:
#  1. Kamailio serves a good certificate; a persistent TLS connection
#     (openssl s_client, verifying the chain, fed from a FIFO that stays
#     open) sends OPTIONS and gets 200;
#  2. the certificate files Kamailio uses are rewritten with an expired leaf
#     and `kamcmd tls.reload` swaps it in, without dropping connections;
#  3. a new `sipcanary check --json` reports cert_expired (Nagios exit 2)
#     with the chain details: chain[0] is the expired leaf, not_after in the
#     past, days_left < 0 — and `sipcanary certs` agrees;
#  4. the OLD connection still answers a second OPTIONS with 200 (same
#     s_client process, no reconnect).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init kamailio kamcmd
pki_make leaf_good leaf_expired
pki_kamailio good

pki_sc_check "$P" --json sips:example.test
pki_expect ok 0 "before the swap: check is ok"
tb_jq "$F.chain[0].fingerprint_sha256 | ascii_downcase == \"$(pki_fp "$PKI/good.pem")\"" \
	"before the swap: the good leaf is served"

# --- 1. the persistent connection ----------------------------------------------
fifo=$TB/conn.in
mkfifo "$fifo"
exec 3<>"$fifo"        # our write end; read-write so that it never blocks
# shellcheck disable=SC2016  # $1..$3 are the inner bash's arguments
tb_spawn conn bash -c 'exec openssl s_client -connect "$1" -servername example.test \
	-CAfile "$2" -verify_return_error -quiet -no_ign_eof <"$3"' _ \
	"127.0.0.1:$P" "$PKI/ca.pem" "$fifo"
CONN_PID=$TB_LAST_PID
# conn_alive — the s_client of the persistent connection still runs
conn_alive() {
	local st
	st=$(ps -o stat= -p "$CONN_PID" 2>/dev/null) || return 1
	case "$st" in Z*|'') return 1 ;; esac
}

# options N — write an OPTIONS (Call-ID incident-N) to the connection
options() {
	printf '%s\r\n' \
		"OPTIONS sip:example.test SIP/2.0" \
		"Via: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-incident-$1-$RANDOM;rport" \
		"Max-Forwards: 70" \
		"From: <sip:canary@example.test>;tag=incident-$1" \
		"To: <sip:example.test>" \
		"Call-ID: incident-$1-$$@127.0.0.1" \
		"CSeq: $1 OPTIONS" \
		"Content-Length: 0" \
		"" >&3
}
# wait_200 N SECONDS — until the connection log holds N "SIP/2.0 200" lines
wait_200() {
	local want=$1 end=$(( $(date +%s) + $2 )) n
	while :; do
		n=$(grep -c '^SIP/2.0 200' "$TB/conn.log" 2>/dev/null) || n=0
		[ "$n" -ge "$want" ] && return 0
		conn_alive || { tb_log "the persistent connection died"; return 1; }
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

options 1
wait_200 1 10 || tb_fail "no 200 to the first OPTIONS on the persistent connection"
tb_ok "persistent connection: OPTIONS 1 -> 200"
conn_port=$(ss -Htn "( dport = :$P )" | awk '{ print $4 }' | sed 's/.*://' | sort -u)
[ "$(printf '%s\n' "$conn_port" | grep -c .)" = 1 ] ||
	tb_fail "expected exactly one client connection to Kamailio, got: $conn_port"
tb_ok "one client connection, from local port $conn_port"

# --- 2. swap the certificate ---------------------------------------------------
pki_kamailio_swap expired

# --- 3. a new probe sees the expired certificate ----------------------------------
now=$(pki_now)
pki_sc_check "$P" --json sips:example.test
pki_expect cert_expired 2 "after the swap: check --json (Nagios CRITICAL)"
tb_jq "$F.chain[0].fingerprint_sha256 | ascii_downcase == \"$(pki_fp "$PKI/expired.pem")\"" \
	"after the swap: chain[0] is the expired leaf"
tb_jq "$F.chain[0].not_after < \"$now\" and $F.chain[0].days_left < 0" \
	"after the swap: chain[0].not_after in the past, days_left < 0"
tb_jq "$F.chain[0].not_after == \"$(pki_not_after "$PKI/expired.pem")\"" \
	"after the swap: chain[0].not_after is the leaf's notAfter"
tb_jq "$F.error | test(\"depth 0\")" "after the swap: error names depth 0"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_expired 1 "after the swap: certs --json agrees"

# --- 4. the old connection still works -----------------------------------------------
conn_alive || tb_fail "the persistent connection's s_client died"
options 2
wait_200 2 10 || tb_fail "no 200 to the second OPTIONS on the old connection"
tb_ok "old connection: OPTIONS 2 -> 200 after the swap"
now_port=$(ss -Htn "( dport = :$P )" | awk '{ print $4 }' | sed 's/.*://' | sort -u | tr '\n' ' ')
case " $now_port " in
*" $conn_port "*) tb_ok "the same connection (local port $conn_port) answered" ;;
*) tb_fail "the original connection (port $conn_port) is gone: $now_port" ;;
esac
grep -q "SCOPTIONS incident-2-" "$TB/kam/kamailio.log" ||
	tb_fail "kamailio did not log the second OPTIONS"
exec 3>&-

tb_pass "incident: new probes see cert_expired while the old flow still answers OPTIONS"
