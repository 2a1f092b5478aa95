#!/bin/bash
# certs_ocsp.sh — issue 3, OCSP stapling and cert_revoked.  openssl
# s_server -status_file staples a pre-made DER response, made with
# `openssl ocsp -index` from the intermediate's CA database and signed by a
# delegated responder (EKU OCSPSigning, issued by the intermediate):
#   good staple                -> ok; stapled, status good, this_update and
#                                 next_update set, verified true, error null
#   revoked staple             -> cert_revoked (exit 1), status revoked
#   unknown staple             -> status unknown (a staple came)
#   good staple signed by a responder under an unknown root
#                              -> verified false (never cert_revoked)
#   no staple (no -status_file)-> ok; requested true, stapled false, status null
# A staple only comes if the client sent status_request, so the good case
# also proves the request.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make ocsp_setup
# sanity: the responses say what we think, and the good one verifies
openssl ocsp -respin "$PKI/ocspgood.resp" -CAfile "$PKI/ca.pem" -issuer "$PKI/int.pem" \
	-cert "$PKI/ocspgood.pem" -verify_other "$PKI/int.pem" >"$TB/ocspgood.txt" 2>&1 ||
	{ cat "$TB/ocspgood.txt"; tb_fail "openssl cannot verify the good response"; }
if ! grep -q 'Response verify OK' "$TB/ocspgood.txt" || ! grep -q ': good' "$TB/ocspgood.txt"; then
	tb_fail "openssl: good response is not good/verified"
fi
openssl ocsp -respin "$PKI/ocsprevoked.resp" -noverify -issuer "$PKI/int.pem" \
	-cert "$PKI/ocsprevoked.pem" 2>/dev/null | grep -q ': revoked' ||
	tb_fail "openssl: revoked response is not revoked"
tb_ok "openssl agrees: good response verifies, revoked response says revoked"

now=$(pki_now)

pki_serve ocspgood -status_file "$PKI/ocspgood.resp"
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "good staple"
tb_jq "$F.ocsp.requested == true and $F.ocsp.stapled == true" "good: requested and stapled"
tb_jq "$F.ocsp.status == \"good\"" "good: status good"
tb_jq "$F.ocsp.this_update | type == \"string\" and . <= \"$now\"" \
	"good: this_update set, not in the future"
tb_jq "$F.ocsp.next_update | type == \"string\" and . > \"$now\"" \
	"good: next_update set, in the future"
tb_jq "$F.ocsp.verified == true" "good: verified true (right responder)"
tb_jq "$F.ocsp.error == null" "good: no error"

pki_serve ocsprevoked -status_file "$PKI/ocsprevoked.resp"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_revoked 1 "revoked staple"
tb_jq "$F.ocsp.stapled == true and $F.ocsp.status == \"revoked\"" "revoked: status revoked"
tb_jq "$F.ocsp.verified == true" "revoked: the staple verifies"
tb_jq "$F.error | type == \"string\" and test(\"revoked\")" "revoked: error says revoked"
tb_jq "$F.chain | length == 2" "revoked: chain reported"

pki_serve ocspunknown -status_file "$PKI/ocspunknown.resp"
pki_sc_certs "$P" --json sips:example.test
tb_jq "$F.ocsp.stapled == true and $F.ocsp.status == \"unknown\"" "unknown: status unknown"
tb_jq "$F.verdict != \"cert_revoked\"" "unknown: not cert_revoked"

pki_serve ocspgood -status_file "$PKI/ocspwrong.resp"
pki_sc_certs "$P" --json sips:example.test
tb_jq "$F.ocsp.stapled == true" "wrong responder: stapled"
tb_jq "$F.ocsp.verified == false" "wrong responder: verified false"
tb_jq "$F.ocsp.error | type == \"string\" and length > 0" "wrong responder: error says why"
tb_jq "$F.verdict != \"cert_revoked\"" "wrong responder: not cert_revoked"

pki_serve ocspgood
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "no staple"
tb_jq "$F.ocsp.requested == true and $F.ocsp.stapled == false" "no staple: requested, not stapled"
tb_jq "$F.ocsp.status == null and $F.ocsp.verified == null" "no staple: status and verified null"

tb_pass "OCSP staples: good verified, revoked -> cert_revoked, unknown, wrong signer, none"
