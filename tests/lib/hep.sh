# shellcheck shell=bash
# tests/lib/hep.sh — a HEP collector for the tests, and tshark's reading
# of what reached it.  The collector (hep_collector.py) only listens and
# counts datagrams; dumpcap captures its port, and tshark decodes the
# capture with our HEPv3 dissector (hep3.lua: Debian 12's Wireshark 4.0
# has none) and its own SIP dissector.  So the copies sipcanary sends are
# read by someone else's HEP and SIP code, not by a decoder of ours.
#
# Source it after common.sh (or daemon.sh), then tb_init.
#
#   hep_start          the collector and the capture, both waited for:
#                      HEP_PORT, HEP_PID (the collector's, for tb_stop),
#                      HEP_PCAP
#   hep_count          datagrams the collector has received
#   hep_wait N [SECS]  until the collector got N datagrams and the capture
#                      holds N packets (default 5 s); fails the test
#   hep_fields OUT FIELD...
#                      tshark's fields of every captured HEP packet to
#                      OUT, one line per packet, "|" between fields;
#                      fails the test when a packet is not well-formed
#                      HEPv3 (hep.malformed)

hep_start() {
	tb_require python3 dumpcap capinfos tshark
	tb_spawn hepcol python3 "$TB_LIBDIR/hep_collector.py" "$TB/hep.count"
	# shellcheck disable=SC2034  # for the tests: tb_stop "$HEP_PID"
	HEP_PID=$TB_LAST_PID
	_hep_listening() { grep -q '^listening' "$TB/hepcol.log"; }
	tb_until 10 _hep_listening || tb_fail "the HEP collector did not start: $(cat "$TB/hepcol.log")"
	HEP_PORT=$(awk '/^listening/ { print $2; exit }' "$TB/hepcol.log")
	HEP_PCAP=$TB/hep.pcapng
	tb_spawn hepcap dumpcap -q -i lo -f "udp dst port $HEP_PORT" -w "$HEP_PCAP"
	_hep_capturing() { grep -q "Capturing on" "$TB/hepcap.log" || [ -s "$HEP_PCAP" ]; }
	tb_until 10 _hep_capturing || tb_fail "dumpcap did not start: $(cat "$TB/hepcap.log")"
}

hep_count() {
	if [ -f "$TB/hep.count" ]; then wc -l <"$TB/hep.count"; else echo 0; fi
}

_hep_captured() {
	capinfos -c -M "$HEP_PCAP" 2>/dev/null | awk '/^Number of packets/ { print $NF }'
}

hep_wait() {
	local n=$1
	_hep_both() { [ "$(hep_count)" -ge "$n" ] && [ "$(_hep_captured)" -ge "$n" ]; }
	tb_until "${2:-5}" _hep_both ||
		tb_fail "the HEP collector got $(hep_count) copies, the capture $(_hep_captured); expected $n"
}

hep_fields() {
	local out=$1 f args=()
	shift
	for f in "$@" hep.malformed _ws.expert.message; do args+=(-e "$f"); done
	tshark -r "$HEP_PCAP" -X "lua_script:$TB_LIBDIR/hep3.lua" \
		-d "udp.port==$HEP_PORT,hep" -Y hep -T fields -E separator='|' \
		"${args[@]}" >"$out" 2>"$TB/hep-tshark.err" ||
		tb_fail "tshark could not read the HEP capture: $(cat "$TB/hep-tshark.err")"
	! awk -F'|' '$(NF - 1) != ""' "$out" | grep -q . ||
		tb_fail "tshark: a copy is not well-formed HEPv3: $(awk -F'|' '$(NF - 1) != "" { print $NF; exit }' "$out")"
	# drop the two checking fields again
	awk -F'|' -v OFS='|' '{ NF -= 2; print }' "$out" >"$out.tmp" && mv "$out.tmp" "$out"
}
