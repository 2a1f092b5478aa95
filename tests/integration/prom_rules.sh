#!/bin/bash
# prom_rules.sh — issue 7, "For Prometheus shops": the files that ship for
# teams running Prometheus are checked with the real tools.
#   - promtool check rules docs/prometheus/sipcanary-rules.yml (syntax,
#     PromQL, templates), and the seven alerts of the daemon are there by
#     name, each with a severity, a summary, a description and a
#     runbook_url;
#   - promtool test rules docs/prometheus/sipcanary-rules.test.yml (the
#     unit tests: outage, expiry, reconnects, firing and quiet cases);
#   - docs/grafana/sipcanary.json parses (jq), has a Prometheus datasource
#     variable and the vantage and target variables, and every expr in it
#     is valid PromQL (checked by promtool as recording rules, the Grafana
#     variables replaced);
#   - every sipcanary_* metric named in the rules, their tests and the
#     dashboard is one that prober/daemon/ registers (a histogram also
#     as NAME_bucket, NAME_sum, NAME_count).
# Run from anywhere: the repository top is found from this script.
# Exits 0 (pass), 1 (fail) or 77 (skip: no promtool or jq).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require promtool jq
cd "$TB_TOP"

RULES=docs/prometheus/sipcanary-rules.yml
RTEST=docs/prometheus/sipcanary-rules.test.yml
DASH=docs/grafana/sipcanary.json
for f in "$RULES" "$RTEST" "$DASH"; do
	[ -f "$f" ] || tb_fail "missing $f"
done

# --- the rules ----------------------------------------------------------------
if ! promtool check rules "$RULES" >"$TB/check.out" 2>&1; then
	cat "$TB/check.out"
	tb_fail "promtool check rules $RULES"
fi
tb_ok "promtool check rules: $(grep -o '[0-9]* rules found' "$TB/check.out")"

for a in SipcanaryFrontendDown SipcanaryTargetDown SipcanaryNewConnectionOutage \
	SipcanaryCertInvalid SipcanaryCertExpiringSoon SipcanaryCertInconsistent \
	SipcanaryReconnectFailing; do
	grep -Eq "^[[:space:]]*- alert: $a\$" "$RULES" || tb_fail "no alert $a in $RULES"
done
tb_ok "the seven alerts of the daemon are there by name"

# every alert carries severity, summary, description and runbook_url
nalerts=$(grep -Ec '^[[:space:]]*- alert: ' "$RULES")
for k in severity summary description runbook_url; do
	n=$(grep -Ec "^[[:space:]]*$k:" "$RULES")
	[ "$n" = "$nalerts" ] || tb_fail "$nalerts alerts but $n lines '$k:' in $RULES"
done
grep -Eq 'runbook_url: https://runbooks\.example/sipcanary#Sipcanary' "$RULES" ||
	tb_fail "no runbook_url placeholder https://runbooks.example/sipcanary#AlertName"
tb_ok "each of the $nalerts alerts has severity, summary, description, runbook_url"

if ! promtool test rules "$RTEST" >"$TB/test.out" 2>&1; then
	cat "$TB/test.out"
	tb_fail "promtool test rules $RTEST"
fi
grep -q SUCCESS "$TB/test.out" || { cat "$TB/test.out"; tb_fail "promtool test rules: no SUCCESS"; }
tb_ok "promtool test rules: $(grep -c 'eval_time:' "$RTEST") evaluations pass"

# --- the dashboard --------------------------------------------------------------
jq -e . "$DASH" >/dev/null 2>"$TB/jq.err" || { cat "$TB/jq.err"; tb_fail "$DASH does not parse"; }
tb_jq '.schemaVersion >= 36 and (.panels | length) > 0' "dashboard: schemaVersion $(jq .schemaVersion "$DASH"), $(jq '.panels | length' "$DASH") panels" "$DASH"
tb_jq '[.templating.list[] | select(.type == "datasource" and .query == "prometheus")] | length == 1' \
	"dashboard: a Prometheus datasource variable" "$DASH"
# shellcheck disable=SC2016  # jq variables, not shell
tb_jq '[.templating.list[] | select(.type == "query") | .name] as $v | ($v | index("vantage")) != null and ($v | index("target")) != null' \
	"dashboard: vantage and target variables" "$DASH"
