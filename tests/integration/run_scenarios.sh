#!/bin/bash
# run_scenarios.sh — issue 19, a target's own scenarios in the daemon:
# scenario = FILE (its fresh probe: connect, register, an OPTIONS after
# registering, unregister, each with its own label) and flow_scenario =
# FILE (its flow: reconnect, register, stay 2 s, close_notify break)
# against a real Kamailio.
#   - the metrics carry each step by its label: sipcanary_steps_total
#     {probe="fresh",step="options-after-register",result="held"} and
#     {probe="flow",step="hangup",...}, with step latencies; Kamailio sees
#     the OPTIONS after the REGISTERs; probe_success and flow_up are 1;
#   - a broken scenario file is a FILE:LINE error at `run -n` (the config's
#     line and the scenario's) and the daemon does not start with it;
#   - the flow scenario broken under a running daemon, SIGHUP: the reload
#     is refused with the same FILE:LINE, the old config (and its flows)
#     stays: sipcanary_config_last_reload_successful 0, steps still count.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init

cat >"$TB/flow.scn" <<'SCN'
description = "a phone that hangs up every 2 s"
step reconnect { backoff = fixed  base = 200ms  label = "dial" }
step register  { label = "reg-a" }
step maintain  { for = 2s  label = "stay" }
step break     { how = close_notify  label = "hangup" }
SCN
conf() {
	dm_config_head "interval = 2s" "timeout = 1s" "keepalive = 1s" \
		"reconnect_every = 0" "flows = 1"
	dm_target kam "scenario = \"$TB_TOP/tests/fixtures/register-then-options.scn\"" "flow_scenario = \"$1\""
}
conf "$TB/flow.scn" >"$TB/sc.conf"
tb_sc run -n -c "$TB/sc.conf"
tb_expect_rc 0 "run -n with both scenarios"

# --- a broken file at -n --------------------------------------------------
printf 'description = "x"\nstep connect { }\nstep regster { }\nstep break { }\n' >"$TB/broken.scn"
conf "$TB/broken.scn" >"$TB/broken.conf"
L=$(grep -n 'flow_scenario' "$TB/broken.conf" | cut -d: -f1)
tb_sc run -n -c "$TB/broken.conf"
tb_expect_rc 2 "run -n with a broken flow_scenario"
grep -q "broken.conf:$L: flow_scenario: $TB/broken.scn:3: " "$TB_ERR" ||
	tb_fail "no CONF:LINE: flow_scenario: FILE:LINE error: $(cat "$TB_ERR")"
tb_ok "run -n: $(head -n 1 "$TB_ERR" | sed "s|$TB/||g")"

# --- the scenarios run, their steps in the metrics -------------------------
dm_start "$TB/sc.conf"
steps_seen() {
	dm_scrape &&
		[ "$(dm_value sipcanary_steps_total "${DM_L[@]}" probe=fresh step=options-after-register result=held)" -ge 1 ] &&
		[ "$(dm_value sipcanary_steps_total "${DM_L[@]}" probe=fresh step=cleanup result=held)" -ge 1 ] &&
		[ "$(dm_value sipcanary_steps_total "${DM_L[@]}" probe=flow step=reg-a result=held)" -ge 2 ] &&
		[ "$(dm_value sipcanary_steps_total "${DM_L[@]}" probe=flow step=hangup result=held)" -ge 1 ]
}
tb_until 15 steps_seen || { grep -E 'steps_total' "$DM_METRICS"; tail -n 20 "$DM_LOG"; tb_fail "the scenarios' step labels are not in the metrics within 15 s"; }
tb_ok "steps by label: fresh options-after-register and cleanup held, flow reg-a (x$(dm_value sipcanary_steps_total "${DM_L[@]}" probe=flow step=reg-a result=held)) and hangup held"
v=$(dm_value sipcanary_step_duration_seconds "${DM_L[@]}" probe=fresh step=options-after-register) || tb_fail "no step latency series"
awk -v v="$v" 'BEGIN { exit !(v > 0 && v < 1) }' || tb_fail "options-after-register latency $v"
tb_ok "step latency: options-after-register ${v}s"
[ "$(dm_series sipcanary_steps_total "${DM_L[@]}" probe=fresh step=register)" = 0 ] ||
	tb_fail "the built-in fresh probe's steps ran too"
dm_kam_count 'SCOPTIONS ' | grep -qv '^0$' || tb_fail "Kamailio saw no OPTIONS"
tb_until 10 dm_flow_ok || tb_fail "flow_up and probe_success are not 1"
tb_ok "probe_success 1, flow_up 1, Kamailio saw the OPTIONS"
[ "$(grep -c '^sipcanary_steps_total' "$DM_METRICS")" -le 16 ] ||
	tb_fail "more step series than the scenarios have labels"

# --- SIGHUP with a broken flow scenario: refused, the old config stays -----
cp "$TB/broken.scn" "$TB/flow.scn"
kill -HUP "$DM_PID"
tb_until 10 dm_cmp sipcanary_config_last_reload_successful == 0 ||
	tb_fail "SIGHUP with a broken flow_scenario was not refused"
grep -q "sc.conf:$L: flow_scenario: $TB/flow.scn:3: " "$DM_LOG" ||
	tb_fail "the refused reload is not logged with CONF:LINE and FILE:LINE"
tb_ok "SIGHUP refused: $(grep -o 'sc.conf:[0-9]*: flow_scenario: [^"]*' "$DM_LOG" | head -n 1 | sed "s|$TB/||g")"
h0=$(dm_value sipcanary_steps_total "${DM_L[@]}" probe=flow step=hangup result=held)
hangups_go_on() { dm_scrape && [ "$(dm_value sipcanary_steps_total "${DM_L[@]}" probe=flow step=hangup result=held)" -gt "$h0" ]; }
tb_until 8 hangups_go_on || tb_fail "the old flow scenario stopped after the refused reload"
tb_ok "the old config's flow scenario runs on"
dm_stop
tb_pass "target scenarios: run, step labels in metrics, FILE:LINE at -n and SIGHUP"
