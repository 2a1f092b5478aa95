#!/bin/bash
# certs_expired.sh — issue 3, cert_expired:
#  1. a real Kamailio serves an expired leaf (valid -30d..-2d) + its
#     intermediate: `certs --json` says cert_expired (exit 1), the error
#     names depth 0, and the chain details are all there although
#     verification failed (chain[0].not_after in the past, days_left < 0,
#     the served fingerprint, the intermediate at depth 1), verified_chain
#     is [], expiry points at depth 0; `check --json` says the same with
#     Nagios exit 2 and Kamailio sees no REGISTER;
#  2. openssl s_server serves a valid leaf under an intermediate that
#     expired yesterday: cert_expired, the error names depth 1.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/pki.sh"
tb_init
tb_require kamailio kamcmd openssl jq
tb_require_sipcanary

PKI=$TB/pki
{ pki_init "$PKI" && pki_leaf_expired "$PKI" && pki_leaf_expired_int "$PKI"; } ||
	tb_fail "could not make certificates"
now=$(pki_now)
fp0=$(pki_fp "$PKI/expired.pem")
na0=$(pki_not_after "$PKI/expired.pem")

# --- 1. Kamailio, expired leaf ------------------------------------------------
P=$(tb_free_port)
tb_kamailio_start "$TB/kam" "$P" "$PKI/expired.chain.pem" "$PKI/expired.key" ||
	tb_fail "kamailio did not start"

pki_sc_certs "$P" --json sips:example.test
pki_expect cert_expired 1 "certs --json, expired leaf"
F='.frontends[0]'
tb_jq "$F.error | type == \"string\" and test(\"depth 0\")" "error names depth 0"
tb_jq "$F.tls.version | type == \"string\" and length > 0" \
	"handshake completed (tls.version reported)"
tb_jq "$F.chain | length == 2" "chain: the 2 certificates sent"
tb_jq "$F.chain[0].depth == 0 and $F.chain[1].depth == 1" "chain depths 0, 1"
tb_jq "$F.chain[0].fingerprint_sha256 | ascii_downcase == \"$fp0\"" \
	"chain[0] is the served expired leaf"
tb_jq "$F.chain[0].not_after == \"$na0\"" "chain[0].not_after = $na0"
tb_jq "$F.chain[0].not_after < \"$now\"" "chain[0].not_after is in the past"
tb_jq "$F.chain[0].days_left < 0" "chain[0].days_left < 0"
tb_jq "$F.chain[1].subject | test(\"test intermediate\")" "chain[1] is the intermediate"
tb_jq "$F.chain[1].days_left > 1000" "the intermediate is fine"
tb_jq "$F.verified_chain == []" "verified_chain is [] when verification failed"
tb_jq "$F.expiry.depth == 0 and $F.expiry.days_left < 0" \
	"expiry: earliest notAfter is the leaf's, days_left < 0"
tb_jq "$F.expiry.fingerprint_sha256 | ascii_downcase == \"$fp0\"" \
	"expiry.fingerprint_sha256 is the leaf's"
tb_jq "$F | has(\"sip\") | not" "certs --json has no sip key"

pki_sc_check "$P" --json sips:example.test
pki_expect cert_expired 2 "check --json, expired leaf (Nagios CRITICAL)"
tb_jq "$F.error | test(\"depth 0\")" "check: error names depth 0"
tb_jq "$F.chain[0].days_left < 0 and $F.chain[0].not_after < \"$now\"" \
	"check: chain[0] expired, details kept"
tb_jq "$F.verified_chain == []" "check: verified_chain is []"
sleep 0.3
n=$(tb_kamailio_register_count "$TB/kam")
[ "$n" = 0 ] || tb_fail "kamailio saw $n REGISTERs over an expired certificate"
tb_ok "kamailio saw no REGISTER"

# --- 2. s_server, expired intermediate ----------------------------------------
P2=$(tb_free_port)
pki_s_server "$P2" "$PKI/expiredint.chain.pem" "$PKI/expiredint.key" ||
	tb_fail "s_server did not start"
pki_sc_certs "$P2" --json sips:example.test
pki_expect cert_expired 1 "certs --json, expired intermediate"
tb_jq "$F.error | test(\"depth 1\")" "error names depth 1"
tb_jq "$F.chain | length == 2" "chain: leaf + expired intermediate"
tb_jq "$F.chain[0].days_left > 300" "the leaf itself has a year left"
tb_jq "$F.chain[1].days_left < 0 and $F.chain[1].not_after < \"$now\"" \
	"chain[1] (intermediate) expired"
tb_jq "$F.chain[1].is_ca == true" "chain[1].is_ca"
tb_jq "$F.expiry.depth == 1 and $F.expiry.days_left < 0" \
	"expiry points at the intermediate"

tb_pass "expired leaf and expired intermediate -> cert_expired with depth and chain"
