#!/bin/bash
# alert_endpoint.sh — issue 7: what the daemon itself shows about its
# alerts.  `sipcanary run` with two targets on one real Kamailio ("kam"
# and "kam2") and a JSON webhook sink with outbox_max = 2 whose receiver
# is not running (connection refused).  Kamailio's certificate is
# swapped to an expired one: 8 alerts fire (SipcanaryCertInvalid,
# SipcanaryFrontendDown, SipcanaryTargetDown, SipcanaryNewConnectionOutage
# per target), and 2 page: the outage explains the other 3 of its target
# (issue 14: one page per incident).
#   - GET /alerts (application/json): an array of alert states; kam's
#     SipcanaryCertInvalid has its alertname, target, frontend, severity,
#     firing, flapping, paged (false), inhibited_by (the outage),
#     starts_at, summary, verdict, fingerprint and not_after, and its
#     delivery says "not paged: inhibited by SipcanaryNewConnectionOutage";
#     each outage is paged, its delivery "not delivered to hook (queued
#     at T)";
#   - the status page (GET /) lists the firing alerts (li class="alert"
#     with data-alertname and data-severity, the target, the summary and
#     what became of it: 6 rows say "inhibited by");
#   - /metrics: sipcanary_alerts_firing{alertname,severity} (2 per alert
#     name), and with outbox_max = 1: 2 triggers queued, the older
#     dropped unless a request was carrying it (in flight is never
#     dropped), the newer kept: depth + dropped = 2,
#     sipcanary_alert_notifications_total{sink, result} with failed > 0,
#     sent = 0;
#   - the receiver starts: the kept notifications are delivered, depth
#     0, dropped unchanged; /alerts says "delivered to hook at T";
#   - the good certificate: /alerts shows nothing firing, the firing
#     gauges are gone and the status page lists no alert.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_init leaf_expired
T0=$(date +%s.%N)
PORT=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT")

mapfile -t DEF < <(al_fast_defaults)
{
	dm_config_head "${DEF[@]}"
	dm_target kam
	dm_target kam2
	al_sink_hook hook "$PORT" 'format = "json"' 'outbox_max = 1'
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
both_ok() {
	dm_scrape && [ "$(dm_value sipcanary_probe_success target=kam)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success target=kam2)" = 1 ] &&
		[ "$(dm_value sipcanary_flow_up target=kam)" = 1 ] &&
		[ "$(dm_value sipcanary_flow_up target=kam2)" = 1 ]
}
tb_until 15 both_ok || tb_fail "both targets not ok with their flows up within 15 s"
al_api || tb_fail "GET /alerts failed"
tb_jq 'type == "array" and all(.[]; .firing | not)' "GET /alerts before the incident: an array, nothing firing" \
	"$TB/alerts-api.json"
tb_ok "steady state: 2 targets ok; the receiver (port $PORT) is not running"

INV=SipcanaryCertInvalid
NAMES=(SipcanaryCertInvalid SipcanaryFrontendDown SipcanaryNewConnectionOutage SipcanaryTargetDown)
t_swap=$(date +%s.%N)
pki_kamailio_swap expired
eight() {
	al_api && [ "$(jq '[.[] | select(.firing)] | length' "$TB/alerts-api.json")" = 8 ] &&
		[ "$(jq '[.[] | select(.firing and (.inhibited_by != null))] | length' "$TB/alerts-api.json")" = 6 ]
}
tb_until 15 eight ||
	tb_fail "8 alerts (6 inhibited) not firing within 15 s: $(jq -c '[.[] | [.target, .alertname, .firing, .paged, .inhibited_by]]' "$TB/alerts-api.json")"
tb_ok "8 alerts firing $(dm_elapsed "$t_swap") s after the swap"
tb_jq '[.[] | select(.paged)] | length == 2 and all(.[]; .alertname == "SipcanaryNewConnectionOutage")' \
	"2 paged: the outage of each target" "$TB/alerts-api.json"
tb_jq '[.[] | select(.alertname != "SipcanaryNewConnectionOutage")] | all(.[];
	.paged == false and .inhibited_by == "SipcanaryNewConnectionOutage" and
	.delivery == "not paged: inhibited by SipcanaryNewConnectionOutage")' \
	"the other 6: not paged, inhibited_by and delivery name the outage" "$TB/alerts-api.json"
tb_jq '[.[] | select(.paged)] | all(.[]; .delivery | test("^trigger not delivered to hook \\(queued at 20"))' \
	"the paged ones: trigger not delivered to hook (queued at T)" "$TB/alerts-api.json"

