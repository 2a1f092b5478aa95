# shellcheck shell=bash
# tests/lib/drill.sh — shared helpers of the `sipcanary drill` integration
# tests (tests/integration/drill_*.sh).
#
# Source it after common.sh and tb_init:
#     . "$(dirname "$0")/../lib/common.sh"; . "$(dirname "$0")/../lib/drill.sh"
#     drill_init            (tb_init; drill_setup)
# drill_setup makes the test PKI and password file and starts a real
# Kamailio registrar (tb_kamailio_start) on a free loopback port.  Then:
#
#   drill_scn NAME <<'EOF' ... EOF   write the scenario $TB/NAME.scn
#   drill NAME [ARGS...]             tb_sc drill $TB/NAME.scn against it,
#                                    JSON report in $TB/NAME.json (DR_JSON)
#   drill_bg NAME [ARGS...]          the same in the background (tb_spawn:
#                                    log $TB/NAME.log, pid $DR_BG_PID)
#   drill_bg_wait SECONDS            wait for it; exit status in $TB_RC
#   drill_jq FILTER WHAT [FILE]      tb_jq on the last report (or FILE)
#   drill_check FILTER WHAT          the same, but a failure is only noted
#                                    (drill_defer) and the test goes on
#   drill_defer SAID [NOTED]         print "NOT OK: SAID", note NOTED (or
#                                    SAID) for drill_done
#   drill_done MSG                   fail with every noted failure, or
#                                    pass with MSG
#   kam_log                          Kamailio's log file
#   kam_count REGEX                  lines of Kamailio's log matching REGEX
#   kam_rpc CMD...                   kamcmd on the test Kamailio
#   kam_contacts                     "ADDRESS CALL-ID CSEQ EXPIRES" per
#                                    binding of the location table
#   kam_conns                        "SRC_IP:SRC_PORT" per TLS connection
#                                    Kamailio holds (core.tcp_list)
#   kam_dump_field NAME              values of header NAME in every SIP
#                                    message Kamailio received (needs
#                                    drill_setup sipdump)
#   drill_kamailio DIR PORT [sipdump] another Kamailio, set up the same way
#   drill_tls_tap PORT DEST          a TCP relay that logs the TLS record
#                                    types a client sends and how it ends
#
# Kamailio set-up: tb_kamailio (tests/lib/kamailio.sh) with one TCP
# worker (kamailio/kamailio#3791; TB_KAM_TCP_CHILDREN=N overrides it).
#   (kam_contacts uses `kamcmd ul.dump`, which lists a few hundred bindings
#   of one user at most: then "Internal error creating contact struct".)
#   * drill_setup sipdump: the sipdump module writes every SIP message
#     Kamailio receives or sends, decrypted, to $DR_KAM/dump/ (the
#     server's own record of users, digest responses and source IPs).

DR_PORT=
DR_CONNECT=
DR_KAM=
DR_JSON=
DR_BG_PID=
DR_USER=alice
DR_FAILED=()

# drill_init [sipdump] — tb_init, then drill_setup.
drill_init() {
	tb_init
	drill_setup "$@"
}

# drill_setup [sipdump] — PKI, password file ($TB/pw, the password of
# $TB_KAM_PASSWORD or "secret"), Kamailio on 127.0.0.1:$DR_PORT, dir $DR_KAM;
# drills connect to it (DR_CONNECT=127.0.0.1:$DR_PORT).
drill_setup() {
	tb_require kamailio kamcmd openssl jq ss
	tb_require_sipcanary
	tb_pki "$TB/pki" || tb_fail "could not make certificates"
	tb_password_file "$TB/pw" "${TB_KAM_PASSWORD:-secret}"
	DR_PORT=$(tb_free_port) || tb_fail "no free port"
	DR_KAM=$TB/k
	DR_CONNECT=127.0.0.1:$DR_PORT
	drill_kamailio "$DR_KAM" "$DR_PORT" "${1:-}"
}

