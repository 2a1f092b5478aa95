#!/bin/bash
# run_dns_change.sh — a frontend that DNS stops naming leaves no binding
# behind.  dnsmasq names two frontends (SRV -> fe.example.test -> A
# 127.0.0.2 and 127.0.0.3, from an addn-hosts file, TTL 1 s), both
# served by one real Kamailio; `sipcanary run` keeps one persistent flow
# on each.  Then 127.0.0.3 goes from DNS (the hosts file is rewritten and
# dnsmasq gets SIGHUP; it stays root to read the file in the test's
# private directory).  At its next location (30 s, the daemon's
# shortest re-location period) the daemon:
#   - logs "frontend no longer located" for 127.0.0.3;
#   - unregisters that frontend's flow (Kamailio's location table keeps
#     one flow binding, that of 127.0.0.2), although 127.0.0.3 still
#     answers: a binding left there would live until it expired;
#   - drops the frontend's series from /metrics, keeps 127.0.0.2's flow up.
# Finally SIGTERM empties the location table.
# shellcheck disable=SC2317  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
tb_init
tb_require kamailio kamcmd openssl curl ss awk
dns_require
tb_require_sipcanary

PKI=$TB/pki
pki_make
pki_leaf_good "$PKI" || tb_fail "could not make the good leaf"
tb_password_file "$TB/pw" secret
mkdir -p "$TB/state"
DM_LOG=$TB/daemon.log
DM_METRICS=$TB/metrics.txt
P=$(tb_free_port udp) || tb_fail "no free port"
export TB_KAM_RPC_BODY=1024
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" \
	"127.0.0.2:$P" "127.0.0.3:$P" || tb_fail "kamailio did not start"
DM_KAM=$TB/kam
printf '127.0.0.2 fe.example.test\n127.0.0.3 fe.example.test\n' >"$TB/hosts"
D=$(tb_free_port udp) || tb_fail "no free port"
DNS_LOCAL_TTL=1 dns_start "$D" "--srv-host=_sips._tcp.example.test,fe.example.test,$P,10,10" \
	"--addn-hosts=$TB/hosts" --user=root || tb_fail "dnsmasq did not start"
dns_expect 127.0.0.1 "$D" fe.example.test A 'A 127.0.0.2;A 127.0.0.3|A 127.0.0.3;A 127.0.0.2' \
	"dnsmasq names both frontends"
DM_HTTP=$(tb_free_port) || tb_fail "no free port"
tb_ok "Kamailio on 127.0.0.2-3:$P, dnsmasq on 127.0.0.1:$D"

{
	dm_config_head "interval = 2s" "timeout = 1s" "keepalive = 5s" \
		"reconnect_every = 0" "flows = 1"
	printf 'target "dnsy" {\n\turi = "sips:example.test"\n'
	printf '\tuser = "alice"\n\tpassword_file = "%s"\n' "$TB/pw"
	printf '\tdns_server = "127.0.0.1:%s"\n}\n' "$D"
} >"$TB/sc.conf"
FE2=127.0.0.2:$P FE3=127.0.0.3:$P
flow_bindings() { dm_kam_contacts | awk '$1 ~ /;sc=/'; }
both_up() {
	dm_scrape &&
		[ "$(dm_value sipcanary_flow_up target=dnsy frontend="$FE2")" = 1 ] &&
		[ "$(dm_value sipcanary_flow_up target=dnsy frontend="$FE3")" = 1 ] &&
		[ "$(flow_bindings | wc -l)" = 2 ]
}
dm_start "$TB/sc.conf"
tb_until 20 both_up || tb_fail "the two flows (and their bindings) not up within 20 s: $(flow_bindings)"
tb_ok "a flow on each frontend; Kamailio holds 2 flow bindings"

printf '127.0.0.2 fe.example.test\n' >"$TB/hosts"
kill -HUP "$DNS_PID"
dns_expect 127.0.0.1 "$D" fe.example.test A '^rcode=NOERROR tc=0 an=1;A 127\.0\.0\.2;$' \
	"dnsmasq names 127.0.0.2 only"
T0=$(date +%s.%N)
gone_line() { grep -F "$FE3" "$DM_LOG" | grep -q 'no longer located'; }
tb_until 45 gone_line || tb_fail "the daemon did not drop $FE3 within 45 s of the DNS change"
tb_ok "dropped $FE3 $(dm_elapsed "$T0") s after the DNS change"
one_binding() { [ "$(flow_bindings | wc -l)" = 1 ]; }
tb_until 5 one_binding || tb_fail "Kamailio still holds $(flow_bindings | wc -l) flow bindings 5 s later, want 1"
tb_ok "its flow unregistered: Kamailio holds 1 flow binding"
fe3_gone() {
	dm_scrape && [ "$(dm_series sipcanary_flow_up frontend="$FE3")" = 0 ] &&
		[ "$(dm_series sipcanary_probe_success frontend="$FE3")" = 0 ] &&
		[ "$(dm_value sipcanary_flow_up target=dnsy frontend="$FE2")" = 1 ] &&
		[ "$(dm_value sipcanary_frontends target=dnsy)" = 1 ]
}
tb_until 5 fe3_gone || tb_fail "/metrics still has $FE3, or $FE2's flow is down"
tb_ok "/metrics: $FE3 gone, $FE2's flow up, 1 frontend"
grep -q '"level":"error"' "$DM_LOG" && tb_fail "errors in the daemon's log: $(grep '"level":"error"' "$DM_LOG" | head -3)"

dm_stop 5
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC"
[ "$(flow_bindings | wc -l)" = 0 ] || tb_fail "bindings left after SIGTERM: $(flow_bindings)"
tb_pass "a frontend gone from DNS unregisters its flow and leaves no series"
