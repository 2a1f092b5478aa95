#!/bin/bash
# drill_steps.sh — issue 5: each step kind works against a real Kamailio.
# One scenario walks 3 clients through connect, register, reregister,
# options, keepalive (one ping, and for/every), hold, wait, nested repeat
# and unregister; the JSON report's counts are checked exactly, and so is
# what Kamailio saw: the SIP requests in its log, one Call-ID per client
# for register, reregister and unregister, and an empty location table
# at the end.  A second drill stops after reregister: the location table
# then holds one binding per client, with the register's Call-ID, a later
# CSeq and the reregister's longer expiry.
# (break and reconnect: drill_break.sh, drill_reconnect*.sh.)
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=3
# Keep-alive timing chosen away from boundaries: pings at 0, 0.7, 1.4 s
# for "ka-for" (2.1 s is past for = 2s) and at 0.7, 1.4 s for the hold:
# with the single keepalive, exactly 6 pongs per client.
drill_scn steps <<EOF
# every step kind but break and reconnect
description = "drill_steps: every step kind"
clients = $N
step connect    { resume = no  within = 10s }
step register   { expect = 200  expires = 60  within = 10s }
step reregister { expect = 200  expires = 120 }
step options    { expect = 200 }
step keepalive  { within = 5s }
step keepalive  { for = 2s  every = 700ms  label = "ka-for" }
step hold       { for = 2s  every = 700ms  expect = ok }
step wait       { for = 500ms }
step repeat {
	count = 3
	step options { expect = 200  label = "opt-loop" }
	step repeat {
		count = 2
		step wait { for = 100ms  label = "nap" }
	}
}
step unregister { expect = 200 }
EOF

drill steps --report-html "$TB/steps.html"
tb_expect_rc 0 "drill of every step kind"
grep -q 'PASSED' "$TB_ERR" "$TB_OUT" || tb_fail "no PASSED line"

drill_jq ".summary.clients == $N and .summary.clients_ok == $N and
	.summary.clients_failed == 0 and .summary.passed == true and
	.summary.interrupted == false" "summary: $N clients, all ok"
drill_jq '[.steps[] | .label] == ["connect", "register", "reregister",
	"options", "keepalive", "ka-for", "hold", "wait", "opt-loop", "nap",
	"unregister"]' "one report step per scenario step, in file order"
drill_jq '[.steps[] | .kind] == ["connect", "register", "reregister",
	"options", "keepalive", "keepalive", "hold", "wait", "options", "wait",
	"unregister"]' "step kinds"
drill_jq '[.steps[] | .line] == [4, 5, 6, 7, 8, 9, 10, 11, 14, 17, 20]' \
	"steps carry their line in the file"
drill_jq "[.steps[] | .attempts] == [$N, $N, $N, $N, $N, $N, $N, $N,
	$((3 * N)), $((6 * N)), $N]" "attempts: repeat multiplies exactly (3 and 3x2)"
drill_jq 'all(.steps[]; .failed == 0 and .ok == .attempts and
	.verdicts == {"ok": .attempts} and .success_ratio == 1)' \
	"every step: verdicts {ok: attempts}"
drill_jq '.summary.expectations == ([.steps[].attempts] | add) and
	.summary.expectations_failed == 0' "expectations = sum of attempts"
drill_jq "all(.steps[]; .latency.count == .attempts)" "a latency per attempt"
drill_jq ".keepalive.count == $((6 * N)) and .keepalive.latency.count == $((6 * N))" \
	"keepalive: exactly $((6 * N)) pongs (1 + 3 + 2 per client)"
drill_jq '.steps[5].latency.min >= 1.9 and .steps[6].latency.min >= 1.9 and
	.steps[5].latency.max < 4 and .steps[6].latency.max < 4' \
	"keepalive for = 2s and hold for = 2s last about 2 s"
