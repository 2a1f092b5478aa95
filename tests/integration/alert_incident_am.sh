#!/bin/bash
# alert_incident_am.sh — issues 7 and 14: the incident reproduced end to
# end, one page per incident.  `sipcanary run` (interval 1s, one flow,
# for 1, resolve_after 1, runbook_url set) probes a real Kamailio and has
# two sinks: a real Alertmanager (Debian's prometheus-alertmanager on a
# loopback port; resend_interval 2s: endsAt is 8 s ahead of each send)
# and a JSON webhook (the test receiver).  Kamailio's certificate is
# swapped to an expired one with tls.reload while the flow lives.
#   - Four alerts fire in the daemon (SipcanaryNewConnectionOutage,
#     SipcanaryCertInvalid, SipcanaryFrontendDown, SipcanaryTargetDown);
#     the outage explains the other three: GET /alerts shows them
#     firing, "inhibited_by" the outage, not paged.
#   - Alertmanager (GET /api/v2/alerts?active=true) has exactly one
#     active, non-inhibited alert: the outage, with the labels alertname,
#     severity=critical, target, vantage, owner (no frontend: it is
#     target-level) and the annotations summary (says the certificate
#     expired and names the affected frontend), description, verdict,
#     fingerprint_sha256 and not_after of the expired leaf, runbook_url.
#     It stays active while the outage lasts (sampled for 10 s, longer
#     than the 8 s endsAt horizon: the sink re-sends it in time).
#   - The webhook receiver gets exactly one notification: its trigger.
#   - After the restore: one resolve at the webhook (two notifications in
#     all), Alertmanager lists nothing, the daemon's /alerts nothing
#     firing, and nothing fires again in the next probes.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_init leaf_expired
T0=$(date +%s.%N)
al_am_start
HOOK_PORT=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT" "$AL_AM_PORT")
rx_start hook "$HOOK_PORT"

