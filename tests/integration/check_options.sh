#!/bin/bash
# check_options.sh — issue 19, a trunk without an account: `sipcanary
# check` without --user against a real Kamailio sends an OPTIONS over a
# fresh TLS connection (no REGISTER):
#   200 to OPTIONS                -> ok, exit 0, sip.final_status 200, the
#                                    first response timed, Nagios OK
#   404 to OPTIONS (switched at run time, pv.shvSet)
#                                 -> alive by default: ok, exit 0, 404
#      --alive-statuses 2xx       -> sip_4xx, exit 2 (CRITICAL)
#      --alive-statuses 2xx,404   -> ok
#   503 to OPTIONS                -> sip_5xx by default (a server saying
#                                    it is down), ok with any,503 (declared
#                                    maintenance)
#   a bad --alive-statuses list   -> exit 3 with the list's error
#   --alive-statuses with --user  -> exit 3
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_check_init example.test
OPT=(check --connect "127.0.0.1:$P" --ca-file "$TB/pki/ca.pem" --timeout 10)

r0=$(tb_kamailio_register_count "$TB/kam")
o0=$(tb_kam_count "$TB/kam" 'SCOPTIONS ')
tb_sc "${OPT[@]}" --json sips:example.test
tb_expect_rc 0 "no --user, 200 to OPTIONS"
tb_expect_verdict ok
tb_jq '.frontends[0].sip.final_status == 200' "sip.final_status 200"
tb_jq '.frontends[0].timings | [.tcp_connect_seconds, .tls_handshake_seconds,
	.first_response_seconds] | all(type == "number" and . > 0)' \
	"connect, handshake and first response timed"
[ "$(tb_kamailio_register_count "$TB/kam")" = "$r0" ] ||
	tb_fail "check without --user sent a REGISTER"
[ "$(tb_kam_count "$TB/kam" 'SCOPTIONS ')" -gt "$o0" ] ||
	tb_fail "Kamailio saw no OPTIONS"
tb_ok "Kamailio saw an OPTIONS and no REGISTER"

tb_sc "${OPT[@]}" --nagios sips:example.test
tb_expect_rc 0 "--nagios, 200"
grep -q '^SIPCANARY OK' "$TB_OUT" || grep -q '^[A-Z ]*OK' "$TB_OUT" ||
	tb_fail "--nagios does not say OK: $(head -n 1 "$TB_OUT")"
tb_ok "--nagios: $(head -n 1 "$TB_OUT" | cut -c1-80)"

tb_kam_options_reply "$TB/kam" 404
tb_sc "${OPT[@]}" --json sips:example.test
tb_expect_rc 0 "404 to OPTIONS, default alive statuses"
tb_expect_verdict ok
tb_jq '.frontends[0].sip.final_status == 404' "sip.final_status 404"
tb_sc "${OPT[@]}" --json --alive-statuses 2xx sips:example.test
tb_expect_rc 2 "404 to OPTIONS, --alive-statuses 2xx"
tb_expect_verdict sip_4xx
tb_sc "${OPT[@]}" --json --alive-statuses 2xx,404 sips:example.test
tb_expect_rc 0 "404 to OPTIONS, --alive-statuses 2xx,404"
tb_expect_verdict ok

tb_kam_options_reply "$TB/kam" 503
tb_sc "${OPT[@]}" --json sips:example.test
tb_expect_rc 2 "503 to OPTIONS, default alive statuses"
tb_expect_verdict sip_5xx
tb_sc "${OPT[@]}" --json --alive-statuses any,503 sips:example.test
tb_expect_rc 0 "503 to OPTIONS, --alive-statuses any,503"
tb_expect_verdict ok

tb_sc "${OPT[@]}" --alive-statuses 2xx,4o4 sips:example.test
tb_expect_rc 3 "--alive-statuses 2xx,4o4"
grep -q 'alive-statuses: expected a list of final statuses.*not "4o4"' "$TB_ERR" ||
	tb_fail "no clear error for a bad list: $(cat "$TB_ERR")"
tb_ok "a bad list is named: $(head -n 1 "$TB_ERR")"
tb_sc "${OPT[@]}" --user alice --password-file "$TB/pw" --alive-statuses 2xx sips:example.test
tb_expect_rc 3 "--alive-statuses with --user"

tb_pass "check without --user: OPTIONS, alive statuses"
