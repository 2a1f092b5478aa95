#!/bin/bash
# drill_failures.sh — issue 5: failure paths of a drill, each counted per
# client in the report.
#   * a dead frontend (a closed port): connect tcp_refused for each of 5
#     clients, exit 1 (and exit 0 with expect = tcp_refused);
#   * an untrusted certificate (no --ca-file): cert_untrusted for each
#     client, and no SIP reaches Kamailio (RFC 5922 section 7);
#   * a wrong password: register sip_auth_rejected for each client, both
#     when Kamailio answers 403 and when it challenges again (401);
#   * more clients than the descriptor limit allows: with `ulimit -n 256`
#     (soft and hard) and --clients 1000 the drill stops before running,
#     exit 2, with a message naming the limit, the number needed and
#     ulimit; with only the soft limit low, the drill raises it and runs.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=5
drill_scn reg <<EOF
clients = $N
step connect  { }
step register { expires = 60 }
step options  { }
EOF

# --- a dead frontend ---------------------------------------------------------
DEAD=$(tb_free_port)
DR_CONNECT=127.0.0.1:$DEAD
drill reg
tb_expect_rc 1 "a closed port"
drill_jq ".summary.passed == false and .summary.clients_failed == $N and
	.summary.expectations == $N and .summary.expectations_failed == $N" \
	"closed port: $N clients failed, one expectation each"
drill_jq ".steps[0].verdicts == {\"tcp_refused\": $N} and .steps[0].failed == $N and
	.steps[1].attempts == 0" "closed port: connect tcp_refused x $N"
drill_scn refused <<EOF
clients = $N
step connect { expect = tcp_refused }
EOF
drill refused
tb_expect_rc 0 "expect = tcp_refused on a closed port"
drill_jq ".steps[0].ok == $N and .steps[0].verdicts == {\"tcp_refused\": $N}" \
	"expect = tcp_refused held for every client"
DR_CONNECT=127.0.0.1:$DR_PORT

# --- an untrusted certificate: no SIP sent ----------------------------------
DR_JSON=$TB/untrusted.json
tb_sc drill "$TB/reg.scn" --target sips:example.test --connect "$DR_CONNECT" \
	--user alice --password-file "$TB/pw" --report-json "$DR_JSON"
tb_expect_rc 1 "untrusted certificate"
drill_jq ".steps[0].verdicts == {\"cert_untrusted\": $N} and .steps[1].attempts == 0" \
	"untrusted: connect cert_untrusted x $N"
[ "$(kam_count 'SCREG |SCOPTIONS ')" = 0 ] || tb_fail "SIP was sent over an unverified connection"
tb_ok "untrusted: Kamailio saw no SIP"

# --- a wrong password ------------------------------------------------------
tb_password_file "$TB/wrong-pw" "not-the-password"
wrong_password() {
	local what=$1 kam=$2
	DR_JSON=$TB/wrong-$what.json
	tb_sc drill "$TB/reg.scn" --target sips:example.test --connect "$DR_CONNECT" \
		--ca-file "$TB/pki/ca.pem" --user alice --password-file "$TB/wrong-pw" \
		--report-json "$DR_JSON"
	tb_expect_rc 1 "wrong password ($what)"
	drill_jq ".steps[0].verdicts == {\"ok\": $N} and
		.steps[1].verdicts == {\"sip_auth_rejected\": $N} and .steps[2].attempts == 0" \
		"wrong password ($what): register sip_auth_rejected x $N"
	n=$(grep -c 'SCFORBIDDEN .* bad password' "$kam/kamailio.log") || true
	[ "$n" = "$N" ] || tb_fail "wrong password ($what): Kamailio refused $n passwords, want $N"
}
wrong_password 403 "$DR_KAM"
P401=$(tb_free_port)
TB_KAM_BADPW_REPLY=401 drill_kamailio "$TB/k401" "$P401"
DR_CONNECT=127.0.0.1:$P401
wrong_password 401 "$TB/k401"
grep -A1 'bad password' "$TB/k401/kamailio.cfg" | grep -q 'auth_challenge' ||
	tb_fail "the second Kamailio does not answer a wrong password with a challenge"
tb_ok "a second challenge to credentials already sent is sip_auth_rejected"
DR_CONNECT=127.0.0.1:$DR_PORT

# --- the descriptor limit -----------------------------------------------------
screg=$(kam_count 'SCREG ')
(
	ulimit -n 256
	drill reg --clients 1000
	echo "$TB_RC" >"$TB/ulimit.rc"
	cp "$TB_ERR" "$TB/ulimit.err"
)
TB_RC=$(cat "$TB/ulimit.rc")
TB_ERR=$TB/ulimit.err
tb_expect_rc 2 "--clients 1000 under ulimit -n 256"
msg=$(cat "$TB_ERR")
printf '    %s\n' "$msg"
case "$msg" in *256*) ;; *) tb_fail "the message does not name the limit 256: $msg" ;; esac
case "$msg" in *ulimit*) ;; *) tb_fail "the message does not mention ulimit: $msg" ;; esac
printf '%s' "$msg" | grep -qE '1000 clients need (up to )?[0-9]+ file descriptors' ||
	tb_fail "the message does not say how many descriptors 1000 clients need: $msg"
[ ! -e "$TB/reg.json" ] || tb_fail "a report was written"
[ "$(kam_count 'SCREG ')" = "$screg" ] && [ -z "$(kam_conns)" ] ||
	tb_fail "clients ran despite the limit"
tb_ok "stopped before running: nothing reached Kamailio"

if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 2000 ]; then
	(
		ulimit -Sn 256
		drill reg --clients 300
		echo "$TB_RC" >"$TB/softlimit.rc"
	)
	TB_RC=$(cat "$TB/softlimit.rc")
	DR_JSON=$TB/reg.json
	tb_expect_rc 0 "--clients 300 with soft limit 256, hard $(ulimit -Hn)"
	drill_jq '.summary.clients_ok == 300' "soft limit raised: 300 clients ran"
else
	tb_log "hard descriptor limit $(ulimit -Hn) < 2000: soft-limit raise not tested"
fi

tb_pass "dead frontend, untrusted certificate, wrong password, descriptor limit"
