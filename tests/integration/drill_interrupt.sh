#!/bin/bash
# drill_interrupt.sh — issue 5: Ctrl-C stops a drill cleanly and still
# writes the reports.  10 clients connect, register and hold for 30 s;
# about 2 s in (once Kamailio has saved every REGISTER) the drill gets
# SIGINT, as from a terminal: it must exit within 5 s, with status 1 (not
# killed by the signal), a JSON report with summary.interrupted true and
# exact counts for the steps done, and an HTML report.  The same with
# SIGTERM.  The drill is started with SIGINT at its default disposition,
# as a shell gives a foreground job (a script's background jobs would
# otherwise inherit it ignored).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
tb_init
tb_require perl
drill_setup

N=10
drill_scn long <<EOF
description = "a long hold, to be interrupted"
clients = $N
step connect    { }
step register   { expires = 120 }
step hold       { for = 30s  every = 1s }
step unregister { }
EOF

for sig in INT TERM; do
	_drill_args long
	DR_JSON=$TB/long.json
	rm -f "$DR_JSON" "$TB/long.html"
	saved0=$(kam_count 'SCSAVED ')
	tb_spawn "long-$sig" perl -e '$SIG{INT} = $SIG{TERM} = "DEFAULT"; exec @ARGV or die "exec: $!\n"' \
		"$(tb_sipcanary)" "${DR_ARGS[@]}" --report-html "$TB/long.html"
	DR_BG_PID=$TB_LAST_PID
	all_saved() { [ $(( $(kam_count 'SCSAVED ') - saved0 )) -ge "$N" ]; }
	tb_until 15 all_saved || tb_fail "SIG$sig: the clients never registered"
	sleep 1
	_tb_alive "$DR_BG_PID" || tb_fail "SIG$sig: the drill ended before the signal"
	kill -"$sig" "$DR_BG_PID"
	drill_bg_wait 5
	tb_ok "SIG$sig: the drill exited ${DR_WAITED}s after the signal"
	TB_ERR=$TB/long-$sig.log
	tb_expect_rc 1 "SIG$sig: interrupted drill"
	grep -q 'interrupted' "$TB_ERR" || tb_fail "SIG$sig: no word of the interruption on stderr"
	[ -s "$DR_JSON" ] || tb_fail "SIG$sig: no JSON report"
	drill_jq ".summary.interrupted == true and .summary.passed == false and
		.summary.clients == $N and .summary.clients_ok == 0" "SIG$sig: summary.interrupted true"
	drill_jq ".steps[0].verdicts == {\"ok\": $N} and .steps[1].verdicts == {\"ok\": $N}" \
		"SIG$sig: connect and register counted: $N ok each"
	drill_jq ".steps[2].attempts == $N and .steps[2].ok == 0 and .steps[3].attempts == 0" \
		"SIG$sig: the hold was cut short for every client; nothing after it ran"
	drill_jq '(.environment.ended | fromdateiso8601) - (.environment.started | fromdateiso8601) < 15' \
		"SIG$sig: the report's run lasted seconds, not the 30 s hold"
	[ -s "$TB/long.html" ] && grep -q '</html>' "$TB/long.html" ||
		tb_fail "SIG$sig: no whole HTML report"
	tb_ok "SIG$sig: HTML report written"
done

tb_pass "SIGINT and SIGTERM stop the drill within 5 s; reports written, interrupted true"
