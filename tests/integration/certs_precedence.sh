#!/bin/bash
# certs_precedence.sh — issue 3, one verdict per frontend when several
# problems meet (precedence: handshake failure > chain verification
# (expired, not yet valid, untrusted, incomplete, revoked, weak) > name
# mismatch > own weak checks > OCSP-staple revoked > expiring).  Each an
# openssl s_server on loopback:
#   expired leaf for other.test             -> cert_expired
#   leaf + unknown root, for other.test     -> cert_untrusted
#   SHA-1 leaf (OpenSSL: md too weak) for other.test
#                                           -> cert_weak
#   leaf for other.test under a P-224 int   -> cert_name_mismatch
#   leaf under a P-224 int, revoked staple  -> cert_weak
#   leaf expiring in 20 days, revoked staple-> cert_revoked
#   leaf expiring in 20 days for other.test -> cert_name_mismatch
# (handshake failure before all: see certs_output.sh)
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make unknown_root
O='san=URI:sip:other.test,DNS:other.test'
{
	pki_cert "$PKI" expother int cn=other.test "$O" start=-30d end=-2d &&
	pki_cert "$PKI" unkother unknownroot cn=other.test "$O" &&
	cat "$PKI/unkother.pem" "$PKI/unknownroot.pem" >"$PKI/unkother.chain.pem" &&
	pki_cert "$PKI" sha1other int cn=other.test "$O" md=sha1 &&
	pki_cert "$PKI" int224 root type=ca key=ec224 cn="sipcanary P-224 int" end=+1825d &&
	pki_cert "$PKI" weakother int224 cn=other.test "$O" &&
	pki_cert "$PKI" weakrevoked int224 cn=example.test &&
	pki_revoke "$PKI" weakrevoked &&
	pki_ocsp_response "$PKI" weakrevoked int224 "$PKI/weakrevoked.resp" 7 int224 &&
	pki_ocsp_responder "$PKI" ocsp int &&
	pki_leaf_days "$PKI" d20revoked 20 &&
	pki_revoke "$PKI" d20revoked &&
	pki_ocsp_response "$PKI" d20revoked ocsp "$PKI/d20revoked.resp" 7 int &&
	pki_cert "$PKI" d20other int cn=other.test "$O" end=+20d
} || tb_fail "could not make certificates"

# case NAME CODE WHAT [s_server args] — serve NAME, probe example.test
case_() {
	local n=$1 code=$2 what=$3
	shift 3
	pki_serve "$n" "$@"
	pki_sc_certs "$P" --json sips:example.test
	pki_expect "$code" 1 "$what"
	tb_jq "$F.chain | length >= 1" "$what: chain reported"
	tb_stop "$PKI_SERVER_PID"
}

case_ expother cert_expired "expired + name mismatch"
case_ unkother cert_untrusted "untrusted + name mismatch"
case_ sha1other cert_weak "SHA-1 (chain verification) + name mismatch" \
	-cipher 'DEFAULT:@SECLEVEL=0'
case_ weakother cert_name_mismatch "name mismatch + P-224 intermediate"
case_ weakrevoked cert_weak "P-224 intermediate + revoked staple" \
	-status_file "$PKI/weakrevoked.resp"
tb_jq "$F.ocsp.status == \"revoked\"" "P-224 + revoked: the staple is still reported revoked"
case_ d20revoked cert_revoked "revoked staple + expiring in 20 days" \
	-status_file "$PKI/d20revoked.resp"
case_ d20other cert_name_mismatch "name mismatch + expiring in 20 days"

tb_pass "one verdict per frontend, by precedence"
