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
#     expired yesterday: cert_expired, the error names depth 1; probed
#     twice in one process, the second verdict (from the TLS context's
#     cache of verifications, issue 16) is the first's.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init kamailio kamcmd
pki_make leaf_expired leaf_expired_int
now=$(pki_now)
fp0=$(pki_fp "$PKI/expired.pem")
na0=$(pki_not_after "$PKI/expired.pem")

# --- 1. Kamailio, expired leaf ------------------------------------------------
pki_kamailio expired

pki_sc_certs "$P" --json sips:example.test
pki_expect cert_expired 1 "certs --json, expired leaf"
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
pki_expect_no_register "an expired certificate"

# --- 2. s_server, expired intermediate ----------------------------------------
pki_serve expiredint
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_expired 1 "certs --json, expired intermediate"
tb_jq "$F.error | test(\"depth 1\")" "error names depth 1"
tb_jq "$F.chain | length == 2" "chain: leaf + expired intermediate"
tb_jq "$F.chain[0].days_left > 300" "the leaf itself has a year left"
tb_jq "$F.chain[1].days_left < 0 and $F.chain[1].not_after < \"$now\"" \
	"chain[1] (intermediate) expired"
tb_jq "$F.chain[1].is_ca == true" "chain[1].is_ca"
tb_jq "$F.expiry.depth == 1 and $F.expiry.days_left < 0" \
	"expiry points at the intermediate"
pki_certs_twice "$P" cert_expired "expired intermediate"

tb_pass "expired leaf and expired intermediate -> cert_expired with depth and chain"
