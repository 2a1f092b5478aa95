#!/bin/bash
# certs_table_names.sh - the certs table names a certificate by its CN,
# wherever the subject puts it: a leaf whose subject is written
# /CN=example.test/O=Example (RFC 2253: O=Example,CN=example.test) shows
# as CN=example.test, not as O=Example, which every leaf of the
# organisation would share.  A subject without a CN shows its first RDN.
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
mkdir -p "$TB/p"
P=$TB/p
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$P/a.key" -out "$P/a.pem" -days 400 \
	-subj "/CN=example.test/O=Example" -addext subjectAltName=URI:sip:example.test 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$P/b.key" -out "$P/b.pem" -days 400 \
	-subj "/O=Example/OU=Voice" -addext subjectAltName=URI:sip:example.test 2>/dev/null

port=$(tb_free_port)
pki_s_server "$port" "$P/a.pem" "$P/a.key" || tb_fail "s_server did not start"
tb_sc certs --ca-file "$P/a.pem" --connect "127.0.0.1:$port" sips:example.test
[ "$TB_RC" = 0 ] || tb_fail "certs: exit $TB_RC: $(cat "$TB_ERR") $(cat "$TB_OUT")"
grep -Eq '^ +0 CN=example\.test ' "$TB_OUT" || tb_fail "the leaf is not named by its CN: $(cat "$TB_OUT")"
tb_ok "subject /CN=example.test/O=Example: the row says CN=example.test"

port=$(tb_free_port)
pki_s_server "$port" "$P/b.pem" "$P/b.key" || tb_fail "s_server did not start"
tb_sc certs --ca-file "$P/b.pem" --connect "127.0.0.1:$port" sips:example.test
grep -Eq '^ +0 OU=Voice ' "$TB_OUT" || tb_fail "no CN: not its first RDN: $(cat "$TB_OUT")"
tb_ok "subject without a CN: the row says its first RDN (OU=Voice)"
tb_pass "certs rows named by CN, else by the most specific RDN"
