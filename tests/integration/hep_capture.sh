#!/bin/bash
# hep_capture.sh — issue 20: `check --hep udp://IP:PORT --hep-id N`
# copies every SIP message the probe sends and receives as HEPv3 to the
# collector, with the true addresses, ports, transport (TCP), capture
# agent id and time.  The collector is an independent HEPv3 decoder
# (tests/lib/hep_collector.py: Debian 12's tshark 4.0 has no hep
# dissector).  Decoding is not enough: the payloads are compared byte for
# byte with the SIP that tshark decrypts (with --keylog) from a capture
# of the same probe, both ways.  A collector that is down delays nothing.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_check_init example.test
tb_require dumpcap tshark python3

tb_spawn hepcol python3 "$TB_TOP/tests/lib/hep_collector.py" 0 "$TB/hep.jsonl"
_listening() { grep -q listening "$TB/hepcol.log"; }
tb_until 10 _listening || tb_fail "the HEP collector did not start: $(cat "$TB/hepcol.log")"
H=$(awk '/^listening/ { print $2; exit }' "$TB/hepcol.log")

tb_spawn dumpcap dumpcap -q -i lo -f "tcp port $P" -a duration:30 -w "$TB/probe.pcapng"
CAP=$TB_LAST_PID
_started() { grep -q "Capturing on" "$TB/dumpcap.log" || [ -s "$TB/probe.pcapng" ]; }
tb_until 10 _started || tb_fail "dumpcap did not start: $(cat "$TB/dumpcap.log")"

t0=$(date +%s)
tb_sc "${TB_CHECK[@]}" --keylog "$TB/keys.log" --hep "udp://127.0.0.1:$H" \
	--hep-id 4242 sips:example.test
tb_expect_rc 0 "check --hep"
t1=$(date +%s)
# REGISTER, 401, REGISTER, 200, unREGISTER, 200
_six() { [ "$(wc -l <"$TB/hep.jsonl" 2>/dev/null || echo 0)" -ge 6 ]; }
tb_until 5 _six || tb_fail "the collector got $(wc -l <"$TB/hep.jsonl") packets, expected 6"
n=$(wc -l <"$TB/hep.jsonl")
[ "$n" -eq 6 ] || tb_fail "the collector got $n packets, expected 6 (no keep-alives, no duplicates)"
jq -e -s --argjson p "$P" --argjson t0 "$t0" --argjson t1 "$t1" '
	all(.[]; .error == null and .family == 2 and .ipproto == 6 and
	    .proto_type == 1 and .agent_id == 4242 and
	    .src == "127.0.0.1" and .dst == "127.0.0.1" and
	    (.sport == $p or .dport == $p) and .secs >= $t0 and .secs <= $t1 and
	    .usecs < 1000000)' "$TB/hep.jsonl" >/dev/null ||
	tb_fail "a HEP packet has wrong fields: $(head -c 600 "$TB/hep.jsonl")"
tb_ok "6 HEPv3 packets: IPv4, TCP, SIP, agent 4242, 127.0.0.1, port $P, timestamps in [$t0, $t1]"
local_port=$(jq -s -r --argjson p "$P" '[.[] | select(.dport == $p) | .sport] | unique | join(",")' "$TB/hep.jsonl")
case "$local_port" in ''|*,*) tb_fail "outgoing copies name several or no local ports: $local_port" ;; esac
jq -e -s --argjson p "$P" --argjson l "$local_port" \
	'all(.[]; (.sport == $l and .dport == $p) or (.sport == $p and .dport == $l))' \
	"$TB/hep.jsonl" >/dev/null || tb_fail "incoming copies do not mirror the outgoing ports"
tb_ok "ports: sipcanary $local_port <-> kamailio $P, both ways"