# drill_kamailio DIR PORT [sipdump] — one more Kamailio (tb_kamailio_start
# with the set-up described at the top) on 127.0.0.1:PORT.
drill_kamailio() {
	local dump=
	mkdir -p "$1/dump"
	[ "${3:-}" = sipdump ] && dump=$1/dump
	TB_KAM_SIPDUMP=$dump tb_kamailio_start "$1" "$2" \
		"$TB/pki/example.test.fullchain.pem" "$TB/pki/example.test.key" ||
		tb_fail "kamailio did not start"
}

# drill_scn NAME — the scenario file $TB/NAME.scn from stdin.
drill_scn() {
	cat >"$TB/$1.scn"
}

# _drill_args NAME — the common arguments of a drill of $TB/NAME.scn.
_drill_args() {
	DR_ARGS=(drill "$TB/$1.scn" --target sips:example.test
		--connect "$DR_CONNECT" --ca-file "$TB/pki/ca.pem"
		--password-file "$TB/pw" --report-json "$TB/$1.json")
	if [ -n "$DR_USER" ]; then DR_ARGS+=(--user "$DR_USER"); fi
}

# _drill_prepare NAME — DR_ARGS for $TB/NAME.scn, DR_JSON, no old report.
_drill_prepare() {
	_drill_args "$1"
	DR_JSON=$TB/$1.json
	rm -f "$DR_JSON"
}

# drill NAME [ARGS...] — run the drill of $TB/NAME.scn (bounded by
# TB_CMD_TIMEOUT); report $TB/NAME.json.  Never fails (see tb_run).
drill() {
	_drill_prepare "$1"
	shift
	tb_sc "${DR_ARGS[@]}" "$@"
}

# drill_bg NAME [ARGS...] — the same drill in the background; its stdout
# and stderr in $TB/NAME.log, its pid in $DR_BG_PID.
drill_bg() {
	local name=$1
	_drill_prepare "$name"
	shift
	tb_spawn "$name" "$(tb_sipcanary)" "${DR_ARGS[@]}" "$@"
	DR_BG_PID=$TB_LAST_PID
}

# drill_bg_wait SECONDS — wait up to SECONDS for the background drill to
# exit; its status in TB_RC, the seconds waited in DR_WAITED.  Fails the
# test if it is still running then.
drill_bg_wait() {
	local secs=$1 t0
	t0=$(date +%s.%N)
	if ! tb_until "$secs" _drill_bg_done; then
		tb_fail "the drill (pid $DR_BG_PID) still runs after ${secs}s"
	fi
	# shellcheck disable=SC2034  # TB_RC, DR_WAITED, TB_ERR: read by the tests
	TB_RC=0
	# shellcheck disable=SC2034
	wait "$DR_BG_PID" || TB_RC=$?
	# shellcheck disable=SC2034
	DR_WAITED=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')
	TB_OUT=$TB/$(basename "${DR_JSON%.json}").log
	# shellcheck disable=SC2034
	TB_ERR=$TB_OUT
}
_drill_bg_done() { ! _tb_alive "$DR_BG_PID"; }

# drill_jq FILTER WHAT [FILE] — tb_jq on the last drill's JSON report.
drill_jq() {
	[ -s "${3:-$DR_JSON}" ] || tb_fail "$2: no JSON report ${3:-$DR_JSON}"
	tb_jq "$1" "$2" "${3:-$DR_JSON}"
}

drill_check() {
	if jq -e "$1" "$DR_JSON" >/dev/null 2>&1; then
		tb_ok "$2"
	else
		drill_defer "$2"
	fi
}

drill_defer() {
	printf '  NOT OK: %s\n' "$1"
	DR_FAILED+=("${2:-$1}")
}

