#!/bin/bash
# run_incident_wss.sh — issue 20: the incident reproduction over secure
# WebSocket.  `sipcanary run` with transport = wss (keepalive 1s: the
# flow's keep-alives are RFC 5626 CRLFCRLF inside WebSocket frames, which
# Kamailio answers, as the daemon's log says) against Kamailio's
# websocket module on its TLS port.  Once the flow is registered over WSS and a
# fresh probe is ok, Kamailio's certificate is swapped to an expired one
# (tls.reload: existing connections stay up).  Fresh probes then say
# cert_expired while the WSS flow stays up with the same binding and
# connection, keep-alive pongs keep coming, and
# sipcanary_new_connection_outage is 1.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
export TB_KAM_WSS=1
dm_init leaf_expired
WITHIN=5	# 1.1 intervals + the timeout + 2 s for a loaded machine

dm_start_kam "interval = 2s" "timeout = 1s" "keepalive = 1s" \
	"reconnect_every = 0" "flows = 1" "transport = wss" "ws_path = /ws" \
	'origin = "https://phone.example.test"'
dm_wait_steady
[ "$(dm_kam_count SCWSUP)" -ge 2 ] || tb_fail "Kamailio saw fewer than 2 WebSocket upgrades"
B0=$(dm_flow_binding)
case "$B0" in
*";transport=ws;sc="*) ;;
*) tb_fail "expected one WSS flow binding (;transport=ws) in Kamailio, got: $B0" ;;
esac
tb_ok "the flow is registered over WSS: $B0"
_said() { grep -q '"flow 0 keep-alives: RFC 5626 CRLFCRLF inside WebSocket frames' "$DM_LOG"; }
tb_until 5 _said || tb_fail "the log does not say the flow's keep-alives are CRLF in frames: $(grep -i keep-alive "$DM_LOG")"
tb_ok "keep-alives: $(grep -o 'flow 0 keep-alives: [^"]*' "$DM_LOG" | head -1)"
grep -q '"ws_upgrade"' "$DM_METRICS" 2>/dev/null || dm_scrape
grep -q 'phase="ws_upgrade"' "$DM_METRICS" || tb_fail "no ws_upgrade phase in sipcanary_phase_duration_seconds"
tb_ok "the fresh probes time the ws_upgrade phase"

FLOW_DOWN_SEEN=0
expired_seen() {
	local n v
	dm_scrape || return 1
	v=$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0) || v=missing
	[ "$v" = 1 ] || FLOW_DOWN_SEEN="$FLOW_DOWN_SEEN $v"
	n=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=cert_expired) || return 1
	[ "$n" -gt 0 ] && [ "$(dm_value sipcanary_new_connection_outage target=kam)" = 1 ]
}
# (keep-alive histograms are per target unless metrics_detail = yes)
pongs() { dm_get sipcanary_keepalive_rtt_seconds_count target=kam 2>/dev/null || echo 0; }
k0=$(pongs)
pki_kamailio_swap expired
tb_until "$WITHIN" expired_seen || tb_fail "no cert_expired probe with the outage detector at 1 within ${WITHIN}s"
tb_ok "after tls.reload: fresh probes cert_expired, sipcanary_new_connection_outage 1"
_more_pongs() { [ "$(pongs)" -gt "$((k0 + 1))" ]; }
tb_until 5 _more_pongs || tb_fail "no keep-alive answers counted after the swap (was $k0, now $(pongs))"
[ "$FLOW_DOWN_SEEN" = 0 ] || tb_fail "flow_up was not 1:$FLOW_DOWN_SEEN"
[ "$(dm_series sipcanary_flow_reconnects_total target=kam)" = 0 ] || tb_fail "a flow reconnect was counted"
B1=$(dm_flow_binding)
[ "$B1" = "$B0" ] || tb_fail "the flow's binding changed: before '$B0', now '$B1'"
tb_ok "the WSS flow stayed up: same binding and connection, pongs $k0 -> $(pongs)"
dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
tb_pass "over WSS: new connections fail (cert_expired) while the flow lives, outage 1"
