#!/bin/bash
# check_wrong_password.sh — issue 2: a wrong password gives
# sip_auth_rejected, exit 2 (CRITICAL), after exactly one authenticated
# attempt.  Run against two real Kamailio behaviours: a 403 to the bad
# credentials (the test bed default) and a fresh 401 challenge instead.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_check_init
tb_password_file "$TB/pw" wrong-password

for reply in 403 401; do
	P=$(tb_free_port)
	TB_KAM_BADPW_REPLY=$reply tb_kamailio_start "$TB/kam$reply" "$P" \
		"$TB/pki/example.test.pem" "$TB/pki/example.test.key" ||
		tb_fail "kamailio ($reply) did not start"
	tb_check_args "$P"

	tb_sc "${TB_CHECK[@]}" --json sips:example.test
	tb_expect_rc 2 "bad password answered $reply: --json"
	tb_expect_verdict sip_auth_rejected
	tb_jq ".frontends[0].sip.final_status == $reply" "final_status $reply"
	n=$(tb_kamailio_register_count "$TB/kam$reply")
	[ "$n" = 2 ] ||
		tb_fail "kamailio saw $n REGISTERs, expected 2 (no retry with bad credentials)"
	tb_ok "kamailio saw 2 REGISTERs (challenge + one authenticated try)"

	tb_sc "${TB_CHECK[@]}" --nagios sips:example.test
	tb_expect_rc 2 "bad password answered $reply: --nagios"
	head -n 1 "$TB_OUT" | grep -q 'CRITICAL' ||
		tb_fail "nagios output does not say CRITICAL: $(head -n 1 "$TB_OUT")"
	tb_ok "nagios: $(head -n 1 "$TB_OUT")"
done

tb_pass "wrong password -> sip_auth_rejected, exit 2 (403 and re-challenge)"