# --- GET /alerts ------------------------------------------------------------------------
ct=$(curl -sS -o /dev/null -w '%{content_type}' --max-time 5 "http://127.0.0.1:$DM_HTTP/alerts")
case "$ct" in application/json*) tb_ok "GET /alerts: Content-Type $ct" ;;
*) tb_fail "GET /alerts: Content-Type '$ct'" ;; esac
FP=$(pki_fp "$PKI/expired.pem")
NA=$(pki_not_after "$PKI/expired.pem")
now=$(date +%s)
tb_jq "[.[] | select(.alertname == \"$INV\" and .target == \"kam\")] | length == 1 and (.[0] |
	.frontend == \"$AL_FE\" and .severity == \"critical\" and .firing == true and
	.flapping == false and .paged == false and
	.inhibited_by == \"SipcanaryNewConnectionOutage\" and
	.starts_at >= ${t_swap%.*} and .starts_at <= $now and
	(.summary | test(\"expired\")) and .verdict == \"cert_expired\" and
	.fingerprint == \"$FP\" and .not_after == \"$NA\")" \
	"GET /alerts: kam's $INV with frontend, severity, firing, flapping, paged, starts_at, summary, verdict, fingerprint, not_after" \
	"$TB/alerts-api.json"
for t in kam kam2; do
	for a in "${NAMES[@]}"; do
		jq -e --arg t "$t" --arg a "$a" 'any(.[]; .target == $t and .alertname == $a and .firing)' \
			"$TB/alerts-api.json" >/dev/null || tb_fail "GET /alerts: no firing $a for $t"
	done
done
tb_jq '[.[] | select(.alertname == "SipcanaryTargetDown" or .alertname == "SipcanaryNewConnectionOutage") | .frontend] | all(. == "")' \
	"target-level alerts have an empty frontend" "$TB/alerts-api.json"

# --- the status page -----------------------------------------------------------------
[ "$(dm_http GET / "$TB/status.html")" = 200 ] || tb_fail "GET / failed"
rows=$(grep -c '<li class="alert" data-alertname="' "$TB/status.html" || true)
[ "$rows" = 8 ] || tb_fail "the status page lists $rows alerts, want 8: $(grep -o '<li class="alert"[^>]*>' "$TB/status.html")"
grep -q "<li class=\"alert\" data-alertname=\"$INV\" data-severity=\"critical\"><b>$INV</b> (critical) kam $AL_FE: new TLS connections to $AL_FE fail: certificate expired" \
	"$TB/status.html" || tb_fail "the status page has no row for kam's $INV with its summary: $(grep "data-alertname=\"$INV\"" "$TB/status.html")"
inh=$(grep -c '<li class="alert".*<span class="delivery">(not paged: inhibited by SipcanaryNewConnectionOutage)</span>' "$TB/status.html" || true)
[ "$inh" = 6 ] || tb_fail "the status page says 'inhibited by' on $inh rows, want 6: $(grep '<li class="alert"' "$TB/status.html")"
tb_ok "status page: 8 alert rows, 6 'inhibited by SipcanaryNewConnectionOutage'; kam's $INV with severity, frontend and summary"

# --- /metrics ----------------------------------------------------------------------------
dm_scrape || tb_fail "GET /metrics failed"
for a in "${NAMES[@]}"; do
	v=$(dm_value sipcanary_alerts_firing alertname="$a" severity=critical) ||
		tb_fail "no sipcanary_alerts_firing{alertname=\"$a\",severity=\"critical\"}"
	[ "$v" = 2 ] || tb_fail "sipcanary_alerts_firing{alertname=\"$a\"} is $v, want 2"
done
labels=$(grep '^sipcanary_alerts_firing{' "$DM_METRICS" | sed 's/^[^{]*{\(.*\)}.*/\1/; s/="[^"]*"//g' | sort -u)
[ "$labels" = "vantage,alertname,severity" ] || tb_fail "sipcanary_alerts_firing labels: $labels"
tb_ok "sipcanary_alerts_firing{alertname,severity} (+ vantage): 2 for each of the 4 alert names"
settled() {
	dm_scrape && depth=$(dm_value sipcanary_alert_outbox_depth sink=hook) &&
		drops=$(dm_value sipcanary_alert_notifications_dropped_total sink=hook) &&
		[ $((depth + drops)) = 2 ] && [ "$depth" -ge 1 ] &&
		[ "$(dm_value sipcanary_alert_notifications_total sink=hook result=failed)" -ge 1 ]
}
tb_until 5 settled ||
	tb_fail "want depth + dropped = 2, failed >= 1: $(grep -E '^sipcanary_alert_(outbox|notif)' "$DM_METRICS" | tr '\n' ' ')"
[ "$(dm_value sipcanary_alert_notifications_total sink=hook result=dropped)" = "$drops" ] ||
	tb_fail "sipcanary_alert_notifications_total{result=\"dropped\"} is $(dm_value sipcanary_alert_notifications_total sink=hook result=dropped), want $drops"
s=$(dm_value sipcanary_alert_notifications_total sink=hook result=sent) || s=0
[ "$s" = 0 ] || tb_fail "sent is $s with the receiver down"
tb_ok "outbox_depth{sink=\"hook\"} $depth, dropped_total $drops, notifications_total: failed $(dm_value sipcanary_alert_notifications_total sink=hook result=failed), sent 0"
# oldest first: a drop record names the older id, the newer stays
OB=$TB/state/outbox-hook.log
added=$(jq -r 'select(.op == "add") | .id' "$OB" | sort -n | tr '\n' ' ')
dropped=$(jq -r 'select(.op == "drop") | .id' "$OB" | sort -n | tr '\n' ' ')
[ "$(echo "$added" | wc -w)" = 2 ] || tb_fail "the outbox has $(echo "$added" | wc -w) add records, want 2 (one page per target)"
[ "$(echo "$dropped" | wc -w)" = "$drops" ] || tb_fail "drop records $dropped, want $drops"
[ "$drops" = 0 ] || [ "$dropped" = "$(echo "$added" | cut -d' ' -f1) " ] ||
	tb_fail "dropped $dropped, want the older of $added"
kept=$(for i in $added; do case " $dropped" in *" $i "*) ;; *) printf '%s ' "$i" ;; esac; done)
tb_ok "kept $kept (dropped: ${dropped:-none, the older was in flight})"

