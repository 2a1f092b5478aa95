#!/bin/bash
# run_log_phases.sh - the daemon's fresh-probe log line names only the
# phases a probe reached: a probe refused at TCP says no "tls" and no
# "register" time (it used to log "tls -1000.0 ms, register -1000.0 ms"),
# while a probe that registered gives all three.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
dead=$(tb_free_port)
{
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
	dm_target live
	printf 'target "dead" {\n\turi = "sips:example.test"\n\tuser = "alice"\n'
	printf '\tpassword_file = "%s"\n\tconnect = "127.0.0.1:%s"\n}\n' "$TB/pw" "$dead"
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
tb_until 15 grep -q '"target":"dead".*fresh probe: failed' "$DM_LOG" ||
	tb_fail "no failed fresh probe logged for the refused frontend"
tb_until 15 grep -q '"target":"live".*fresh probe: ok' "$DM_LOG" ||
	tb_fail "no ok fresh probe logged for the live frontend"
line=$(grep -m1 '"target":"dead".*fresh probe: failed' "$DM_LOG")
case "$line" in
*-1000*|*"tls "*|*"register "*) tb_fail "unreached phases logged: $line" ;;
esac
grep -q '"verdict":"tcp_refused"' <<<"$line" || tb_fail "not tcp_refused: $line"
tb_ok "refused at TCP: no tls or register time in the log line"
line=$(grep -m1 '"target":"live".*fresh probe: ok' "$DM_LOG")
grep -Eq '\(tcp [0-9.]+ ms, tls [0-9.]+ ms, register [0-9.]+ ms\)' <<<"$line" ||
	tb_fail "a registered probe does not give all three phases: $line"
tb_ok "registered: tcp, tls and register times"
dm_stop
tb_pass "fresh-probe log lines name only the phases reached"
