#!/bin/bash
# run_kamailio_kill.sh — issue 6, a registrar that dies: `sipcanary run`
# (interval 2s, timeout 1s, keepalive 1s, reconnect_every 0) against a
# real Kamailio.  Once the flow is registered, every Kamailio process
# (the main one and its children, by PID) gets SIGKILL:
#   - the flow goes down (sipcanary_flow_up 0) within keepalive + timeout
#     (+ a margin), and the daemon logs it;
#   - fresh probes fail at the TCP layer (tcp_refused), and the detector
#     does not fire (no flow is up: this is not the incident signature).
# Kamailio stays away 4 s (a restart takes seconds; the flow retries with
# RFC 5626 backoff meanwhile), then is started again on the same port with
# the same config (tb_kamailio_start with the same DIR and port):
#   - the flow registers again: flow_up 1, and the reconnect is counted,
#     sipcanary_flow_reconnects_total{result="success",cause="lost"} >= 1,
#     and timed, sipcanary_flow_reconnect_duration_seconds_count >= 1,
#     with a duration that covers the time Kamailio was away;
#   - the new Kamailio holds the flow's binding under the same contact
#     (the ;sc= token survives the reconnect) with a new Call-ID.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
T0=$(date +%s.%N)

KEEPALIVE=1	# s
TIMEOUT=1	# s
DOWN_WITHIN=$((KEEPALIVE + TIMEOUT + 2))

dm_start_kam "interval = 2s" "timeout = ${TIMEOUT}s" \
	"keepalive = ${KEEPALIVE}s" "reconnect_every = 0" "flows = 1"

flow_is() {
	dm_scrape && [ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = "$1" ]
}
OUTAGE_SEEN=0
no_outage() {
	if [ "$(dm_value sipcanary_new_connection_outage target=kam)" != 0 ]; then
		OUTAGE_SEEN=1
	fi
}
dm_wait_steady
[ "$(dm_series sipcanary_flow_reconnects_total target=kam)" = 0 ] ||
	tb_fail "a reconnect was counted before the kill"

flow_binding() {
	dm_kam_rpc ul.dump 2>/dev/null | awk '
		$1 == "Address:" { a = $2 }
		$1 == "Call-ID:" && a ~ /;sc=/ { print a, $2 }'
}
B0=$(flow_binding)
[ -n "$B0" ] || tb_fail "Kamailio holds no flow binding"
tb_ok "Kamailio holds the flow's binding: $B0"

# --- SIGKILL every Kamailio process ------------------------------------------
# shellcheck disable=SC2207  # pids: words
kpids=("$TB_KAM_PID" $(_tb_descendants "$TB_KAM_PID"))
[ "${#kpids[@]}" -gt 1 ] || tb_fail "found no Kamailio children under pid $TB_KAM_PID"
t_kill=$(date +%s.%N)
gone() {
	local p
	for p in "${kpids[@]}"; do _tb_alive "$p" && return 1; done
	[ -z "$(ss -Htln "( sport = :$DM_KAM_PORT )" 2>/dev/null)" ]
}
rc=0
{	# (bash's "Killed" job notice goes nowhere)
	kill -KILL "${kpids[@]}"
	tb_until 5 gone || rc=1
	wait "$TB_KAM_PID" || true
} 2>/dev/null
[ "$rc" = 0 ] || tb_fail "Kamailio processes or its listener still there after SIGKILL"
tb_ok "SIGKILL to Kamailio (pids ${kpids[*]}): all gone, port $DM_KAM_PORT closed"

down() { flow_is 0 && no_outage; }
tb_until "$DOWN_WITHIN" down ||
	tb_fail "flow_up is not 0 within keepalive + timeout + 2 s = ${DOWN_WITHIN}s of the kill"
tb_ok "flow_up 0 $(dm_elapsed "$t_kill") s after the kill (bound ${DOWN_WITHIN}s)"
[ "$(dm_log_count '"msg":"flow 0 is down"')" -ge 1 ] || tb_fail "the daemon did not log the flow down"

# the fresh probes see the registrar gone; the detector stays quiet
refused() {
	dm_scrape || return 1
	no_outage
	[ "$(dm_series sipcanary_probes_total "${DM_L[@]}" verdict=tcp_refused)" -ge 1 ] &&
		[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 0 ]
}
tb_until 6 refused || {
	grep 'fresh probe' "$DM_LOG" | tail -n 3
	tb_fail "no tcp_refused fresh probe while Kamailio is down"
}
tb_ok "fresh probes: tcp_refused, probe_success 0"
[ "$OUTAGE_SEEN" = 0 ] || tb_fail "the detector fired while no flow was up"

