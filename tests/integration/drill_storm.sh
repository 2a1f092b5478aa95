#!/bin/bash
# drill_storm.sh — issue 5: the shipped reconnect-storm scenario with 500
# clients passes against a real Kamailio, and its JSON report counts
# exactly: 500 clients, 500 attempts and {"ok": 500} at every step, 500
# reconnects, 3500 expectations, and a per-second timeline that adds up
# to the same numbers.  Kamailio confirms it: 500 resets and 1500 saved
# REGISTERs (initial, after the reconnect, unregister).
#
# All clients are alice (the test bed's only user), so a 200 OK to a
# REGISTER lists every binding of alice (those of the reset connections
# stay until they expire): the largest, measured with sipdump, is about
# 36 kB, under sipcanary's 64 kB message limit (a storm of much more than
# 500 clients on one user would go over it and fail as sip_malformed).
# It takes about 10 s (the scenario holds 5 s).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=500
SCN=$TB_TOP/scenarios/reconnect-storm.scn
[ -r "$SCN" ] || tb_fail "no $SCN"
cp "$SCN" "$TB/reconnect-storm.scn"
TB_CMD_TIMEOUT=100
drill reconnect-storm --clients $N --report-html "$TB/storm.html"
tb_log "storm of $N clients: ${TB_WALL}s"
# a failure of the test bed is not one of sipcanary (see tests/lib/drill.sh)
n=$(kam_count 'BUG:|exited by a signal')
[ "$n" = 0 ] || tb_fail "Kamailio itself broke during the storm ($n BUG/crash lines; kamailio#3791?)"
tb_expect_rc 0 "reconnect-storm with $N clients"
grep -q "PASSED: $N clients ok, 0 failed" "$TB_ERR" ||
	tb_fail "no 'PASSED: $N clients ok' line: $(tail -n 1 "$TB_ERR")"

# off a terminal: a plain progress line every 5 s (the storm takes > 5 s)
grep -qE "^\[ *[0-9]+\.[0-9]s\] clients $N started" "$TB_ERR" ||
	tb_fail "no progress line on stderr: $(head -c 300 "$TB_ERR")"
tb_ok "progress: $(grep -m1 -E '^\[ *[0-9]+\.[0-9]s\]' "$TB_ERR" | cut -c1-90)..."
drill_jq '.scenario.name == "reconnect-storm"' "scenario named after its file"
drill_jq ".settings.clients == $N and .settings.ramp == 1000" "settings: $N clients, ramp 1000"
drill_jq ".summary == {\"clients\": $N, \"clients_ok\": $N, \"clients_failed\": 0,
	\"expectations\": $((7 * N)), \"expectations_failed\": 0, \"failure_ratio\": 0,
	\"passed\": true, \"interrupted\": false}" "summary: exact counts"
drill_jq '[.steps[] | .label] == ["connect", "initial", "hold", "break",
	"reconnect", "after-reconnect", "unregister"]' "the seven steps, in order"
drill_jq "all(.steps[]; .attempts == $N and .ok == $N and .failed == 0 and
	.verdicts == {\"ok\": $N} and .success_ratio == 1 and .latency.count == $N)" \
	"every step: $N attempts, verdicts {\"ok\": $N}"
drill_jq ".reconnect.count == $N and .reconnect.latency.count == $N" "reconnect.count == $N"
# hold for = 5s every = 1s: pings at 1, 2, 3, 4 s and perhaps at 5 s
drill_jq ".keepalive.count >= $((4 * N)) and .keepalive.count <= $((5 * N))" \
	"keep-alives during the hold: 4 or 5 pongs per client"
drill_jq '(.timeline | length) > 0' "a timeline"
drill_jq "([.timeline[] | .ok] | add) == $((7 * N)) and
	([.timeline[] | .failed] | add) == 0 and
	([.timeline[] | .started] | add) == $N and
	all(.timeline[]; .active >= 0 and .active <= $N)" \
	"timeline: $((7 * N)) steps ok, $N clients started"
drill_jq '[.timeline[] | .second] == [range(0; .timeline | length)]' \
	"timeline: one entry per second, from 0"

n=$(kam_count 'Connection reset by peer')
[ "$n" = "$N" ] || tb_fail "Kamailio logged $n resets, want $N"
n=$(kam_count 'SCSAVED ')
[ "$n" = $((3 * N)) ] || tb_fail "Kamailio saved $n REGISTERs, want $((3 * N))"
n=$(kam_count 'SCFORBIDDEN')
[ "$n" = 0 ] || tb_fail "Kamailio refused $n REGISTERs"
tb_ok "Kamailio saw $N resets and $((3 * N)) saved REGISTERs"

[ -s "$TB/storm.html" ] && grep -q '<svg' "$TB/storm.html" ||
	tb_fail "no HTML report with charts"
tb_pass "reconnect-storm, $N clients: exact counts (${TB_WALL}s)"
