#!/bin/bash
# alert_pagerduty.sh — issue 7: PagerDuty Events API v2 from `sipcanary
# run`.  The sink (type pagerduty, url = the test receiver, which checks
# every body against the Events v2 schema and answers 202 like
# PagerDuty; routing_key_file with a 32-character key) gets the
# incident: Kamailio's certificate is swapped to an expired one, then
# restored.
#   - every request is POST /v2/enqueue with Content-Type JSON and passes
#     the schema;
#   - of the four alerts that fire (SipcanaryCertInvalid,
#     SipcanaryFrontendDown, SipcanaryTargetDown,
#     SipcanaryNewConnectionOutage) the outage explains the other three
#     (issue 14: one page per incident): it alone gets one trigger:
#     routing_key = the file's key, event_action trigger, dedup_key = the
#     documented SHA-256 of vantage, alertname, target and frontend,
#     payload.summary (the human sentence, naming the affected frontend),
#     payload.source = the vantage, payload.severity critical,
#     component (the target: a target-level alert)/group/class,
#     custom_details, and the runbook as a link; the others get nothing;
#   - after the restore, it gets one resolve with the same dedup_key
#     (routing_key, event_action, dedup_key only), after its trigger;
#   - the routing key is in no file of state_dir and not in the log.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_init leaf_expired
T0=$(date +%s.%N)
al_pd_start
tb_until 15 al_probes_since 0 ok || tb_fail "no ok probe within 15 s"
tb_ok "steady state: probes ok"

INV=SipcanaryNewConnectionOutage
ALERTS=(SipcanaryNewConnectionOutage)
QUIET=(SipcanaryCertInvalid SipcanaryFrontendDown SipcanaryTargetDown)
declare -A KEY
for a in "${ALERTS[@]}" "${QUIET[@]}"; do
	case "$a" in
	SipcanaryCertInvalid|SipcanaryFrontendDown) KEY[$a]=$(al_dedup "$a" kam "$AL_FE") ;;
	*) KEY[$a]=$(al_dedup "$a" kam) ;;
	esac
done

# --- trigger -------------------------------------------------------------------
t_swap=$(date +%s.%N)
pki_kamailio_swap expired
# all_delivered ACTION — an accepted ACTION for each paged dedup key.
all_delivered() {
	local a
	for a in "${ALERTS[@]}"; do
		[ "$(al_pd_count pd ".ok and .action == \"$1\" and .dedup_key == \"${KEY[$a]}\"")" -ge 1 ] || return 1
	done
}
tb_until 15 all_delivered trigger ||
	tb_fail "not every alert was triggered within 15 s: $(al_pd pd true | jq -c '[.status, .action, .body.payload.class, .errors]')"
tb_ok "the trigger delivered (202) $(dm_elapsed "$t_swap") s after tls.reload"
# a few more failing probes: nothing is paged twice
dm_scrape || tb_fail "GET /metrics failed"
n0=$(dm_value sipcanary_probes_total target=kam frontend="$AL_FE" verdict=cert_expired) || n0=0
tb_until 10 al_probes_since "$((n0 + 2))" cert_expired || tb_fail "fewer than 3 more cert_expired probes in 10 s"

FP=$(pki_fp "$PKI/expired.pem")
NA=$(pki_not_after "$PKI/expired.pem")
al_pd pd ".action == \"trigger\" and .dedup_key == \"${KEY[$INV]}\"" | head -n 1 >"$TB/trigger.json"
tb_jq ".body | keys == [\"dedup_key\", \"event_action\", \"links\", \"payload\", \"routing_key\"]" \
	"trigger: routing_key, event_action, dedup_key, payload, links" "$TB/trigger.json"
tb_jq ".body.routing_key == \"$AL_PD_KEY\" and .body.event_action == \"trigger\" and
	.body.dedup_key == \"${KEY[$INV]}\"" \
	"trigger: the routing key of the file, event_action trigger, dedup_key = sha256(vantage, alertname, target, frontend)" \
	"$TB/trigger.json"
