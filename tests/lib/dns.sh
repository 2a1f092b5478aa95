# shellcheck shell=bash
# tests/lib/dns.sh — the DNS side of the test bed: a real dnsmasq serving
# NAPTR/SRV/A/AAAA/TXT on 127.0.0.1 (and optionally ::1) and a free port,
# a DNS server that never answers, a small DNS client for checking the
# test bed itself, TLS frontends on any loopback address (127.0.0.0/8,
# ::1), and a delaying TCP relay that counts how many connections are
# open at once.
#
# Source it after common.sh (it sources pki.sh itself):
#     . "$(dirname "$0")/../lib/common.sh"; . "$(dirname "$0")/../lib/dns.sh"
#
# Nothing here sends a packet anywhere but loopback.  Linux routes all of
# 127.0.0.0/8 to lo, so 127.0.0.2, 127.0.1.17 ... need no setup.
#
# Functions:
#   dns_test_init [ipv6] [CASE...]
#                                 start a frontends test: tb_init; skip
#                                 unless kamailio, kamcmd, openssl, jq,
#                                 dnsmasq, perl, ss and the binary exist
#                                 (ipv6: and ::1 is on lo); PKI=$TB/pki
#                                 with leaf "good" and the pki_make CASEs
#   dns_require                   skip the test unless dnsmasq, perl, ss exist
#   dns_dnsmasq                   print the dnsmasq binary (PATH, then sbin)
#   dns_have_ipv6                 true if ::1 is configured on lo
#   dns_hostport ADDR PORT        "127.0.0.2:5061" or "[::1]:5061"
#   (a port free for TCP and UDP: tb_free_port udp; a listener on exactly
#   ADDR:PORT: tb_wait_listen, both in proc.sh)
#
#   dns_start PORT ARGS...        dnsmasq on 127.0.0.1:PORT (udp+tcp); ARGS are
#                                 dnsmasq options (--srv-host=...,
#                                 --naptr-record=..., --host-record=...,
#                                 --txt-record=...).  All of example.test is
#                                 local: undefined names are NXDOMAIN, names
#                                 with other types only are NODATA, nothing
#                                 is forwarded.  DNS_LISTEN6=1: also on
#                                 [::1]:PORT.  DNS_LOCAL_TTL: the TTL of
#                                 the answers (default 60).  Sets DNS_PID; log
#                                 $TB/dnsmasq-PORT.log (every query)
#   dns_queries_seen PORT REGEX   how many query lines in dnsmasq's log match
#   dns_dead_start PORT           127.0.0.1:PORT udp+tcp: reads queries,
#                                 never answers.  Sets DNS_DEAD_PID; log
#                                 $TB/fakedns-PORT.log ("query N ..." lines)
#   dns_servfail_start PORT       127.0.0.1:PORT udp+tcp: answers SERVFAIL
#   dns_fake_queries PORT         queries seen by either of those two
#   dns_query HOST PORT NAME TYPE [tcp]
#                                 one query; prints "rcode=X tc=N an=N" and one
#                                 line per answer ("A 127.0.0.2", "SRV 10 60
#                                 5071 fe1.example.test", "NAPTR 10 10 S
#                                 SIPS+D2T  _sips._tcp.example.test", ...).
#                                 Returns 1 if no reply within 2 s.
#   dns_expect HOST PORT NAME TYPE REGEX WHAT
#                                 tb_fail unless dns_query's output (lines
#                                 joined with ";") matches the extended
#                                 REGEX: a test-bed self-check, so that a
#                                 wrong dnsmasq option fails as the test
#                                 bed's fault, not sipcanary's
#
#   dns_tls_server ADDR PORT CHAIN KEY [ARGS...]
#                                 openssl s_server -www on ADDR:PORT serving
#                                 CHAIN (leaf first) with KEY; ARGS go to
#                                 s_server (-tls1_2 ...).  TLS only (certs
#                                 tests); it never answers SIP.
#   (Kamailio on several addresses: tb_kamailio in kamailio.sh)
#   dns_relay_start NAME DELAY BACKEND_PORT ADDR:PORT...
#                                 one process listening on every ADDR:PORT;
#                                 each accepted connection waits DELAY s,
#                                 then is relayed to 127.0.0.1:BACKEND_PORT.
#                                 Log $TB/NAME.log; every open/close prints
#                                 "conc N" (connections open now).  Sets
#                                 DNS_RELAY_PID.
#   dns_relay_max NAME            the maximum of "conc N" so far
#   dns_relay_total NAME          connections accepted so far
#
#   dns_sc_certs DNSPORT ARGS...  tb_sc certs --dns-server 127.0.0.1:DNSPORT
#                                 --ca-file ${PKI_CA:-$PKI/ca.pem} --timeout 10
#   dns_sc_check DNSPORT ARGS...  the same for check, with alice's password
#   dns_expect_target VERDICT SEVERITY RC WHAT
#                                 exit status and target verdict/severity
#   dns_expect_frontends WHAT ADDR=VERDICT...
#                                 exactly these frontends, these verdicts

