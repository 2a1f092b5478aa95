#!/bin/bash
# drill_reconnect.sh — issue 5: break + reconnect against a real Kamailio,
# with each backoff policy (immediate, fixed base = 1s, rfc5626).  10
# registered clients reset their connections, reconnect and register
# again: the report counts exactly 10 reconnects and every step ok, and
# Kamailio saw 10 resets and 3 saved REGISTERs per client.  Then the
# frontend goes away: Kamailio is stopped while the clients are broken,
# and started again 4 s later; reconnect (fixed base = 500ms) retries
# until it is back, and the reconnect time covers the outage.
# The exact timing promises of the policies are checked separately:
# drill_timers.sh (fixed waits at least base, also with 100 clients) and
# drill_reconnect_rfc5626.sh (the first attempt goes at once).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=10
i=0
for policy in "immediate" "fixed  base = 1s" "rfc5626  base = 1s  max = 4s"; do
	i=$((i + 1))
	name=${policy%% *}
	drill_scn "rc-$name" <<-EOF
	description = "reconnect with backoff = $policy"
	clients = $N
	step connect    { }
	step register   { expires = 60  label = "initial" }
	step break      { how = rst }
	step reconnect  { backoff = $policy  within = 20s }
	step register   { expires = 60  label = "after-reconnect" }
	step unregister { }
	EOF
	resets0=$(kam_count 'Connection reset by peer')
	saved0=$(kam_count 'SCSAVED ')
	drill "rc-$name"
	tb_expect_rc 0 "backoff = $name"
	drill_jq "[.steps[] | .attempts] == [$N, $N, $N, $N, $N, $N] and
		all(.steps[]; .verdicts == {\"ok\": $N})" "$name: every step of every client ok"
	drill_jq ".steps[3].kind == \"reconnect\" and .steps[3].latency.count == $N" \
		"$name: the reconnect step timed $N times"
	drill_jq ".reconnect.count == $N and .reconnect.latency.count == $N" \
		"$name: reconnect.count == $N"
	drill_jq '.reconnect.latency.max < 20' "$name: reconnect times within the step's 20 s"
	case $name in
	immediate) drill_jq '.steps[3].latency.max < 1' "immediate: reconnects in well under 1 s" ;;
	fixed)     drill_jq '.steps[3].latency.min >= 0.9 and .steps[3].latency.max < 5' \
			"fixed base = 1s: reconnects after about 1 s" ;;
	rfc5626)   drill_jq '.steps[3].latency.max < 5' "rfc5626: reconnects within 5 s" ;;
	esac
	n=$(( $(kam_count 'Connection reset by peer') - resets0 ))
	[ "$n" = "$N" ] || tb_fail "$name: Kamailio logged $n resets, want $N"
	n=$(( $(kam_count 'SCSAVED ') - saved0 ))
	[ "$n" = $((3 * N)) ] || tb_fail "$name: Kamailio saved $n REGISTERs, want $((3 * N))"
	tb_ok "$name: Kamailio saw $N resets and $((3 * N)) saved REGISTERs"
done

# --- the frontend is down when the clients reconnect ----------------------
drill_scn outage <<EOF
description = "reconnect while the frontend is down"
clients = 3
step connect   { }
step register  { expires = 60  label = "initial" }
step break     { how = rst }
step wait      { for = 2s }
step reconnect { backoff = fixed  base = 500ms  within = 30s }
step register  { expires = 60  label = "after-reconnect" }
EOF
TB_CMD_TIMEOUT=45
saved0=$(kam_count 'SCSAVED ')
drill_bg outage
three_saved() { [ $(( $(kam_count 'SCSAVED ') - saved0 )) -ge 3 ]; }
tb_until 10 three_saved || tb_fail "outage: the clients never registered"
t_down=$(date +%s.%N)
tb_stop "$TB_KAM_PID"
tb_ok "Kamailio stopped after the initial registers"
sleep 4
tb_kamailio_start "$DR_KAM" "$DR_PORT" "$TB/pki/example.test.fullchain.pem" \
	"$TB/pki/example.test.key" || tb_fail "kamailio did not start again"
t_up=$(date +%s.%N)
tb_ok "Kamailio started again $(awk -v a="$t_down" -v b="$t_up" 'BEGIN{printf "%.1f", b - a}') s later"
drill_bg_wait 40
tb_expect_rc 0 "outage drill"
drill_jq '[.steps[] | .verdicts] == [{"ok": 3}, {"ok": 3}, {"ok": 3}, {"ok": 3},
	{"ok": 3}, {"ok": 3}]' "outage: every client reconnected and registered"
# the clients waited 2 s after the break, then retried every 0.5 s until
# Kamailio was back, 4 s or more after the register
drill_jq '.steps[4].latency.min >= 1.5 and .steps[4].latency.max < 30' \
	"outage: the reconnect took at least the rest of the outage (>= 1.5 s)"
drill_jq '.reconnect.count == 3 and .reconnect.latency.min >= 3.5' \
	"outage: break -> registered again >= 3.5 s"
n=$(kam_count 'SCSAVED ')
[ "$n" = 3 ] || tb_fail "outage: the new Kamailio saved $n REGISTERs, want 3"
tb_ok "outage: the restarted Kamailio registered the 3 clients"

tb_pass "reconnect with immediate, fixed and rfc5626 backoff; retries through an outage"