tb_jq ".body.payload | (.summary | test(\"certificate expired\")) and
	(.summary | length <= 1024) and .source == \"$DM_VANTAGE\" and
	(.summary | test(\"affected: 1 of 1 frontends: $AL_FE \\\\(cert_expired\\\\)\")) and
	.severity == \"critical\" and .component == \"kam\" and .group == \"kam\" and
	.class == \"$INV\" and (.timestamp | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\"))" \
	"payload: summary (says certificate expired, names the affected frontend), source = vantage, severity critical, component = target, group = target, class = alertname, timestamp" \
	"$TB/trigger.json"
tb_jq ".body.payload.custom_details | .verdict == \"cert_expired\" and
	.fingerprint_sha256 == \"$FP\" and .not_after == \"$NA\" and
	.owner == \"voice-sre\" and .target == \"kam\" and
	.runbook_url == \"$AL_RUNBOOK\"" \
	"custom_details: verdict, fingerprint, not_after, owner, target, runbook_url" \
	"$TB/trigger.json"
tb_jq ".body.links == [{href: \"$AL_RUNBOOK\", text: \"runbook\"}]" "the runbook as a link" "$TB/trigger.json"
tb_ok "summary: $(jq -r .body.payload.summary "$TB/trigger.json")"
for a in "${ALERTS[@]}"; do
	n=$(al_pd_count pd ".action == \"trigger\" and .dedup_key == \"${KEY[$a]}\"")
	[ "$n" = 1 ] || tb_fail "$a: $n triggers sent, want 1"
done
for a in "${QUIET[@]}"; do
	n=$(al_pd_count pd ".dedup_key == \"${KEY[$a]}\"")
	[ "$n" = 0 ] || tb_fail "$a: $n notifications sent, want none (explained by $INV)"
	al_api_has ".alertname == \"$a\" and .firing and .inhibited_by == \"$INV\"" ||
		tb_fail "/alerts does not show $a firing, inhibited by $INV"
done
tb_ok "one trigger after 3 more failing probes; the 3 alerts it explains fire, inhibited, unpaged"

# --- resolve ---------------------------------------------------------------------
t_restore=$(date +%s.%N)
pki_kamailio_swap good
tb_until 15 all_delivered resolve ||
	tb_fail "not every alert was resolved within 15 s: $(al_pd pd true | jq -c '[.status, .action, .dedup_key[0:8], .errors]')"
tb_ok "the resolve delivered (202) $(dm_elapsed "$t_restore") s after tls.reload"
al_settle
al_pd pd ".action == \"resolve\" and .dedup_key == \"${KEY[$INV]}\"" | head -n 1 >"$TB/resolve.json"
tb_jq ".body == {routing_key: \"$AL_PD_KEY\", event_action: \"resolve\", dedup_key: \"${KEY[$INV]}\"}" \
	"resolve: routing_key, event_action resolve and the trigger's dedup_key, nothing else" "$TB/resolve.json"

# every request: the endpoint, JSON, valid, accepted
[ "$(rx_count pd '.method != "POST" or .path != "/v2/enqueue"')" = 0 ] ||
	tb_fail "requests other than POST /v2/enqueue: $(jq -c '[.method, .path]' "$TB/pd.jsonl")"
[ "$(rx_count pd '(.headers["content-type"] // "") | test("^application/json") | not')" = 0 ] ||
	tb_fail "a request without Content-Type application/json: $(jq -c '.headers' "$TB/pd.jsonl" | head -n 3)"
[ "$(rx_count pd '(.schema_errors | length) > 0 or .status != 202')" = 0 ] ||
	tb_fail "schema errors: $(jq -c 'select((.schema_errors | length) > 0) | .schema_errors' "$TB/pd.jsonl")"
[ "$(rx_count pd)" = 2 ] || tb_fail "$(rx_count pd) requests, want 2 (a trigger, a resolve): $(al_pd pd true | jq -c '[.action, .body.payload.class // .dedup_key[0:8]]')"
bad=$(al_check_order pd action)
[ -z "$bad" ] || tb_fail "per dedup_key, not trigger then resolve once each: $bad"
tb_ok "2 requests, both POST /v2/enqueue, JSON, schema-valid, 202: trigger, then resolve"

# the routing key is never stored or logged
if grep -rqF "$AL_PD_KEY" "$TB/state" "$DM_LOG"; then
	tb_fail "the routing key is in: $(grep -rlF "$AL_PD_KEY" "$TB/state" "$DM_LOG" | tr '\n' ' ')"
fi
tb_ok "the routing key is in no state file and not in the daemon's log"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
al_done "PagerDuty Events v2: one schema-valid trigger per incident (the root cause), then a resolve with the same dedup_key ($(dm_elapsed "$T0") s)"
