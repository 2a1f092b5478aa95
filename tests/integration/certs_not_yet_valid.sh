#!/bin/bash
# certs_not_yet_valid.sh — issue 3, cert_not_yet_valid: a real Kamailio
# serves a leaf valid from now+2d: `certs --json` says cert_not_yet_valid
# (exit 1) naming depth 0, with chain[0].not_before in the future and the
# rest of the chain details, and verified_chain []; `check` exits 2.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/pki.sh"
tb_init
tb_require kamailio kamcmd openssl jq
tb_require_sipcanary

PKI=$TB/pki
{ pki_init "$PKI" && pki_leaf_not_yet_valid "$PKI"; } ||
	tb_fail "could not make certificates"
now=$(pki_now)
nb0=$(pki_not_before "$PKI/notyet.pem")

P=$(tb_free_port)
tb_kamailio_start "$TB/kam" "$P" "$PKI/notyet.chain.pem" "$PKI/notyet.key" ||
	tb_fail "kamailio did not start"

F='.frontends[0]'
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_not_yet_valid 1 "certs --json, leaf valid from +2d"
tb_jq "$F.error | type == \"string\" and test(\"depth 0\")" "error names depth 0"
tb_jq "$F.chain | length == 2" "chain: leaf + intermediate"
tb_jq "$F.chain[0].not_before == \"$nb0\"" "chain[0].not_before = $nb0"
tb_jq "$F.chain[0].not_before > \"$now\"" "chain[0].not_before is in the future"
tb_jq "$F.chain[0].fingerprint_sha256 | ascii_downcase == \"$(pki_fp "$PKI/notyet.pem")\"" \
	"chain[0] is the served leaf"
tb_jq "$F.verified_chain == []" "verified_chain is []"

pki_sc_check "$P" --json sips:example.test
pki_expect cert_not_yet_valid 2 "check --json (Nagios CRITICAL)"
tb_jq "$F.chain[0].not_before > \"$now\"" "check: chain details kept"
sleep 0.3
n=$(tb_kamailio_register_count "$TB/kam")
[ "$n" = 0 ] || tb_fail "kamailio saw $n REGISTERs over a not-yet-valid certificate"
tb_ok "kamailio saw no REGISTER"

tb_pass "not-yet-valid leaf -> cert_not_yet_valid at depth 0, chain kept"
