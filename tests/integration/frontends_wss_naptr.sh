#!/bin/bash
# frontends_wss_naptr.sh — issue 20, locating WSS frontends (RFC 7118 §11
# NAPTR service SIPS+D2W): a real dnsmasq serves for example.test
#   NAPTR 10 10 "S" "SIPS+D2W" -> _sips._ws.pool.example.test
#   NAPTR  5 10 "S" "SIPS+D2T" -> _sips._tcp.example.test  (TLS, not WSS)
#   SRV _sips._ws.pool: 10 0 wss1 P1, 20 0 wss2 P2; wss1/2 A 127.0.0.2/3
# plus TLS decoys, and a Kamailio with WebSocket on both frontends.
# check --transport wss probes exactly the two WSS frontends over WSS,
# ordered by priority, and dnsmasq saw the NAPTR and the SRV of the
# D2W record, never the TLS one.  Without NAPTR, SRV _sips._ws.DOMAIN is
# used; without SRV, the domain's A record on port 443 (decoy.example.test:
# 127.0.0.9:443, where nothing listens).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
export TB_KAM_WSS=1
dns_test_init

tb_free_ports P1 P2 PD
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" "127.0.0.2:$P1" "127.0.0.3:$P2" ||
	tb_fail "kamailio did not start"
D=$(tb_free_port udp)
dns_start "$D" \
	--naptr-record=example.test,10,10,S,SIPS+D2W,,_sips._ws.pool.example.test \
	--naptr-record=example.test,5,10,S,SIPS+D2T,,_sips._tcp.example.test \
	--srv-host="_sips._ws.pool.example.test,wss1.example.test,$P1,10,0" \
	--srv-host="_sips._ws.pool.example.test,wss2.example.test,$P2,20,0" \
	--host-record=wss1.example.test,127.0.0.2 \
	--host-record=wss2.example.test,127.0.0.3 \
	--srv-host="_sips._tcp.example.test,decoy.example.test,$PD,1,0" \
	--srv-host="_sips._ws.other.test,wss1.example.test,$P1,1,0" \
	--host-record=decoy.example.test,127.0.0.9 \
	--host-record=example.test,127.0.0.9 \
	--host-record=other.test,127.0.0.4 ||
	tb_fail "dnsmasq did not start"

dns_sc_check "$D" --transport wss --json sips:example.test
dns_expect_target ok ok 0 "WSS located through NAPTR SIPS+D2W"
tb_jq "[.frontends[] | .address] == [\"127.0.0.2:$P1\", \"127.0.0.3:$P2\"]" \
	"the two D2W frontends, by SRV priority"
tb_jq 'all(.frontends[]; .transport == "wss" and .timings.ws_upgrade_seconds > 0 and .srv != null)' \
	"each over WSS, with its SRV record"
[ "$(dns_queries_seen "$D" '_sips\._ws\.pool\.example\.test')" -ge 1 ] ||
	tb_fail "dnsmasq saw no SRV query for the NAPTR's replacement"
[ "$(dns_queries_seen "$D" '_sips\._tcp\.')" = 0 ] || tb_fail "the TLS SRV was asked for"
tb_ok "NAPTR SIPS+D2W -> SRV _sips._ws.pool -> A; no TLS record asked for"

# other.test: no NAPTR -> SRV _sips._ws.other.test (the same frontend)
tb_sc check --dns-server "127.0.0.1:$D" --ca-file "$PKI/ca.pem" --timeout 10 \
	--transport wss --json 'sips:other.test;transport=ws'
tb_jq "[.frontends[] | .address] == [\"127.0.0.2:$P1\"]" "no NAPTR: SRV _sips._ws.other.test"
[ "$(dns_queries_seen "$D" '_sips\._ws\.other\.test')" -ge 1 ] ||
	tb_fail "no SRV query for _sips._ws.other.test"
# certs of other.test fail the name check, which is not the point here:
# the frontend was found through the WSS SRV name.
tb_ok "without NAPTR, SRV _sips._ws.DOMAIN"

# no NAPTR, no SRV: the domain's own A record, port 443
dns_sc_check "$D" --transport wss --json --timeout 3 sips:decoy.example.test
tb_jq '[.frontends[] | .address] == ["127.0.0.9:443"]' "no SRV: A record on port 443"
tb_pass "WSS location: NAPTR SIPS+D2W, SRV _sips._ws, A on 443"