drill_jq '.steps[7].latency.min >= 0.49 and .steps[7].latency.max < 2 and
	.steps[9].latency.min >= 0.09 and .steps[9].latency.max < 1' \
	"wait for = 500ms and 100ms"
drill_jq '.reconnect.count == 0' "no reconnects"
drill_jq '(.timeline | length) > 0 and
	([.timeline[] | .ok] | add) == ([.steps[].attempts] | add) and
	([.timeline[] | .failed] | add) == 0 and
	([.timeline[] | .started] | add) == '"$N" "timeline adds up"
[ -s "$TB/steps.html" ] || tb_fail "no HTML report"

# --- what Kamailio saw -----------------------------------------------------
log=$(kam_log)
n=$(kam_count 'SCOPTIONS ')
[ "$n" = $((4 * N)) ] || tb_fail "Kamailio saw $n OPTIONS, want $((4 * N))"
tb_ok "Kamailio answered $n OPTIONS (1 + 3 per client)"
ids=$(grep -o 'SCREG [^ ]*' "$log" | awk '{print $2}' | sort -u)
[ "$(printf '%s\n' "$ids" | wc -l)" = "$N" ] ||
	tb_fail "REGISTERs used $(printf '%s\n' "$ids" | wc -l) Call-IDs, want $N (one per client)"
for id in $ids; do
	n=$(grep -c "SCSAVED $id\$" "$log") || true
	[ "$n" = 3 ] || tb_fail "Call-ID $id: $n successful REGISTERs, want 3 (register, reregister, unregister)"
	n=$(grep -c "SCCHALLENGE $id\$" "$log") || true
	[ "$n" -ge 1 ] || tb_fail "Call-ID $id was never challenged"
done
tb_ok "register, reregister and unregister of a client share one Call-ID"
[ "$(kam_count 'SCFORBIDDEN')" = 0 ] || tb_fail "Kamailio refused credentials"
c=$(kam_contacts)
[ -z "$c" ] || tb_fail "location table not empty after unregister: $c"
tb_ok "location table empty after unregister"

# --- reregister refreshes the register's binding --------------------------
drill_scn rereg <<EOF
clients = $N
step connect    { }
step register   { expires = 60 }
step reregister { expires = 120 }
EOF
screg0=$(kam_count 'SCREG ')
drill rereg
tb_expect_rc 0 "register + reregister"
drill_jq "[.steps[] | .verdicts] == [{\"ok\": $N}, {\"ok\": $N}, {\"ok\": $N}]" \
	"register + reregister: all ok"
ids=$(grep -o 'SCREG [^ ]*' "$log" | awk '{print $2}' | tail -n +$((screg0 + 1)) | sort -u)
c=$(kam_contacts)
printf '%s\n' "$c" | sed 's/^/    binding: /'
[ "$(printf '%s\n' "$c" | grep -c .)" = "$N" ] ||
	tb_fail "$(printf '%s\n' "$c" | grep -c .) bindings, want $N (a reregister must not add one)"
[ "$(printf '%s\n' "$ids" | wc -l)" = "$N" ] || tb_fail "REGISTERs used other than $N Call-IDs"
for id in $ids; do
	line=$(printf '%s\n' "$c" | awk -v id="$id" '$2 == id')
	[ -n "$line" ] || tb_fail "no binding with the register's Call-ID $id"
	read -r _ _ cseq expires <<<"$line"
	[ "$cseq" -ge 3 ] || tb_fail "binding $id has CSeq $cseq: the reregister did not refresh it"
	[ "$expires" -gt 60 ] && [ "$expires" -le 120 ] ||
		tb_fail "binding $id expires in $expires s: not the reregister's 120"
	n=$(grep -c "SCSAVED $id\$" "$log") || true
	[ "$n" = 2 ] || tb_fail "Call-ID $id: $n successful REGISTERs, want 2"
done
tb_ok "reregister: same Call-ID, higher CSeq, expiry 60 -> 120 on the same binding"

tb_pass "every step kind against Kamailio; exact counts in the report"
