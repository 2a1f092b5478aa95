#!/bin/bash
# run_options.sh — issue 19, targets without an account in the daemon:
# `sipcanary run` (interval 2s, timeout 1s, keepalive 1s, reconnect_every
# 0, one flow) against a real Kamailio with two targets that have no
# user: "kam" (default alive_statuses) and "strict" (alive_statuses =
# "2xx").
#   - both are probed with OPTIONS over fresh connections and their flows
#     come up on an answered OPTIONS: probe_success 1, flow_up 1; Kamailio
#     sees OPTIONS (the flows' pings too) and never a REGISTER;
#   - Kamailio answers OPTIONS with 404 (pv.shvSet, no restart): kam stays
#     alive (probe_success 1, its flow up); strict goes down (sip_4xx,
#     probe_success 0, its flow down); back to 200, strict is up again;
#   - a third target, "nocrlf", on a second Kamailio that answers no
#     RFC 5626 CRLF ping (tcp_crlf_ping=no): its OPTIONS flow stays up on
#     OPTIONS alone, with no reconnect, over 4 keep-alive periods;
#   - the incident: an expired certificate swapped in with tls.reload
#     while kam's OPTIONS flow lives: kam's fresh probes say cert_expired,
#     its flow stays up with no reconnect, and
#     sipcanary_new_connection_outage{target="kam"} is 1.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init leaf_expired
P2=$(tb_free_port "$DM_KAM_PORT" "$DM_HTTP")
TB_KAM_EXTRA="tcp_crlf_ping=no" tb_kamailio_start "$TB/kam2" "$P2" \
	"$TB/served/cert.pem" "$TB/served/key.pem" || tb_fail "the second kamailio did not start"

trunk() {	# trunk NAME PORT [LINES...]: a target without user
	local l
	printf 'target "%s" {\n\turi = "sips:example.test"\n' "$1"
	printf '\tconnect = "127.0.0.1:%s"\n\towner = "voice-sre"\n' "$2"
	shift 2
	for l in "$@"; do printf '\t%s\n' "$l"; done
	printf '}\n'
}
{
	dm_config_head "interval = 2s" "timeout = 1s" "keepalive = 1s" \
		"reconnect_every = 0" "flows = 1"
	trunk kam "$DM_KAM_PORT"
	trunk strict "$DM_KAM_PORT" 'alive_statuses = "2xx"'
	trunk nocrlf "$P2"
} >"$TB/sc.conf"
tb_sc run -n -c "$TB/sc.conf"
tb_expect_rc 0 "run -n: targets without user, alive_statuses"
dm_start "$TB/sc.conf"
S=(target=strict frontend="$DM_FE")

both_up() {
	dm_scrape &&
		[ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] &&
		[ "$(dm_value sipcanary_flow_up "${S[@]}" flow=0)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success "${S[@]}")" = 1 ]
}
tb_until 15 both_up || { tail -n 20 "$DM_LOG"; tb_fail "the OPTIONS targets are not up within 15 s"; }
tb_ok "both targets: probe_success 1 and flow_up 1 without an account"
# The built-in probes' steps are in the phase families, not by label.
[ "$(dm_series sipcanary_steps_total)" = 0 ] ||
	tb_fail "built-in probes' steps on /metrics: $(grep -m2 '^sipcanary_steps_total' "$DM_METRICS")"
tb_ok "no step series for the built-in probes (metrics_detail off)"
[ "$(dm_kam_count 'SCREG ')" = 0 ] || tb_fail "Kamailio saw a REGISTER"
o0=$(dm_kam_count 'SCOPTIONS ')
options_grow() { [ "$(dm_kam_count 'SCOPTIONS ')" -ge $((o0 + 4)) ]; }
tb_until 5 options_grow || tb_fail "the flows' OPTIONS pings do not reach Kamailio"
tb_ok "Kamailio sees OPTIONS ($(dm_kam_count 'SCOPTIONS ') so far) and no REGISTER"

