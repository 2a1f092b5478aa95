#!/bin/bash
# alert_expiring.sh — issue 7: SipcanaryCertExpiringSoon from `sipcanary
# run` against a real Kamailio, delivered to a JSON webhook (the test
# receiver).  warn_days 30, crit_days 7.
#   1. Kamailio serves a leaf valid for 20 more days (tls.reload): one
#      trigger of SipcanaryCertExpiringSoon with severity warning, frontend
#      = the Kamailio address, verdict cert_expiring, the 20-day leaf's
#      fingerprint and notAfter, a summary with the days left, and the
#      runbook; sipcanary_alerts_firing{SipcanaryCertExpiringSoon,warning}
#      is 1.  An expiring certificate is still a working one: no
#      SipcanaryCertInvalid, SipcanaryFrontendDown or SipcanaryTargetDown.
#   2. A leaf valid for 3 more days: the same alert (same dedup_key) is
#      paged again as critical; the firing gauge moves to severity
#      critical.
#   3. The good (1-year) leaf: one resolve with the same dedup_key.
# Every notification carries a unique id, also in its Idempotency-Key
# header.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_init "leaf_days d20 20" "leaf_days d3 3"
T0=$(date +%s.%N)
al_rx hook

mapfile -t DEF < <(al_fast_defaults "warn_days = 30" "crit_days = 7")
{
	dm_config_head "${DEF[@]}"
	dm_target kam
	al_sink_hook chat "$AL_PORT" 'format = "json"'
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"

EXP=SipcanaryCertExpiringSoon
KEY=$(al_dedup "$EXP" kam "$AL_FE")
ok_probes() { al_probes_since "${1:-0}" ok; }
tb_until 15 ok_probes || tb_fail "no ok probe within 15 s"
al_settle
[ "$(al_hook_count hook true)" = 0 ] ||
	tb_fail "notifications before anything changed: $(al_hook hook true)"
tb_ok "steady state: probes ok, no notification"

# got KIND SEVERITY — a delivered notification of the expiry alert.
got() {
	[ "$(al_hook_count hook ".ok and .kind == \"$1\" and .alert.alertname == \"$EXP\" and .alert.severity == \"$2\"")" -ge 1 ]
}

# --- 1. 20 days left: warning ---------------------------------------------------
t1=$(date +%s.%N)
pki_kamailio_swap d20
tb_until 10 got trigger warning ||
	tb_fail "no $EXP warning trigger within 10 s of serving the 20-day leaf: $(al_hook hook true)"
tb_ok "$EXP warning delivered $(dm_elapsed "$t1") s after tls.reload"
FP20=$(pki_fp "$PKI/d20.pem")
NA20=$(pki_not_after "$PKI/d20.pem")
al_hook hook ".kind == \"trigger\" and .alert.alertname == \"$EXP\"" | head -n 1 >"$TB/warn.json"
tb_jq ".dedup_key == \"$KEY\" and .alert.target == \"kam\" and
	.alert.frontend == \"$AL_FE\" and .alert.vantage == \"$DM_VANTAGE\" and
	.alert.owner == \"voice-sre\" and .alert.verdict == \"cert_expiring\" and
	.alert.fingerprint_sha256 == \"$FP20\" and .alert.not_after == \"$NA20\" and
	.alert.runbook_url == \"$AL_RUNBOOK\" and .alert.firing == true and
	(.alert.summary | test(\"expires in (19|20)(\\\\.[0-9])? days\"))" \
	"warning: dedup_key, labels, verdict cert_expiring, fingerprint and notAfter of the 20-day leaf, summary with the days left" \
	"$TB/warn.json"
tb_ok "summary: $(jq -r .alert.summary "$TB/warn.json")"
warn_gauge() {
	dm_scrape && [ "$(dm_value sipcanary_alerts_firing alertname="$EXP" severity=warning)" = 1 ]
}
tb_until 3 warn_gauge || tb_fail "sipcanary_alerts_firing{$EXP,warning} is not 1"
tb_ok "sipcanary_alerts_firing{alertname=\"$EXP\",severity=\"warning\"} 1"
# a few more probes: still one notification, nothing else fires
dm_scrape || tb_fail "GET /metrics failed"
n0=$(dm_value sipcanary_probes_total target=kam frontend="$AL_FE" verdict=cert_expiring) || n0=0
ex_probes() { al_probes_since "$((n0 + 2))" cert_expiring; }
tb_until 10 ex_probes || tb_fail "fewer than 3 more cert_expiring probes in 10 s"
[ "$(al_hook_count hook '.ok')" = 1 ] ||
	tb_fail "expected only the warning trigger, got: $(al_hook hook '.ok' | jq -c '[.kind, .alert.alertname, .alert.severity]')"
tb_ok "3 more cert_expiring probes: no other notification (no CertInvalid, FrontendDown or TargetDown; no re-page)"

# --- 2. 3 days left: critical -----------------------------------------------------
t2=$(date +%s.%N)
pki_kamailio_swap d3
tb_until 10 got trigger critical ||
	tb_fail "no $EXP critical trigger within 10 s of serving the 3-day leaf: $(al_hook hook true)"
tb_ok "$EXP critical delivered $(dm_elapsed "$t2") s after tls.reload"
FP3=$(pki_fp "$PKI/d3.pem")
NA3=$(pki_not_after "$PKI/d3.pem")
al_hook hook ".kind == \"trigger\" and .alert.alertname == \"$EXP\" and .alert.severity == \"critical\"" |
	head -n 1 >"$TB/crit.json"
tb_jq ".dedup_key == \"$KEY\" and .alert.frontend == \"$AL_FE\" and
	.alert.fingerprint_sha256 == \"$FP3\" and .alert.not_after == \"$NA3\" and
	(.alert.summary | test(\"expires in [23](\\\\.[0-9])? days\"))" \
	"critical: the same dedup_key, the 3-day leaf's fingerprint and notAfter, days left in the summary" \
	"$TB/crit.json"
crit_gauge() {
	dm_scrape && [ "$(dm_value sipcanary_alerts_firing alertname="$EXP" severity=critical)" = 1 ] &&
		[ "$(dm_series sipcanary_alerts_firing alertname="$EXP" severity=warning)" = 0 ]
}
tb_until 3 crit_gauge ||
	tb_fail "sipcanary_alerts_firing: want {$EXP,critical} 1 and no warning series: $(grep alerts_firing "$DM_METRICS")"
tb_ok "sipcanary_alerts_firing{alertname=\"$EXP\",severity=\"critical\"} 1, warning series gone"
al_api_has ".alertname == \"$EXP\" and .firing and .severity == \"critical\"" ||
	tb_fail "GET /alerts does not show $EXP critical: $(cat "$TB/alerts-api.json")"

# --- 3. restored --------------------------------------------------------------------
t3=$(date +%s.%N)
pki_kamailio_swap good
tb_until 10 got resolve critical ||
	tb_fail "no resolve within 10 s of serving the good leaf: $(al_hook hook true)"
tb_ok "resolve delivered $(dm_elapsed "$t3") s after tls.reload"
al_settle
seq=$(al_hook hook '.ok' | jq -r '"\(.kind):\(.alert.alertname):\(.alert.severity):\(.dedup_key == "'"$KEY"'")"' | tr '\n' ' ')
[ "$seq" = "trigger:$EXP:warning:true trigger:$EXP:critical:true resolve:$EXP:critical:true " ] ||
	tb_fail "delivered: $seq (want the warning trigger, the critical trigger and the resolve, one dedup_key)"
tb_ok "delivered, in order: $seq"
ids=$(al_hook hook '.ok' | jq -r '.id' | sort -u | grep -c .)
[ "$ids" = 3 ] || tb_fail "notification ids are not unique: $(al_hook hook '.ok' | jq -r .id)"
[ "$(al_hook_count hook '.ok and .idem == .id')" = 3 ] ||
	tb_fail "Idempotency-Key differs from the body's id: $(al_hook hook '.ok' | jq -c '[.id, .idem]')"
tb_ok "3 unique notification ids, each also the Idempotency-Key"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "20 days left: $EXP warning; 3 days: critical; renewed: resolved ($(dm_elapsed "$T0") s)"
