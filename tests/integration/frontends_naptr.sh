#!/bin/bash
# frontends_naptr.sh — issue 4, RFC 3263 with NAPTR, every frontend probed:
# a real dnsmasq serves for example.test
#   NAPTR 10 10 "S" "SIPS+D2T" -> _sips._tcp.pool.example.test
#   NAPTR  5 10 "S" "SIP+D2U"  -> _sip._udp.example.test   (wrong service,
#   NAPTR 20 10 "S" "SIP+D2T"  -> _sip._tcp.example.test    must be ignored)
#   SRV _sips._tcp.pool: 10 60 fe1 P1, 10 40 fe2 P2, 20 0 fe3 P3
#   fe1 A 127.0.0.2, fe2 A 127.0.0.3, fe3 AAAA ::1
# and decoys that only a resolver skipping the NAPTR, or following the
# wrong one, or falling back to A would find (all -> 127.0.0.9, where
# nothing listens).  One real Kamailio registrar listens on all three
# frontends.  Checks:
#   check --json: OK (exit 0), exactly the 3 frontends, srv filled (target,
#     port, priority, weight), family 4/6, dns and connect timings, each
#     registered (200), consistency ok with one leaf over 3 frontends,
#     frontends ordered by SRV priority; dnsmasq saw the NAPTR and SRV
#     queries, none for the wrong services; the human and --nagios outputs
#     exit 0 too;
#   certs --json: exit 0, the same 3 frontends;
#   --dns-server [::1]:PORT, and --dns-server given twice (the dnsmasq
#     first, a silent server second): still OK.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
dns_test_init ipv6
fp=$(pki_fp "$PKI/good.pem")
na=$(pki_not_after "$PKI/good.pem")

tb_free_ports P1 P2 P3 PD   # PD: decoy port: nothing listens
A1="127.0.0.2:$P1"
A2="127.0.0.3:$P2"
A3="[::1]:$P3"
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" "$A1" "$A2" "$A3" ||
	tb_fail "kamailio did not start"

D=$(tb_free_port udp)
DNS_LISTEN6=1 dns_start "$D" \
	--naptr-record=example.test,10,10,S,SIPS+D2T,,_sips._tcp.pool.example.test \
	--naptr-record=example.test,5,10,S,SIP+D2U,,_sip._udp.example.test \
	--naptr-record=example.test,20,10,S,SIP+D2T,,_sip._tcp.example.test \
	--srv-host="_sips._tcp.pool.example.test,fe1.example.test,$P1,10,60" \
	--srv-host="_sips._tcp.pool.example.test,fe2.example.test,$P2,10,40" \
	--srv-host="_sips._tcp.pool.example.test,fe3.example.test,$P3,20,0" \
	--host-record=fe1.example.test,127.0.0.2 \
	--host-record=fe2.example.test,127.0.0.3 \
	--host-record=fe3.example.test,::1 \
	--srv-host="_sips._tcp.example.test,decoy.example.test,$PD,1,0" \
	--srv-host="_sip._udp.example.test,decoy.example.test,$PD,1,0" \
	--srv-host="_sip._tcp.example.test,decoy.example.test,$PD,1,0" \
	--host-record=decoy.example.test,127.0.0.9 \
	--host-record=example.test,127.0.0.9 ||
	tb_fail "dnsmasq did not start"

# the test bed itself answers what we think it does
dns_expect 127.0.0.1 "$D" example.test NAPTR \
	"an=3;.*NAPTR 10 10 S SIPS\+D2T  _sips\._tcp\.pool\.example\.test" "NAPTR SIPS+D2T"
dns_expect 127.0.0.1 "$D" _sips._tcp.pool.example.test SRV "an=3;" "3 SRV records"
dns_expect 127.0.0.1 "$D" fe3.example.test AAAA "an=1;AAAA ::1;" "fe3 AAAA ::1"
dns_expect 127.0.0.1 "$D" fe1.example.test AAAA "rcode=NOERROR tc=0 an=0;" "fe1 has no AAAA"
dns_expect ::1 "$D" example.test NAPTR "an=3;" "dnsmasq answers on [::1]"

