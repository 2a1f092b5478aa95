#!/bin/bash
# check_name_mismatch.sh — issue 2: Kamailio serves a certificate for
# other.test (same trusted CA) while we probe sips:example.test →
# cert_name_mismatch, exit 2, and no REGISTER is sent (Kamailio's REGISTER
# count stays 0; a positive control proves the count is live).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_check_init other.test

tb_sc "${TB_CHECK[@]}" --json sips:example.test
tb_expect_rc 2 "--json"
tb_expect_verdict cert_name_mismatch
# the certificate report survives a failed verification (GUIDE §2)
tb_jq '.frontends[0].chain[0].subject | test("other\\.test")' \
	"chain kept on failure: chain[0] is the other.test leaf"

tb_sc "${TB_CHECK[@]}" --nagios sips:example.test
tb_expect_rc 2 "--nagios"

tb_kamailio_mark "$TB/kam" "127.0.0.1:$P" || tb_fail "test bed: kamailio did not log a later OPTIONS"
n=$(tb_kamailio_register_count "$TB/kam")
[ "$n" = 0 ] || tb_fail "kamailio saw $n REGISTERs over an unverified connection"
tb_ok "kamailio saw no REGISTER"

# positive control: a client that does send a REGISTER is counted
tb_sip_register_msg "$TB/register.sip"
tb_tls_send "$P" example.test "$TB/register.sip" 1 >"$TB/control.out"
n=$(tb_kamailio_register_count "$TB/kam")
[ "$n" = 1 ] || tb_fail "positive control: count is $n after one raw REGISTER"
grep -q '^SIP/2.0 401' "$TB/control.out" || tb_fail "positive control: no 401"
tb_ok "positive control: a raw REGISTER is counted and challenged"

tb_pass "name mismatch -> cert_name_mismatch, exit 2, nothing sent"
