#!/bin/bash
# run_ca_file_check.sh - a target whose CA file is missing or holds no
# certificate is a FILE:LINE error for `run -n` and at start-up (exit 2),
# and a refused reload on SIGHUP (the old config stays, the target keeps
# being probed, last_reload_successful 0).  It used to pass `run -n`
# ("ok ... 1 targets"), and then vanish at run time with every page green.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
conf() {	# conf CAFILE — the config with that ca_file
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0" |
		sed "s#ca_file = .*#ca_file = \"$1\"#"
	dm_target kam
}
conf "$TB/nope.pem" >"$TB/nope.conf"
: >"$TB/empty.pem"
conf "$TB/empty.pem" >"$TB/empty.conf"
conf "$PKI/ca.pem" >"$TB/sc.conf"

tb_sc run -n -c "$TB/nope.conf"
[ "$TB_RC" = 2 ] || tb_fail "run -n, missing CA file: exit $TB_RC, want 2: $(cat "$TB_OUT")"
line=$(grep -n 'ca_file' "$TB/nope.conf" | cut -d: -f1)
grep -q "^sipcanary run: $TB/nope.conf:$line: target \"kam\": ca_file: cannot read $TB/nope.pem: No such file or directory\$" "$TB_ERR" ||
	tb_fail "run -n, missing CA file: $(cat "$TB_ERR")"
tb_sc run -n -c "$TB/empty.conf"
[ "$TB_RC" = 2 ] || tb_fail "run -n, empty CA file: exit $TB_RC"
grep -q "ca_file: $TB/empty.pem holds no PEM certificate" "$TB_ERR" ||
	tb_fail "run -n, empty CA file: $(cat "$TB_ERR")"
tb_sc run -c "$TB/nope.conf"
[ "$TB_RC" = 2 ] || tb_fail "start with a missing CA file: exit $TB_RC, want 2"
tb_ok "run -n and start-up: missing or empty CA file is FILE:LINE, exit 2"

dm_start "$TB/sc.conf"
tb_until 10 dm_cmp sipcanary_probes_total '>' 0 target=kam ||
	tb_fail "the target is not probed"
cp "$TB/nope.conf" "$TB/sc.conf"
kill -HUP "$DM_PID"
tb_until 10 dm_cmp sipcanary_config_last_reload_successful == 0 ||
	tb_fail "a reload with a missing CA file was not refused"
n=$(dm_value sipcanary_probes_total target=kam)
tb_until 10 dm_cmp sipcanary_probes_total '>' "$n" target=kam ||
	tb_fail "the target stopped being probed after the refused reload"
grep -q 'reload refused.*ca_file: cannot read' "$DM_LOG" || tb_fail "the refusal is not logged"
tb_ok "SIGHUP with a missing CA file: refused, the target still probed"
dm_stop
tb_pass "CA files are checked with the config, never dropped at run time"