# shellcheck source=SCRIPTDIR/pki.sh
. "$(dirname "${BASH_SOURCE[0]}")/pki.sh"

# dns_test_init [ipv6] [CASE...] — see the header.
dns_test_init() {
	local v6=0
	if [ "${1:-}" = ipv6 ]; then
		v6=1
		shift
	fi
	tb_init
	tb_require kamailio kamcmd openssl jq
	dns_require
	tb_require_sipcanary
	if [ "$v6" = 1 ]; then
		dns_have_ipv6 || tb_skip "::1 is not configured on lo"
	fi
	PKI=$TB/pki
	pki_make "leaf_good good" "$@"
}

# _dns_script NAME TEXT — write TEXT to $TB/NAME.pl once (so that logs and
# ps show "perl $TB/NAME.pl ARGS", not the whole script).
_dns_script() {
	[ -f "$TB/$1.pl" ] || printf '%s' "$2" >"$TB/$1.pl"
}

# dns_dnsmasq — the dnsmasq binary (it lives in sbin, which is not always
# in a user's PATH).
dns_dnsmasq() {
	PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v dnsmasq
}

# dns_require — skip the test unless dnsmasq, perl and ss exist.
dns_require() {
	dns_dnsmasq >/dev/null || tb_skip "missing tool: dnsmasq (apt-get install dnsmasq-base)"
	tb_require perl ss
}

dns_have_ipv6() {
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'
}

# dns_free_port — tb_free_port udp (the name tests/fuzz/capture uses).
dns_free_port() { tb_free_port udp; }

dns_hostport() {
	case "$1" in
	*:*) printf '[%s]:%s\n' "$1" "$2" ;;
	*)   printf '%s:%s\n' "$1" "$2" ;;
	esac
}

# ---------------------------------------------------------------------------
# a DNS client (perl-base only), for test-bed self-checks

# shellcheck disable=SC2016  # perl code, not shell
_DNS_QUERY_PL='
use strict; use warnings; use IO::Socket::IP; use IO::Select;
my ($host, $port, $name, $type, $proto) = @ARGV;
$proto ||= "udp";
my %T = (A => 1, NS => 2, CNAME => 5, SOA => 6, PTR => 12, MX => 15, TXT => 16,
	AAAA => 28, SRV => 33, NAPTR => 35, ANY => 255);
my %N = reverse %T;
my @RC = qw(NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED);
my $qt = $T{uc $type} or die "unknown type $type\n";
my $id = int(rand(65536));
my $q = pack("nnnnnn", $id, 0x0100, 1, 0, 0, 0);
$q .= pack("C/a*", $_) for split /\./, $name;
$q .= pack("Cnn", 0, $qt, 1);
my $s = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port,
	Proto => $proto, Type => $proto eq "tcp" ? SOCK_STREAM : SOCK_DGRAM,
	Timeout => 2) or die "socket: $!\n";