mapfile -t DEF < <(al_fast_defaults)
{
	dm_config_head "${DEF[@]}"
	dm_target kam
	al_sink_am am "$AL_AM_PORT" "resend_interval = 2s"
	al_sink_hook hook "$HOOK_PORT" 'format = "json"'
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
EXPLAINED=(SipcanaryCertInvalid SipcanaryFrontendDown SipcanaryTargetDown)

# one_active — Alertmanager has exactly one active alert: the outage.
one_active() {
	al_am_get "active=true" &&
		jq -e --arg a "$OUT" '[.[] | select(.status.state == "active")] |
			length == 1 and .[0].labels.alertname == $a' "$TB/am-alerts.json" >/dev/null
}
# four_firing — the daemon: 4 firing, the 3 explained ones inhibited.
four_firing() {
	al_api && jq -e --arg o "$OUT" '[.[] | select(.firing)] | length == 4 and
		([.[] | select(.alertname != $o and .inhibited_by == $o and (.paged | not))] | length == 3)' \
		"$TB/alerts-api.json" >/dev/null
}
tb_until 15 one_active ||
	tb_fail "$OUT is not the one active alert in Alertmanager 15 s after the swap: $(jq -c '[.[] | [.labels.alertname, .status.state]]' "$TB/am-alerts.json")"
tb_ok "$OUT active in Alertmanager $(dm_elapsed "$t_swap") s after tls.reload"
tb_until 10 four_firing ||
	tb_fail "the daemon does not show 4 alerts firing, 3 inhibited by $OUT: $(jq -c '[.[] | [.alertname, .firing, .paged, .inhibited_by]]' "$TB/alerts-api.json")"
tb_ok "the daemon: 4 alerts firing; ${EXPLAINED[*]} inhibited by $OUT, not paged"
cp "$TB/am-alerts.json" "$TB/am-incident.json"

tb_jq ".[0].labels == {alertname: \"$OUT\", severity: \"critical\",
	target: \"kam\", vantage: \"$DM_VANTAGE\", owner: \"voice-sre\"}" \
	"$OUT labels: alertname, severity critical, target, vantage, owner (no frontend: target-level)" \
	"$TB/am-incident.json"
tb_jq ".[0].annotations |
	(.summary | test(\"expired\")) and (.summary | test(\"affected: 1 of 1 frontends: $AL_FE\")) and
	(.description | length > 0) and .verdict == \"cert_expired\" and
	.fingerprint_sha256 == \"$FP\" and .not_after == \"$NA\" and
	.runbook_url == \"$AL_RUNBOOK\"" \
	"$OUT annotations: summary (expired, the affected frontend), description, verdict cert_expired, fingerprint $FP, not_after $NA, runbook_url" \
	"$TB/am-incident.json"
tb_ok "$OUT summary: $(jq -r '.[0].annotations.summary' "$TB/am-incident.json")"

# --- it stays active, alone, while it fires -----------------------------------
gaps=0
first_gap=
t_hold=$(date +%s.%N)
while awk -v a="$t_hold" -v b="$(date +%s.%N)" 'BEGIN{exit !(b - a < 10)}'; do
	if ! one_active; then
		gaps=$((gaps + 1))
		[ -n "$first_gap" ] || first_gap="$(dm_elapsed "$t_hold") s in ($(jq -c '[.[] | [.labels.alertname, .status.state]]' "$TB/am-alerts.json" 2>/dev/null))"
	fi
	sleep 0.5	# sampling, not synchronising: each sample must hold
done
[ "$gaps" = 0 ] ||
	tb_fail "Alertmanager did not list exactly the one active alert throughout ($gaps samples of 0.5 s in 10 s; first at $first_gap)"
tb_ok "for 10 s of outage Alertmanager listed exactly one active alert, $OUT"
hook_n=$(al_hook_count hook true)
[ "$hook_n" = 1 ] || tb_fail "the webhook got $hook_n notifications during the outage, want 1: $(al_hook hook true | jq -c '[.kind, .alert.alertname]')"
[ "$(al_hook_count hook ".ok and .kind == \"trigger\" and .alert.alertname == \"$OUT\"")" = 1 ] ||
	tb_fail "the webhook's one notification is not the trigger of $OUT: $(al_hook hook true)"
tb_ok "the webhook got exactly one notification: the trigger of $OUT"
[ "$(dm_log_count "alert $OUT firing")" = 1 ] || tb_fail "the daemon logged $OUT firing more than once"
[ "$(dm_value sipcanary_flow_up target=kam frontend="$AL_FE" flow=0)" = 1 ] ||
	tb_fail "the flow went down during the outage"

# --- restore ------------------------------------------------------------------
t_restore=$(date +%s.%N)
pki_kamailio_swap good
restored() {
	[ "$(al_hook_count hook '.ok and .kind == "resolve"')" -ge 1 ] &&
		al_am_get && jq -e 'length == 0' "$TB/am-alerts.json" >/dev/null
}
tb_until 15 restored ||
	tb_fail "no resolve at the webhook, or Alertmanager still lists alerts, 15 s after the restore: $(al_hook hook true | jq -c '[.kind, .alert.alertname]') $(jq -c '[.[] | .labels.alertname]' "$TB/am-alerts.json")"
tb_ok "resolved $(dm_elapsed "$t_restore") s after tls.reload: a resolve at the webhook, Alertmanager lists nothing"
al_api || tb_fail "GET /alerts failed"
tb_jq '[.[] | select(.firing)] | length == 0' "the daemon's /alerts: nothing firing" "$TB/alerts-api.json"
# stays resolved: nothing fires (or pages a lower alert) in the next probes
al_settle 3
al_am_get && jq -e 'length == 0' "$TB/am-alerts.json" >/dev/null ||
	tb_fail "Alertmanager lists alerts again after the resolve: $(jq -c '[.[].labels.alertname]' "$TB/am-alerts.json")"
[ "$(al_hook_count hook true)" = 2 ] ||
	tb_fail "the webhook got $(al_hook_count hook true) notifications in all, want 2: $(al_hook hook true | jq -c '[.kind, .alert.alertname]')"
tb_ok "the webhook got 2 notifications in all: one trigger, one resolve"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "expired certificate under a live flow: one page (webhook: 1 trigger, 1 resolve), one active alert in Alertmanager, 3 inhibited in the daemon ($(dm_elapsed "$T0") s)"