# a registrar restart takes seconds: keep it away AWAY s in all, so that
# the flow has to back off (RFC 5626) and retry more than once
AWAY=4
away_long() { awk -v a="$t_kill" -v b="$(date +%s.%N)" -v w="$AWAY" 'BEGIN{exit !(b - a >= w)}'; }
tb_until $((AWAY + 1)) away_long || true

# --- start Kamailio again on the same port ------------------------------------
cp "$DM_KAM/kamailio.log" "$DM_KAM/kamailio.log.killed"
tb_kamailio_start "$DM_KAM" "$DM_KAM_PORT" "$TB/served/cert.pem" "$TB/served/key.pem" ||
	tb_fail "Kamailio did not start again on 127.0.0.1:$DM_KAM_PORT (same DIR and port)"
t_back=$(date +%s.%N)
away=$(awk -v a="$t_kill" -v b="$t_back" 'BEGIN{printf "%.2f", b - a}')
tb_ok "Kamailio started again (pid $TB_KAM_PID) on the same port, ${away} s after the kill"

# RFC 5626 backoff (base 1 s, at most 60 s): the wait after a few failed
# attempts is below 16 s
reconnected() {
	flow_is 1 || return 1
	no_outage
	[ "$(dm_value sipcanary_flow_reconnects_total "${DM_L[@]}" result=success cause=lost)" -ge 1 ] &&
		[ "$(dm_value sipcanary_flow_reconnect_duration_seconds_count target=kam)" -ge 1 ]
}
if ! tb_until 30 reconnected; then
	grep -E '^sipcanary_(flow_up|flow_reconnect|probes_total)' "$DM_METRICS" | grep -v _bucket
	echo "--- the flow's reconnect attempts (daemon log) ---"
	grep '"msg":"flow 0' "$DM_LOG" | jq -r '[.ts, .verdict, .msg] | join("  ")' 2>/dev/null ||
		grep '"msg":"flow 0' "$DM_LOG"
	ok_after=$(awk -v t="$(date -u -d "@${t_back%.*}" +%Y-%m-%dT%H:%M:%S)" \
		'/"msg":"fresh probe: ok/ && substr($0, 8, 19) >= t' "$DM_LOG" | wc -l)
	tb_fail "no counted and timed reconnect within 30 s of Kamailio's restart, while $ok_after fresh probes to the same Kamailio were ok"
fi
tb_ok "flow_up 1 again $(dm_elapsed "$t_back") s after the restart"
n=$(dm_value sipcanary_flow_reconnects_total "${DM_L[@]}" result=success cause=lost)
c=$(dm_value sipcanary_flow_reconnect_duration_seconds_count target=kam)
s=$(dm_value sipcanary_flow_reconnect_duration_seconds_sum target=kam)
[ "$n" = 1 ] || tb_fail "reconnects_total{result=success,cause=lost} is $n, want 1 (one flow, one loss)"
[ "$c" = 1 ] || tb_fail "reconnect_duration_seconds_count is $c, want 1"
[ "$(dm_series sipcanary_flow_reconnects_total "${DM_L[@]}" cause=deliberate)" = 0 ] ||
	tb_fail "a deliberate reconnect was counted with reconnect_every = 0"
# the reconnect time runs from the loss to registered again: at least the
# time Kamailio was away (less the keep-alive detection lag), under 30 s more
awk -v s="$s" -v a="$away" -v k=$((KEEPALIVE + TIMEOUT)) 'BEGIN{exit !(s >= a - k - 0.5 && s < a + 30)}' ||
	tb_fail "the reconnect took $s s, but Kamailio was away ${away} s"
f=$(dm_value sipcanary_flow_reconnects_total "${DM_L[@]}" result=failure) || f=0
tb_ok "reconnect counted (success/lost = $n) and timed ($c, $s s; Kamailio away ${away} s; $f failed attempts)"
[ "$(dm_log_count 'registered again .* after a loss')" -ge 1 ] ||
	tb_fail "the daemon did not log the reconnect"

B1=$(flow_binding)
[ -n "$B1" ] || tb_fail "the new Kamailio holds no flow binding"
[ "${B1%% *}" = "${B0%% *}" ] || tb_fail "the flow's contact changed: '$B0' -> '$B1'"
[ "${B1#* }" != "${B0#* }" ] || tb_fail "the new registration reuses the old Call-ID"
tb_ok "the new Kamailio holds the same contact with a new Call-ID: $B1"
tb_until 6 dm_flow_ok || tb_fail "fresh probes are not ok again after the restart"
[ "$OUTAGE_SEEN" = 0 ] || tb_fail "the detector fired"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
tb_pass "SIGKILL: flow down in time; restart: reconnect counted and timed ($(dm_elapsed "$T0") s)"
