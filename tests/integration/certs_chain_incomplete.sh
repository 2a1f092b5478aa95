#!/bin/bash
# certs_chain_incomplete.sh — issue 3, cert_chain_incomplete: the leaf is
# issued by an intermediate and openssl s_server sends only the leaf;
# --ca-file has the root.  Also: leaf + root without the intermediate
# (still incomplete), and the control with leaf + intermediate (ok, and
# verified_chain is leaf, intermediate, root).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make leaf_good
cat "$PKI/good.pem" "$PKI/root.pem" >"$PKI/good-plus-root.pem"

PKI_CHAIN=$PKI/good.pem pki_serve good
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_chain_incomplete 1 "certs --json, leaf only"
tb_jq "$F.error | type == \"string\" and length > 0" "error says why"
tb_jq "$F.chain | length == 1" "chain: just the leaf"
tb_jq "$F.chain[0].issuer | test(\"test intermediate\")" \
	"chain[0].issuer names the missing intermediate"
tb_jq "$F.chain[0].is_ca == false" "chain[0] is not a CA"
tb_jq "$F.verified_chain == []" "verified_chain is []"
tb_jq "$F.identity.matched == \"sip:example.test\"" \
	"identity is still reported (sip:example.test)"

PKI_CHAIN=$PKI/good-plus-root.pem pki_serve good
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_chain_incomplete 1 "certs --json, leaf + root, no intermediate"
tb_jq "$F.chain | length == 2" "chain: leaf + root as sent"

pki_serve good
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "control: leaf + intermediate"
tb_jq "$F.chain | length == 2" "control: chain as sent (2)"
tb_jq "$F.verified_chain | length == 3" "control: verified_chain leaf, int, root"
tb_jq "$F.verified_chain[2].self_signed == true and ($F.verified_chain[2].subject | test(\"test root\"))" \
	"control: verified_chain ends at the root"
tb_jq "$F.verified_chain[0].fingerprint_sha256 == $F.chain[0].fingerprint_sha256" \
	"control: verified_chain starts at the leaf"

tb_pass "missing intermediate -> cert_chain_incomplete"
