#!/bin/bash
# alert_endpoint.sh — issue 7: what the daemon itself shows about its
# alerts.  `sipcanary run` with two targets on one real Kamailio ("kam"
# and "kam2") and a JSON webhook sink with outbox_max = 2 whose receiver
# is not running (connection refused).  Kamailio's certificate is
# swapped to an expired one: 8 alerts fire (SipcanaryCertInvalid,
# SipcanaryFrontendDown, SipcanaryTargetDown, SipcanaryNewConnectionOutage
# per target).
#   - GET /alerts (application/json): an array of alert states; kam's
#     SipcanaryCertInvalid has its alertname, target, frontend, severity,
#     firing, flapping, paged, starts_at, summary, verdict, fingerprint
#     and not_after;
#   - the status page (GET /) lists the firing alerts (li class="alert"
#     with data-alertname and data-severity, the target and the summary);
#   - /metrics: sipcanary_alerts_firing{alertname,severity} (2 per alert
#     name), sipcanary_alert_outbox_depth{sink} 2,
#     sipcanary_alert_notifications_dropped_total{sink} 6 (8 queued, 2
#     kept, oldest dropped first: the drop records of the outbox name
#     the oldest notifications, and the newest is kept),
#     sipcanary_alert_notifications_total{sink,
#     result} with failed > 0, dropped = 6, sent = 0;
#   - the receiver starts: the 2 kept notifications are delivered, depth
#     0, sent 2, dropped still 6;
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
	al_sink_hook hook "$PORT" 'format = "json"' 'outbox_max = 2'
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
	al_api && [ "$(jq '[.[] | select(.firing and .paged)] | length' "$TB/alerts-api.json")" = 8 ]
}
tb_until 15 eight ||
	tb_fail "8 alerts not firing within 15 s: $(jq -c '[.[] | [.target, .alertname, .firing, .paged]]' "$TB/alerts-api.json")"
tb_ok "8 alerts firing $(dm_elapsed "$t_swap") s after the swap"

# --- GET /alerts ------------------------------------------------------------------------
ct=$(curl -sS -o /dev/null -w '%{content_type}' --max-time 5 "http://127.0.0.1:$DM_HTTP/alerts")
case "$ct" in application/json*) tb_ok "GET /alerts: Content-Type $ct" ;;
*) tb_fail "GET /alerts: Content-Type '$ct'" ;; esac
FP=$(pki_fp "$PKI/expired.pem")
NA=$(pki_not_after "$PKI/expired.pem")
now=$(date +%s)
tb_jq "[.[] | select(.alertname == \"$INV\" and .target == \"kam\")] | length == 1 and (.[0] |
	.frontend == \"$AL_FE\" and .severity == \"critical\" and .firing == true and
	.flapping == false and .paged == true and
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
tb_ok "status page: 8 alert rows; kam's $INV with severity, frontend and summary"

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
	dm_scrape && [ "$(dm_value sipcanary_alert_outbox_depth sink=hook)" = 2 ] &&
		[ "$(dm_value sipcanary_alert_notifications_dropped_total sink=hook)" = 6 ] &&
		[ "$(dm_value sipcanary_alert_notifications_total sink=hook result=failed)" -ge 1 ]
}
tb_until 5 settled ||
	tb_fail "want depth 2, dropped 6, failed >= 1: $(grep -E '^sipcanary_alert_(outbox|notif)' "$DM_METRICS" | tr '\n' ' ')"
[ "$(dm_value sipcanary_alert_notifications_total sink=hook result=dropped)" = 6 ] ||
	tb_fail "sipcanary_alert_notifications_total{result=\"dropped\"} is $(dm_value sipcanary_alert_notifications_total sink=hook result=dropped), want 6"
s=$(dm_value sipcanary_alert_notifications_total sink=hook result=sent) || s=0
[ "$s" = 0 ] || tb_fail "sent is $s with the receiver down"
tb_ok "outbox_depth{sink=\"hook\"} 2, dropped_total 6, notifications_total: failed $(dm_value sipcanary_alert_notifications_total sink=hook result=failed), dropped 6, sent 0"
# oldest first: the drop records name the 6 lowest ids added
OB=$TB/state/outbox-hook.log
added=$(jq -r 'select(.op == "add") | .id' "$OB" | sort -n | tr '\n' ' ')
dropped=$(jq -r 'select(.op == "drop") | .id' "$OB" | sort -n | tr '\n' ' ')
[ "$(echo "$added" | wc -w)" = 8 ] || tb_fail "the outbox has $(echo "$added" | wc -w) add records, want 8"
# (the oldest not in flight: a request may have been under way to the
# refused port when the last ones were queued, so one of the 7 oldest
# may stay; the newest always stays)
oldest7=" $(echo "$added" | cut -d' ' -f1-7) "
for i in $dropped; do
	case "$oldest7" in *" $i "*) ;; *) tb_fail "dropped ids $dropped: $i is not among the oldest ($added)" ;; esac
done
kept=$(for i in $added; do case " $dropped" in *" $i "*) ;; *) printf '%s ' "$i" ;; esac; done)
case "$kept" in *"$(echo "$added" | cut -d' ' -f8) ") ;; *) tb_fail "the newest notification was dropped: kept $kept" ;; esac
tb_ok "the oldest notifications were dropped (ids $dropped), kept $kept"

# --- the receiver comes up -------------------------------------------------------------
rx_start hook "$PORT"
drained() {
	dm_scrape && [ "$(dm_value sipcanary_alert_outbox_depth sink=hook)" = 0 ] &&
		[ "$(dm_value sipcanary_alert_notifications_total sink=hook result=sent)" = 2 ]
}
tb_until 10 drained || tb_fail "the 2 kept notifications were not delivered within 10 s: $(al_hook hook true | jq -c '[.status, .kind, .alert.alertname]')"
[ "$(dm_value sipcanary_alert_notifications_dropped_total sink=hook)" = 6 ] || tb_fail "dropped changed"
got=$(al_hook hook '.ok' | jq -r '.id | split("-") | .[-1]' | tr '\n' ' ')
[ "$got" = "$kept" ] || tb_fail "delivered notification ids $got, want the kept ones $kept"
[ "$(al_hook_count hook '.ok and .kind == "trigger"')" = 2 ] || tb_fail "the delivered ones are not 2 triggers"
tb_ok "receiver up: the 2 kept triggers delivered (ids $got), depth 0, sent 2, dropped 6"

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
