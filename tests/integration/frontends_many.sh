#!/bin/bash
# frontends_many.sh — issue 4, 50 frontends behind one name, probed within
# --timeout, with the --parallel bound respected.
#
# DNS (parts 1-3): _sips._tcp.example.test has 10 SRV records (fe1..fe10,
# all priority 10, one port R), each target has 5 A records: fe1 ->
# 127.0.1.1..5, fe2 -> 127.0.1.6..10, ... fe10 -> 127.0.1.46..50.  Every
# answer fits in 512 bytes.  Part 4: a second dnsmasq where the 50 addresses
# are 50 SRV records (one A each); that answer is larger than 512 bytes, so
# over plain UDP it comes back truncated (TC) and the resolver has to retry
# over TCP.
#
# Servers: ONE relay process (tests/lib/dns.sh, dns_relay_start) listens on
# all 50 addresses; every connection it accepts waits DELAY = 0.3 s, then
# is relayed to one real Kamailio on 127.0.0.1 (TLS, REGISTER).  So each
# probe takes >= 0.3 s, and the relay — single-threaded, the only listener
# on those addresses — counts exactly how many connections are open at
# once ("conc N" in its log; it handles EOFs before accepting, so a client
# that closes one connection and then opens the next is never counted
# twice).  This is the proof of the bound, measured on the server side.
# A second, independent proof is the wall time: 50 probes of >= 0.3 s with
# at most 8 at a time take >= 50 * 0.3 / 8 = 1.9 s, and with concurrency
# they take far less than 50 * 0.3 = 15 s.
#  1. certs --parallel 8: 50 frontends ok, 50 distinct addresses = the 50 A
#     records, 50 connections, at most 8 at once (and more than 1),
#     wall >= 1.7 s and < --timeout;
#  2. check (default --parallel 16): 50 frontends registered, at most 16
#     at once;
#  3. certs --parallel 1 --timeout 3: the run ends in < 5 s although 50
#     sequential probes need 15 s; exactly 1 connection at a time, and no
#     connection opened after the deadline (<= 12 in all); every frontend
#     is still reported (50 entries), the target is not ok;
#  4. 50 SRV records, truncated over UDP: certs --timeout 10 finds and
#     probes all 50 (the TCP retry must not stall until the timeout).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
dns_test_init

N=50
DELAY=0.3

B=$(tb_free_port)
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" "127.0.0.1:$B" ||
	tb_fail "kamailio did not start"

R=$(tb_free_port)
listen=()
dnsargs=()
bigargs=()
expect=()
for i in $(seq 1 "$N"); do
	listen+=("127.0.1.$i:$R")
	expect+=("\"127.0.1.$i:$R\"")
	t=$(( (i - 1) / 5 + 1 ))
	if [ $(( (i - 1) % 5 )) = 0 ]; then
		dnsargs+=("--srv-host=_sips._tcp.example.test,fe$t.example.test,$R,10,10")
	fi
	dnsargs+=("--host-record=fe$t.example.test,127.0.1.$i")
	bigargs+=("--srv-host=_sips._tcp.example.test,big$i.example.test,$R,10,10"
		"--host-record=big$i.example.test,127.0.1.$i")
done
want_set="[$(IFS=,; echo "${expect[*]}")]"
dns_relay_start relay "$DELAY" "$B" "${listen[@]}" || tb_fail "relay did not start"

D=$(tb_free_port udp)
dns_start "$D" "${dnsargs[@]}" || tb_fail "dnsmasq did not start"
dns_expect 127.0.0.1 "$D" _sips._tcp.example.test SRV "tc=0 an=10;" "10 SRV records, not truncated"
dns_expect 127.0.0.1 "$D" fe10.example.test A "tc=0 an=5;" "fe10 has 5 A records"

# relay_since LINE — the relay's max concurrency and connection count in
# its log after line LINE (one run)
relay_since() {
	tail -n +"$(($1 + 1))" "$TB/relay.log" | awk '
		$2 == "open"  { n++ }
		$2 == "open" || $2 == "close" { for (i = 3; i < NF; i++) if ($i == "conc" && $(i+1) > m) m = $(i+1) }
		END { print m + 0, n + 0 }'
}
mark() { wc -l <"$TB/relay.log"; }

