#!/bin/bash
# alert_incident_am.sh — issue 7, the incident reproduction end to end
# with a real Alertmanager (Debian's prometheus-alertmanager on a loopback
# port).  `sipcanary run` (interval 1s, one flow, for 1, resolve_after 1,
# runbook_url set) probes a real Kamailio and has one sink of type
# alertmanager (resend_interval 2s: endsAt is 8 s ahead of each send).
# Kamailio's certificate is swapped to an expired one with tls.reload
# (the flow stays up).  Then, read through Alertmanager's own API
# (GET /api/v2/alerts?active=true):
#   - SipcanaryNewConnectionOutage and SipcanaryCertInvalid are active,
#     each with the labels alertname, severity=critical, target, vantage,
#     owner (and frontend = the Kamailio address for SipcanaryCertInvalid,
#     none for the target-level outage), and the annotations summary (a
#     sentence that says the certificate expired), verdict,
#     fingerprint_sha256 and not_after (of the expired leaf) and
#     runbook_url (the config's);
#   - they stay active while the outage lasts: sampled for 18 s (longer
#     than the daemon's 15 s refresh period), each sample lists both
#     (the sink re-sends them before endsAt passes);
# The good certificate is restored: the daemon delivers both resolves
# (HTTP 200 from Alertmanager) and Alertmanager no longer lists them.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_init leaf_expired
T0=$(date +%s.%N)
al_am_start

