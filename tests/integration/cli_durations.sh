#!/bin/bash
# cli_durations.sh - the command line takes durations as the config files
# do: --timeout 5s and 1500ms work (they were refused: seconds only),
# and the refusal of 0 says what is accepted (it said "between 0 and
# 86400" while refusing 0).
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary
tb_require jq
port=$(tb_free_port)

for t in 5s 1500ms 2 0.5; do
	tb_sc check --json --timeout "$t" --connect "127.0.0.1:$port" sips:example.test
	[ "$TB_RC" = 2 ] || tb_fail "--timeout $t: exit $TB_RC: $(cat "$TB_ERR")"
	jq -e '.frontends[0].verdict == "tcp_refused"' "$TB_OUT" >/dev/null ||
		tb_fail "--timeout $t: $(cat "$TB_OUT")"
done
tb_ok "check --timeout 5s, 1500ms, 2, 0.5: accepted (tcp_refused, as the port is closed)"

for t in 0 0s -1 5x "5 s"; do
	tb_sc check --timeout "$t" sips:example.test
	[ "$TB_RC" = 3 ] || tb_fail "--timeout '$t': exit $TB_RC, want 3"
	grep -q -- "--timeout takes a duration above 0 and up to 1d (e.g. 10, 5s, 1500ms), not \"$t\"" "$TB_ERR" ||
		tb_fail "--timeout '$t': $(cat "$TB_ERR")"
done
tb_sc certs --timeout 2d sips:example.test
[ "$TB_RC" = 2 ] || tb_fail "certs --timeout 2d: exit $TB_RC, want 2"
tb_ok "0, negative, bad units and over a day refused, saying what is accepted"

tb_sc drill --duration 0 --target sips:example.test register-fresh
grep -q -- '--duration takes a duration above 0 and up to 7d' "$TB_ERR" ||
	tb_fail "drill --duration 0: $(cat "$TB_ERR")"
tb_pass "durations with units on the command line"