# --- 1. certs --parallel 8 -----------------------------------------------------------
m0=$(mark)
dns_sc_certs "$D" --json --parallel 8 --timeout 20 sips:example.test
read -r max conns <<<"$(relay_since "$m0")"
dns_expect_target ok ok 0 "1. certs --parallel 8, $N frontends"
tb_jq ".frontends | length == $N" "1. $N frontends reported"
tb_jq "[.frontends[].address] | sort == ($want_set | sort)" "1. exactly the $N located addresses"
tb_jq 'all(.frontends[]; .verdict == "ok" and .srv.priority == 10)' "1. all ok, srv filled"
[ "$conns" = "$N" ] || tb_fail "1. the relay saw $conns connections, expected $N (one per frontend)"
tb_ok "1. one connection per frontend ($conns)"
[ "$max" -le 8 ] || tb_fail "1. $max connections open at once with --parallel 8"
[ "$max" -ge 2 ] || tb_fail "1. never more than $max connection at once: not concurrent"
tb_ok "1. at most $max connections open at once (--parallel 8)"
awk -v w="$TB_WALL" -v n="$N" -v d="$DELAY" 'BEGIN { exit !(w >= 0.9 * n * d / 8 && w < 20) }' ||
	tb_fail "1. wall ${TB_WALL}s: not within [0.9 * $N * $DELAY / 8, 20)"
tb_ok "1. wall ${TB_WALL}s (>= $N x ${DELAY}s / 8, sequential would be $(awk -v n="$N" -v d="$DELAY" 'BEGIN{print n*d}')s)"

# --- 2. check, default --parallel ---------------------------------------------------
m0=$(mark)
r0=$(tb_kamailio_register_count "$TB/kam")
dns_sc_check "$D" --json --timeout 20 sips:example.test
read -r max conns <<<"$(relay_since "$m0")"
dns_expect_target ok ok 0 "2. check (default --parallel), $N frontends"
tb_jq ".frontends | length == $N" "2. $N frontends reported"
tb_jq 'all(.frontends[]; .sip.final_status == 200)' "2. all $N registered"
r1=$(tb_kamailio_register_count "$TB/kam")
[ $((r1 - r0)) -ge $((2 * N)) ] || tb_fail "2. Kamailio saw $((r1 - r0)) REGISTERs, expected >= $((2 * N))"
tb_ok "2. Kamailio saw $((r1 - r0)) REGISTERs"
[ "$conns" = "$N" ] || tb_fail "2. the relay saw $conns connections, expected $N"
[ "$max" -le 16 ] || tb_fail "2. $max connections open at once with the default --parallel 16"
tb_ok "2. at most $max connections open at once (default --parallel 16)"

# --- 3. --parallel 1 --timeout 3: the timeout bounds the run ------------------------
m0=$(mark)
dns_sc_certs "$D" --json --parallel 1 --timeout 3 sips:example.test
read -r max conns <<<"$(relay_since "$m0")"
awk -v w="$TB_WALL" 'BEGIN { exit !(w < 5) }' ||
	tb_fail "3. --timeout 3 run took ${TB_WALL}s"
tb_ok "3. ended after ${TB_WALL}s (--timeout 3; 50 sequential probes need 15 s)"
[ "$TB_RC" = 1 ] || tb_fail "3. certs exit $TB_RC, expected 1 (not every frontend probed)"
tb_ok "3. certs exit 1"
[ "$max" = 1 ] || tb_fail "3. $max connections open at once with --parallel 1"
tb_ok "3. one connection at a time ($conns in all)"
# each connection takes >= 0.3 s, so a run that stops starting probes at
# its deadline opens at most 3 / 0.3 + 1 of them (+1 for slack)
[ "$conns" -le 12 ] ||
	tb_fail "3. $conns connections in a 3 s run of 0.3 s probes: new connections after the deadline"
tb_ok "3. no new connection after the deadline ($conns <= 12)"
tb_jq '.verdict != "ok"' "3. target not ok"
tb_jq ".frontends | length == $N" "3. all $N frontends still reported"
tb_jq '[.frontends[] | select(.verdict == "ok")] | length >= 2 and length < 50' \
	"3. some, not all, frontends ok"

# --- 4. 50 SRV records: a truncated UDP answer ---------------------------------------
DT=$(tb_free_port udp)
dns_start "$DT" "${bigargs[@]}" || tb_fail "dnsmasq (50 SRV) did not start"
dns_expect 127.0.0.1 "$DT" _sips._tcp.example.test SRV "tc=1" \
	"the 50-record SRV answer is truncated over UDP"
out=$(dns_query 127.0.0.1 "$DT" _sips._tcp.example.test SRV tcp) ||
	tb_fail "test bed: no SRV answer over TCP"
case "$out" in *"an=$N"*) tb_ok "test bed: $N SRV records over TCP" ;;
	*) tb_fail "test bed: SRV over TCP: $(echo "$out" | head -n 1)" ;; esac
dns_sc_certs "$DT" --json --timeout 10 sips:example.test
dns_expect_target ok ok 0 "4. 50 SRV records (truncated over UDP): certs --json"
tb_jq "[.frontends[].address] | sort == ($want_set | sort)" "4. exactly the $N SRV addresses"
awk -v w="$TB_WALL" 'BEGIN { exit !(w < 10) }' ||
	tb_fail "4. took ${TB_WALL}s: the TCP retry stalled?"
tb_ok "4. ${TB_WALL}s"

tb_pass "$N frontends: all probed within --timeout, --parallel bound held (server-side count)"
