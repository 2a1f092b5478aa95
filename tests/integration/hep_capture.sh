#!/bin/bash
# hep_capture.sh — issue 20: `check --hep udp://IP:PORT --hep-id N`
# copies every SIP message the probe sends and receives as HEPv3 to the
# collector, with the true addresses, ports, transport (TCP), capture
# agent id and time.  tshark decodes a capture of the collector's port
# (our HEPv3 dissector tests/lib/hep3.lua, Debian 12's Wireshark 4.0 has
# none; tshark's own SIP dissector for the payload).  Decoding is not
# enough: the SIP tshark reads in the copies (method or status, Call-ID,
# CSeq, in order, each way) is what sipcanary's own trace (-v) says it
# sent and received, and the payloads are compared byte for byte with
# the SIP that tshark decrypts (with --keylog) from a capture of the
# same probe, both ways.  A collector that is down delays nothing.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/hep.sh
. "$(dirname "$0")/../lib/hep.sh"
tb_check_init example.test
tb_require dumpcap tshark

hep_start
H=$HEP_PORT
tb_spawn dumpcap dumpcap -q -i lo -f "tcp port $P" -a duration:30 -w "$TB/probe.pcapng"
CAP=$TB_LAST_PID
_started() { grep -q "Capturing on" "$TB/dumpcap.log" || [ -s "$TB/probe.pcapng" ]; }
tb_until 10 _started || tb_fail "dumpcap did not start: $(cat "$TB/dumpcap.log")"

t0=$(date +%s)
tb_sc "${TB_CHECK[@]}" -v --keylog "$TB/keys.log" --hep "udp://127.0.0.1:$H" \
	--hep-id 4242 sips:example.test
tb_expect_rc 0 "check --hep"
t1=$(date +%s)
# REGISTER, 401, REGISTER, 200, unREGISTER, 200
hep_wait 6
n=$(hep_count)
[ "$n" -eq 6 ] || tb_fail "the collector got $n packets, expected 6 (no keep-alives, no duplicates)"
hep_fields "$TB/hep.txt" hep.family hep.ip_proto hep.proto_type hep.capture_id \
	hep.src_ip hep.dst_ip hep.src_port hep.dst_port hep.ts_sec hep.ts_usec \
	hep.payload sip.Method sip.Status-Code sip.Call-ID sip.CSeq
[ "$(wc -l <"$TB/hep.txt")" = 6 ] || tb_fail "tshark decoded $(wc -l <"$TB/hep.txt") HEP packets, expected 6"
awk -F'|' -v p="$P" -v t0="$t0" -v t1="$t1" '
	!($1 == 2 && $2 == 6 && $3 == 1 && $4 == 4242 &&
	  $5 == "127.0.0.1" && $6 == "127.0.0.1" && ($7 == p || $8 == p) &&
	  $9 >= t0 && $9 <= t1 && $10 < 1000000) { bad = 1; print }
	END { exit bad }' "$TB/hep.txt" >"$TB/hep.bad" ||
	tb_fail "a HEP packet has wrong fields: $(cut -c 1-200 "$TB/hep.bad")"
tb_ok "tshark: 6 HEPv3 packets: IPv4, TCP, SIP, agent 4242, 127.0.0.1, port $P, timestamps in [$t0, $t1]"
local_port=$(awk -F'|' -v p="$P" '$8 == p { print $7 }' "$TB/hep.txt" | sort -u | paste -sd,)
case "$local_port" in ''|*,*) tb_fail "outgoing copies name several or no local ports: $local_port" ;; esac
awk -F'|' -v p="$P" -v l="$local_port" '!(($7 == l && $8 == p) || ($7 == p && $8 == l)) { exit 1 }' \
	"$TB/hep.txt" || tb_fail "incoming copies do not mirror the outgoing ports"
tb_ok "ports: sipcanary $local_port <-> kamailio $P, both ways"

# tshark's SIP in the copies against sipcanary's trace: --> sent, <-- received
awk -F'|' -v p="$P" '{ print ($8 == p ? "sent" : "received") "|" $12 "|" $13 "|" $14 "|" $15 }' \
	"$TB/hep.txt" >"$TB/sip.hep"