# --- the receiver comes up -------------------------------------------------------------
rx_start hook "$PORT"
drained() {
	dm_scrape && [ "$(dm_value sipcanary_alert_outbox_depth sink=hook)" = 0 ] &&
		[ "$(dm_value sipcanary_alert_notifications_total sink=hook result=sent)" = "$depth" ]
}
tb_until 10 drained || tb_fail "the $depth kept notifications were not delivered within 10 s: $(al_hook hook true | jq -c '[.status, .kind, .alert.alertname]')"
[ "$(dm_value sipcanary_alert_notifications_dropped_total sink=hook)" = "$drops" ] || tb_fail "dropped changed"
got=$(al_hook hook '.ok' | jq -r '.id | split("-") | .[-1]' | tr '\n' ' ')
[ "$got" = "$kept" ] || tb_fail "delivered notification ids $got, want the kept ones $kept"
[ "$(al_hook_count hook '.ok and .kind == "trigger"')" = "$depth" ] || tb_fail "the delivered ones are not $depth triggers"
tb_ok "receiver up: the kept triggers delivered (ids $got), depth 0, sent $depth, dropped $drops"
delivered() {
	al_api && jq -e '[.[] | select(.paged and (.delivery | test("^trigger delivered to hook at 20")))] | length == '"$depth" \
		"$TB/alerts-api.json" >/dev/null
}
tb_until 5 delivered || tb_fail "/alerts does not say 'delivered to hook at T' for $depth alerts: $(jq -c '[.[] | select(.paged) | .delivery]' "$TB/alerts-api.json")"
dm_scrape
ts=$(dm_value sipcanary_alert_sink_last_delivery_timestamp_seconds sink=hook)
awk -v t="$ts" -v n="$(date +%s)" 'BEGIN { exit !(t > n - 60 && t <= n + 1) }' ||
	tb_fail "sipcanary_alert_sink_last_delivery_timestamp_seconds{sink=\"hook\"} is $ts, not the last minute"
tb_ok "/alerts: 'trigger delivered to hook at T'; sipcanary_alert_sink_last_delivery_timestamp_seconds $ts"

# --- restored ------------------------------------------------------------------------------
pki_kamailio_swap good
calm() {
	al_api && jq -e 'all(.[]; .firing | not)' "$TB/alerts-api.json" >/dev/null &&
		dm_scrape && [ "$(dm_series sipcanary_alerts_firing)" = 0 ]
}
tb_until 10 calm || tb_fail "still firing 10 s after the restore: $(grep '^sipcanary_alerts_firing' "$DM_METRICS")"
[ "$(dm_http GET / "$TB/status2.html")" = 200 ] || tb_fail "GET / failed"
if grep -q '<li class="alert"' "$TB/status2.html"; then
	tb_fail "the status page still lists alerts: $(grep '<li class="alert"' "$TB/status2.html")"
fi
tb_ok "restored: nothing firing in /alerts, no sipcanary_alerts_firing series, no alert on the status page"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "GET /alerts, the status page and the alert metrics; bounded outbox drops oldest first ($(dm_elapsed "$T0") s)"