my $sel = IO::Select->new($s);
my $r = "";
if ($proto eq "tcp") {
	syswrite($s, pack("n", length $q) . $q);
	while (1) {
		$sel->can_read(2) or exit 1;
		my $n = sysread($s, my $buf, 65536);
		last unless $n;
		$r .= $buf;
		last if length($r) >= 2 && length($r) >= 2 + unpack("n", $r);
	}
	exit 1 if length($r) < 14;
	$r = substr($r, 2);
} else {
	syswrite($s, $q);
	$sel->can_read(2) or exit 1;
	defined(sysread($s, $r, 65536)) or exit 1;
}
my ($rid, $fl, $qd, $an) = unpack("nnnn", $r);
my $rc = $fl & 15;
printf "rcode=%s tc=%d an=%d\n", $RC[$rc] // $rc, ($fl >> 9) & 1, $an;
sub nm {
	my ($off) = @_; my @l; my $end; my $hops = 0;
	while (1) {
		my $len = unpack("C", substr($r, $off, 1));
		if (($len & 0xc0) == 0xc0) {
			$end //= $off + 2;
			$off = unpack("n", substr($r, $off, 2)) & 0x3fff;
			die "loop\n" if ++$hops > 50;
			next;
		}
		$off++;
		if ($len == 0) { $end //= $off; last; }
		push @l, substr($r, $off, $len); $off += $len;
	}
	return (join(".", @l), $end);
}
my $off = 12;
for (1 .. $qd) { (undef, $off) = nm($off); $off += 4; }
for (1 .. $an) {
	my ($n, $o) = nm($off);
	my ($t, $c, $ttl, $len) = unpack("nnNn", substr($r, $o, 10));
	my $d = $o + 10;
	my $tn = $N{$t} // $t;
	if ($t == 1) { print "A ", join(".", unpack("C4", substr($r, $d, 4))), "\n"; }
	elsif ($t == 28) {
		my @w = unpack("n8", substr($r, $d, 16));
		my $a = join(":", map { sprintf "%x", $_ } @w);
		$a =~ s/(^|:)0(:0)+(:|$)/::/; print "AAAA $a\n";
	} elsif ($t == 33) {
		my ($p, $w, $po) = unpack("nnn", substr($r, $d, 6));
		my ($tg) = nm($d + 6); print "SRV $p $w $po $tg\n";
	} elsif ($t == 35) {
		my ($o1, $pr) = unpack("nn", substr($r, $d, 4)); my $x = $d + 4; my @s;
		for (1 .. 3) { my $l = unpack("C", substr($r, $x, 1)); push @s, substr($r, $x + 1, $l); $x += 1 + $l; }
		my ($rep) = nm($x); print "NAPTR $o1 $pr $s[0] $s[1] $s[2] $rep\n";
	} elsif ($t == 16) {
		my $l = unpack("C", substr($r, $d, 1)); print "TXT ", substr($r, $d + 1, $l), "\n";
	} else { print "$tn\n"; }
	$off = $d + $len;
}
'

dns_query() {
	_dns_script dnsquery "$_DNS_QUERY_PL"
	perl "$TB/dnsquery.pl" "$@"
}

# dns_expect HOST PORT NAME TYPE REGEX WHAT
dns_expect() {
	local out
	out=$(dns_query "$1" "$2" "$3" "$4" 2>&1) || out="(no answer) $out"
	printf '%s\n' "$out" | tr '\n' ';' | grep -Eq -- "$5" || {
		printf -- '--- dns_query %s %s ---\n%s\n' "$3" "$4" "$out"
		tb_fail "test bed: $6: dnsmasq answer does not match /$5/"
	}
	tb_ok "test bed: $6"
}

# ---------------------------------------------------------------------------
# dnsmasq

# dns_start PORT ARGS... — see the header.  Every name under example.test
# is local (--local=/example.test/): a name with no record at all is
# NXDOMAIN, a name with other records only is NODATA, and nothing is ever
# forwarded (--no-resolv, no --server).  --bind-interfaces +
# --listen-address binds exactly 127.0.0.1:PORT (not the wildcard, not the
# other loopback addresses as --interface=lo would); -k keeps it in the
# foreground and --pid-file= writes no pid file.  Not -d: in debug mode
# dnsmasq answers TCP in its main process and, while a client keeps its
# TCP connection open (c-ares does, after a truncated answer), stops
# answering UDP;
# --conf-file=/dev/null ignores /etc/dnsmasq.conf; --log-facility=- logs to
# stderr only (never syslog).
dns_start() {
	local port=$1 bin listen=(--listen-address=127.0.0.1)
	shift
	bin=$(dns_dnsmasq) || tb_skip "missing tool: dnsmasq"
	if [ "${DNS_LISTEN6:-0}" = 1 ]; then listen+=(--listen-address=::1); fi
	tb_spawn "dnsmasq-$port" "$bin" --keep-in-foreground --pid-file= \
		--conf-file=/dev/null \
		--port="$port" "${listen[@]}" --bind-interfaces \
		--no-resolv --no-hosts --no-poll --local-ttl="${DNS_LOCAL_TTL:-60}" \
		--local=/example.test/ --domain-needed \
		--log-queries --log-facility=- --cache-size=0 "$@"
	DNS_PID=$TB_LAST_PID
	tb_wait_listen 127.0.0.1 "$port" 10 "$DNS_PID" udp || return 1
	tb_wait_listen 127.0.0.1 "$port" 10 "$DNS_PID" tcp || return 1
	if [ "${DNS_LISTEN6:-0}" = 1 ]; then
		tb_wait_listen ::1 "$port" 10 "$DNS_PID" udp || return 1
	fi
	# it must answer: an NXDOMAIN for a name nobody defines
	local end=$(( $(date +%s) + 10 ))
	until dns_query 127.0.0.1 "$port" "ready-probe.example.test" A >/dev/null 2>&1; do
		if ! _tb_alive "$DNS_PID" || [ "$(date +%s)" -ge "$end" ]; then
			tb_log "dnsmasq on port $port does not answer"
			return 1
		fi
		sleep 0.05
	done
}

# dns_queries_seen PORT REGEX — count of dnsmasq "query[...]" log lines
# matching REGEX (e.g. 'query\[NAPTR\] example\.test').
dns_queries_seen() {
	local n
	n=$(grep -E 'query\[' "$TB/dnsmasq-$1.log" 2>/dev/null | grep -Ec -- "$2") || true
	echo "${n:-0}"
}

# shellcheck disable=SC2016  # perl code, not shell
_DNS_FAKE_PL='
use strict; use warnings; use IO::Socket::INET; use IO::Select;
$| = 1;
my ($port, $mode) = @ARGV;
my $u = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	LocalPort => $port, Proto => "udp") or die "udp: $!\n";
my $t = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	LocalPort => $port, Proto => "tcp", Listen => 16,
	ReuseAddr => 1) or die "tcp: $!\n";