# shellcheck disable=SC2016  # a Grafana variable, not shell
tb_jq '[.panels[] | select(.targets) | .datasource.uid] | all(. == "${datasource}")' \
	"dashboard: every panel queries the datasource variable" "$DASH"

# every expr is PromQL: as recording rules, with the Grafana variables
# replaced ($__rate_interval by a duration, the others by a regex), and
# the selector inside each label_values() variable query
jq '
	def fill: gsub("\\$__rate_interval|\\$__interval|\\$__range"; "5m")
	        | gsub("\\$\\{?[A-Za-z_]+\\}?"; ".*");
	def inner: capture("^label_values\\((?<s>.*),[^,]*\\)$").s // .;
	[ (.. | .expr? // empty), (.templating.list[] | .query.query? // empty | inner) ]
	| to_entries
	| { groups: [ { name: "dashboard",
	               rules: map({ record: "dashboard:expr_\(.key)", expr: (.value | fill) }) } ] }
' "$DASH" >"$TB/dash-rules.json" || tb_fail "cannot extract the dashboard's exprs"
nexpr=$(jq '.groups[0].rules | length' "$TB/dash-rules.json")
[ "$nexpr" -gt 0 ] || tb_fail "no expr in $DASH"
if ! promtool check rules "$TB/dash-rules.json" >"$TB/dash-check.out" 2>&1; then
	cat "$TB/dash-check.out"
	tb_fail "a dashboard expr is not valid PromQL"
fi
tb_ok "dashboard: $nexpr exprs are valid PromQL (promtool)"

# --- metric names ---------------------------------------------------------------
# The families prober/daemon/ registers: metrics_{gauge,counter,histogram}_new(m, "NAME"
cat prober/daemon/*.c | tr '\n' ' ' |
	grep -oE 'metrics_(gauge|counter|histogram)_new\(m,[[:space:]]*"sipcanary_[a-z0-9_]+"' |
	sed -E 's/^metrics_([a-z]+)_new\(m,[[:space:]]*"([^"]+)"$/\2 \1/' | sort -u >"$TB/families"
nfam=$(wc -l <"$TB/families")
[ "$nfam" -ge 10 ] || { cat "$TB/families"; tb_fail "found only $nfam metric families in prober/daemon/"; }
while read -r name type; do
	echo "$name"
	if [ "$type" = histogram ]; then
		printf '%s_bucket\n%s_sum\n%s_count\n' "$name" "$name" "$name"
	fi
done <"$TB/families" | sort -u >"$TB/known"
tb_ok "prober/daemon/ registers $nfam families ($(wc -l <"$TB/known") series names)"

# Every sipcanary_* name in the rules (exprs and the queries of their
# templates), in their tests, and in the dashboard's exprs and variables.
{
	grep -oE '\bsipcanary_[a-z0-9_]+' "$RULES" "$RTEST" | sed 's/^[^:]*://'
	jq -r '(.. | .expr? // empty), (.templating.list[] | .query.query? // empty)' "$DASH" |
		grep -oE '\bsipcanary_[a-z0-9_]+'
} | sort -u >"$TB/used"
[ -s "$TB/used" ] || tb_fail "no sipcanary_* metric name found in the rules and the dashboard"
unknown=$(comm -23 "$TB/used" "$TB/known")
if [ -n "$unknown" ]; then
	printf 'not registered by prober/daemon/:\n%s\n' "$unknown"
	tb_fail "the rules or the dashboard use metric names the daemon does not export"
fi
tb_ok "all $(wc -l <"$TB/used") sipcanary_* names used exist in prober/daemon/"

# The dashboard covers what issue 7 asks for.
for m in sipcanary_probe_success sipcanary_phase_duration_seconds_bucket \
	sipcanary_cert_earliest_expiry_timestamp_seconds sipcanary_flow_up \
	sipcanary_flow_reconnects_total sipcanary_flow_reconnect_duration_seconds_bucket \
	sipcanary_keepalive_rtt_seconds_bucket sipcanary_new_connection_outage; do
	jq -r '.. | .expr? // empty' "$DASH" | grep -q "\b$m\b" || tb_fail "the dashboard does not show $m"
done
tb_ok "the dashboard shows success, phases, days left, flows, reconnects, keep-alive RTT, the detector"

tb_pass "rules check and unit tests pass; dashboard parses; $(wc -l <"$TB/used") metric names all exported"
