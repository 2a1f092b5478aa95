#!/bin/bash
# certs_nagios.sh - `certs --nagios` is a Nagios plugin for a target's
# certificates: one status line, the earliest expiry, days_left with the
# warn and crit thresholds in the perfdata, and the exit code of the
# window the certificate is in: 0 OK, 1 within --warn-days, 2 within
# --crit-days or expired (certs alone says 1 for any problem).
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make leaf_good "leaf_days d20 20" "leaf_days d3 3" leaf_expired

# case NAME RC STATE — serve NAME and check certs --nagios against it.
case_() {
	local name=$1 rc=$2 state=$3
	pki_serve "$name"
	tb_sc certs --nagios --warn-days 30 --crit-days 7 --ca-file "$PKI/ca.pem" \
		--connect "127.0.0.1:$P" sips:example.test
	[ "$TB_RC" = "$rc" ] || tb_fail "$name: exit $TB_RC, want $rc: $(cat "$TB_OUT")"
	[ "$(wc -l <"$TB_OUT")" = 1 ] || tb_fail "$name: not one line: $(cat "$TB_OUT")"
	grep -Eq "^SIPCANARY CERTS $state - sips:example.test [a-z_]+, earliest expiry in -?[0-9.]+ days \\(.*CN=example.test.* at 127.0.0.1:$P\\).* \\| 'days_left'=-?[0-9.]+;30;7;0\$" "$TB_OUT" ||
		tb_fail "$name: $(cat "$TB_OUT")"
	tb_ok "$name: exit $rc, $state, thresholds 30;7 in the perfdata"
}
case_ good 0 OK
case_ d20 1 WARNING
case_ d3 2 CRITICAL
case_ expired 2 CRITICAL

tb_sc certs --nagios sips:a.example sips:b.example
[ "$TB_RC" = 3 ] || tb_fail "two targets: exit $TB_RC, want 3 (UNKNOWN)"
grep -q '^SIPCANARY UNKNOWN - certs: --nagios takes one target' "$TB_OUT" ||
	tb_fail "two targets: $(cat "$TB_OUT")"
tb_ok "two targets: UNKNOWN, one status line"
tb_pass "certs --nagios: one line, thresholds in perfdata, exit by window"
