#!/bin/bash
# alert_flap.sh — issue 7: a flapping frontend pages at most once per
# flap_window.  `sipcanary run` (interval 1s, for 1, resolve_after 1,
# flap_window 10s) against a real Kamailio whose certificate is swapped
# between an expired and a good one every second (tls.reload), with a
# PagerDuty sink (the test receiver).
#   1. While it flaps (until the daemon logged 3 re-fires within the flap
#      window, at most 25 s): each alert was triggered at most once, and
#      SipcanaryNewConnectionOutage (which explains the others: issue 14)
#      exactly once; GET /alerts showed it
#      "flapping": true and the status page marked it (flapping).
#   2. The flapping stops with the certificate expired, for longer than
#      flap_window + a few probes: the alert has been firing for a whole
#      window, so it is a real outage again and must be paged (a second
#      trigger of SipcanaryNewConnectionOutage, one only).
#   3. The good certificate for longer than flap_window: every alert is
#      resolved and no longer flapping (GET /alerts), and what PagerDuty
#      was told ends resolved for every dedup_key (triggers and resolves
#      alternate, the last one a resolve).
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
WINDOW=10
al_pd_steady "flap_window = ${WINDOW}s"

# The outage is the alert that pages (issue 14: it explains the others).
INV=SipcanaryNewConnectionOutage
K_INV=$(al_dedup "$INV" kam)
triggers() { al_pd_count pd ".action == \"trigger\" and .dedup_key == \"$1\""; }
summary() { al_pd pd true | jq -c '[.status, .action, .dedup_key[0:8], (.body.payload.class // "")]' | tr '\n' ' '; }
refires() { dm_log_count "$INV fires again within the flap window"; }

# --- 1. flapping -------------------------------------------------------------------
(
	trap - EXIT
	while :; do
		pki_kamailio_swap expired
		sleep 1
		pki_kamailio_swap good
		sleep 1
	done
) >"$TB/flapper.log" 2>&1 &
FLAPPER=$!
TB_PIDS+=("$FLAPPER")
t_flap=$(date +%s.%N)
FLAP_SEEN=0
PAGE_SEEN=0
flapped_enough() {
	if al_api_has ".alertname == \"$INV\" and .flapping"; then FLAP_SEEN=1; fi
	if [ "$(dm_http GET / "$TB/status.html")" = 200 ] &&
	    grep -q "data-alertname=\"$INV\".*(flapping)" "$TB/status.html"; then
		PAGE_SEEN=1
	fi
	[ "$(refires)" -ge 3 ]
}
tb_until 25 flapped_enough || true
tb_stop "$FLAPPER"
pki_kamailio_swap expired
n_re=$(refires)
[ "$n_re" -ge 1 ] ||
	tb_fail "$INV never fired again within the flap window in $(dm_elapsed "$t_flap") s of flapping (nothing flapped: $(dm_log_count "alert $INV (firing|resolved)") transitions)"
tb_ok "flapped for $(dm_elapsed "$t_flap") s: $INV fired (paged) $(dm_log_count "alert $INV firing") time(s), resolve notified $(dm_log_count "alert $INV resolved") time(s), re-fired within the window (not paged) $n_re times"
al_settle
[ "$(triggers "$K_INV")" = 1 ] ||
	tb_fail "$INV: $(triggers "$K_INV") triggers while flapping, want exactly 1: $(summary)"
multi=$(al_pd pd '.action == "trigger"' | jq -r '.dedup_key' | sort | uniq -c | awk '$1 > 1')
[ -z "$multi" ] || tb_fail "alerts paged more than once while flapping: $multi: $(summary)"
tb_ok "one page per alert while flapping ($(al_pd_count pd '.action == "trigger"') triggers, $(al_pd_count pd '.action == "resolve"') resolves)"
[ "$FLAP_SEEN" = 1 ] || tb_fail "GET /alerts never showed $INV with \"flapping\": true"
tb_ok "GET /alerts showed $INV \"flapping\": true"
[ "$PAGE_SEEN" = 1 ] || al_defer "the status page never marked $INV (flapping)"
[ "$PAGE_SEEN" = 0 ] || tb_ok "the status page marked $INV (flapping)"

# --- 2. it stays down ----------------------------------------------------------------
t_down=$(date +%s.%N)
HOLD=$((WINDOW + 6))
second_page() { [ "$(triggers "$K_INV")" -ge 2 ]; }
if tb_until "$HOLD" second_page; then
	tb_ok "$INV paged again $(dm_elapsed "$t_down") s after it stopped flapping in the failed state"
else
	al_api || true
	al_defer "$INV: firing without a break for ${HOLD}s (> flap_window ${WINDOW}s) after flapping, never paged again: PagerDuty's last word on it is a resolve ($(summary); state: $(jq -c ".[] | select(.alertname == \"$INV\") | {firing, flapping, paged, starts_at, resolved_at}" "$TB/alerts-api.json"))"
fi
[ "$(triggers "$K_INV")" -le 2 ] || tb_fail "$INV: $(triggers "$K_INV") triggers, want at most 2"

# --- 3. it stays up ------------------------------------------------------------------
t_up=$(date +%s.%N)
pki_kamailio_swap good
quiet() {
	al_api && jq -e 'all(.[]; (.firing | not) and (.flapping | not))' "$TB/alerts-api.json" >/dev/null
}
tb_until $((WINDOW + 6)) quiet ||
	tb_fail "not all resolved and unflapped $((WINDOW + 6)) s after the restore: $(jq -c '[.[] | {alertname, firing, flapping, paged}]' "$TB/alerts-api.json")"
tb_ok "all resolved and no longer flapping $(dm_elapsed "$t_up") s after the restore"
al_settle
bad=$(al_check_order pd action)
[ -z "$bad" ] || tb_fail "per dedup_key, triggers and resolves do not alternate: $bad"
open=$(al_pd pd '.ok' | jq -rs 'group_by(.dedup_key)[] | select(.[-1].action != "resolve") | .[0].dedup_key[0:12]')
[ -z "$open" ] || tb_fail "PagerDuty is left with open incidents for: $open ($(summary))"
tb_ok "PagerDuty's view ends resolved for every dedup_key: $(summary)"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "a flapping frontend paged once per flap_window ($(dm_elapsed "$AL_T0") s)"
