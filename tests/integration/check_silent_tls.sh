#!/bin/bash
# check_silent_tls.sh — issue 2: a TLS server that completes the
# handshake and then never answers → sip_timeout within --timeout 2
# (the whole command ends in under 4 s), exit 2.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require openssl jq
tb_require_sipcanary

tb_pki "$TB/pki" || tb_fail "could not make certificates"
P=$(tb_free_port)
tb_tls_silent_start "$P" "$TB/pki/example.test.pem" "$TB/pki/example.test.key" ||
	tb_fail "silent TLS server did not start"
tb_password_file "$TB/pw" secret

tb_sc check --connect "127.0.0.1:$P" --ca-file "$TB/pki/ca.pem" \
	--user alice --password-file "$TB/pw" --timeout 2 --json sips:example.test
tb_expect_rc 2 "--json"
tb_expect_verdict sip_timeout
awk -v w="$TB_WALL" 'BEGIN{exit !(w < 4)}' ||
	tb_fail "--timeout 2 but the command took ${TB_WALL}s"
awk -v w="$TB_WALL" 'BEGIN{exit !(w >= 1.5)}' ||
	tb_fail "--timeout 2 but the command gave up after ${TB_WALL}s"
tb_ok "finished in ${TB_WALL}s"
tb_jq '.frontends[0].timings.tls_handshake_seconds | type == "number" and . > 0' \
	"the handshake completed and was timed"
tb_jq '.frontends[0].tls.version | type == "string" and length > 0' "tls.version"

tb_pass "silent TLS server -> sip_timeout in ${TB_WALL}s, exit 2"
