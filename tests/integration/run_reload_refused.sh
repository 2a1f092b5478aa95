#!/bin/bash
# run_reload_refused.sh - a refused SIGHUP reload shows beyond the log:
# sipcanary_config_last_reload_successful goes to 0 (its success
# timestamp stays), the status page says the reload was refused and why;
# the next good reload sets it back to 1 with a newer timestamp and the
# notice goes.  (As Prometheus and Alertmanager export their reloads.)
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
dm_conf_kam "interval = 1s" "timeout = 900ms" "flows = 0"
cp "$TB/sc.conf" "$TB/good.conf"
dm_start "$TB/sc.conf"
dm_cmp sipcanary_config_last_reload_successful == 1 ||
	tb_fail "last_reload_successful is not 1 after start"
t0=$(dm_value sipcanary_config_last_reload_success_timestamp_seconds)
awk -v t="$t0" 'BEGIN { exit !(t > 1e9) }' || tb_fail "no success timestamp: $t0"
tb_ok "started: last_reload_successful 1, success timestamp $t0"

printf 'defaults {\n  intervall = 1s\n}\n' >>"$TB/sc.conf"
kill -HUP "$DM_PID"
tb_until 10 dm_cmp sipcanary_config_last_reload_successful == 0 ||
	tb_fail "a refused reload left last_reload_successful at 1"
[ "$(dm_value sipcanary_config_last_reload_success_timestamp_seconds)" = "$t0" ] ||
	tb_fail "the success timestamp moved on a refused reload"
dm_http GET / "$TB/page.html" >/dev/null
grep -q 'class="reload-failed"><strong>The last reload was refused</strong>' "$TB/page.html" ||
	tb_fail "the status page does not show the refused reload"
grep -q 'unknown key &quot;intervall&quot;' "$TB/page.html" ||
	tb_fail "the status page does not say why"
tb_ok "refused: last_reload_successful 0, timestamp kept, the page says why"

cp "$TB/good.conf" "$TB/sc.conf"
kill -HUP "$DM_PID"
tb_until 10 dm_cmp sipcanary_config_last_reload_successful == 1 ||
	tb_fail "a good reload did not set last_reload_successful back to 1"
t1=$(dm_value sipcanary_config_last_reload_success_timestamp_seconds)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b >= a) }' || tb_fail "timestamp $t1 < $t0"
dm_http GET / "$TB/page.html" >/dev/null
grep -q 'class="reload-failed"' "$TB/page.html" && tb_fail "the notice stays after a good reload"
tb_ok "a good reload: 1 again, the notice gone"
dm_stop
tb_pass "refused reloads are visible in /metrics and on the status page"
