#!/bin/bash
# check_refused.sh — issue 2: nothing listens on the port → tcp_refused,
# exit 2 (CRITICAL), quickly.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require jq
tb_require_sipcanary

P=$(tb_free_port)   # picked free and left closed
tb_password_file "$TB/pw" secret
args=(check --connect "127.0.0.1:$P" --user alice --password-file "$TB/pw"
	--timeout 10)

tb_sc "${args[@]}" --json sips:example.test
tb_expect_rc 2 "--json"
tb_expect_verdict tcp_refused
awk -v w="$TB_WALL" 'BEGIN{exit !(w < 3)}' ||
	tb_fail "a refused connect took ${TB_WALL}s"
tb_ok "finished in ${TB_WALL}s"

tb_sc "${args[@]}" --nagios sips:example.test
tb_expect_rc 2 "--nagios"
head -n 1 "$TB_OUT" | grep -q 'CRITICAL' ||
	tb_fail "nagios output does not say CRITICAL: $(head -n 1 "$TB_OUT")"

tb_pass "closed port -> tcp_refused, exit 2"
