#!/bin/bash
# drill_scenario_lookup.sh - `sipcanary drill NAME` finds a shipped
# scenario by name among the installed scenarios (SIPCANARY_SCENARIOS_DIR,
# else the package's folder), with or without .scn, and runs it against
# Kamailio; a path is taken as given; a name found nowhere says where it
# looked.
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
tb_init
drill_setup
mkdir "$TB/installed"
cp "$TB_TOP/scenarios/register-fresh.scn" "$TB/installed/"
cd "$TB"	# no register-fresh file here: only the installed one

for name in register-fresh register-fresh.scn; do
	SIPCANARY_SCENARIOS_DIR=$TB/installed tb_sc drill "$name" \
		--target sips:example.test --connect "$DR_CONNECT" \
		--ca-file "$TB/pki/ca.pem" --user alice --password-file "$TB/pw" \
		--clients 2 --report-json "$TB/lookup.json"
	tb_expect_rc 0 "drill $name"
	jq -e '.scenario.name == "register-fresh" and .summary.clients_ok == 2' \
		"$TB/lookup.json" >/dev/null || tb_fail "drill $name: $(cat "$TB/lookup.json")"
done
tb_ok "drill register-fresh and register-fresh.scn: found installed, 2 clients ok"

SIPCANARY_SCENARIOS_DIR=$TB/installed tb_sc drill no-such-scenario \
	--target sips:example.test
tb_expect_rc 2 "drill no-such-scenario"
grep -q "no-such-scenario: cannot open: no such file here, nor $TB/installed/no-such-scenario.scn among the installed scenarios" "$TB_ERR" ||
	tb_fail "the refusal does not say where it looked: $(cat "$TB_ERR")"
tb_ok "a name found nowhere: exit 2, naming where it looked"
tb_pass "drill finds installed scenarios by name"
