#!/bin/bash
# run_incident.sh — issue 6, the incident reproduction: new connections
# fail while the old ones live.  `sipcanary run` (interval 2s, timeout 1s,
# keepalive 1s, reconnect_every 0: the flow is never broken on purpose)
# against a real Kamailio.  Once the flow is registered and a fresh probe
# is ok, Kamailio's served certificate is swapped to an expired one (the
# files its tls.cfg points at are rewritten, then `kamcmd tls.reload`:
# existing connections stay up).  Then, within one interval (+ jitter,
# the probe timeout and a margin):
#   - fresh probes say cert_expired: sipcanary_probes_total{verdict=
#     "cert_expired"} > 0, sipcanary_probe_success 0, sipcanary_cert_ok 0,
#     and the expired leaf's series are exported although verification
#     failed (not_after with its fingerprint; earliest expiry in the past);
#   - the flow stays up: flow_up 1 in every scrape, no reconnect counted,
#     and Kamailio still holds the flow's binding with the same Call-ID
#     over the same TCP connection;
#   - sipcanary_new_connection_outage == 1, the daemon logs it, and the
#     status page (GET /) shows the outage block id="outage-kam";
# The good certificate is restored (tls.reload): within a couple of
# intervals the detector is back to 0, the probes are ok again, and the
# outage block is gone from the page.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init leaf_expired
T0=$(date +%s.%N)

INTERVAL=2	# s
TIMEOUT=1	# s
# the next fresh probe starts at most 1.1 intervals after the swap and
# ends within the timeout; 2 s more for a loaded machine
WITHIN=$(awk -v i=$INTERVAL -v t=$TIMEOUT 'BEGIN{print 1.1 * i + t + 2}')
# two more probes after the restore
WITHIN_RESTORE=$(awk -v i=$INTERVAL -v t=$TIMEOUT 'BEGIN{print 2 * (1.1 * i + t) + 2}')

dm_start_kam "interval = ${INTERVAL}s" "timeout = ${TIMEOUT}s" \
	"keepalive = 1s" "reconnect_every = 0" "flows = 1"

# --- steady state ----------------------------------------------------------
dm_wait_steady
[ "$(dm_value sipcanary_new_connection_outage target=kam)" = 0 ] ||
	tb_fail "the detector fires before anything broke"

B0=$(dm_flow_binding)
[ "$(printf '%s\n' "$B0" | grep -c ';sc=')" = 1 ] ||
	tb_fail "expected exactly one flow binding in Kamailio, got: $B0"
tb_ok "Kamailio holds the flow's binding: $B0"

# --- the swap to an expired certificate -------------------------------------
# every scrape from here on must show the flow up
FLOW_DOWN_SEEN=0
flow_still_up() {
	local v
	v=$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0) || v=missing
	if [ "$v" != 1 ]; then FLOW_DOWN_SEEN="$FLOW_DOWN_SEEN $(date +%T.%N | cut -c1-12)=$v"; fi
}
expired_seen() {
	dm_scrape || return 1
	flow_still_up
	local n s
	n=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=cert_expired) || return 1
	s=$(dm_value sipcanary_probe_success "${DM_L[@]}") || return 1
	[ "$n" -gt 0 ] && [ "$s" = 0 ]
}
[ "$(dm_series sipcanary_probes_total "${DM_L[@]}" verdict=cert_expired)" = 0 ] ||
	tb_fail "cert_expired probes before the swap"
t_swap=$(date +%s.%N)
pki_kamailio_swap expired
if ! tb_until "$WITHIN" expired_seen; then
	grep -E 'fresh probe|verdict' "$DM_LOG" | tail -n 5
	tb_fail "no cert_expired probe with probe_success 0 within ${WITHIN}s of the swap"
fi
tb_ok "cert_expired and probe_success 0 $(dm_elapsed "$t_swap") s after the swap (bound ${WITHIN}s)"

outage_is() {
	dm_scrape || return 1
	flow_still_up
	[ "$(dm_value sipcanary_new_connection_outage target=kam)" = "$1" ]
}
# the detector is evaluated when the probe ends: it must already be 1
tb_until 1 outage_is 1 ||
	tb_fail "sipcanary_new_connection_outage is not 1 while probes fail with the flow up"
tb_ok "sipcanary_new_connection_outage == 1 ($(dm_elapsed "$t_swap") s after the swap)"
[ "$(dm_value sipcanary_cert_ok "${DM_L[@]}")" = 0 ] || tb_fail "sipcanary_cert_ok is not 0"
fp=$(pki_fp "$PKI/expired.pem")
na=$(date -u -d "$(openssl x509 -in "$PKI/expired.pem" -noout -enddate | sed 's/^notAfter=//')" +%s)
v=$(dm_value sipcanary_cert_not_after_timestamp_seconds "${DM_L[@]}" depth=0 fingerprint_sha256="$fp") ||
	tb_fail "no not_after series for the expired leaf ($fp): dropped when verification failed"
