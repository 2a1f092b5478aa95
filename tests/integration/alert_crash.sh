#!/bin/bash
# alert_crash.sh — issue 7: SIGKILL loses no page and sends none twice.
# `sipcanary run` against a real Kamailio with a PagerDuty sink (the test
# receiver, schema-checked), flap_window 0, one state_dir throughout.
#   A. Kamailio's certificate is swapped to an expired one; the one
#      trigger is delivered (and acked: outbox depth 0): of the four
#      alerts that fire, the outage explains the other three (issue 14).
#      The other three are never sent, before or after the kill.  The daemon is
#      SIGKILLed and started again on the same state_dir while the
#      outage goes on.  After 4 more failing probes no alert that was
#      firing before the kill got a second trigger (one trigger per
#      dedup_key), none of them was resolved (the outage goes on), GET
#      /alerts shows them still firing with their original starts_at;
#      when the certificate is restored every alert paged gets its
#      resolve, after its trigger.  (SipcanaryReconnectFailing may fire
#      after the restart, since the new flow cannot register through the
#      expired certificate: a new alert, paged once.)
#   B. The receiver is stopped; the certificate expires again, the
#      triggers wait in the outbox; the daemon is SIGKILLed, started
#      again (it replays the outbox against the still stopped receiver),
#      then the receiver comes back: each trigger is delivered exactly
#      once, and after the restore each resolve once, in order.
#   C. The triggers are delivered, the daemon is SIGKILLed, and the
#      certificate is restored while it is down: after the restart each
#      alert gets its resolve, and nothing is triggered again.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_pd_steady "flap_window = 0"
PORT=$AL_PORT

INV=SipcanaryNewConnectionOutage
K_INV=$(al_dedup SipcanaryCertInvalid kam "$AL_FE")
K_DOWN=$(al_dedup SipcanaryFrontendDown kam "$AL_FE")
K_TDOWN=$(al_dedup SipcanaryTargetDown kam)
K_OUT=$(al_dedup SipcanaryNewConnectionOutage kam)
KEYS=("$K_OUT")
QUIET=("$K_INV" "$K_DOWN" "$K_TDOWN")
# quiet NAME — none of the explained alerts was sent to NAME
quiet() {
	local k
	for k in "${QUIET[@]}"; do
		[ "$(al_pd_count "$1" ".dedup_key == \"$k\"")" = 0 ] ||
			tb_fail "$1: an alert the outage explains was sent: $(summary "$1")"
	done
}

# n NAME ACTION KEY [ok] — requests (accepted ones with ok) of ACTION for KEY
n() {
	local f=".action == \"$2\" and .dedup_key == \"$3\""
	[ "${4:-}" = ok ] && f="$f and .ok"
	al_pd_count "$1" "$f"
}
# all NAME ACTION — true if every key in KEYS has an accepted ACTION
all() {
	local k
	for k in "${KEYS[@]}"; do [ "$(n "$1" "$2" "$k" ok)" -ge 1 ] || return 1; done
}
depth0() { dm_scrape && [ "$(dm_value sipcanary_alert_outbox_depth sink=pd)" = 0 ]; }
summary() { al_pd "$1" true | jq -c '[.status, .action, .dedup_key[0:8], (.body.payload.class // "")]' | tr '\n' ' '; }

# --- A. killed after the triggers were delivered -------------------------------------
pki_kamailio_swap expired
tb_until 15 all pd trigger || tb_fail "A: not every trigger delivered within 15 s: $(summary pd)"
tb_until 5 depth0 || tb_fail "A: the outbox is not empty after the deliveries"
grep -q '"op":"ack"' "$TB/state/outbox-pd.log" || tb_fail "A: no ack record in the outbox"
al_api || tb_fail "GET /alerts failed"
STARTS=$(jq --arg a "$INV" '.[] | select(.alertname == $a) | .starts_at' "$TB/alerts-api.json")
tb_ok "A: the trigger delivered and acked; $INV firing since $STARTS"
al_kill9
tb_ok "A: daemon (pid $DM_PID) killed with SIGKILL mid-outage"
t_restart=$(date +%s.%N)
dm_start "$TB/sc.conf"
tb_until 15 al_probes_since 3 cert_expired ||
	tb_fail "A: fewer than 4 cert_expired probes within 15 s of the restart"