# --- a peer that answers no CRLF ping: OPTIONS alone keep the flow ---------
N=(target=nocrlf frontend="127.0.0.1:$P2")
nocrlf_up() { dm_scrape && [ "$(dm_value sipcanary_flow_up "${N[@]}" flow=0)" = 1 ]; }
tb_until 10 nocrlf_up || tb_fail "nocrlf's flow is not up within 10 s"
t_up=$(date +%s.%N)
NOCRLF_DOWN=0
nocrlf_4s() {
	dm_scrape || return 1
	[ "$(dm_value sipcanary_flow_up "${N[@]}" flow=0)" = 1 ] || NOCRLF_DOWN=1
	awk -v a="$t_up" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a >= 4) }'
}
tb_until 8 nocrlf_4s || tb_fail "no scrape for 4 s"
[ "$NOCRLF_DOWN" = 0 ] || tb_fail "nocrlf's flow went down (CRLF pings unanswered)"
[ "$(dm_series sipcanary_flow_reconnects_total target=nocrlf)" = 0 ] ||
	tb_fail "nocrlf's flow reconnected: $(grep 'reconnects_total.*nocrlf' "$DM_METRICS")"
o2=$(tb_kam_count "$TB/kam2" 'SCOPTIONS ')
[ "$o2" -ge 4 ] || tb_fail "the second Kamailio saw $o2 OPTIONS"
tb_ok "a peer without CRLF pongs: the flow stayed up 4 s on OPTIONS alone ($o2 OPTIONS), no reconnect"

# --- 404 to OPTIONS -----------------------------------------------------------
tb_kam_options_reply "$DM_KAM" 404
strict_down() {
	dm_scrape &&
		[ "$(dm_value sipcanary_probe_success "${S[@]}")" = 0 ] &&
		[ "$(dm_value sipcanary_probes_total "${S[@]}" verdict=sip_4xx)" -gt 0 ] &&
		[ "$(dm_value sipcanary_flow_up "${S[@]}" flow=0)" = 0 ]
}
tb_until 8 strict_down || { tail -n 20 "$DM_LOG"; tb_fail "strict (alive_statuses 2xx) is not down on 404 within 8 s"; }
tb_ok "404: strict is down (sip_4xx, probe_success 0, flow_up 0)"
n404=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)
kam_alive_404() {
	dm_scrape &&
		[ "$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)" -gt "$n404" ] &&
		[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] &&
		[ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ]
}
tb_until 6 kam_alive_404 || tb_fail "kam (default alive_statuses) is not alive on 404"
[ "$(dm_series sipcanary_probes_total "${DM_L[@]}" verdict=sip_4xx)" = 0 ] ||
	tb_fail "kam counted a sip_4xx probe"
tb_ok "404: kam is alive (ok probes, flow up)"
tb_kam_options_reply "$DM_KAM" 200
tb_until 15 both_up || tb_fail "strict is not up again after OPTIONS answer 200"
tb_ok "200 again: strict is up"

# --- the incident: an expired certificate while the OPTIONS flow lives ------
r0=$(dm_series sipcanary_flow_reconnects_total target=kam)
FLOW_DOWN_SEEN=0
incident() {
	dm_scrape || return 1
	[ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ] || FLOW_DOWN_SEEN=1
	[ "$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=cert_expired)" -gt 0 ] &&
		[ "$(dm_value sipcanary_new_connection_outage target=kam)" = 1 ]
}
t_swap=$(date +%s.%N)
pki_kamailio_swap expired
tb_until 8 incident || { tail -n 20 "$DM_LOG"; tb_fail "no new_connection_outage for kam within 8 s of the swap"; }
tb_ok "detector: new_connection_outage 1 $(dm_elapsed "$t_swap") s after the swap, fresh OPTIONS probes cert_expired"
[ "$FLOW_DOWN_SEEN" = 0 ] || tb_fail "kam's OPTIONS flow went down during the swap"
[ "$(dm_series sipcanary_flow_reconnects_total target=kam)" = "$r0" ] ||
	tb_fail "kam's flow reconnected"
[ "$(dm_kam_count 'SCREG ')" = 0 ] || tb_fail "Kamailio saw a REGISTER"
tb_ok "kam's OPTIONS flow stayed up on its old connection"
dm_stop
tb_pass "targets without an account: OPTIONS probes and flows, alive_statuses, the detector"