[ "$v" = "$na" ] || tb_fail "the expired leaf's not_after is $v, want $na"
[ "$(dm_series sipcanary_cert_not_after_timestamp_seconds "${DM_L[@]}" depth=0)" = 1 ] ||
	tb_fail "the good leaf's not_after series was not replaced"
v=$(dm_value sipcanary_cert_earliest_expiry_timestamp_seconds "${DM_L[@]}")
[ "$v" = "$na" ] || tb_fail "earliest expiry is $v, want the expired leaf's $na"
tb_ok "certificate series kept although verification failed: leaf $fp not_after $na, cert_ok 0"

# the flow lives: still registered, no reconnect, same binding, same TCP connection
[ "$FLOW_DOWN_SEEN" = 0 ] || tb_fail "flow_up was not 1 at:$FLOW_DOWN_SEEN"
[ "$(dm_series sipcanary_flow_reconnects_total target=kam)" = 0 ] ||
	tb_fail "a flow reconnect was counted: $(grep reconnects_total "$DM_METRICS")"
B1=$(dm_flow_binding)
[ "$B1" = "$B0" ] || tb_fail "the flow's binding changed: before '$B0', now '$B1'"
tb_ok "the flow stayed up: flow_up 1 in every scrape, no reconnect, same binding and connection"

# the log and the status page
[ "$(dm_log_count '"verdict":"new_connection_outage"')" -ge 1 ] ||
	tb_fail "the daemon did not log new_connection_outage"
[ "$(dm_log_count '"target":"kam".*"verdict":"cert_expired"')" -ge 1 ] ||
	tb_fail "the daemon did not log a cert_expired probe of kam"
code=$(dm_http GET / "$TB/status.html")
[ "$code" = 200 ] || tb_fail "GET / answered $code"
grep -q 'id="outage-kam"' "$TB/status.html" ||
	{ grep -n 'outage\|detector' "$TB/status.html" | head; tb_fail "the status page has no outage block id=\"outage-kam\""; }
grep -q 'data-verdict="cert_expired"' "$TB/status.html" ||
	tb_fail "the status page does not show the frontend's cert_expired verdict"
grep -q 'data-state="critical"' "$TB/status.html" ||
	tb_fail "the status page does not show the target critical"
tb_ok "status page: outage block id=\"outage-kam\", frontend cert_expired, target critical"

# --- restore ------------------------------------------------------------------
t_restore=$(date +%s.%N)
pki_kamailio_swap good
restored() {
	outage_is 0 && [ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ]
}
if ! tb_until "$WITHIN_RESTORE" restored; then
	grep -E 'fresh probe|outage' "$DM_LOG" | tail -n 5
	tb_fail "the detector is not back to 0 with probe_success 1 within ${WITHIN_RESTORE}s of the restore"
fi
tb_ok "restored: outage 0 and probe_success 1 $(dm_elapsed "$t_restore") s after tls.reload (bound ${WITHIN_RESTORE}s)"
[ "$(dm_value sipcanary_cert_ok "${DM_L[@]}")" = 1 ] || tb_fail "sipcanary_cert_ok is not back to 1"
[ "$(dm_log_count 'new_connection_outage cleared')" -ge 1 ] ||
	tb_fail "the daemon did not log that the outage cleared"
code=$(dm_http GET / "$TB/status2.html")
[ "$code" = 200 ] || tb_fail "GET / answered $code"
if grep -q 'id="outage-kam"' "$TB/status2.html"; then
	tb_fail "the status page still shows the outage block after the restore"
fi
grep -q 'new_connection_outage: not firing' "$TB/status2.html" ||
	tb_fail "the status page does not say the detector is not firing"
[ "$FLOW_DOWN_SEEN" = 0 ] || tb_fail "flow_up was not 1 at:$FLOW_DOWN_SEEN"
[ "$(dm_series sipcanary_flow_reconnects_total target=kam)" = 0 ] ||
	tb_fail "a flow reconnect was counted"
B2=$(dm_flow_binding)
[ "$B2" = "$B0" ] || tb_fail "the flow's binding changed: before '$B0', now '$B2'"
tb_ok "the flow stayed up through the whole incident"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
tb_pass "expired cert: cert_expired within one interval, flow up, outage 1, page; restored: outage 0 ($(dm_elapsed "$T0") s)"
