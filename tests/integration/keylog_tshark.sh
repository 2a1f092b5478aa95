#!/bin/bash
# keylog_tshark.sh — issue 20: `check --keylog FILE` writes the TLS
# secrets in the NSS key log format, so that tshark decrypts a capture
# of the probe and shows the REGISTER and the 200.  The file is created
# 0600, a symbolic link is refused, and stderr says loudly that it is on.
# Fails without the key log: tshark then shows no SIP at all.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_check_init example.test
tb_require dumpcap tshark

# A bounded capture of the registrar's port on loopback.
tb_spawn dumpcap dumpcap -q -i lo -f "tcp port $P" -a duration:30 \
	-w "$TB/probe.pcapng"
CAP=$TB_LAST_PID
_started() { grep -q "Capturing on" "$TB/dumpcap.log" || [ -s "$TB/probe.pcapng" ]; }
tb_until 10 _started || tb_fail "dumpcap did not start: $(cat "$TB/dumpcap.log")"

tb_sc "${TB_CHECK[@]}" --keylog "$TB/keys.log" sips:example.test
tb_expect_rc 0 "check --keylog"
grep -q "WARNING: writing TLS session keys to $TB/keys.log" "$TB_ERR" ||
	tb_fail "no warning on stderr that the key log is on: $(cat "$TB_ERR")"
tb_ok "stderr warns that the key log is on"
mode=$(stat -c %a "$TB/keys.log")
[ "$mode" = 600 ] || tb_fail "key log mode $mode, expected 600"
grep -Eq '^(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0) [0-9a-f]{64} [0-9a-f]+$' \
	"$TB/keys.log" || tb_fail "no NSS key log line: $(head -3 "$TB/keys.log")"
tb_ok "key log: mode 600, $(wc -l <"$TB/keys.log") NSS lines"

# The probe is over once check returned: wait for its last segment (the
# FIN of the closed connection) in the file, then stop the capture.
_fin() { tshark -r "$TB/probe.pcapng" -Y 'tcp.flags.fin == 1' 2>/dev/null | grep -q .; }
tb_until 10 _fin || tb_fail "the capture never saw the connection close"
tb_stop "$CAP"

dec() {
	tshark -r "$TB/probe.pcapng" -d "tcp.port==$P,tls" -d "tls.port==$P,sip" \
		"$@" -Y sip -T fields -e sip.Method -e sip.Status-Code -e sip.CSeq 2>"$TB/tshark.err"
}
dec >"$TB/nokeys.txt"
[ ! -s "$TB/nokeys.txt" ] || tb_fail "tshark shows SIP without the key log: $(cat "$TB/nokeys.txt")"
tb_ok "without the key log tshark sees no SIP"
dec -o "tls.keylog_file:$TB/keys.log" >"$TB/sip.txt"
cat "$TB/sip.txt" >&2
grep -Eq '^REGISTER' "$TB/sip.txt" || tb_fail "no REGISTER decrypted: $(cat "$TB/tshark.err")"
grep -Eq '^[[:space:]]*401' "$TB/sip.txt" || tb_fail "no 401 decrypted"
grep -Eq '^[[:space:]]*200[[:space:]]+[0-9]+ REGISTER' "$TB/sip.txt" || tb_fail "no 200 to a REGISTER decrypted"
tb_ok "tshark decrypts REGISTER, 401 and 200"

# A symbolic link is never followed: the key log could be put anywhere.
ln -s "$TB/elsewhere" "$TB/link.log"
tb_sc "${TB_CHECK[@]}" --keylog "$TB/link.log" sips:example.test
[ "$TB_RC" -ne 0 ] || tb_fail "a symbolic link as the key log was accepted"
grep -q "symbolic link" "$TB_ERR" || tb_fail "no reason for the refused link: $(cat "$TB_ERR")"
[ ! -e "$TB/elsewhere" ] || tb_fail "the link was followed"
tb_ok "a symbolic link is refused: $(head -1 "$TB_ERR")"
tb_pass "--keylog: tshark decrypts the probe's REGISTER and 200"
