#!/bin/bash
# drill_expect.sh — issue 5: an expect that does not hold at run time.
# 4 clients expect 403 from a register that Kamailio answers 200: the
# drill exits 1, the report shows that step (label, file line) with
# failed 4 and the verdict the clients got (ok), the next step never
# ran, and summary.passed is false.  --max-failure-ratio decides the exit
# status: 1 and 0.5 (the ratio is exactly 4/8) pass with exit 0, 0.4 does
# not.  expect = cert_expired on a connect to a valid server fails the
# same way, and those clients send no SIP at all.  Finally expect = 403
# holds when it should: a wrong password gets 403 and the drill passes.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=4
drill_scn expect403 <<EOF
description = "expects a 403 that never comes"
clients = $N
step connect  { }
step register { expect = 403  expires = 60  label = "want-403" }
step options  { }
EOF
drill expect403
tb_expect_rc 1 "expect = 403, got 200"
grep -q "FAILED: 0 clients ok, $N failed; $N of $((2 * N)) expectations failed" "$TB_ERR" ||
	tb_fail "no FAILED line: $(tail -n 1 "$TB_ERR")"
drill_jq ".summary == {\"clients\": $N, \"clients_ok\": 0, \"clients_failed\": $N,
	\"expectations\": $((2 * N)), \"expectations_failed\": $N, \"failure_ratio\": 0.5,
	\"passed\": false, \"interrupted\": false}" "summary: passed false, exact counts"
drill_jq ".steps[1] | .label == \"want-403\" and .line == 4 and .attempts == $N and
	.ok == 0 and .failed == $N and .success_ratio == 0 and .verdicts == {\"ok\": $N} and
	.expect == \"403\" and .statuses == {\"200\": $N}" \
	"the failed step: want-403 (line 4), expect 403, failed $N, verdict ok, status 200 x $N"
drill_jq ".steps[0].verdicts == {\"ok\": $N} and .steps[2].attempts == 0 and
	.steps[2].verdicts == {}" "the step after the failed one never ran"
n=$(kam_count 'SCSAVED ')
[ "$n" = "$N" ] || tb_fail "Kamailio saved $n REGISTERs, want $N (the register did get 200)"
[ "$(kam_count 'SCOPTIONS ')" = 0 ] || tb_fail "Kamailio saw OPTIONS from stopped clients"
tb_ok "Kamailio answered the $N REGISTERs 200 and saw no OPTIONS"

for r in 1 0.5; do
	drill expect403 --max-failure-ratio "$r"
	tb_expect_rc 0 "--max-failure-ratio $r"
	drill_jq ".summary.passed == true and .summary.failure_ratio == 0.5 and
		.settings.max_failure_ratio == $r" "--max-failure-ratio $r: passed"
done
drill expect403 --max-failure-ratio 0.4
tb_expect_rc 1 "--max-failure-ratio 0.4 (ratio 0.5)"
drill_jq '.summary.passed == false' "--max-failure-ratio 0.4: not passed"

# --- a certificate verdict that does not come ------------------------------
drill_scn expect-expired <<EOF
clients = $N
step connect  { expect = cert_expired }
step register { }
EOF
screg=$(kam_count 'SCREG ')
drill expect-expired
tb_expect_rc 1 "expect = cert_expired on a valid server"
drill_jq ".summary.passed == false and .summary.clients_failed == $N and
	.steps[0].failed == $N and .steps[0].verdicts == {\"ok\": $N} and
	.steps[0].expect == \"cert_expired\" and .steps[0].statuses == {} and
	.steps[1].attempts == 0" "connect failed its expectation (expect cert_expired, verdict ok)"
[ "$(kam_count 'SCREG ')" = "$screg" ] || tb_fail "clients that failed connect sent REGISTERs"
tb_ok "no REGISTER after the failed connect"
drill expect-expired --max-failure-ratio 1
tb_expect_rc 0 "expect = cert_expired with --max-failure-ratio 1"

# --- and an expect = 403 that holds ----------------------------------------
tb_password_file "$TB/wrong-pw" "not-the-password"
drill_scn expect403ok <<EOF
clients = $N
step connect  { }
step register { expect = 403 }
step options  { expect = 200 }
EOF
_drill_args expect403ok
DR_JSON=$TB/expect403ok.json
tb_sc drill "$TB/expect403ok.scn" --target sips:example.test --connect "$DR_CONNECT" \
	--ca-file "$TB/pki/ca.pem" --user alice --password-file "$TB/wrong-pw" \
	--report-json "$DR_JSON"
tb_expect_rc 0 "expect = 403 with a wrong password"
drill_jq ".summary.passed == true and .summary.clients_ok == $N and
	.steps[1].ok == $N and .steps[1].verdicts == {\"sip_auth_rejected\": $N} and
	.steps[1].statuses == {\"403\": $N} and .steps[0].expect == \"ok\" and
	.steps[2].verdicts == {\"ok\": $N} and .steps[2].statuses == {\"200\": $N}" \
	"403 held (verdict sip_auth_rejected, status 403), the options ran (200)"
[ "$(kam_count 'SCFORBIDDEN .* bad password')" = "$N" ] || tb_fail "Kamailio did not refuse $N passwords"

tb_pass "expectations that fail give exit 1 and show in the report; --max-failure-ratio"