my $sel = IO::Select->new($u, $t);
my @keep; my $n = 0;
# the reply: same id and question, QR=1, RD/RA, RCODE=2
sub servfail {
	my ($q) = @_;
	return undef if length($q) < 12;
	my ($id, $fl) = unpack("nn", $q);
	my $qd = substr($q, 12);
	my $end = 0;
	while ($end < length $qd) {
		my $l = unpack("C", substr($qd, $end, 1));
		$end += 1 + $l;
		last if $l == 0;
	}
	return pack("nnnnnn", $id, 0x8000 | ($fl & 0x0100) | 0x0080 | 2, 1, 0, 0, 0)
		. substr($qd, 0, $end + 4);
}
print "$mode DNS server on 127.0.0.1:$port\n";
while (1) {
	for my $s ($sel->can_read) {
		if ($s == $u) {
			my $peer = $u->recv(my $buf, 65535);
			$n++;
			print "query $n udp ", length $buf, " bytes\n";
			next if $mode eq "silent";
			my $r = servfail($buf);
			$u->send($r, 0, $peer) if defined $r;
		} elsif ($s == $t) {
			my $c = $t->accept or next;
			$n++;
			print "query $n tcp connection\n";
			if ($mode eq "silent") { push @keep, $c; next; }
			my $len = "";
			sysread($c, $len, 2) == 2 or next;
			my $want = unpack("n", $len); my $q = "";
			while (length($q) < $want) {
				sysread($c, my $b, $want - length $q) or last; $q .= $b;
			}
			my $r = servfail($q);
			syswrite($c, pack("n", length $r) . $r) if defined $r;
			close $c;
		}
	}
}'

