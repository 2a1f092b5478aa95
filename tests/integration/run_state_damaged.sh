#!/bin/bash
# run_state_damaged.sh - a damaged alerts.json (truncated, or empty) does
# not stop the daemon (it exited 1, while run -n said the config was
# fine): run -n warns, and the daemon moves the file aside with the time
# in its name, logs an error, counts it in
# sipcanary_state_files_damaged_total{file="alerts.json"} and starts.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
dm_conf_kam "interval = 1s" "timeout = 900ms" "flows = 0"
for damage in truncated empty; do
	rm -f "$TB/state"/alerts.json*
	case $damage in
	truncated) printf '{"version":1,"alerts":[{"alertname":"Sipc' >"$TB/state/alerts.json" ;;
	empty) : >"$TB/state/alerts.json" ;;
	esac
	chmod 600 "$TB/state/alerts.json"
	tb_sc run -n -c "$TB/sc.conf"
	[ "$TB_RC" = 0 ] || tb_fail "$damage: run -n exit $TB_RC, want 0 (a warning)"
	grep -q "warning: $TB/state/alerts.json is damaged" "$TB_ERR" ||
		tb_fail "$damage: run -n does not warn: $(cat "$TB_ERR")"
	dm_start "$TB/sc.conf"
	grep -q 'alerts.json was damaged.*moved aside to' "$DM_LOG" ||
		tb_fail "$damage: no error logged"
	ls "$TB/state"/alerts.json.damaged-* >/dev/null 2>&1 ||
		tb_fail "$damage: the damaged file was not kept aside"
	dm_cmp sipcanary_state_files_damaged_total == 1 file=alerts.json ||
		tb_fail "$damage: not counted"
	dm_stop
	tb_ok "$damage alerts.json: run -n warns; the daemon starts, moves it aside, logs and counts it"
done
tb_pass "a damaged alert state is survived, kept aside and counted"
