#!/bin/bash
# certs_identity.sh — issue 3, RFC 5922 §7 identity and cert_name_mismatch,
# each case an openssl s_server on loopback with a certificate from the
# test CA (so the chain always verifies):
#   good (URI:sip:example.test + DNS) probed as sips:other.test -> mismatch
#   URI SAN only                                  -> ok, source uri_san
#   DNS:*.example.test only, probed sips:sip.example.test
#                                                 -> mismatch (no wildcards)
#   CN=example.test, no SAN at all                -> ok, source cn
#   URI:sip:example.test + DNS:other.test         -> ok, the URI wins
#   URI:sip:other.test + DNS:example.test         -> mismatch (the dNSName
#                                                    is not considered)
#   URI:sip:EXAMPLE.Test only                     -> ok (case-insensitive)
#   SNI: the server answers SNI "example.test" with the right certificate
#   and anything else with an other.test one      -> ok (SNI = the domain)
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make leaf_good leaf_uri_only leaf_wildcard leaf_cn_only leaf_uri_wins \
	leaf_uri_loses leaf_uri_case
{
	pki_cert "$PKI" other int cn=other.test san=URI:sip:other.test,DNS:other.test &&
	pki_cert "$PKI" sni root cn=example.test
} || tb_fail "could not make certificates"

# 1. the good certificate, probed for another domain
pki_serve good
pki_sc_certs "$P" --json sips:other.test
pki_expect cert_name_mismatch 1 "good cert probed as sips:other.test"
tb_jq "$F.identity.matched == null and $F.identity.source == null" \
	"mismatch: identity.matched and source are null"
tb_jq "[$F.identity.checked[] | select(.name == \"sip:example.test\" and .source == \"uri_san\")] | length == 1" \
	"mismatch: checked lists sip:example.test (uri_san)"
tb_jq "$F.error | type == \"string\" and test(\"other\\\\.test\")" \
	"mismatch: the error names the domain"
tb_jq "$F.chain | length == 2" "mismatch: chain reported"
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "good cert probed as sips:example.test"
tb_jq "$F.identity.matched == \"sip:example.test\" and $F.identity.source == \"uri_san\"" \
	"identity sip:example.test from uri_san"

# 2. URI SAN only
pki_serve urionly
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "URI SAN only"
tb_jq "$F.identity.matched == \"sip:example.test\" and $F.identity.source == \"uri_san\"" \
	"URI-only: matched sip:example.test (uri_san)"
tb_jq "$F.chain[0].san.uri == [\"sip:example.test\"] and $F.chain[0].san.dns == []" \
	"URI-only: san.uri and empty san.dns"

# 3. wildcard dNSName must not match
pki_serve wildcard
pki_sc_certs "$P" --json sips:sip.example.test
pki_expect cert_name_mismatch 1 "DNS:*.example.test probed as sips:sip.example.test"
tb_jq "$F.identity.matched == null" "wildcard: nothing matched"
tb_jq "[$F.identity.checked[] | select(.name == \"*.example.test\" and .source == \"dns_san\")] | length == 1" \
	"wildcard: checked lists *.example.test (dns_san)"
tb_jq "$F.chain[0].san.dns == [\"*.example.test\"]" "wildcard: san.dns reported"

# 4. CN only, no SAN extension
pki_serve cnonly
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "CN only"
tb_jq "$F.identity.matched == \"example.test\" and $F.identity.source == \"cn\"" \
	"CN-only: matched example.test (cn)"
tb_jq "$F.chain[0].san.dns == [] and $F.chain[0].san.uri == []" "CN-only: no SANs reported"

# 5. URI SAN example.test + dNSName other.test: the URI wins
pki_serve uriwins
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "URI:sip:example.test + DNS:other.test"
tb_jq "$F.identity.matched == \"sip:example.test\" and $F.identity.source == \"uri_san\"" \
	"URI wins: matched sip:example.test (uri_san)"
pki_sc_certs "$P" --json sips:other.test
pki_expect cert_name_mismatch 1 "same cert probed as sips:other.test (dNSName ignored)"

# 6. the converse: URI SAN other.test + dNSName example.test -> mismatch
pki_serve uriloses
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_name_mismatch 1 "URI:sip:other.test + DNS:example.test"
tb_jq "[$F.identity.checked[] | select(.source == \"uri_san\" and .name == \"sip:other.test\")] | length == 1" \
	"URI loses: checked lists sip:other.test (uri_san)"
tb_jq "[$F.identity.checked[] | select(.source != \"uri_san\")] | length == 0" \
	"URI loses: neither the dNSName nor the CN was considered"
tb_jq "$F.chain[0].san.dns == [\"example.test\"]" "URI loses: san.dns still reported"

# 7. case-insensitive
pki_serve uricase
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "URI:sip:EXAMPLE.Test probed as sips:example.test"
tb_jq "$F.identity.source == \"uri_san\" and ($F.identity.matched | ascii_downcase) == \"sip:example.test\"" \
	"case: matched (uri_san)"

# 8. SNI is the domain: default cert other.test, SNI example.test -> sni cert
pki_serve other -cert2 "$PKI/sni.pem" -key2 "$PKI/sni.key" -servername example.test
timeout 10 openssl s_client -connect "127.0.0.1:$P" -noservername </dev/null 2>/dev/null |
	grep -q 'CN *= *other.test' || tb_fail "SNI control: without SNI the server should send other.test"
tb_ok "SNI control: without SNI the server sends other.test"
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "SNI example.test selects the example.test certificate"
tb_jq "$F.chain[0].fingerprint_sha256 | ascii_downcase == \"$(pki_fp "$PKI/sni.pem")\"" \
	"SNI: the served leaf is the one for SNI example.test"

tb_pass "RFC 5922 identity: URI first, then dNSName, then CN; no wildcards; SNI"
