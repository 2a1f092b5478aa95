#!/bin/bash
# wss_register.sh — issue 20: SIP over secure WebSocket (RFC 7118)
# against Kamailio's websocket + xhttp modules on its TLS port.
# `check --transport wss --origin O` registers: verdict ok, every phase
# timed (tcp, tls, ws_upgrade, first response, register), the REGISTER
# sent with Via SIP/2.0/WSS and Contact ;transport=ws, the upgrade seen
# by Kamailio.  sips:DOMAIN;transport=ws does the same.  An Origin the
# server refuses gives ws_upgrade_failed with HTTP status 403; Kamailio
# closing the WebSocket (ws_close 1008) gives ws_closed 1008.  certs
# over WSS checks the certificate only (no upgrade).  --hep over WSS
# copies the SIP inside the frames (Via WSS), not the frames: tshark
# reads them in a capture of the collector (tests/lib/hep.sh).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/hep.sh
. "$(dirname "$0")/../lib/hep.sh"
ORIGIN=https://phone.example.test
export TB_KAM_WSS=1 TB_KAM_WS_ORIGIN=$ORIGIN
tb_check_init example.test

tb_sc "${TB_CHECK[@]}" --transport wss --origin "$ORIGIN" --ws-path /sip --json -v \
	sips:example.test
tb_expect_rc 0 "check --transport wss"
tb_expect_verdict ok
tb_jq '.frontends[0].transport == "wss"' "transport wss"
tb_jq '.frontends[0].timings
	| [.tcp_connect_seconds, .tls_handshake_seconds, .ws_upgrade_seconds,
	   .first_response_seconds, .register_seconds]
	| all(type == "number" and . > 0 and . < 10)' "five phases timed, ws_upgrade among them"
tb_jq '.frontends[0].ws.http_status == 101' "ws.http_status 101"
tb_jq '.frontends[0].sip.final_status == 200' "registered: 200"
grep -q 'SCWSUP' "$TB/kam/kamailio.log" || tb_fail "kamailio logged no WebSocket upgrade"
grep -q '^Via: SIP/2.0/WSS ' "$TB_ERR" || tb_fail "the REGISTER's Via is not WSS"
grep -q '^Contact: <sip:alice@[0-9.:]*;transport=ws>' "$TB_ERR" || tb_fail "the Contact is not ;transport=ws"
grep -q 'SIP/2.0 200 OK' "$TB_ERR" || tb_fail "no 200 in the trace"
tb_ok "WSS register: $(jq -c '.frontends[0].timings' "$TB_OUT")"

hep_start
tb_sc "${TB_CHECK[@]}" --origin "$ORIGIN" --json --hep "udp://127.0.0.1:$HEP_PORT" \
	'sips:example.test;transport=ws'
tb_expect_rc 0 "sips:example.test;transport=ws"
hep_wait 6
hep_fields "$TB/hep.txt" sip.Method sip.Status-Code sip.Via
[ "$(grep -c '^REGISTER||' "$TB/hep.txt")" = 3 ] &&
	[ "$(grep -c '|SIP/2.0/WSS ' "$TB/hep.txt")" = 6 ] ||
	tb_fail "tshark's reading of the HEP copies over WSS is not the SIP messages: $(cat "$TB/hep.txt")"
tb_ok "HEP over WSS: tshark reads the 6 SIP messages inside the frames in the copies (3 REGISTERs, Via WSS)"
tb_jq '.frontends[0].transport == "wss" and .frontends[0].verdict == "ok"' \
	";transport=ws on the URI means WSS"

# An Origin the server refuses
tb_sc "${TB_CHECK[@]}" --transport wss --origin https://evil.example --json sips:example.test
tb_expect_rc 2 "refused Origin"
tb_expect_verdict ws_upgrade_failed
tb_jq '.frontends[0].ws.http_status == 403' "ws.http_status 403"
tb_jq '.frontends[0].error | test("HTTP 403 Forbidden")' "the error names HTTP 403"
tb_jq '.frontends[0].timings.tls_handshake_seconds > 0' "TLS was timed before the upgrade failed"
tb_ok "refused Origin: $(jq -r '.frontends[0].error' "$TB_OUT")"

# A server that closes the WebSocket by policy: Kamailio's ws_close(1008)
# for user "policy" (tests/lib/kamailio.sh)
tb_sc "${TB_CHECK[@]}" --user policy --transport wss --origin "$ORIGIN" --json \
	sips:example.test
tb_expect_rc 2 "ws_close(1008)"
tb_expect_verdict ws_closed
tb_jq '.frontends[0].ws.close_code == 1008' "ws.close_code 1008"
tb_jq '.frontends[0].error | test("code 1008")' "the error names code 1008"
[ "$(tb_kam_count "$TB/kam" SCWSCLOSE)" = 1 ] || tb_fail "Kamailio did not close by policy once"
tb_ok "closed by Kamailio: $(jq -r '.frontends[0].error' "$TB_OUT")"

# certs over WSS: the certificate, no upgrade
n0=$(tb_kam_count "$TB/kam" SCWSUP)
tb_sc certs --connect "127.0.0.1:$P" --ca-file "$TB/pki/ca.pem" --transport wss --json sips:example.test
tb_expect_rc 0 "certs --transport wss"
tb_jq '.frontends[0].verdict == "ok"' "certs over WSS ok"
[ "$(tb_kam_count "$TB/kam" SCWSUP)" = "$n0" ] || tb_fail "certs upgraded to WebSocket"
tb_pass "WSS: register with five timed phases; Origin refused -> ws_upgrade_failed 403; ws_close -> ws_closed 1008"