# _dns_fake_start PORT MODE — a fake DNS server on 127.0.0.1:PORT (udp+tcp).
#   silent:   reads queries and never answers (tcp: accepts and holds the
#             connection, never reads);
#   servfail: answers every query (udp or tcp) with SERVFAIL, the question
#             echoed, no records.
# Log $TB/fakedns-PORT.log, one "query N ..." line per query.
_dns_fake_start() {
	local port=$1 mode=$2
	_dns_script fakedns "$_DNS_FAKE_PL"
	tb_spawn "fakedns-$port" perl "$TB/fakedns.pl" "$port" "$mode"
	DNS_FAKE_PID=$TB_LAST_PID
	tb_wait_listen 127.0.0.1 "$port" 10 "$DNS_FAKE_PID" udp &&
		tb_wait_listen 127.0.0.1 "$port" 10 "$DNS_FAKE_PID" tcp
}

# dns_dead_start PORT — a DNS server that never answers (see the header).
dns_dead_start() {
	_dns_fake_start "$1" silent || return 1
	# shellcheck disable=SC2034  # for the tests
	DNS_DEAD_PID=$DNS_FAKE_PID
}

# dns_servfail_start PORT — a DNS server that answers SERVFAIL to all.
dns_servfail_start() {
	_dns_fake_start "$1" servfail
}

# dns_fake_queries PORT — how many queries the fake server has seen.
dns_fake_queries() {
	local n
	n=$(grep -c '^query ' "$TB/fakedns-$1.log" 2>/dev/null) || true
	echo "${n:-0}"
}

# ---------------------------------------------------------------------------
# TLS frontends

# dns_tls_server ADDR PORT CHAIN KEY [ARGS...] — see the header.
# PID in $TB_LAST_PID and $DNS_TLS_PID.  Log $TB/s_server-ADDR-PORT.log.
dns_tls_server() {
	local addr=$1 port=$2 cert=$3 key=$4 chain=() tag
	shift 4
	tag=$(printf '%s-%s' "$addr" "$port" | tr ':' '_')
	if [ "$(grep -c 'BEGIN CERTIFICATE' "$cert")" -gt 1 ]; then
		awk -v f="$TB/s_server-$tag.extra.pem" '
			/BEGIN CERTIFICATE/ { n++ } n > 1 { print > f }' "$cert"
		chain=(-cert_chain "$TB/s_server-$tag.extra.pem")
	fi
	tb_spawn "s_server-$tag" openssl s_server -accept "$(dns_hostport "$addr" "$port")" \
		-cert "$cert" -key "$key" "${chain[@]}" -www -no_dhe "$@"
	DNS_TLS_PID=$TB_LAST_PID
	tb_wait_listen "$addr" "$port" 10 "$DNS_TLS_PID"
}

# ---------------------------------------------------------------------------
# the delaying relay (concurrency measured server-side)
#
# One single-threaded perl process, so the count of open connections is
# exact from the server's point of view.  In every loop turn it first
# handles EOFs/data on the connections it already has, then polls them once
# more without waiting, and only then accepts new connections: a client
# that closes one connection and then opens the next (on loopback the FIN is
# queued before the SYN) is never counted twice.