drill_done() {
	if [ ${#DR_FAILED[@]} -gt 0 ]; then
		tb_fail "$(printf '%s; ' "${DR_FAILED[@]}")"
	fi
	tb_pass "$*"
}

kam_log() { echo "$DR_KAM/kamailio.log"; }

# kam_count REGEX, kam_rpc CMD..., kam_contacts — tb_kam_count,
# tb_kam_rpc and tb_kam_contacts on the test Kamailio.
kam_count() { tb_kam_count "$DR_KAM" "$1"; }
kam_rpc() { tb_kam_rpc "$DR_KAM" "$@"; }
kam_contacts() { tb_kam_contacts "$DR_KAM"; }

# kam_conns — "IP:PORT" of the client end of every connection Kamailio
# holds (core.tcp_list), one a line.
kam_conns() {
	kam_rpc core.tcp_list 2>/dev/null | awk '
		$1 == "src_ip:"   { ip = $2 }
		$1 == "src_port:" { print ip ":" $2 }'
}

# kam_dump_field NAME — the value of every header NAME (e.g. "From",
# "Authorization") in the SIP messages Kamailio received, from sipdump.
kam_dump_field() {
	cat "$DR_KAM"/dump/*.data 2>/dev/null | tr -d '\r' | awk -v h="$1:" '
		/^tag: / { rcv = ($2 == "rcv") }
		rcv && $1 == h { sub(/^[^:]*: */, ""); print }'
}

# drill_tls_tap PORT DEST — a plain TCP relay on 127.0.0.1:PORT to
# 127.0.0.1:DEST that watches the TLS records a client sends, and how the
# client ends its connection.  When the client's end is seen it logs, to
# $TB/tap-PORT.log, one line per connection:
#   client CPORT records: 22 22 20 ... 21 end: FIN|RST|error ... idle: S
# "records" are the TLS record content types the client sent, in order
# (21 alert, 22 handshake, 23 application data; under TLS 1.2 an alert,
# close_notify included, is visibly type 21); "idle" is the seconds
# between the client's last byte and its end.  Uses perl (IO::Select).
drill_tls_tap() {
	local port=$1 dest=$2
	tb_require perl
	# shellcheck disable=SC2016  # perl code, not shell
	tb_spawn "tap-$port" perl -e '
		use strict; use warnings; use IO::Socket::INET; use IO::Select;
		use Errno; use Time::HiRes qw(time);
		$| = 1;
		my ($lport, $dport) = @ARGV;
		my $ls = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => $lport, Listen => 64, ReuseAddr => 1,
			Proto => "tcp") or die "listen 127.0.0.1:$lport: $!\n";
		$SIG{CHLD} = "IGNORE";
		print "listening on 127.0.0.1:$lport\n";
		while (1) {
			my $c = $ls->accept or next;
			my $pid = fork;
			if (!defined $pid) { close $c; next; }
			if ($pid) { close $c; next; }
			close $ls;
			my $cport = $c->peerport;
			my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
				PeerPort => $dport, Proto => "tcp")
				or die "connect 127.0.0.1:$dport: $!\n";
			my $sel = IO::Select->new($c, $s);
			my ($buf, $types, $end, $last) = ("", "", "", time);
			while ($end eq "") {
				my @r = $sel->can_read(60) or last;
				for my $h (@r) {
					my $data;
					my $n = sysread($h, $data, 65536);
					if ($h == $c) {
						if (!defined $n) {
							$end = $!{ECONNRESET} ? "RST" : "error $!";
							last;
						}
						if ($n == 0) { $end = "FIN"; last; }
						$last = time;
						$buf .= $data;
						while (length $buf >= 5) {
							my ($t, $v, $len) = unpack("C n n", $buf);
							last if length $buf < 5 + $len;
							$types .= " $t";
							substr($buf, 0, 5 + $len, "");
						}
						syswrite($s, $data);
					} else {
						if (!$n) {	# the server ended: pass it on
							$sel->remove($s);
							shutdown($c, 1);
							next;
						}
						syswrite($c, $data);
					}
				}
			}
			$end = "none (timeout)" if $end eq "";
			printf "client %d records:%s end: %s idle: %.2f\n",
				$cport, $types, $end, time - $last;
			exit 0;
		}' "$port" "$dest"
	tb_wait_port "$port" 10 "$TB_LAST_PID"
}
