#!/bin/bash
# run_log_phases.sh - the daemon's fresh-probe log line names only the
# phases a probe reached: a probe refused at TCP says no "tls" and no
# "register" time (it used to log "tls -1000.0 ms, register -1000.0 ms"),
# while a probe that registered gives all three.
# Issue 16, the same phases on /metrics: sipcanary_phase_last_seconds has
# each frontend's last probe, the phases it reached only; the histogram
# sipcanary_phase_duration_seconds is per target with 4 buckets, and per
# frontend with the full 13 after a restart with metrics_detail = yes.
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

# /metrics: the last probe's phases per frontend, histograms per target
FE=127.0.0.1:$DM_KAM_PORT
dm_scrape || tb_fail "cannot scrape /metrics"
for ph in tcp_connect tls_handshake first_response register; do
	[ "$(dm_series sipcanary_phase_last_seconds target=live frontend="$FE" phase="$ph")" = 1 ] ||
		tb_fail "no sipcanary_phase_last_seconds{phase=\"$ph\"} for the live frontend"
done
for ph in tls_handshake first_response register; do
	[ "$(dm_series sipcanary_phase_last_seconds target=dead phase="$ph")" = 0 ] ||
		tb_fail "sipcanary_phase_last_seconds{phase=\"$ph\"} for a probe refused at TCP"
done
tb_ok "sipcanary_phase_last_seconds: the live frontend's four phases, none the dead one did not reach"
[ "$(dm_series sipcanary_phase_duration_seconds_bucket target=live phase=register)" = 5 ] ||
	tb_fail "per-target histogram: $(dm_series sipcanary_phase_duration_seconds_bucket target=live phase=register) buckets, want 4 and +Inf"
! grep -q '^sipcanary_phase_duration_seconds_[a-z]*{[^}]*frontend=' "$DM_METRICS" ||
	tb_fail "phase histograms per frontend without metrics_detail: $(grep -m1 '^sipcanary_phase_duration_seconds_[a-z]*{[^}]*frontend=' "$DM_METRICS")"
tb_ok "sipcanary_phase_duration_seconds: per target, 4 buckets and +Inf"
dm_stop

# metrics_detail = yes: per-frontend histograms with every bucket
{
	echo "metrics_detail = yes"
	cat "$TB/sc.conf"
} >"$TB/detail.conf"
dm_start "$TB/detail.conf"
tb_until 15 dm_cmp sipcanary_phase_duration_seconds_count ">=" 1 target=live \
	frontend="$FE" phase=register ||
	tb_fail "metrics_detail = yes: no per-frontend register histogram within 15 s"
[ "$(dm_series sipcanary_phase_duration_seconds_bucket target=live frontend="$FE" phase=register)" = 14 ] ||
	tb_fail "per-frontend histogram: $(dm_series sipcanary_phase_duration_seconds_bucket target=live frontend="$FE" phase=register) buckets, want 13 and +Inf"
tb_ok "metrics_detail = yes: per-frontend phase histograms, 13 buckets and +Inf"
dm_stop
tb_pass "fresh-probe log lines and sipcanary_phase_last_seconds name only the phases reached; histograms per target unless metrics_detail"
