#!/bin/bash
# run_revocation.sh — issue 18 in the daemon: a Kamailio frontend whose
# leaf and intermediate name a CRL on loopback (python3 -m http.server),
# probed every second by 10 targets (kam, kam2..kam10), and another
# target (openssl s_server) whose leaf names an unreachable distribution
# point:
#   the kam probes stay ok; sipcanary_revocation_data_age_seconds and
#   sipcanary_revocation_expires_in_seconds are set for kam;
#   sipcanary_revocation_fetch_failures_total{source="crl"} counts for the
#   dead target only (its verdict is never cert_revoked);
#   the status page says where kam's answers came from ("crl good");
#   50 probes across the 10 targets fetch each CRL once (the first
#   probes of every target start together and share one fetch; the cache
#   outlives a probe);
#   rint's CRL says nextUpdate in 2 minutes, revocation_cache_min = 1h:
#   the answer is kept an hour (expires_in above 3500 s).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
tb_require python3

tb_free_ports HP DEAD
H=http://127.0.0.1:$HP
mkdir -p "$TB/crl"
mk() { pki_cert "$PKI" "$@" || tb_fail "could not make certificate $1"; }
mk rint root type=ca cn=rint crl="$H/root.crl"
mk revleaf rint crl="$H/rint.crl"
mk deadleaf rint crl="http://127.0.0.1:$DEAD/rint.crl"
pki_gencrl "$PKI" root "$TB/crl/root.crl" || tb_fail "root CRL"
pki_gencrl "$PKI" rint "$TB/crl/rint.crl" now +2m || tb_fail "rint CRL"
tb_spawn http python3 -m http.server --bind 127.0.0.1 -d "$TB/crl" "$HP"
tb_wait_port "$HP" 10 "$TB_LAST_PID" || tb_fail "http.server did not start"
pki_kamailio_swap revleaf
pki_serve deadleaf

{
	printf 'revocation_cache_min = 1h\n'
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
	dm_target kam
	for i in 2 3 4 5 6 7 8 9 10; do dm_target "kam$i"; done
	DM_KAM_PORT=$P dm_target dead
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"

ok_probes() { dm_cmp sipcanary_probes_total '>=' 3 "${DM_L[@]}" verdict=ok; }
tb_until 20 ok_probes || tb_fail "kam: fewer than 3 ok probes in 20 s"
tb_ok "kam: 3 ok probes with revocation checked"
dm_cmp sipcanary_revocation_data_age_seconds '>=' 0 "${DM_L[@]}" ||
	tb_fail "kam: no sipcanary_revocation_data_age_seconds"
dm_cmp sipcanary_revocation_expires_in_seconds '>' 3500 "${DM_L[@]}" ||
	tb_fail "kam: sipcanary_revocation_expires_in_seconds is not revocation_cache_min (1h)"
tb_ok "kam: data age exported; the 2-minute CRL is kept revocation_cache_min (1h)"
failures() { dm_cmp sipcanary_revocation_fetch_failures_total '>=' 1 target=dead source=crl; }
tb_until 10 failures || tb_fail "dead: no CRL fetch failure counted"
[ "$(dm_series sipcanary_revocation_fetch_failures_total target=kam)" = 0 ] ||
	tb_fail "kam: fetch failures counted"
tb_ok "fetch failures counted for dead (source crl), none for kam"
[ "$(dm_series sipcanary_probes_total target=dead verdict=cert_revoked)" = 0 ] ||
	tb_fail "dead: an unreachable DP gave cert_revoked"
[ "$(dm_http GET / "$TB/status.html")" = 200 ] || tb_fail "status page"
grep -q 'revocation: crl good, crl good' "$TB/status.html" ||
	tb_fail "the status page does not say where kam's answers came from"
tb_ok "status page: revocation: crl good, crl good"
all_ok() { dm_scrape && [ "$(dm_value sipcanary_probes_total verdict=ok)" -ge 50 ]; }
tb_until 20 all_ok || tb_fail "fewer than 50 ok probes in 20 s"
for crl in rint root; do
	n=$(grep -c "\"GET /$crl.crl " "$TB/http.log" || true)
	[ "$n" = 1 ] || tb_fail "$crl.crl fetched $n times by 50 probes of 10 targets, not once"
done
tb_ok "$(dm_value sipcanary_probes_total verdict=ok) ok probes of 10 targets: rint.crl and root.crl fetched once each"
dm_stop
tb_pass "daemon: revocation age, expiry, failures by source, status page, one fetch"
