#!/bin/bash
# alert_receiver_down.sh — issue 7: a receiver that is down for a whole
# outage loses nothing.  `sipcanary run` against a real Kamailio, with a
# PagerDuty sink (the test receiver, schema-checked; retry_min 200ms,
# retry_max 1s; flap_window 0).
#   1. The receiver answers 500 to everything.  Kamailio's certificate
#      is swapped to an expired one, and back: four alerts fire and
#      resolve (GET /alerts), one of them paged (the outage explains the
#      others: issue 14), while every attempt fails; the outbox holds 2
#      notifications (sipcanary_alert_outbox_depth), failures are
#      counted.  The receiver answers 200 again: within a few seconds
#      every notification is delivered, once: one trigger then one
#      resolve (2 accepted requests), the outbox is empty and
#      sipcanary_alert_notifications_total{result="sent"} is 2.
#   2. The same with the receiver stopped (connection refused) for the
#      whole outage, then started again on its port.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_init leaf_expired
T0=$(date +%s.%N)
rx_mode pd 500
al_pd_start "flap_window = 0"
PORT=$AL_PORT
tb_until 15 al_probes_since 0 ok || tb_fail "no ok probe within 15 s"
tb_ok "steady state: probes ok; the receiver answers 500"

firing() {
	al_api && [ "$(jq '[.[] | select(.firing)] | length' "$TB/alerts-api.json")" = "$1" ] &&
		[ "$(jq '[.[] | select(.firing and .paged)] | length' "$TB/alerts-api.json")" = 1 ]
}
resolved_all() {
	al_api && [ "$(jq '[.[] | select(.firing)] | length' "$TB/alerts-api.json")" = 0 ]
}
# gauge NAME OP N — scrape; the sink's series NAME compares (test OP) to N
gauge() {
	local v
	dm_scrape && v=$(dm_value "$1" sink=pd) && test "$v" "$2" "$3"
}

# outage ROUND — swap to the expired certificate and back, the receiver
# down all along; 4 alerts fire (1 paged) and resolve: 2 notifications
# pending.
outage() {
	local t
	t=$(date +%s.%N)
	pki_kamailio_swap expired
	tb_until 15 firing 4 ||
		tb_fail "round $1: 4 alerts (1 paged) are not firing 15 s after the swap: $(jq -c '[.[] | [.alertname, .firing, .paged]]' "$TB/alerts-api.json")"
	tb_ok "round $1: 4 alerts firing, 1 paged, $(dm_elapsed "$t") s after the swap"
	pki_kamailio_swap good
	tb_until 15 resolved_all ||
		tb_fail "round $1: not all resolved 15 s after the restore: $(jq -c '[.[] | [.alertname, .firing]]' "$TB/alerts-api.json")"
	tb_until 5 gauge sipcanary_alert_outbox_depth -eq 2 ||
		tb_fail "round $1: outbox depth $(dm_value sipcanary_alert_outbox_depth sink=pd), want 2 (a trigger, a resolve)"
	tb_ok "round $1: all resolved; 2 notifications wait in the outbox"
}

# delivered N — N accepted requests (2xx) in all and the outbox empty.
delivered() {
	[ "$(al_pd_count pd '.ok')" -ge "$1" ] && gauge sipcanary_alert_outbox_depth -eq 0
}

# check ROUND N — after the receiver came back: N accepted in all, per
# dedup_key trigger/resolve alternating, each once.
check() {
	local bad
	[ "$(al_pd_count pd '.ok')" = "$2" ] ||
		tb_fail "round $1: $(al_pd_count pd '.ok') notifications accepted, want $2: $(al_pd pd '.ok' | jq -c '[.action, .dedup_key[0:8]]')"
	bad=$(al_check_order pd action)
	[ -z "$bad" ] || tb_fail "round $1: per dedup_key, not trigger then resolve, each once: $bad"
	[ "$(al_pd_count pd '.ok and (.errors | length) > 0')" = 0 ] ||
		tb_fail "round $1: accepted with schema errors"
	dm_scrape
	[ "$(dm_value sipcanary_alert_notifications_total sink=pd result=sent)" = "$2" ] ||
		tb_fail "round $1: sipcanary_alert_notifications_total{sink=\"pd\",result=\"sent\"} is $(dm_value sipcanary_alert_notifications_total sink=pd result=sent), want $2"
	[ "$(dm_value sipcanary_alert_notifications_dropped_total sink=pd)" = 0 ] ||
		tb_fail "round $1: notifications were dropped"
	tb_ok "round $1: $2 accepted in all; per dedup_key trigger then resolve, each once; outbox empty; sent = $2"
}

# --- 1. the receiver answers 500 ------------------------------------------------------
outage 1
[ "$(al_pd_count pd '.ok')" = 0 ] || tb_fail "round 1: something was accepted while the receiver answered 500"
failed=$(dm_value sipcanary_alert_notifications_total sink=pd result=failed)
[ "$failed" -ge 2 ] || tb_fail "round 1: only $failed failed attempts counted"
tb_ok "round 1: $(al_pd_count pd true) attempts, all answered 500 ($failed failures counted)"
t_up=$(date +%s.%N)
rx_mode pd 200
tb_until 10 delivered 2 || tb_fail "round 1: not delivered within 10 s of the receiver's recovery: $(al_pd pd '.ok' | jq -c '[.action, .dedup_key[0:8]]')"
tb_ok "round 1: all delivered $(dm_elapsed "$t_up") s after the receiver came back"
al_settle	# retries that should not come
check 1 2

# --- 2. the receiver is stopped ---------------------------------------------------------
rx_stop pd
[ -z "$(ss -Htln "( sport = :$PORT )")" ] || tb_fail "something still listens on $PORT"
outage 2
t_up=$(date +%s.%N)
al_rx_restart pd "$PORT" --pd-schema
tb_until 10 delivered 4 || tb_fail "round 2: not delivered within 10 s of the receiver's restart: $(al_pd pd '.ok' | jq -c '[.action, .dedup_key[0:8]]')"
tb_ok "round 2: all delivered $(dm_elapsed "$t_up") s after the receiver came back"
al_settle
check 2 4

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "receiver down (500, then stopped) for a whole outage: every notification delivered once it came back, in order, once ($(dm_elapsed "$T0") s)"
