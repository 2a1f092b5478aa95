#!/bin/bash
# certs_weak.sh — issue 3, cert_weak, each an openssl s_server on loopback.
# The server must run at 'DEFAULT:@SECLEVEL=0' for SHA-1, MD5 and RSA-1024:
# at Debian's default level 2 s_server refuses to load them ("ca md too
# weak", "ee key too small").  sipcanary's client runs at the default level:
# OpenSSL completes the handshake but its verification reports error 68
# (CA signature digest algorithm too weak) or 66 (EE key too weak);
# sipcanary must map both to cert_weak (not cert_untrusted).
#   leaf signed ecdsa-with-SHA1                  -> cert_weak, signature_hash SHA1
#   leaf signed md5WithRSAEncryption (RSA int)   -> cert_weak
#   RSA-1024 leaf                                -> cert_weak, key RSA 1024
#   P-256 leaf under a P-224 intermediate        -> cert_weak (OpenSSL accepts
#                                                   P-224 at level 2: this is
#                                                   sipcanary's own check)
# Controls (ok):
#   RSA-2048 leaf                                -> ok, key RSA 2048
#   SHA-1 self-signature on the trusted root     -> ok (a self-signature is
#                                                   not a weakness)
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/pki.sh"
tb_init
tb_require openssl jq
tb_require_sipcanary

PKI=$TB/pki
{
	pki_init "$PKI" && pki_leaf_sha1 "$PKI" && pki_leaf_md5 "$PKI" &&
	pki_leaf_rsa1024 "$PKI" && pki_leaf_ec224_int "$PKI" && pki_rsa2048_leaf "$PKI" &&
	pki_cert "$PKI" sha1root self type=ca md=sha1 cn="sipcanary SHA-1 root" end=+3650d &&
	pki_cert "$PKI" sha1rootleaf sha1root cn=example.test
} || tb_fail "could not make certificates"

F='.frontends[0]'
SEC0='DEFAULT:@SECLEVEL=0'
serve() {
	local n=$1
	shift
	P=$(tb_free_port)
	pki_s_server "$P" "$PKI/$n.chain.pem" "$PKI/$n.key" "$@" ||
		tb_fail "s_server ($n) did not start"
}

serve sha1 -cipher "$SEC0"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "SHA-1-signed leaf"
tb_jq "$F.chain[0].signature_hash | ascii_downcase | test(\"^sha-?1$\")" \
	"chain[0].signature_hash is SHA1"
tb_jq "$F.chain[0].signature_algorithm | ascii_downcase | test(\"sha1\")" \
	"chain[0].signature_algorithm names SHA-1"
tb_jq "$F.error | type == \"string\" and length > 0" "error says why"
tb_jq "$F.chain | length == 2" "chain reported"

serve md5 -cipher "$SEC0"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "MD5-signed leaf"
tb_jq "$F.chain[0].signature_hash | ascii_downcase | test(\"^md5$\")" \
	"chain[0].signature_hash is MD5"

serve rsa1024 -cipher "$SEC0"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "RSA-1024 leaf"
tb_jq "$F.chain[0].key_type == \"RSA\" and $F.chain[0].key_bits == 1024" \
	"chain[0] key RSA 1024"

serve ec224int
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "P-224 intermediate"
tb_jq "$F.chain[1].key_type == \"EC\" and $F.chain[1].key_bits == 224" \
	"chain[1] key EC 224"
tb_jq "$F.chain[0].key_type == \"EC\" and $F.chain[0].key_bits == 256" \
	"chain[0] key EC 256"

serve rsa2048
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "control: RSA-2048 leaf"
tb_jq "$F.chain[0].key_type == \"RSA\" and $F.chain[0].key_bits == 2048" \
	"control: chain[0] key RSA 2048"

serve sha1rootleaf
PKI_CA=$PKI/sha1root.pem pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "control: SHA-1 self-signature on the trusted root"
tb_jq "$F.verified_chain | length == 2" "control: verified_chain leaf + SHA-1 root"
tb_jq "$F.verified_chain[1].self_signed == true" "control: the root is self_signed"

tb_pass "SHA-1, MD5, RSA-1024, P-224 -> cert_weak; RSA-2048 and a SHA-1 root ok"