tr -d '\r' <"$TB_ERR" | awk '
	/^--> / { dir = "sent"; first = 1; next }
	/^<-- / { dir = "received"; first = 1; next }
	first { first = 0; if ($1 == "SIP/2.0") { m = ""; st = $2 } else { m = $1; st = "" } }
	dir != "" && /^Call-ID: / { cid = $2 }
	dir != "" && /^CSeq: / { print dir "|" m "|" st "|" cid "|" $2 " " $3; dir = "" }' >"$TB/sip.trace"
[ "$(wc -l <"$TB/sip.trace")" = 6 ] || tb_fail "sipcanary's trace shows $(wc -l <"$TB/sip.trace") messages, expected 6"
diff "$TB/sip.trace" "$TB/sip.hep" >"$TB/sip.diff" ||
	tb_fail "the SIP tshark reads in the HEP copies is not what sipcanary sent and received: $(cat "$TB/sip.diff")"
[ "$(cut -d'|' -f1-3 "$TB/sip.hep" | paste -sd' ')" = \
	"sent|REGISTER| received||401 sent|REGISTER| received||200 sent|REGISTER| received||200" ] ||
	tb_fail "the copies are not REGISTER, 401, REGISTER, 200, REGISTER, 200: $(cat "$TB/sip.hep")"
tb_ok "tshark's SIP in the copies = sipcanary's trace: $(awk -F'|' '{ printf "%s%s/%s ", $2, $3, $5 }' "$TB/sip.hep")Call-ID $(cut -d'|' -f4 "$TB/sip.hep" | sort -u | paste -sd,)"

# The SIP of the probe, decrypted from the capture with the key log; the
# capture may lag behind the probe, so it is read until it holds what
# the copies hold (at most 10 s), then compared.
awk -F'|' -v p="$P" '$8 == p { printf "%s", $11 }' "$TB/hep.txt" >"$TB/hep.out"
awk -F'|' -v p="$P" '$7 == p { printf "%s", $11 }' "$TB/hep.txt" >"$TB/hep.in"
_wire() {
	tshark -r "$TB/probe.pcapng" -o "tls.keylog_file:$TB/keys.log" -d "tcp.port==$P,tls" \
		-q -z follow,tls,raw,0 >"$TB/follow.txt" 2>"$TB/tshark.err"
	# raw follow: node 0's data flush left, node 1's indented by a tab;
	# the side whose data starts with "REGISTER" is sipcanary's.
	awk '/^====/ { n++; next } n == 1 && /^[0-9a-f]+$/ { print }' "$TB/follow.txt" |
		tr -d '\n' >"$TB/wire.a"
	awk '/^====/ { n++; next } n == 1 && /^\t[0-9a-f]+$/ { sub(/^\t/, ""); print }' "$TB/follow.txt" |
		tr -d '\n' >"$TB/wire.b"
	if grep -q '^52454749535445522073' "$TB/wire.a"; then
		mv "$TB/wire.a" "$TB/wire.out"; mv "$TB/wire.b" "$TB/wire.in"
	else
		mv "$TB/wire.b" "$TB/wire.out"; mv "$TB/wire.a" "$TB/wire.in"
	fi
	cmp -s "$TB/hep.out" "$TB/wire.out" && cmp -s "$TB/hep.in" "$TB/wire.in"
}
tb_until 10 _wire || true
tb_stop "$CAP"
[ -s "$TB/wire.out" ] && [ -s "$TB/wire.in" ] ||
	tb_fail "tshark decrypted nothing: $(head -5 "$TB/follow.txt") $(cat "$TB/tshark.err")"
cmp -s "$TB/hep.out" "$TB/wire.out" ||
	tb_fail "the HEP copies of sent messages differ from the wire: $(xxd -r -p "$TB/hep.out" | head -c 300)"
tb_ok "sent: the HEP payloads are the decrypted wire bytes ($(($(wc -c <"$TB/wire.out") / 2)) bytes)"
cmp -s "$TB/hep.in" "$TB/wire.in" ||
	tb_fail "the HEP copies of received messages differ from the wire: $(xxd -r -p "$TB/hep.in" | head -c 300)"
tb_ok "received: the HEP payloads are the decrypted wire bytes ($(($(wc -c <"$TB/wire.in") / 2)) bytes)"

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