tb_ok "A: restarted on the same state_dir; 4 failing probes in $(dm_elapsed "$t_restart") s"
al_settle
for k in "${KEYS[@]}"; do
	c=$(n pd trigger "$k")
	[ "$c" = 1 ] || tb_fail "A: dedup_key ${k:0:12}: $c triggers sent (1 before the kill), want 1: $(summary pd)"
done
quiet pd
tb_ok "A: no second trigger after the restart; nothing sent for the 3 alerts it explains"
al_api || tb_fail "GET /alerts failed"
tb_jq "[.[] | select(.alertname == \"$INV\")][0] | .firing and .paged and .starts_at == $STARTS" \
	"A: GET /alerts: $INV still firing, paged, same starts_at" "$TB/alerts-api.json"
other=$(al_pd pd '.action == "trigger"' | jq -r '.body.payload.class' | sort | uniq -c | awk '$1 > 1')
[ -z "$other" ] || tb_fail "A: alerts triggered twice: $other"
# (SipcanaryReconnectFailing may fire now: the new daemon's flow cannot
# register through the expired certificate.  A new alert, paged once.)
# The outage goes on: the paged alert may not have been resolved.
early=$(al_pd pd '.action == "resolve"' | jq -r .dedup_key | while read -r k; do
	for x in "${KEYS[@]}"; do [ "$k" = "$x" ] && echo "${k:0:8}"; done
done | tr '\n' ' ')
[ -z "$early" ] || al_defer "A: resolved after the restart while the outage goes on (dedup_key $early; $(grep -o '"alert Sipcanary[A-Za-z]* resolved' "$DM_LOG" | tr '\n' ' ')): $(summary pd)"
pki_kamailio_swap good
# every alert paged before the kill gets its resolve
resolved_all() { all pd resolve; }
tb_until 15 resolved_all || tb_fail "A: not every alert resolved within 15 s of the restore: $(summary pd)"
tb_until 5 depth0 || tb_fail "A: the outbox is not empty after the resolves"
al_settle
bad=$(al_check_order pd action)
[ -z "$bad" ] || tb_fail "A: per dedup_key, not one trigger then one resolve: $bad"
[ "$(al_pd_count pd '.ok | not')" = 0 ] || tb_fail "A: requests not accepted: $(summary pd)"
tb_ok "A: every alert resolved after the restart; per dedup_key one trigger, then one resolve ($(al_pd_count pd true) requests)"

# --- B. killed with the triggers pending, the receiver down --------------------------
tb_until 15 dm_flow_ok || tb_fail "B: the flow is not up again within 15 s of the restore"
rx_stop pd
[ -z "$(ss -Htln "( sport = :$PORT )")" ] || tb_fail "something still listens on $PORT"
pki_kamailio_swap expired
pending4() {
	al_api && [ "$(jq '[.[] | select(.firing and .paged)] | length' "$TB/alerts-api.json")" -ge 1 ] &&
		dm_scrape && [ "$(dm_value sipcanary_alert_outbox_depth sink=pd)" -ge 1 ] &&
		[ "$(dm_value sipcanary_alert_notifications_total sink=pd result=failed)" -ge 1 ]
}
tb_until 15 pending4 || tb_fail "B: the trigger is not pending within 15 s: depth $(dm_value sipcanary_alert_outbox_depth sink=pd)"
tb_ok "B: the outage firing, its trigger pending (depth $(dm_value sipcanary_alert_outbox_depth sink=pd)), the receiver stopped"
al_kill9
dm_start "$TB/sc.conf"
replayed() { [ "$(dm_log_count 'notifications pending from before')" -ge 1 ] && dm_scrape &&
	[ "$(dm_value sipcanary_alert_notifications_total sink=pd result=failed)" -ge 1 ]; }
