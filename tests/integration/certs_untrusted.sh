#!/bin/bash
# certs_untrusted.sh — issue 3, cert_untrusted:
#  1. a real Kamailio sends leaf + its self-signed root, which is not in
#     --ca-file: cert_untrusted (exit 1), both certificates reported, the
#     root flagged self_signed and is_ca, verified_chain [];
#  2. openssl s_server sends a self-signed leaf: cert_untrusted, chain[0]
#     self_signed;
#  3. control: the same Kamailio with --ca-file = that unknown root: ok.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init kamailio kamcmd
pki_make leaf_unknown_root leaf_self_signed

pki_kamailio unknown
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_untrusted 1 "certs --json, leaf + unknown root"
tb_jq "$F.error | type == \"string\" and length > 0" "error says why"
tb_jq "$F.chain | length == 2" "chain: leaf + unknown root"
tb_jq "$F.chain[1].subject | test(\"unknown root\")" "chain[1] is the unknown root"
tb_jq "$F.chain[1].self_signed == true and $F.chain[1].is_ca == true" \
	"chain[1] self_signed and is_ca"
tb_jq "$F.chain[0].self_signed == false" "chain[0] not self-signed"
tb_jq "$F.verified_chain == []" "verified_chain is []"

pki_sc_check "$P" --json sips:example.test
pki_expect cert_untrusted 2 "check --json (Nagios CRITICAL)"
pki_expect_no_register "an untrusted chain"

PKI_CA=$PKI/unknownroot.pem pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "control: --ca-file is the unknown root"
tb_jq "$F.verified_chain | length == 2" "control: verified_chain leaf..root"

pki_serve selfsigned
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_untrusted 1 "certs --json, self-signed leaf"
tb_jq "$F.chain | length == 1" "chain: the one self-signed leaf"
tb_jq "$F.chain[0].self_signed == true and $F.chain[0].is_ca == false" \
	"chain[0] self_signed, not a CA"
tb_jq "$F.verified_chain == []" "verified_chain is []"

tb_pass "unknown root and self-signed leaf -> cert_untrusted"
