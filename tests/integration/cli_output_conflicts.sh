#!/bin/bash
# cli_output_conflicts.sh - output options that exclude each other are
# refused with one line that names both, instead of the last one silently
# winning: check --json --nagios (UNKNOWN, 3), certs --json --csv (2).
# The same option twice is no conflict.
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary

tb_sc check --json --nagios sips:example.test
[ "$TB_RC" = 3 ] || tb_fail "check --json --nagios: exit $TB_RC, want 3"
grep -q -- '--json and --nagios cannot be used together' "$TB_ERR" ||
	tb_fail "check: the refusal does not name both: $(cat "$TB_ERR")"
[ "$(cat "$TB_OUT")" = "SIPCANARY UNKNOWN - check: --json and --nagios cannot be used together: choose one output format" ] ||
	tb_fail "check: stdout is not the one UNKNOWN line: $(cat "$TB_OUT")"
tb_sc check --nagios --json sips:example.test
grep -q -- '--nagios and --json cannot be used together' "$TB_ERR" ||
	tb_fail "check --nagios --json: $(cat "$TB_ERR")"
tb_ok "check: --json with --nagios refused (UNKNOWN)"

tb_sc certs --csv --json sips:example.test
[ "$TB_RC" = 2 ] || tb_fail "certs --csv --json: exit $TB_RC, want 2"
grep -q -- '--csv and --json cannot be used together' "$TB_ERR" ||
	tb_fail "certs: the refusal does not name both: $(cat "$TB_ERR")"
tb_ok "certs: --csv with --json refused (usage error)"

port=$(tb_free_port)
tb_sc check --json --json --connect "127.0.0.1:$port" sips:example.test
[ "$TB_RC" = 2 ] || tb_fail "check --json --json: exit $TB_RC, want 2 (refused port)"
jq -e . "$TB_OUT" >/dev/null || tb_fail "check --json --json: no JSON"
tb_ok "the same option twice is no conflict"
tb_pass "conflicting output options refused, naming both"
