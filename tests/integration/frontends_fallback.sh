#!/bin/bash
# frontends_fallback.sh — issue 4, RFC 3263 fallbacks and short cuts, each
# against its own real dnsmasq serving example.test:
#  1. SRV only (no NAPTR): _sips._tcp.example.test -> fe1 (127.0.0.2, prio
#     10) and fe3 (::1, prio 20); example.test also has an A record (a
#     decoy: with SRV present, A of the domain must not be used).  check
#     --json: OK, the 2 SRV frontends with srv filled; dnsmasq saw the NAPTR
#     query first, then the SRV query.
#  2. A only (no NAPTR, no SRV): example.test A 127.R.R.R (a random
#     loopback address) and, if free, AAAA ::1 -> port 5061 on each.  A TLS
#     server is started on ADDR:5061; if 5061 is taken on that address (or
#     on the wildcard) this part is skipped with a message.  certs --json:
#     ok, frontend ADDR:5061, srv null.
#  3. explicit port, sips:example.test:P4: NAPTR and SRV exist but point to
#     a decoy; the A record 127.0.0.4 is used with P4, srv null, no NAPTR
#     or SRV query reaches dnsmasq.
#  4. IP literal, sips:127.0.0.4:P4: no DNS query at all, one frontend
#     127.0.0.4:P4 with srv null.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
dns_test_init ipv6

tb_free_ports P1 P3 P4 PD   # PD: decoy port: nothing listens
A1="127.0.0.2:$P1"
A3="[::1]:$P3"
A4="127.0.0.4:$P4"
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" "$A1" "$A3" "$A4" ||
	tb_fail "kamailio did not start"

# --- 1. SRV only ----------------------------------------------------------------
D=$(tb_free_port udp)
dns_start "$D" \
	--srv-host="_sips._tcp.example.test,fe1.example.test,$P1,10,10" \
	--srv-host="_sips._tcp.example.test,fe3.example.test,$P3,20,10" \
	--host-record=fe1.example.test,127.0.0.2 \
	--host-record=fe3.example.test,::1 \
	--host-record=example.test,127.0.0.9 ||
	tb_fail "dnsmasq (SRV only) did not start"
dns_expect 127.0.0.1 "$D" example.test NAPTR "rcode=NOERROR tc=0 an=0;" "no NAPTR"
dns_expect 127.0.0.1 "$D" _sips._tcp.example.test SRV "an=2;" "2 SRV records"

