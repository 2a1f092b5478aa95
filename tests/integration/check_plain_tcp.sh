#!/bin/bash
# check_plain_tcp.sh — issue 2: a plain-TCP server (answers SIP text, no
# TLS) on the TLS port → tls_handshake_failed, exit 2, without waiting
# for the timeout.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require jq perl
tb_require_sipcanary

P=$(tb_free_port)
tb_plain_tcp_start "$P" || tb_fail "plain TCP server did not start"
tb_password_file "$TB/pw" secret
tb_sc check --connect "127.0.0.1:$P" \
	--user alice --password-file "$TB/pw" --timeout 5 --json sips:example.test
tb_expect_rc 2 "--json"
tb_expect_verdict tls_handshake_failed
awk -v w="$TB_WALL" 'BEGIN{exit !(w < 4)}' ||
	tb_fail "took ${TB_WALL}s: the failure should be immediate, not a timeout"
tb_ok "finished in ${TB_WALL}s"
# the server really got a TLS ClientHello (record type 0x16, version 0x03..)
grep -q 'first 1603' "$TB/plain-$P.log" ||
	tb_fail "the plain server never saw a TLS ClientHello"
tb_ok "the plain server saw a ClientHello and answered SIP text"

tb_pass "plain TCP server -> tls_handshake_failed, exit 2"