# --- 1. check --json ----------------------------------------------------------
dns_sc_check "$D" --json sips:example.test
dns_expect_target ok ok 0 "check --json"
tb_jq '.error == null' "target error is null"
dns_expect_frontends "check" "$A1=ok" "$A2=ok" "$A3=ok"
tb_jq "[.frontends[] | select(.address == \"$A1\") | .srv
	| (.target | rtrimstr(\".\")) == \"fe1.example.test\" and .port == $P1
	  and .priority == 10 and .weight == 60] == [true]" "fe1 srv target/port/priority/weight"
tb_jq "[.frontends[] | select(.address == \"$A2\") | .srv
	| (.target | rtrimstr(\".\")) == \"fe2.example.test\" and .port == $P2
	  and .priority == 10 and .weight == 40] == [true]" "fe2 srv"
tb_jq "[.frontends[] | select(.address == \"$A3\") | .srv
	| (.target | rtrimstr(\".\")) == \"fe3.example.test\" and .port == $P3
	  and .priority == 20 and .weight == 0] == [true]" "fe3 srv"
tb_jq "[.frontends[] | select(.address == \"$A1\" or .address == \"$A2\") | .family] == [4, 4]" \
	"IPv4 frontends have family 4"
tb_jq "[.frontends[] | select(.address == \"$A3\") | .family] == [6]" "::1 has family 6"
tb_jq '[.frontends[].srv.priority] == ([.frontends[].srv.priority] | sort)' \
	"frontends ordered by SRV priority"
tb_jq '.frontends[-1].address | startswith("[::1]:")' "the priority-20 frontend comes last"
tb_jq 'all(.frontends[]; .timings.dns_seconds | type == "number" and . >= 0 and . < 10)' \
	"every frontend has timings.dns_seconds"
tb_jq 'all(.frontends[]; .timings.tcp_connect_seconds | type == "number" and . > 0)' \
	"every frontend has its own tcp_connect_seconds"
tb_jq 'all(.frontends[]; .sip.final_status == 200)' "every frontend registered (200)"
tb_jq 'all(.frontends[]; .chain[0].fingerprint_sha256 | ascii_downcase == "'"$fp"'")' \
	"every frontend reports the served leaf"
tb_jq '.consistency.ok == true' "consistency.ok"
tb_jq "(.consistency.leaf_certificates | length) == 1 and
	(.consistency.leaf_certificates[0].fingerprint_sha256 | ascii_downcase) == \"$fp\" and
	.consistency.leaf_certificates[0].not_after == \"$na\" and
	(.consistency.leaf_certificates[0].frontends | sort) == ([\"$A1\", \"$A2\", \"$A3\"] | sort)" \
	"consistency: one leaf, on all 3 frontends"
tb_jq '(.consistency.tls_versions | length) == 1 and
	(.consistency.tls_versions[0].frontends | length) == 3' "consistency: one TLS version"
tb_jq '(.consistency.identities | length) == 1 and
	(.consistency.identities[0].frontends | length) == 3' "consistency: one identity outcome"
tb_jq 'all(.frontends[].address; test("127\\.0\\.0\\.9") | not)' "no decoy frontend"

n=$(tb_kamailio_register_count "$TB/kam")
[ "$n" -ge 6 ] || tb_fail "kamailio saw $n REGISTERs, expected >= 6 (2 per frontend)"
tb_ok "kamailio saw $n REGISTERs for 3 frontends"

[ "$(dns_queries_seen "$D" 'query\[NAPTR\] example\.test ')" -ge 1 ] ||
	tb_fail "dnsmasq never saw the NAPTR query for example.test"
tb_ok "dnsmasq saw the NAPTR query"
[ "$(dns_queries_seen "$D" 'query\[SRV\] _sips\._tcp\.pool\.example\.test ')" -ge 1 ] ||
	tb_fail "dnsmasq never saw the SRV query for the NAPTR replacement"
tb_ok "dnsmasq saw the SRV query for the NAPTR replacement"
n=$(dns_queries_seen "$D" '_sip\._(udp|tcp)\.example\.test ')
[ "$n" = 0 ] || tb_fail "$n queries for the SIP+D2U / SIP+D2T replacements (not sips)"
tb_ok "no query for the wrong NAPTR services"

# --- 2. the human table and --nagios -------------------------------------------
dns_sc_check "$D" sips:example.test
tb_expect_rc 0 "check, human output"
dns_sc_check "$D" --nagios sips:example.test
tb_expect_rc 0 "check --nagios"

# --- 3. certs --json ----------------------------------------------------------
dns_sc_certs "$D" --json sips:example.test
dns_expect_target ok ok 0 "certs --json"
dns_expect_frontends "certs" "$A1=ok" "$A2=ok" "$A3=ok"
tb_jq 'all(.frontends[]; .srv.target | type == "string")' "certs: srv filled"
tb_jq "[.frontends[] | select(.address == \"$A3\") | .family] == [6]" "certs: ::1 family 6"

# --- 4. --dns-server [::1]:PORT, and twice ----------------------------------------
tb_sc check --dns-server "[::1]:$D" --ca-file "$PKI/ca.pem" --user alice \
	--password-file "$TB/pw" --timeout 10 --json sips:example.test
dns_expect_target ok ok 0 "check --dns-server [::1]:PORT"
tb_jq '.frontends | length == 3' "3 frontends via [::1]"

X=$(tb_free_port udp)
dns_dead_start "$X" || tb_fail "silent DNS server did not start"
dns_sc_check "$D" --dns-server "127.0.0.1:$X" --json sips:example.test
dns_expect_target ok ok 0 "check with --dns-server given twice"
tb_jq '.frontends | length == 3' "3 frontends with two --dns-server"

tb_pass "NAPTR -> SRV (2 priorities) -> 3 frontends on 127.0.0.2, 127.0.0.3, ::1: all probed, OK"
