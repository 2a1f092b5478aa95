#!/bin/bash
# certs_chain_incomplete.sh - cert_chain_incomplete only when an
# intermediate is missing: the leaf is issued by an intermediate it names
# (an Authority Information Access caIssuers URL, as public CAs' leaves
# do) and openssl s_server sends only the leaf; --ca-file has the root.
# Also leaf + root without the intermediate (still incomplete).  A leaf
# that names no such URL is cert_untrusted, naming the issuer that is not
# trusted: so is a leaf issued directly by a private root the client does
# not trust (it was reported as a missing intermediate).  The control:
# leaf + intermediate is ok, verified_chain leaf, intermediate, root.
# Each failure probed twice in one process is the same from the TLS
# context's cache of verifications and reports (issue 16).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make leaf_good leaf_aia
cat "$PKI/aia.pem" "$PKI/root.pem" >"$PKI/aia-plus-root.pem"

PKI_CHAIN=$PKI/aia.pem pki_serve aia
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

PKI_CHAIN=$PKI/aia-plus-root.pem pki_serve aia
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_chain_incomplete 1 "certs --json, leaf + root, no intermediate"
tb_jq "$F.chain | length == 2" "chain: leaf + root as sent"
pki_certs_twice "$P" cert_chain_incomplete "leaf + root"

PKI_CHAIN=$PKI/good.pem pki_serve good
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_untrusted 1 "certs --json, leaf only, no caIssuers URL"
tb_jq "$F.error | test(\"its issuer .*sipcanary test intermediate.* is not trusted\")" \
	"the error names the issuer that is not trusted"
pki_certs_twice "$P" cert_untrusted "leaf only, no caIssuers URL"

pki_unknown_root "$PKI"
pki_cert "$PKI" private unknownroot cn=example.test || tb_fail "private leaf"
PKI_CHAIN=$PKI/private.pem pki_serve private
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_untrusted 1 "a leaf issued directly by an untrusted private root"

pki_serve good
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "control: leaf + intermediate"
tb_jq "$F.chain | length == 2" "control: chain as sent (2)"
tb_jq "$F.verified_chain | length == 3" "control: verified_chain leaf, int, root"
tb_jq "$F.verified_chain[2].self_signed == true and ($F.verified_chain[2].subject | test(\"test root\"))" \
	"control: verified_chain ends at the root"
tb_jq "$F.verified_chain[0].fingerprint_sha256 == $F.chain[0].fingerprint_sha256" \
	"control: verified_chain starts at the leaf"
pki_certs_twice "$P" ok "control"

tb_pass "missing intermediate -> cert_chain_incomplete; untrusted issuer -> cert_untrusted"
