#!/bin/bash
# drill_wss.sh — issue 20: a 200-client reconnect storm over secure
# WebSocket (--transport wss) against Kamailio's websocket module: every
# client upgrades, registers, holds with WebSocket ping/pong keep-alives,
# has its connection reset, reconnects (upgrading again), registers and
# unregisters.  The report counts exactly (200 ok at every step, 4-5
# pongs per client); Kamailio confirms 400 upgrades and bindings with
# ;transport=ws.
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
tb_log "WSS storm of $N clients: ${TB_WALL}s"
n=$(kam_count 'BUG:|exited by a signal')
[ "$n" = 0 ] || tb_fail "Kamailio itself broke during the storm ($n BUG/crash lines)"
tb_expect_rc 0 "reconnect-storm over WSS with $N clients"
grep -q "PASSED: $N clients ok, 0 failed" "$TB_ERR" ||
	tb_fail "no 'PASSED: $N clients ok' line: $(tail -n 3 "$TB_ERR")"
drill_jq "all(.steps[]; .attempts == $N and .ok == $N and .verdicts == {\"ok\": $N})" \
	"every step: $N attempts, verdicts {\"ok\": $N}"
drill_jq ".reconnect.count == $N" "reconnect.count == $N"
drill_jq ".keepalive.count >= $((4 * N)) and .keepalive.count <= $((5 * N))" \
	"WebSocket ping/pong keep-alives during the hold: 4 or 5 per client"
up=$(kam_count SCWSUP)
[ "$up" = $((2 * N)) ] || tb_fail "Kamailio saw $up WebSocket upgrades, expected $((2 * N))"
tb_ok "Kamailio: $up WebSocket upgrades (connect + reconnect)"
[ "$(kam_count 'SCSAVED')" -ge $((3 * N)) ] || tb_fail "Kamailio saved fewer than $((3 * N)) REGISTERs"
tb_pass "$N clients over WSS: storm, reconnect, ping/pong, every step ok (${TB_WALL}s)"
