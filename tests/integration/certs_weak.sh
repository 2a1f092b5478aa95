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
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make leaf_sha1 leaf_md5 leaf_rsa1024 leaf_ec224_int rsa2048_leaf
{
	pki_cert "$PKI" sha1root self type=ca md=sha1 cn="sipcanary SHA-1 root" end=+3650d &&
	pki_cert "$PKI" sha1rootleaf sha1root cn=example.test
} || tb_fail "could not make certificates"

SEC0='DEFAULT:@SECLEVEL=0'

pki_serve sha1 -cipher "$SEC0"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "SHA-1-signed leaf"
tb_jq "$F.chain[0].signature_hash | ascii_downcase | test(\"^sha-?1$\")" \
	"chain[0].signature_hash is SHA1"
tb_jq "$F.chain[0].signature_algorithm | ascii_downcase | test(\"sha1\")" \
	"chain[0].signature_algorithm names SHA-1"
tb_jq "$F.error | type == \"string\" and length > 0" "error says why"
tb_jq "$F.chain | length == 2" "chain reported"

pki_serve md5 -cipher "$SEC0"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "MD5-signed leaf"
tb_jq "$F.chain[0].signature_hash | ascii_downcase | test(\"^md5$\")" \
	"chain[0].signature_hash is MD5"

pki_serve rsa1024 -cipher "$SEC0"
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "RSA-1024 leaf"
tb_jq "$F.chain[0].key_type == \"RSA\" and $F.chain[0].key_bits == 1024" \
	"chain[0] key RSA 1024"

pki_serve ec224int
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_weak 1 "P-224 intermediate"
tb_jq "$F.chain[1].key_type == \"EC\" and $F.chain[1].key_bits == 224" \
	"chain[1] key EC 224"
tb_jq "$F.chain[0].key_type == \"EC\" and $F.chain[0].key_bits == 256" \
	"chain[0] key EC 256"

pki_serve rsa2048
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "control: RSA-2048 leaf"
tb_jq "$F.chain[0].key_type == \"RSA\" and $F.chain[0].key_bits == 2048" \
	"control: chain[0] key RSA 2048"

pki_serve sha1rootleaf
PKI_CA=$PKI/sha1root.pem pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "control: SHA-1 self-signature on the trusted root"
tb_jq "$F.verified_chain | length == 2" "control: verified_chain leaf + SHA-1 root"
tb_jq "$F.verified_chain[1].self_signed == true" "control: the root is self_signed"

tb_pass "SHA-1, MD5, RSA-1024, P-224 -> cert_weak; RSA-2048 and a SHA-1 root ok"