tb_until 10 replayed || tb_fail "B: the restarted daemon did not replay its outbox (or did not try to send)"
tb_ok "B: restarted: $(grep -o '[0-9]* notifications pending from before' "$DM_LOG" | head -n 1), tried against the stopped receiver"
t_up=$(date +%s.%N)
rx_start pd2 "$PORT" --pd-schema
tb_until 10 all pd2 trigger || tb_fail "B: not every trigger delivered within 10 s of the receiver's return: $(summary pd2)"
tb_ok "B: the trigger delivered $(dm_elapsed "$t_up") s after the receiver came back"
tb_until 15 al_probes_since 3 cert_expired || tb_fail "B: fewer than 4 cert_expired probes after the restart"
for k in "${KEYS[@]}"; do
	c=$(n pd2 trigger "$k")
	[ "$c" = 1 ] || tb_fail "B: dedup_key ${k:0:12}: $c triggers sent, want exactly 1: $(summary pd2)"
done
quiet pd2
tb_ok "B: the trigger delivered exactly once"
early=$(al_pd pd2 '.action == "resolve"' | jq -r .dedup_key | while read -r k; do
	for x in "${KEYS[@]}"; do [ "$k" = "$x" ] && echo "${k:0:8}"; done
done | tr '\n' ' ')
[ -z "$early" ] || al_defer "B: resolved after the restart while the outage goes on (dedup_key $early): $(summary pd2)"
pki_kamailio_swap good
resolved_all2() { all pd2 resolve; }
tb_until 15 resolved_all2 || tb_fail "B: not every alert resolved within 15 s of the restore: $(summary pd2)"
tb_until 5 depth0 || tb_fail "B: the outbox is not empty"
al_settle
bad=$(al_check_order pd2 action)
[ -z "$bad" ] || tb_fail "B: per dedup_key, not one trigger then one resolve: $bad"
tb_ok "B: per dedup_key one trigger, then one resolve ($(al_pd_count pd2 true) requests)"

# --- C. the outage ends while the daemon is down ---------------------------------
tb_until 15 dm_flow_ok || tb_fail "C: the flow is not up again within 15 s of the restore"
rx_stop pd2
rx_start pd3 "$PORT" --pd-schema
pki_kamailio_swap expired
tb_until 15 all pd3 trigger || tb_fail "C: not every trigger delivered within 15 s: $(summary pd3)"
tb_until 5 depth0 || tb_fail "C: the outbox is not empty after the deliveries"
al_kill9
pki_kamailio_swap good
tb_ok "C: triggers delivered, daemon killed, certificate restored while it is down"
t_restart=$(date +%s.%N)
dm_start "$TB/sc.conf"
tb_until 15 all pd3 resolve || tb_fail "C: the resolves did not arrive within 15 s of the restart: $(summary pd3)"
tb_ok "C: the resolve arrived $(dm_elapsed "$t_restart") s after the restart"
tb_until 5 depth0 || tb_fail "C: the outbox is not empty"
al_settle
bad=$(al_check_order pd3 action)
[ -z "$bad" ] || tb_fail "C: per dedup_key, not one trigger then one resolve: $bad"
quiet pd3
[ "$(al_pd_count pd3 '.action == "trigger"')" = 1 ] || tb_fail "C: triggers sent again after the restart: $(summary pd3)"
tb_ok "C: per dedup_key one trigger, then one resolve; no trigger after the restart"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "SIGKILL mid-outage: no second trigger, resolves delivered; SIGKILL with triggers pending: each delivered exactly once; outage ended while down: resolves sent after the restart ($(dm_elapsed "$AL_T0") s)"