# shellcheck disable=SC2016  # perl code, not shell
_DNS_RELAY_PL='
use strict; use warnings; use IO::Socket::IP; use IO::Select;
use Time::HiRes qw(time); use Errno qw(EAGAIN EWOULDBLOCK);
$| = 1;
$SIG{PIPE} = "IGNORE";
my ($delay, $bport, @listen) = @ARGV;
my @ls;
for my $l (@listen) {
	my ($a, $p) = $l =~ /^\[?([^\]]*)\]?:(\d+)$/ or die "bad address $l\n";
	my $s = IO::Socket::IP->new(LocalHost => $a, LocalPort => $p, Listen => 256,
		ReuseAddr => 1, Proto => "tcp") or die "listen $l: $@\n";
	$s->blocking(0);
	push @ls, $s;
}
my $t0 = time;
printf "listening on %d addresses, delay %.3f s, backend 127.0.0.1:%d\n",
	scalar @ls, $delay, $bport;
my (%conn, %peer);   # fileno -> conn; fileno -> fileno of the other side
my ($cur, $max, $total) = (0, 0, 0);
sub stamp { sprintf "%.4f", time - $t0 }
sub drop {
	my ($c, $why) = @_;
	return if $c->{gone}++;
	for my $s (grep { defined } $c->{c}, $c->{b}) {
		delete $conn{fileno $s}; close $s;
	}
	$cur--;
	print stamp(), " close $c->{id} $why conc $cur\n";
}
sub pump {
	my ($fd) = @_;
	return unless defined $fd;   # closed earlier in this turn
	my $c = $conn{$fd} or return;
	my $from = fileno($c->{c}) == $fd ? $c->{c} : $c->{b};
	my $n = sysread($from, my $buf, 65536);
	if (!defined $n) { return if $! == EAGAIN || $! == EWOULDBLOCK; drop($c, "error"); return; }
	if ($n == 0) { drop($c, $from == $c->{c} ? "client-eof" : "backend-eof"); return; }
	if ($from == $c->{c} && !$c->{b}) { $c->{pending} .= $buf; return; }
	my $to = $from == $c->{c} ? $c->{b} : $c->{c};
	$to->blocking(1);
	defined(syswrite($to, $buf)) or drop($c, "write-error");
	$to->blocking(0) unless $c->{gone};
}
my $id = 0;
while (1) {
	my $now = time;
	my $wait = 1;
	for my $c (values %conn) {
		next if $c->{b} || $c->{gone};
		my $w = $c->{due} - $now; $wait = $w if $w < $wait;
	}
	$wait = 0 if $wait < 0;
	my $rs = IO::Select->new(@ls, map { $_->{c} } grep { !$_->{gone} } values %conn);
	$rs->add($_->{b}) for grep { $_->{b} && !$_->{gone} } values %conn;
	my @ready = $rs->can_read($wait);
	my %isl = map { fileno($_) => 1 } @ls;
	# (file numbers taken now: pump() may close a socket of the list)
	my @rfd = grep { !$isl{$_} } map { fileno $_ } @ready;
	my @rl = grep { $isl{fileno $_} } @ready;
	# 1. the connections we have
	pump($_) for @rfd;
	# 2. once more, without waiting: EOFs that arrived meanwhile
	my $ds = IO::Select->new(map { ($_->{c}, $_->{b} // ()) } grep { !$_->{gone} } values %conn);
	pump($_) for map { fileno $_ } $ds->can_read(0);
	# 3. only then accept
	for my $l (@rl) {
		while (my $cs = $l->accept) {
			$cs->blocking(0);
			my $c = { id => ++$id, c => $cs, due => time + $delay, pending => "" };
			$conn{fileno $cs} = $c;
			$cur++; $total++; $max = $cur if $cur > $max;
			printf "%s open %d %s from %s conc %d max %d\n", stamp(), $id,
				$cs->sockhost . ":" . $cs->sockport, $cs->peerhost . ":" . $cs->peerport,
				$cur, $max;
		}
	}
	# 4. connections whose delay is over: connect to the backend
	$now = time;
	my %seen;
	for my $c (grep { !$_->{gone} && !$_->{b} && $_->{due} <= $now } values %conn) {
		next if $seen{$c->{id}}++;
		my $b = IO::Socket::IP->new(PeerHost => "127.0.0.1", PeerPort => $bport,
			Proto => "tcp");
		if (!$b) { drop($c, "backend-refused"); next; }
		$c->{b} = $b;
		$conn{fileno $b} = $c;
		if (length $c->{pending}) { defined(syswrite($b, $c->{pending})) or drop($c, "write-error"); }
		$b->blocking(0) unless $c->{gone};
		$c->{pending} = "";
	}
}
'

# dns_relay_start NAME DELAY BACKEND_PORT ADDR:PORT... — see the header.
dns_relay_start() {
	local name=$1 delay=$2 bport=$3 lp a p
	shift 3
	_dns_script relay "$_DNS_RELAY_PL"
	tb_spawn "$name" perl "$TB/relay.pl" "$delay" "$bport" "$@"
	DNS_RELAY_PID=$TB_LAST_PID
	for lp in "$@"; do
		p=${lp##*:}
		a=${lp%:*}
		a=${a#[}
		a=${a%]}
		tb_wait_listen "$a" "$p" 10 "$DNS_RELAY_PID" || return 1
	done
}

dns_relay_max() {
	awk '$2 == "open" || $2 == "close" { for (i = 3; i < NF; i++) if ($i == "conc" && $(i+1) > m) m = $(i+1) }
		END { print m + 0 }' "$TB/$1.log"
}

dns_relay_total() {
	grep -c ' open ' "$TB/$1.log" || true
}

# ---------------------------------------------------------------------------
# running sipcanary against the test DNS server

# dns_sc_certs DNSPORT ARGS... — tb_sc `sipcanary certs --dns-server
# 127.0.0.1:DNSPORT --ca-file $PKI_CA --timeout 10 ARGS...` ($PKI_CA
# defaults to $PKI/ca.pem).  A later --timeout in ARGS wins.
dns_sc_certs() {
	local d=$1
	shift
	tb_sc certs --dns-server "127.0.0.1:$d" --ca-file "${PKI_CA:-$PKI/ca.pem}" \
		--timeout 10 "$@"
}

# dns_sc_check DNSPORT ARGS... — the same for `sipcanary check` with
# alice's password file ($TB/pw, made on first use).
dns_sc_check() {
	local d=$1
	shift
	[ -f "$TB/pw" ] || tb_password_file "$TB/pw" "${TB_KAM_PASSWORD:-secret}"
	tb_sc check --dns-server "127.0.0.1:$d" --ca-file "${PKI_CA:-$PKI/ca.pem}" \
		--user alice --password-file "$TB/pw" --timeout 10 "$@"
}

# dns_expect_target VERDICT SEVERITY RC WHAT — the last run exited RC and
# its --json target has .verdict VERDICT and .severity SEVERITY.
dns_expect_target() {
	tb_expect_rc "$3" "$4"
	tb_jq ".verdict == \"$1\"" "$4: target verdict $1"
	tb_jq ".severity == \"$2\"" "$4: target severity $2"
}

# dns_expect_frontends WHAT ADDR=VERDICT... — the last --json output has
# exactly these frontends (by address, any order), each with its verdict.
dns_expect_frontends() {
	local what=$1 av want='' n=0
	shift
	for av in "$@"; do
		want="$want{\"a\":\"${av%=*}\",\"v\":\"${av##*=}\"},"
		n=$((n + 1))
	done
	want="[${want%,}]"
	tb_jq "(.frontends | length) == $n and
		([.frontends[] | {a: .address, v: .verdict}] | sort_by(.a)) ==
		($want | sort_by(.a))" "$what: frontends $*"
}