mapfile -t DEF < <(al_fast_defaults)
{
	dm_config_head "${DEF[@]}"
	dm_target kam
	al_sink_am am "$AL_AM_PORT" "resend_interval = 2s"
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"

tb_until 15 dm_flow_ok || tb_fail "flow_up and probe_success are not both 1 within 15 s"
al_am_get || tb_fail "GET /api/v2/alerts failed"
[ "$(jq 'length' "$TB/am-alerts.json")" = 0 ] ||
	tb_fail "Alertmanager has alerts before anything broke: $(cat "$TB/am-alerts.json")"
tb_ok "steady state: flow up, probes ok, no alert in Alertmanager"

# --- the incident -------------------------------------------------------------
t_swap=$(date +%s.%N)
pki_kamailio_swap expired
FP=$(pki_fp "$PKI/expired.pem")
NA=$(pki_not_after "$PKI/expired.pem")
OUT=SipcanaryNewConnectionOutage
INV=SipcanaryCertInvalid

both_active() {
	al_am_get "active=true" &&
		jq -e --arg a "$OUT" --arg b "$INV" '
			any(.[]; .labels.alertname == $a and .status.state == "active") and
			any(.[]; .labels.alertname == $b and .status.state == "active")' \
			"$TB/am-alerts.json" >/dev/null
}
tb_until 15 both_active ||
	tb_fail "$OUT and $INV are not both active in Alertmanager 15 s after the swap: $(jq -c '[.[].labels.alertname]' "$TB/am-alerts.json")"
tb_ok "both active in Alertmanager $(dm_elapsed "$t_swap") s after tls.reload"
cp "$TB/am-alerts.json" "$TB/am-incident.json"
sel() { printf '[.[] | select(.labels.alertname == "%s")]' "$1"; }
tb_jq "($(sel "$INV") | length == 1) and ($(sel "$OUT") | length == 1)" \
	"one of each (Alertmanager deduplicates by labels)" "$TB/am-incident.json"

# labels
tb_jq "$(sel "$INV")[0].labels == {alertname: \"$INV\", severity: \"critical\",
	target: \"kam\", frontend: \"$AL_FE\", vantage: \"$DM_VANTAGE\", owner: \"voice-sre\"}" \
	"$INV labels: alertname, severity critical, target, frontend $AL_FE, vantage, owner" \
	"$TB/am-incident.json"
tb_jq "$(sel "$OUT")[0].labels == {alertname: \"$OUT\", severity: \"critical\",
	target: \"kam\", vantage: \"$DM_VANTAGE\", owner: \"voice-sre\"}" \
	"$OUT labels: alertname, severity critical, target, vantage, owner (no frontend: target-level)" \
	"$TB/am-incident.json"

# annotations of SipcanaryCertInvalid: all of them
tb_jq "$(sel "$INV")[0].annotations |
	(.summary | test(\"expired\")) and (.summary | test(\"$AL_FE\")) and
	(.description | length > 0) and .verdict == \"cert_expired\" and
	.fingerprint_sha256 == \"$FP\" and .not_after == \"$NA\" and
	.runbook_url == \"$AL_RUNBOOK\"" \
	"$INV annotations: summary says expired, description, verdict cert_expired, fingerprint $FP, not_after $NA, runbook_url" \
	"$TB/am-incident.json"
tb_ok "$INV summary: $(jq -r "$(sel "$INV")[0].annotations.summary" "$TB/am-incident.json")"
jq -e "$(sel "$INV")[0].annotations.summary | test(\"existing registrations are still up\")" \
	"$TB/am-incident.json" >/dev/null ||
	al_defer "$INV summary does not say that existing registrations are still up"

# annotations of SipcanaryNewConnectionOutage
tb_jq "$(sel "$OUT")[0].annotations |
	(.summary | length > 0) and (.description | length > 0) and
	(.verdict | length > 0) and .runbook_url == \"$AL_RUNBOOK\"" \
	"$OUT annotations: summary, description, verdict, runbook_url" "$TB/am-incident.json"
tb_ok "$OUT summary: $(jq -r "$(sel "$OUT")[0].annotations.summary" "$TB/am-incident.json")"
jq -e "$(sel "$OUT")[0].annotations.summary | test(\"expired\")" "$TB/am-incident.json" >/dev/null ||
	al_defer "$OUT: the summary does not say why new connections fail (no \"expired\"): $(jq -c "$(sel "$OUT")[0].annotations.summary" "$TB/am-incident.json")"
jq -e "$(sel "$OUT")[0].annotations | .fingerprint_sha256 == \"$FP\" and .not_after == \"$NA\"" \
	"$TB/am-incident.json" >/dev/null ||
	al_defer "$OUT: no fingerprint_sha256/not_after of the expired leaf in its annotations: $(jq -c "$(sel "$OUT")[0].annotations | del(.description)" "$TB/am-incident.json")"

# --- it stays active while it fires -------------------------------------------
# The sink re-sends a firing alert every resend_interval (2 s) with endsAt
# 4 intervals ahead; sample longer than the daemon's 15 s refresh timer.
gaps=0
first_gap=
t_hold=$(date +%s.%N)
while awk -v a="$t_hold" -v b="$(date +%s.%N)" 'BEGIN{exit !(b - a < 18)}'; do
	if ! both_active; then
		gaps=$((gaps + 1))
		[ -n "$first_gap" ] || first_gap="$(dm_elapsed "$t_hold") s in ($(jq -c '[.[].labels.alertname]' "$TB/am-alerts.json" 2>/dev/null))"
	fi
	sleep 0.5
done
fire_n=$(dm_log_count '"alert SipcanaryCertInvalid firing')
[ "$fire_n" = 1 ] || tb_fail "the daemon logged $INV firing $fire_n times during one outage"
if [ "$gaps" = 0 ]; then
	tb_ok "both stayed active in Alertmanager for 18 s of outage"
else
	al_defer "Alertmanager stopped listing them while they still fire ($gaps samples of 0.5 s in 18 s; first at $first_gap): the sink's refreshes come later than endsAt (resend_interval 2s -> endsAt +8 s)"
fi
[ "$(dm_value sipcanary_flow_up target=kam frontend="$AL_FE" flow=0)" = 1 ] ||
	tb_fail "the flow went down during the outage"

# --- restore ------------------------------------------------------------------
t_restore=$(date +%s.%N)
pki_kamailio_swap good
resolved_delivered() {
	[ "$(dm_log_count "delivered resolve of $OUT \\(notification [0-9]+, HTTP 200")" -ge 1 ] &&
		[ "$(dm_log_count "delivered resolve of $INV \\(notification [0-9]+, HTTP 200")" -ge 1 ]
}
tb_until 15 resolved_delivered ||
	tb_fail "the resolves of $OUT and $INV were not delivered to Alertmanager within 15 s of the restore"
tb_ok "both resolves delivered (HTTP 200) $(dm_elapsed "$t_restore") s after tls.reload"
none_active() {
	al_am_get "active=true" &&
		jq -e --arg a "$OUT" --arg b "$INV" '
			all(.[]; .labels.alertname != $a and .labels.alertname != $b)' \
			"$TB/am-alerts.json" >/dev/null
}
tb_until 5 none_active ||
	tb_fail "still active in Alertmanager after the resolves: $(jq -c '[.[] | {a: .labels.alertname, endsAt}]' "$TB/am-alerts.json")"
al_am_get || tb_fail "GET /api/v2/alerts failed"
jq -e --arg a "$OUT" --arg b "$INV" 'all(.[]; .labels.alertname != $a and .labels.alertname != $b)' \
	"$TB/am-alerts.json" >/dev/null ||
	tb_fail "Alertmanager still lists them (in any state): $(cat "$TB/am-alerts.json")"
tb_ok "Alertmanager lists neither any more (resolved: endsAt passed)"
al_api || tb_fail "GET /alerts failed"
tb_jq "[.[] | select(.alertname == \"$OUT\" or .alertname == \"$INV\") | select(.firing)] | length == 0" \
	"the daemon's /alerts shows both resolved" "$TB/alerts-api.json"
# stays resolved: nothing re-fires them in the next probes (3 s, longer
# than resend_interval)
al_settle 3
none_active || tb_fail "active again after the resolve: $(jq -c '[.[].labels.alertname]' "$TB/am-alerts.json")"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "expired certificate: $OUT and $INV active in Alertmanager with labels and annotations; restored: both resolved ($(dm_elapsed "$T0") s)"