dns_sc_check "$D" --json sips:example.test
dns_expect_target ok ok 0 "1. SRV only: check --json"
dns_expect_frontends "1. SRV only" "$A1=ok" "$A3=ok"
tb_jq "[.frontends[] | .srv | (.target | rtrimstr(\".\")) + \" \" + (.port | tostring)
	+ \" \" + (.priority | tostring)] ==
	[\"fe1.example.test $P1 10\", \"fe3.example.test $P3 20\"]" \
	"1. srv target/port/priority, in priority order"
tb_jq '[.frontends[].family] == [4, 6]' "1. families 4 and 6"
tb_jq 'all(.frontends[]; .sip.final_status == 200)' "1. both registered"
[ "$(dns_queries_seen "$D" 'query\[NAPTR\] example\.test ')" -ge 1 ] ||
	tb_fail "1. no NAPTR query: RFC 3263 asks NAPTR first"
tb_ok "1. NAPTR was asked (and was empty)"
[ "$(dns_queries_seen "$D" 'query\[SRV\] _sips\._tcp\.example\.test ')" -ge 1 ] ||
	tb_fail "1. no SRV query for _sips._tcp.example.test"
tb_ok "1. SRV _sips._tcp.example.test was asked"
tb_stop "$DNS_PID"

# --- 2. A only: port 5061 -------------------------------------------------------
# a random loopback address, so that a 5061 used elsewhere on this host
# (127.0.0.1:5061 by a local SIP server, say) does not get in the way
ADDR5="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 2))"
taken=$(ss -Htln '( sport = :5061 )' 2>/dev/null |
	awk -v a="$ADDR5:5061" '$4 == a || $4 == "0.0.0.0:5061" || $4 == "*:5061" || $4 == "[::]:5061"')
if [ -n "$taken" ]; then
	tb_log "SKIPPED part 2 (A only -> 5061): port 5061 is in use: $taken"
	echo "  skip: 2. A-only fallback to 5061 (port 5061 in use on $ADDR5 or the wildcard)"
else
	want6=0
	if [ -z "$(ss -Htln '( sport = :5061 )' 2>/dev/null | awk '$4 == "[::1]:5061"')" ]; then
		want6=1
	fi
	dns_tls_server "$ADDR5" 5061 "$PKI/good.chain.pem" "$PKI/good.key" ||
		tb_fail "2. could not start a TLS server on $ADDR5:5061"
	rec="$ADDR5"
	if [ "$want6" = 1 ]; then
		dns_tls_server ::1 5061 "$PKI/good.chain.pem" "$PKI/good.key" ||
			tb_fail "2. could not start a TLS server on [::1]:5061"
		rec="$ADDR5,::1"
	else
		tb_log "[::1]:5061 is in use: part 2 tests A only, not AAAA"
	fi
	D=$(tb_free_port udp)
	dns_start "$D" --host-record="example.test,$rec" ||
		tb_fail "dnsmasq (A only) did not start"
	dns_expect 127.0.0.1 "$D" _sips._tcp.example.test SRV "rcode=NXDOMAIN" "no SRV"
	dns_expect 127.0.0.1 "$D" example.test A "an=1;A $ADDR5;" "A $ADDR5"

	dns_sc_certs "$D" --json sips:example.test
	dns_expect_target ok ok 0 "2. A only: certs --json"
	if [ "$want6" = 1 ]; then
		dns_expect_frontends "2. A+AAAA only" "$ADDR5:5061=ok" "[::1]:5061=ok"
		tb_jq '[.frontends[].family] | sort == [4, 6]' "2. families 4 and 6"
	else
		dns_expect_frontends "2. A only" "$ADDR5:5061=ok"
	fi
	tb_jq 'all(.frontends[]; .srv == null)' "2. srv is null without SRV"
	[ "$(dns_queries_seen "$D" 'query\[SRV\] _sips\._tcp\.example\.test ')" -ge 1 ] ||
		tb_fail "2. no SRV query before falling back to A"
	tb_ok "2. SRV was asked before the A fallback"
	tb_stop "$DNS_PID"
fi

# --- 3. explicit port: no NAPTR, no SRV -----------------------------------------
D=$(tb_free_port udp)
dns_start "$D" \
	--naptr-record=example.test,10,10,S,SIPS+D2T,,_sips._tcp.example.test \
	--srv-host="_sips._tcp.example.test,decoy.example.test,$PD,10,10" \
	--host-record=decoy.example.test,127.0.0.9 \
	--host-record=example.test,127.0.0.4 ||
	tb_fail "dnsmasq (explicit port) did not start"
dns_sc_check "$D" --json "sips:example.test:$P4"
dns_expect_target ok ok 0 "3. explicit port: check --json"
dns_expect_frontends "3. explicit port" "$A4=ok"
tb_jq '.frontends[0].srv == null' "3. srv is null"
tb_jq '.frontends[0].family == 4' "3. family 4"
n=$(dns_queries_seen "$D" 'query\[(NAPTR|SRV)\]')
[ "$n" = 0 ] || tb_fail "3. an explicit port must skip NAPTR and SRV; dnsmasq saw $n"
tb_ok "3. no NAPTR/SRV query"
[ "$(dns_queries_seen "$D" 'query\[A\] example\.test ')" -ge 1 ] ||
	tb_fail "3. no A query for example.test"
tb_ok "3. A example.test was asked"

# --- 4. IP literal: no DNS at all -------------------------------------------------
before=$(dns_queries_seen "$D" .)
dns_sc_certs "$D" --json "sips:127.0.0.4:$P4"
tb_jq '.frontends | length == 1' "4. IP literal: one frontend"
tb_jq ".frontends[0].address == \"$A4\"" "4. the literal address and port"
tb_jq '.frontends[0].srv == null' "4. srv is null"
after=$(dns_queries_seen "$D" .)
[ "$before" = "$after" ] || tb_fail "4. an IP literal caused $((after - before)) DNS queries"
tb_ok "4. no DNS query"

tb_pass "SRV-only, A-only (5061), explicit port and IP literal locate as RFC 3263 says"
