#!/bin/bash
# alert_inhibit_rules.sh — issue 14, one page per incident: the
# inhibit_rules that docs/alerting.md gives (the block between "# BEGIN
# sipcanary inhibit_rules" and "# END sipcanary inhibit_rules") hold in a
# real Alertmanager (Debian's prometheus-alertmanager, loopback).  The
# alerts of an incident are posted to its API v2, as Prometheus would
# post those of docs/prometheus; each step reads the state Alertmanager
# gives every alert (GET /api/v2/alerts: status.state, inhibitedBy):
#   1. the outage of target kam with its symptoms (TargetDown,
#      FrontendDown and CertInvalid of frontend fe1, ReconnectFailing):
#      the outage alone is active, the 4 others suppressed by it; a
#      FrontendDown of another target stays active (per target);
#   2. the outage resolves while the target is still down: TargetDown is
#      active, it suppresses FrontendDown and CertInvalid;
#      ReconnectFailing is active (nothing explains it any more);
#   3. TargetDown resolves too: CertInvalid of fe1 is active and
#      suppresses FrontendDown of fe1 only; FrontendDown of fe2 is active;
#   4. a critical and a warning SipcanaryCertExpiringSoon of one
#      frontend: the warning is suppressed.
# shellcheck disable=SC2317  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/receiver.sh
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
tb_require jq curl

DOC=$TB_TOP/docs/alerting.md
sed -n '/^# BEGIN sipcanary inhibit_rules/,/^# END sipcanary inhibit_rules/p' "$DOC" >"$TB/inhibit.yml"
grep -q '^inhibit_rules:' "$TB/inhibit.yml" || tb_fail "no inhibit_rules block between the BEGIN/END markers in docs/alerting.md"
tb_ok "docs/alerting.md: $(grep -c 'source_matchers' "$TB/inhibit.yml") inhibit rules"
PORT=$(tb_free_port)
rx_am_start "$PORT" "$TB/inhibit.yml"
tb_ok "alertmanager on 127.0.0.1:$PORT with the documented inhibit_rules"
AM=http://127.0.0.1:$PORT/api/v2/alerts

# post ENDS ALERTNAME TARGET [FRONTEND [SEVERITY]] — one alert, as
# Prometheus posts it; ENDS is an RFC 3339 endsAt (past: resolved).
post() {
	local ends=$1 name=$2 target=$3 fe=${4:-} sev=${5:-critical}
	jq -cn --arg n "$name" --arg t "$target" --arg f "$fe" --arg s "$sev" --arg e "$ends" '
		[{labels: ({alertname: $n, target: $t, vantage: "lab", severity: $s}
			+ (if $f == "" then {} else {frontend: $f} end)),
		  annotations: {summary: "test"}, endsAt: $e}]' >"$TB/post.json"
	curl -sf --max-time 5 -H 'Content-Type: application/json' \
		--data-binary @"$TB/post.json" "$AM" -o /dev/null ||
		tb_fail "POST $name to Alertmanager failed"
}
LATER=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
NOW() { date -u -d '-1 second' +%Y-%m-%dT%H:%M:%SZ; }

# state ALERTNAME TARGET [FRONTEND [SEVERITY]] — "active", "suppressed"
# (with the inhibitors' count) or "absent".
state() {
	local name=$1 target=$2 fe=${3:-} sev=${4:-critical}
	curl -sf --max-time 5 "$AM" -o "$TB/am.json" || return 1
	jq -r --arg n "$name" --arg t "$target" --arg f "$fe" --arg s "$sev" '
		[.[] | select(.labels.alertname == $n and .labels.target == $t and
			(.labels.frontend // "") == $f and .labels.severity == $s)] |
		if length == 0 then "absent"
		elif .[0].status.state == "suppressed" then
			"suppressed by \(.[0].status.inhibitedBy | length)"
		else .[0].status.state end' "$TB/am.json"
}
# want STATE ALERT-ARGS... — true once the alert is in STATE ("active",
# "suppressed": by at least one inhibitor, or "absent")
want() {
	local w=$1 got
	shift
	got=$(state "$@") || return 1
	case "$w:$got" in
	active:active | absent:absent | suppressed:"suppressed by "[1-9]*) return 0 ;;
	esac
	return 1
}
expect() {
	local w=$1
	shift
	tb_until 10 want "$w" "$@" || tb_fail "$*: $(state "$@"), want $w"
}

# --- 1. the outage and its symptoms --------------------------------------------
post "$LATER" SipcanaryNewConnectionOutage kam
post "$LATER" SipcanaryTargetDown kam
post "$LATER" SipcanaryFrontendDown kam fe1
post "$LATER" SipcanaryCertInvalid kam fe1
post "$LATER" SipcanaryReconnectFailing kam fe1
post "$LATER" SipcanaryFrontendDown other fe9
expect active SipcanaryNewConnectionOutage kam
for a in "SipcanaryTargetDown kam" "SipcanaryFrontendDown kam fe1" \
    "SipcanaryCertInvalid kam fe1" "SipcanaryReconnectFailing kam fe1"; do
	# shellcheck disable=SC2086  # the words are the arguments
	expect suppressed $a
done
expect active SipcanaryFrontendDown other fe9
jq -e '[.[] | select(.status.state == "active")] | length == 2' "$TB/am.json" >/dev/null ||
	tb_fail "want 2 active alerts (the outage, another target's frontend): $(jq -c '[.[] | [.labels.alertname, .labels.target, .status.state]]' "$TB/am.json")"
tb_ok "1. the outage active, its 4 symptoms suppressed; another target's FrontendDown active"

# --- 2. the outage resolves, the target is still down -------------------------
post "$(NOW)" SipcanaryNewConnectionOutage kam
expect absent SipcanaryNewConnectionOutage kam
expect active SipcanaryTargetDown kam
expect suppressed SipcanaryFrontendDown kam fe1
expect suppressed SipcanaryCertInvalid kam fe1
expect active SipcanaryReconnectFailing kam fe1
tb_ok "2. outage resolved: TargetDown active, suppresses FrontendDown and CertInvalid; ReconnectFailing active"

# --- 3. the target is up again but for fe1's certificate ----------------------
post "$(NOW)" SipcanaryTargetDown kam
post "$LATER" SipcanaryFrontendDown kam fe2
expect absent SipcanaryTargetDown kam
expect active SipcanaryCertInvalid kam fe1
expect suppressed SipcanaryFrontendDown kam fe1
expect active SipcanaryFrontendDown kam fe2
tb_ok "3. TargetDown resolved: CertInvalid of fe1 active, suppresses FrontendDown of fe1 only; fe2's active"

# --- 4. expiry: critical hides the warning --------------------------------------
post "$LATER" SipcanaryCertExpiringSoon kam fe3 critical
post "$LATER" SipcanaryCertExpiringSoon kam fe3 warning
expect active SipcanaryCertExpiringSoon kam fe3 critical
expect suppressed SipcanaryCertExpiringSoon kam fe3 warning
tb_ok "4. SipcanaryCertExpiringSoon: critical active, warning of the same frontend suppressed"

tb_pass "the inhibit_rules of docs/alerting.md give one active alert per incident in a real Alertmanager"
