#!/bin/bash
# certs_not_yet_valid.sh — issue 3, cert_not_yet_valid: a real Kamailio
# serves a leaf valid from now+2d: `certs --json` says cert_not_yet_valid
# (exit 1) naming depth 0, with chain[0].not_before in the future and the
# rest of the chain details, and verified_chain []; `check` exits 2.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init kamailio kamcmd
pki_make leaf_not_yet_valid
now=$(pki_now)
nb0=$(pki_not_before "$PKI/notyet.pem")

pki_kamailio notyet

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
pki_expect_no_register "a not-yet-valid certificate"

tb_pass "not-yet-valid leaf -> cert_not_yet_valid at depth 0, chain kept"