# The SIP of the probe, decrypted from the capture with the key log.
_fin() { tshark -r "$TB/probe.pcapng" -Y 'tcp.flags.fin == 1' 2>/dev/null | grep -q .; }
tb_until 10 _fin || tb_fail "the capture never saw the connection close"
tb_stop "$CAP"
tshark -r "$TB/probe.pcapng" -o "tls.keylog_file:$TB/keys.log" -d "tcp.port==$P,tls" \
	-q -z follow,tls,raw,0 >"$TB/follow.txt" 2>"$TB/tshark.err"
# raw follow: node 0's data flush left, node 1's indented by a tab; the
# side whose data starts with "REGISTER" is sipcanary's.
awk '/^====/ { n++; next } n == 1 && /^[0-9a-f]+$/ { print }' "$TB/follow.txt" |
	tr -d '\n' >"$TB/wire.a"
awk '/^====/ { n++; next } n == 1 && /^\t[0-9a-f]+$/ { sub(/^\t/, ""); print }' "$TB/follow.txt" |
	tr -d '\n' >"$TB/wire.b"
if grep -q '^52454749535445522073' "$TB/wire.a"; then
	mv "$TB/wire.a" "$TB/wire.out"; mv "$TB/wire.b" "$TB/wire.in"
else
	mv "$TB/wire.b" "$TB/wire.out"; mv "$TB/wire.a" "$TB/wire.in"
fi
[ -s "$TB/wire.out" ] && [ -s "$TB/wire.in" ] ||
	tb_fail "tshark decrypted nothing: $(head -5 "$TB/follow.txt") $(cat "$TB/tshark.err")"
jq -s -j --argjson p "$P" '.[] | select(.dport == $p) | .payload' "$TB/hep.jsonl" >"$TB/hep.out"
jq -s -j --argjson p "$P" '.[] | select(.sport == $p) | .payload' "$TB/hep.jsonl" >"$TB/hep.in"
cmp -s "$TB/hep.out" "$TB/wire.out" ||
	tb_fail "the HEP copies of sent messages differ from the wire: $(xxd -r -p "$TB/hep.out" | head -c 300)"
tb_ok "sent: the HEP payloads are the decrypted wire bytes ($(($(wc -c <"$TB/wire.out") / 2)) bytes)"
cmp -s "$TB/hep.in" "$TB/wire.in" ||
	tb_fail "the HEP copies of received messages differ from the wire: $(xxd -r -p "$TB/hep.in" | head -c 300)"
tb_ok "received: the HEP payloads are the decrypted wire bytes ($(($(wc -c <"$TB/wire.in") / 2)) bytes)"
xxd -r -p "$TB/hep.out" | grep -c '^REGISTER sips:example.test SIP/2.0' | grep -qx 3 ||
	tb_fail "the sent copies are not the three REGISTERs"
xxd -r -p "$TB/hep.in" | grep -c '^SIP/2.0 200' | grep -qx 2 ||
	tb_fail "the received copies are not the 401 and two 200s"
tb_ok "sent: 3 REGISTERs; received: 401, 200, 200"

# A collector that is down: ICMP refusals and lost copies delay nothing.
D=$(tb_free_port)
tb_sc "${TB_CHECK[@]}" --json sips:example.test
base=$TB_WALL
tb_sc "${TB_CHECK[@]}" --json --hep "udp://127.0.0.1:$D" sips:example.test
tb_expect_rc 0 "check --hep to a collector that is down"
awk -v a="$TB_WALL" -v b="$base" 'BEGIN { exit !(a < b + 1) }' ||
	tb_fail "a down collector slowed the probe: ${TB_WALL}s against ${base}s"
tb_ok "collector down: ok in ${TB_WALL}s (${base}s without HEP)"

tb_sc "${TB_CHECK[@]}" --hep "udp://collector.example:9060" sips:example.test
[ "$TB_RC" -ne 0 ] && grep -q "udp://IP\[:PORT\]" "$TB_ERR" ||
	tb_fail "a collector name was not refused clearly: $(cat "$TB_ERR")"
tb_ok "a collector name is refused: $(head -1 "$TB_ERR")"
tb_pass "HEPv3 copies of every SIP message, byte for byte"
