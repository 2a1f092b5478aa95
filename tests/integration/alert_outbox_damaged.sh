#!/bin/bash
# alert_outbox_damaged.sh — issue 15, damaged state is survived without
# losing a page.  `sipcanary run` against a real Kamailio with a
# PagerDuty sink (the test receiver, stopped): the certificate expires
# under a live flow, the outage fires and its trigger waits in the outbox.
# The daemon is SIGKILLed, and the outbox record of that trigger is
# damaged (its line overwritten with garbage of the same length).  On the
# restart the outbox sets the record aside and counts it (as before), and
# the alert state says the trigger was queued but never delivered: the
# daemon logs "queued again" and the receiver, back up, gets the trigger
# of the outage (before: it was never sent, the alert being marked paged).
# GET /alerts then says "trigger delivered to pd at T".
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_pd_steady "flap_window = 0"
PORT=$AL_PORT
rx_stop pd
OUT=SipcanaryNewConnectionOutage
K_OUT=$(al_dedup "$OUT" kam)
OB=$TB/state/outbox-pd.log

pki_kamailio_swap expired
pending() {
	al_api_has ".alertname == \"$OUT\" and .firing and .paged" &&
		grep -q '"op":"add"' "$OB" 2>/dev/null
}
tb_until 15 pending || tb_fail "the outage is not firing with its trigger in the outbox within 15 s"
tb_ok "the outage fired; its trigger waits in the outbox (receiver stopped)"
al_kill9

# damage every add record: the same length, not JSON any more
perl -i -pe 's/^(.*"op":"add".*)$/"#" x length($1)/e' "$OB"
grep -q '"op":"add"' "$OB" && tb_fail "the add record is still readable"
tb_ok "daemon killed; the outbox's add records overwritten with garbage"

rx_start pd2 "$PORT" --pd-schema
dm_start "$TB/sc.conf"
requeued() { [ "$(dm_log_count "alert $OUT: its trigger to sink pd was neither delivered nor is it in the outbox any more: queued again")" -ge 1 ]; }
tb_until 10 requeued || tb_fail "the restarted daemon did not queue the lost trigger again: $(grep -i 'outbox\|queued' "$DM_LOG" | head -n 5)"
got() { [ "$(al_pd_count pd2 ".ok and .action == \"trigger\" and .dedup_key == \"$K_OUT\"")" -ge 1 ]; }
tb_until 10 got || tb_fail "the receiver never got the trigger of $OUT: $(al_pd pd2 true | jq -c '[.action, .dedup_key[0:8]]')"
tb_ok "the lost trigger was queued again and delivered $(dm_elapsed "$AL_T0") s into the test"
dm_scrape
d=$(dm_value sipcanary_alert_notifications_dropped_total sink=pd) || d=0
[ "$d" -ge 1 ] || tb_fail "the damaged record is not counted in sipcanary_alert_notifications_dropped_total"
delivered() { al_api_has ".alertname == \"$OUT\" and (.delivery | test(\"^trigger delivered to pd at 20\"))"; }
tb_until 5 delivered || tb_fail "/alerts does not say the trigger was delivered: $(jq -c ".[] | select(.alertname == \"$OUT\") | .delivery" "$TB/alerts-api.json")"
tb_ok "the damaged record counted as dropped ($d); /alerts: trigger delivered to pd"
pki_kamailio_swap good
dm_stop
tb_pass "a damaged outbox record costs no page: the trigger is queued again at start-up"
