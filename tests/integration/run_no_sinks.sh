#!/bin/bash
# run_no_sinks.sh - with no sink configured, nothing says "paged" without
# saying where: the start-up log warns that alerts are delivered nowhere,
# the status page says so, and each alert on /alerts carries
# "delivery": "nowhere: no sink is configured" (it said "paged": true
# and nothing else).
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
dead=$(tb_free_port)
{
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0" \
		"for = 1" "resolve_after = 1"
	printf 'target "dead" {\n\turi = "sips:example.test"\n\tuser = "alice"\n'
	printf '\tpassword_file = "%s"\n\tconnect = "127.0.0.1:%s"\n}\n' "$TB/pw" "$dead"
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
grep -q 'alerts are delivered nowhere: no sink is configured' "$DM_LOG" ||
	tb_fail "the start-up log does not say alerts go nowhere"
dm_http GET / "$TB/page.html" >/dev/null
grep -q '<p class="no-sinks"><strong>Alerts are delivered nowhere:</strong>' "$TB/page.html" ||
	tb_fail "the status page does not say alerts go nowhere"
tb_ok "start-up log and status page: alerts are delivered nowhere"
down() {
	dm_http GET /alerts "$TB/alerts.json" >/dev/null
	jq -e 'any(.[]; .alertname == "SipcanaryFrontendDown" and .firing)' \
		"$TB/alerts.json" >/dev/null 2>&1
}
tb_until 15 down || tb_fail "SipcanaryFrontendDown never fired: $(cat "$TB/alerts.json")"
jq -e 'all(.[]; .delivery == (if .inhibited_by == null then "nowhere: no sink is configured"
	else "not paged: inhibited by \(.inhibited_by)" end))' "$TB/alerts.json" >/dev/null ||
	tb_fail "/alerts does not say where alerts went: $(cat "$TB/alerts.json")"
tb_ok "/alerts: every alert says it was delivered nowhere (or, explained by another, not paged)"
dm_stop
tb_pass "no sink: said at start-up, on the status page and on /alerts"
