#!/bin/bash
# sink_alertmanager.sh — a real Alertmanager (Debian's
# prometheus-alertmanager, on a loopback port, no cluster, storage in
# the test's directory) takes the sink's POST /api/v2/alerts: the alert
# is listed active by GET /api/v2/alerts with its labels and
# annotations, stays active through refreshes, and the resolve (endsAt
# = the resolve time) takes it out of the active list.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
sd_require

port=$(tb_free_port)
rx_am_start "$port"
tb_ok "alertmanager on 127.0.0.1:$port"

sd_conf "$TB/sc.conf" "sink \"am\" {
	type = alertmanager; url = \"http://127.0.0.1:$port/\"
	resend_interval = 1m; retry_min = 200ms; retry_max = 1s
}"

alerts() {
	curl -sf "http://127.0.0.1:$port/api/v2/alerts?active=true" -o "$TB/alerts.json"
}
sd_run -c "$TB/sc.conf" -w 20 \
	trigger,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061 \
	trigger,SipcanaryTargetDown,voice-prod
tb_expect_rc 0 "delivered"
grep -q 'delivered trigger of SipcanaryCertInvalid (notification 1, HTTP 200' "$TB_ERR" ||
	tb_fail "no 200 from alertmanager"
alerts || tb_fail "GET /api/v2/alerts failed"
tb_jq '[.[] | select(.labels.alertname == "SipcanaryCertInvalid")] | length == 1' \
	"one SipcanaryCertInvalid" "$TB/alerts.json"
tb_jq '.[] | select(.labels.alertname == "SipcanaryCertInvalid") |
	.status.state == "active" and .labels.severity == "critical" and
	.labels.target == "voice-prod" and .labels.frontend == "10.0.0.7:5061" and
	.labels.vantage == "test-lab" and .labels.owner == "voice-sre" and
	.annotations.verdict == "cert_expired" and
	.annotations.fingerprint_sha256 == "AB:CD:EF" and
	.annotations.runbook_url == "https://wiki.example/runbooks/sipcanary" and
	(.annotations.summary | test("SipcanaryCertInvalid on voice-prod"))' \
	"active, with its labels and annotations" "$TB/alerts.json"
tb_jq '.[] | select(.labels.alertname == "SipcanaryTargetDown") |
	.status.state == "active" and (.labels | has("frontend") | not)' \
	"a target-level alert has no frontend label" "$TB/alerts.json"
ends1=$(jq -r '.[] | select(.labels.alertname == "SipcanaryCertInvalid") | .endsAt' "$TB/alerts.json")

# Re-sent while firing (the engine calls refresh; the sink throttles).
sleep 1
sd_run -c "$TB/sc.conf" -w 20 refresh,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061
tb_expect_rc 0 "refresh delivered"
alerts || tb_fail "GET /api/v2/alerts failed"
ends2=$(jq -r '.[] | select(.labels.alertname == "SipcanaryCertInvalid") | .endsAt' "$TB/alerts.json")
[ "$ends2" \> "$ends1" ] || tb_fail "endsAt not moved by the refresh: $ends1 -> $ends2"
tb_ok "a refresh keeps it active longer ($ends1 -> $ends2)"

sd_run -c "$TB/sc.conf" -w 20 resolve,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061
tb_expect_rc 0 "resolve delivered"
# shellcheck disable=SC2317  # called through tb_until
gone() {
	alerts && jq -e '[.[] | select(.labels.alertname ==
		"SipcanaryCertInvalid")] | length == 0' "$TB/alerts.json" >/dev/null
}
tb_until 5 gone ||
	tb_fail "still active after the resolve: $(cat "$TB/alerts.json")"
tb_jq '[.[] | select(.labels.alertname == "SipcanaryTargetDown")] | length == 1' \
	"the other alert stays" "$TB/alerts.json"
tb_pass "alertmanager took, listed and resolved the alert"
