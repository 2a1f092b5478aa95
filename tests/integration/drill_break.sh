#!/bin/bash
# drill_break.sh — issue 5: the break step, verified on the server side.
# A registered client breaks its connection and waits; while it waits:
#   how = rst           Kamailio logs "Connection reset by peer" for the
#                       client's port, drops the connection, and neither
#                       end is left in TIME-WAIT (no FIN handshake);
#   how = close_notify  Kamailio drops the connection without a reset, and
#                       the FIN handshake leaves a TIME-WAIT socket;
#   how = silent_drop   nothing happens: Kamailio still holds the
#                       connection (core.tcp_list) and both ends are
#                       ESTABLISHED, with no reset logged.
# Then on the wire, through a TCP tap in front of a TLS 1.2 Kamailio
# (where an alert is a visible record type 21): close_notify sends an
# alert and then FIN; rst sends no alert and ends with a RST; silent_drop
# sends nothing more and its socket only ends (FIN) when the drill exits.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

# new_binding OLD_IDS — the "ADDRESS CALL-ID ..." line of the binding whose
# Call-ID is not in OLD_IDS (true once the drill's register is saved).
new_binding() {
	kam_contacts | awk -v old=" $1 " 'index(old, " " $2 " ") == 0' | grep .
}
reset_logged() { grep -q "Connection reset by peer.*\[127\.0\.0\.1\]:$1[^0-9]" "$(kam_log)"; }
kam_holds() { kam_conns | grep -qx "127.0.0.1:$1"; }
kam_drops() { ! kam_holds "$1"; }
# sockets PORT [STATE] — the TCP sockets of the connection between the
# client port PORT and Kamailio, either end (the machine may be shared:
# other sockets may use PORT with other peers)
sockets() {
	local f="( sport = :$1 and dport = :$DR_PORT ) or ( sport = :$DR_PORT and dport = :$1 )"
	ss -Htan ${2:+state "$2"} "( $f )"
}

for how in rst close_notify silent_drop; do
	drill_scn "brk-$how" <<-EOF
	description = "break with $how"
	step connect  { }
	step register { expires = 60 }
	step break    { how = $how }
	step wait     { for = 4s }
	EOF
	old=$(kam_contacts | awk '{print $2}' | tr '\n' ' ')
	drill_bg "brk-$how"
	tb_until 10 new_binding "$old" >/dev/null ||
		tb_fail "$how: the client never registered"
	read -r addr _ <<<"$(new_binding "$old")"
	port=${addr##*:}
	port=${port%%;*}
	[ -n "$port" ] || tb_fail "$how: no client port in the binding $addr"
	tb_ok "$how: client registered from port $port"
	case $how in
	rst)
		tb_until 5 reset_logged "$port" ||
			tb_fail "rst: Kamailio logged no reset from port $port"
		tb_ok "rst: Kamailio: $(grep -m1 -o "error reading: Connection reset by peer[^)]*)[^ ]*" "$(kam_log)")"
		tb_until 5 kam_drops "$port" ||
			tb_fail "rst: Kamailio still holds the connection from $port"
		s=$(sockets "$port")
		[ -z "$s" ] || tb_fail "rst: sockets left on port $port (a FIN close?): $s"
		tb_ok "rst: connection gone on both ends, no TIME-WAIT"
		;;
	close_notify)
		tb_until 5 kam_drops "$port" ||
			tb_fail "close_notify: Kamailio still holds the connection from $port"
		if reset_logged "$port"; then tb_fail "close_notify: Kamailio saw a reset"; fi
		s=$(sockets "$port" time-wait)
		[ -n "$s" ] || tb_fail "close_notify: no TIME-WAIT on port $port: $(sockets "$port")"
		tb_ok "close_notify: Kamailio closed it without a reset; TIME-WAIT: $(echo "$s" | awk '{print $(NF-1), "->", $NF}')"
		;;
	silent_drop)
		# the break follows the 200 OK at once; 1.5 s later the client
		# is inside its 4 s wait
		sleep 1.5
		_tb_alive "$DR_BG_PID" || tb_fail "silent_drop: the drill ended too early"
		kam_holds "$port" ||
			tb_fail "silent_drop: Kamailio no longer holds the connection from $port"
		[ "$(sockets "$port" established | wc -l)" = 2 ] ||
			tb_fail "silent_drop: not ESTABLISHED at both ends: $(sockets "$port")"
		if reset_logged "$port"; then tb_fail "silent_drop: Kamailio saw a reset"; fi
		_tb_alive "$DR_BG_PID" || tb_fail "silent_drop: the drill ended during the checks"
		tb_ok "silent_drop: Kamailio still holds the connection, ESTABLISHED at both ends"
		;;
	esac
	drill_bg_wait 20
	tb_expect_rc 0 "$how: drill"
	drill_jq '[.steps[] | .verdicts] == [{"ok": 1}, {"ok": 1}, {"ok": 1}, {"ok": 1}]' \
		"$how: every step ok in the report"
	drill_jq '.steps[2].kind == "break" and .steps[2].latency.max < 1' "$how: break is quick"
done

# --- on the wire, through a tap in front of a TLS 1.2 Kamailio --------------
P12=$(tb_free_port)
TB_KAM_TLS_METHOD=TLSv1.2 drill_kamailio "$TB/k12" "$P12"
TAP=$(tb_free_port)
drill_tls_tap "$TAP" "$P12" || tb_fail "the TLS tap did not start"
DR_CONNECT=127.0.0.1:$TAP
for how in close_notify rst silent_drop; do
	drill_scn "wire-$how" <<-EOF
	step connect  { }
	step register { expires = 60 }
	step break    { how = $how }
	step wait     { for = 1500ms }
	EOF
	n0=$(grep -c '^client ' "$TB/tap-$TAP.log") || true
	drill "wire-$how"
	tb_expect_rc 0 "$how via the tap"
	tap_logged() { [ "$(grep -c '^client ' "$TB/tap-$TAP.log")" -gt "$n0" ]; }
	tb_until 5 tap_logged || tb_fail "$how: the tap saw no end of the connection"
	line=$(grep '^client ' "$TB/tap-$TAP.log" | tail -n 1)
	printf '    tap: %s\n' "$line"
	case "$line" in *" 22 22 20 "*" 23 "*) ;;
	*) tb_fail "$how: no TLS 1.2 handshake and application data: $line" ;; esac
	case $how in
	close_notify)
		case "$line" in *" 23 21 end: FIN idle: "*) ;;
		*) tb_fail "close_notify: want an alert (21) as the last record, then FIN" ;; esac
		;;
	rst)
		case "$line" in *" 23 end: RST idle: "*) ;;
		*) tb_fail "rst: want no alert and a RST" ;; esac
		;;
	silent_drop)
		case "$line" in *" 23 end: FIN idle: "*) ;;
		*) tb_fail "silent_drop: want nothing after the SIP, then FIN at exit" ;; esac
		idle=${line##* }
		awk -v i="$idle" 'BEGIN{exit !(i >= 1.3)}' ||
			tb_fail "silent_drop: the connection ended ${idle}s after the last byte: before the 1.5 s wait was over"
		;;
	esac
	tb_ok "$how: on the wire as documented"
done

tb_pass "break rst, close_notify and silent_drop: server-side effects verified"
