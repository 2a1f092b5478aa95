#!/bin/bash
# sink_pagerduty.sh — issue 7: PagerDuty Events API v2.  The test
# receiver checks every body against the Events v2 schema (strictly: a
# resolve carries routing_key, event_action and dedup_key only) and
# answers as PagerDuty does.  A trigger, then a resolve with the same
# dedup_key, both accepted (202) at /v2/enqueue; the routing key is on
# the wire only: not in the log, not in state_dir.  The schema check
# itself is shown to refuse bad events.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
sd_require

port=$(tb_free_port)
rx_start pd "$port" --pd-schema
key=R0UT1NGKEY0123456789abcdefABCDEF
printf '%s\n' "$key" >"$TB/pd.key"
chmod 600 "$TB/pd.key"
sd_conf "$TB/sc.conf" "sink \"pd\" {
	type = pagerduty; routing_key_file = \"$TB/pd.key\"
	url = \"http://127.0.0.1:$port\"       # the default is https://events.pagerduty.com
	match = \"severity=critical\"
	retry_min = 200ms; retry_max = 1s
}"

sd_run -c "$TB/sc.conf" -w 20 \
	trigger,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061 \
	trigger,SipcanaryCertExpiringSoon,voice-prod,10.0.0.7:5061,warning \
	refresh,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061 \
	resolve,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061
tb_expect_rc 0 "delivered"
grep -q '^queued trigger SipcanaryCertExpiringSoon 0$' "$TB_OUT" ||
	tb_fail "a warning went past match = severity=critical"
grep -q '^queued refresh SipcanaryCertInvalid 0$' "$TB_OUT" ||
	tb_fail "a refresh was queued for PagerDuty"
tb_ok "match and kinds: the warning and the refresh are not for this sink"

[ "$(rx_count pd)" = 2 ] || tb_fail "$(rx_count pd) events, expected 2"
jq -e -s 'all(.[]; .status == 202 and .path == "/v2/enqueue" and
	(.schema_errors | length) == 0)' "$TB/pd.jsonl" >/dev/null ||
	tb_fail "schema errors: $(jq -c .schema_errors "$TB/pd.jsonl")"
tb_ok "both events valid Events v2, 202 at /v2/enqueue"
jq -e -s --arg k "$key" '
	(.[0].body | fromjson) as $t | (.[1].body | fromjson) as $r |
	$t.event_action == "trigger" and $r.event_action == "resolve" and
	$t.dedup_key == $r.dedup_key and ($t.dedup_key | length) == 64 and
	$t.routing_key == $k and $r.routing_key == $k and
	($r | keys) == ["dedup_key", "event_action", "routing_key"] and
	$t.payload.source == "test-lab" and $t.payload.severity == "critical" and
	$t.payload.component == "10.0.0.7:5061" and
	$t.payload.group == "voice-prod" and
	$t.payload.class == "SipcanaryCertInvalid" and
	$t.links[0].href == "https://wiki.example/runbooks/sipcanary"' \
	"$TB/pd.jsonl" >/dev/null || tb_fail "events: $(jq -c '.body | fromjson' "$TB/pd.jsonl")"
tb_ok "trigger then resolve with the same dedup_key"

if grep -rq "$key" "$TB/state" "$TB_OUT" "$TB_ERR"; then
	tb_fail "the routing key leaked into state_dir or the log"
fi
tb_ok "the routing key is on the wire only"

# The checker refuses what PagerDuty would.
bad() {
	curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data "$1" "http://127.0.0.1:$port/v2/enqueue"
}
[ "$(bad '{"routing_key":"'$key'","event_action":"trigger","payload":{"summary":"x","source":"y","severity":"fatal"}}')" = 400 ] ||
	tb_fail "a bad severity was accepted"
[ "$(bad '{"routing_key":"'$key'","event_action":"resolve","dedup_key":"d","payload":{}}')" = 400 ] ||
	tb_fail "a resolve with a payload was accepted"
[ "$(bad '{"routing_key":"short","event_action":"trigger","payload":{"summary":"x","source":"y","severity":"info"}}')" = 400 ] ||
	tb_fail "a short routing key was accepted"
[ "$(bad '{"routing_key":"'$key'","event_action":"trigger","payload":{"summary":"x","source":"y","severity":"info"}}')" = 202 ] ||
	tb_fail "a good event was refused"
tb_pass "PagerDuty Events v2: trigger, then resolve with the same dedup_key"
