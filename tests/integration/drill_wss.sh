#!/bin/bash
# drill_wss.sh — issue 20: a 200-client reconnect storm over secure
# WebSocket (--transport wss) against Kamailio's websocket module: every
# client upgrades, registers, holds with keep-alives, has its connection
# reset, reconnects (upgrading again), registers and unregisters.  The
# report counts exactly (200 ok at every step, 4-5 keep-alives answered
# per client, every one an RFC 5626 CRLFCRLF inside a frame, which
# Kamailio answers); Kamailio confirms 400 upgrades and bindings with
# ;transport=ws.  Against a server that does not answer CRLF inside a
# frame (fxws.pl), keep-alives fall back to WebSocket pings.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
export TB_KAM_WSS=1
drill_init

N=200
cp "$TB_TOP/scenarios/reconnect-storm.scn" "$TB/reconnect-storm.scn"
TB_CMD_TIMEOUT=60
drill reconnect-storm --clients $N --transport wss --ws-path /ws
STORM=$TB_WALL
tb_log "WSS storm of $N clients: ${STORM}s"
n=$(kam_count 'BUG:|exited by a signal')
[ "$n" = 0 ] || tb_fail "Kamailio itself broke during the storm ($n BUG/crash lines)"
tb_expect_rc 0 "reconnect-storm over WSS with $N clients"
grep -q "PASSED: $N clients ok, 0 failed" "$TB_ERR" ||
	tb_fail "no 'PASSED: $N clients ok' line: $(tail -n 3 "$TB_ERR")"
drill_jq "all(.steps[]; .attempts == $N and .ok == $N and .verdicts == {\"ok\": $N})" \
	"every step: $N attempts, verdicts {\"ok\": $N}"
drill_jq ".reconnect.count == $N" "reconnect.count == $N"
drill_jq ".keepalive.count >= $((4 * N)) and .keepalive.count <= $((5 * N))" \
	"keep-alives answered during the hold: 4 or 5 per client"
drill_jq '.keepalive.kinds == {"ws_crlf": .keepalive.count}' \
	"every keep-alive was a CRLFCRLF inside a frame, answered by Kamailio"
up=$(kam_count SCWSUP)
[ "$up" = $((2 * N)) ] || tb_fail "Kamailio saw $up WebSocket upgrades, expected $((2 * N))"
tb_ok "Kamailio: $up WebSocket upgrades (connect + reconnect)"
[ "$(kam_count 'SCSAVED')" -ge $((3 * N)) ] || tb_fail "Kamailio saved fewer than $((3 * N)) REGISTERs"

# A server that does not answer a CRLFCRLF inside a frame (the fault
# server fxws.pl, which answers pings): the first keep-alive finds that
# out, and the flow keeps to WebSocket pings.
FX=$(tb_free_port)
tb_spawn fxws perl "$TB_TOP/tests/faults/fxws.pl" "$FX" \
	"$TB/pki/example.test.fullchain.pem" "$TB/pki/example.test.key" ok
tb_wait_port "$FX" 10 "$TB_LAST_PID"
drill_scn pings <<-'EOF'
	description = "keep-alives against a server without CRLF over WebSocket"
	clients = 1
	step connect   { within = 5s }
	step register  { expect = 200  within = 5s }
	step keepalive { for = 500ms  every = 100ms }
	EOF
DR_CONNECT=127.0.0.1:$FX drill pings --transport wss
tb_expect_rc 0 "keep-alives against fxws.pl"
drill_jq '.keepalive.count >= 4 and .keepalive.kinds == {"ws_ping": .keepalive.count}' \
	"every keep-alive answered was a WebSocket ping"
crlf=$(grep -c '^CRLF keep-alive in a frame' "$TB/fxws.log" || true)
pings=$(grep -c '^ping from the client' "$TB/fxws.log" || true)
[ "$crlf" = 1 ] && [ "$pings" -ge 4 ] ||
	tb_fail "fxws.pl saw $crlf CRLF frames and $pings pings, expected 1 (the probe) and 4 or more"
tb_ok "no CRLF answer: 1 CRLF frame (with the first ping), $pings WebSocket pings in all"
tb_pass "$N clients over WSS: storm, reconnect, CRLF keep-alives in frames (pings where unanswered), every step ok (${STORM}s)"
