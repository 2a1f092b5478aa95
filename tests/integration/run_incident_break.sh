#!/bin/bash
# run_incident_break.sh - issue 6: the detector must hold through the
# flows' deliberate breaks.  With reconnect_every short, a deliberate
# break during the incident would reconnect into the expired certificate,
# lose the flow and hide the very signature the detector reports.  The
# daemon postpones deliberate breaks while fresh probes fail: the flow
# stays up and new_connection_outage stays 1 for several break periods.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init leaf_expired
dm_start_kam "interval = 1s" "timeout = 900ms" "keepalive = 1s" \
	"reconnect_every = 2s" "flows = 1"

tb_until 15 dm_flow_ok || tb_fail "not healthy within 15 s"
# Deliberate breaks happen while all is well.
broke() {
	dm_scrape && [ "$(dm_value sipcanary_flow_reconnects_total "${DM_L[@]}" \
		result=success cause=deliberate)" != "" ]
}
tb_until 10 broke || tb_fail "no deliberate break within 10 s (reconnect_every 2s)"
tb_ok "deliberate breaks run while the frontend is healthy"

pki_kamailio_swap expired
outage() {
	dm_scrape && [ "$(dm_value sipcanary_new_connection_outage target=kam)" = 1 ]
}
tb_until 10 outage || tb_fail "the detector did not fire within 10 s"
tb_ok "new_connection_outage 1"
# Three break periods: the flow must stay up and the detector on.
end=$(awk -v t="$(date +%s.%N)" 'BEGIN{printf "%.3f", t + 6}')
while awk -v e="$end" -v n="$(date +%s.%N)" 'BEGIN{exit !(n < e)}'; do
	dm_scrape || tb_fail "scrape failed"
	[ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ] ||
		tb_fail "the flow went down during the outage (a deliberate break was not postponed)"
	[ "$(dm_value sipcanary_new_connection_outage target=kam)" = 1 ] ||
		tb_fail "the detector cleared during the outage"
	sleep 0.5
done
[ "$(dm_log_count 'deliberate flow break postponed')" -ge 1 ] ||
	tb_fail "no log line about a postponed break"
tb_pass "deliberate breaks are postponed during the outage: flow up, detector on for 3 break periods"
