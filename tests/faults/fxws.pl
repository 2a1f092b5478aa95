#!/usr/bin/perl
# fxws.pl — a test-only SIP-over-secure-WebSocket registrar (RFC 7118)
# that misbehaves on purpose (tests/faults).  One connection at a time, on
# 127.0.0.1 only.  Written from RFC 6455 alone: it does its own framing.
#
#   perl fxws.pl PORT CERTCHAIN KEY MODE
#
# The upgrade: a GET with Upgrade: websocket gets a 101 with the right
# Sec-WebSocket-Accept and Sec-WebSocket-Protocol: sip.  The registrar: a
# REGISTER without Authorization gets 401, one with it 200 (credentials
# not checked), each in one unmasked text frame.  Pings get pongs; an RFC
# 5626 CRLFCRLF inside a frame gets no answer (a server without CRLF
# keep-alives over WebSocket).  Every client frame must be masked (logged
# "unmasked client frame" otherwise).  MODE:
#   ok          the above
#   fragmented  every response split into three frames (text, then two
#               continuations, FIN on the last), a ping before each
#   http403     the upgrade gets "HTTP/1.1 403 Forbidden"
#   silent      the upgrade gets no answer at all
#   badaccept   the 101 carries a wrong Sec-WebSocket-Accept
#   noproto     the 101 has no Sec-WebSocket-Protocol
#   close1008   the first REGISTER gets a close frame, code 1008 (policy
#               violation), reason "no probes here"
#   masked      the 401 comes in a masked frame (a server must not mask)
#   badopcode   the 401 comes in a frame with the reserved opcode 0x3
#   oversized   the 401 comes in one 70,000-byte text frame (64 kB max)
# Logs one line per event on stdout.
use strict;
use warnings;
use IO::Socket::SSL;
use IO::Select;
use Digest::SHA qw(sha1_base64);
use Socket qw(IPPROTO_TCP TCP_NODELAY);

$| = 1;
$SIG{PIPE} = 'IGNORE';
my ($port, $cert, $key, $mode) = @ARGV;
die "usage: fxws.pl PORT CERTCHAIN KEY MODE\n" unless defined $mode;
my $srv = IO::Socket::SSL->new(
	LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 16,
	ReuseAddr => 1, SSL_server => 1,
	SSL_cert_file => $cert, SSL_key_file => $key,
) or die "listen 127.0.0.1:$port: $! $SSL_ERROR\n";
print "fxws $mode listening on 127.0.0.1:$port\n";

while (1) {
	my $c = $srv->accept or do { print "handshake failed: $SSL_ERROR\n"; next };
	setsockopt($c, IPPROTO_TCP, TCP_NODELAY, 1);
	print "conn from ", $c->peerport, "\n";
	serve($c);
	$c->close(SSL_fast_shutdown => 1);
	print "conn done\n";
}

sub out {
	my ($c, $bytes) = @_;
	my $off = 0;
	while ($off < length $bytes) {
		my $w = $c->syswrite($bytes, 16384, $off);
		return unless defined $w;
		$off += $w;
	}
	return 1;
}

# One frame: FIN bit, opcode, payload; masked when $mask.
sub frame {
	my ($fin, $op, $data, $mask) = @_;
	my $len = length $data;
	my $h = chr(($fin ? 0x80 : 0) | $op);
	my $m = $mask ? 0x80 : 0;
	if ($len < 126) { $h .= chr($m | $len) }
	elsif ($len < 65536) { $h .= chr($m | 126) . pack('n', $len) }
	else { $h .= chr($m | 127) . pack('NN', 0, $len) }
	return $h . $data unless $mask;
	my $k = pack('C4', 1, 2, 3, 4);
	my $x = $data ^ substr($k x (int($len / 4) + 1), 0, $len);
	return $h . $k . $x;
}

# Reads more bytes into $$buf; false at EOF, error or after 30 s idle.
sub more {
	my ($c, $buf) = @_;
	my $sel = IO::Select->new($c);
	return unless $c->pending || $sel->can_read(30);
	my $r = $c->sysread(my $b, 65536);
	return unless $r;
	$$buf .= $b;
	return 1;
}

# One whole client frame from $$buf: (fin, opcode, payload), or ().
sub take_frame {
	my ($buf) = @_;
	return () if length($$buf) < 2;
	my ($b0, $b1) = unpack('C2', $$buf);
	my ($len, $off) = ($b1 & 0x7f, 2);
	if ($len == 126) { return () if length($$buf) < 4; $len = unpack('n', substr($$buf, 2, 2)); $off = 4 }
	elsif ($len == 127) { return () if length($$buf) < 10; $len = unpack('N', substr($$buf, 6, 4)); $off = 10 }
	my $masked = $b1 & 0x80;
	print "unmasked client frame\n" unless $masked;
	my $need = $off + ($masked ? 4 : 0) + $len;
	return () if length($$buf) < $need;
	my $k = $masked ? substr($$buf, $off, 4) : "\0\0\0\0";
	my $p = substr($$buf, $off + ($masked ? 4 : 0), $len);
	$p ^= substr($k x (int($len / 4) + 1), 0, $len);
	substr($$buf, 0, $need) = '';
	return ($b0 & 0x80, $b0 & 0x0f, $p);
}

sub response {
	my ($req, $status, @extra) = @_;
	my @l = ("SIP/2.0 $status");
	for my $h (qw(via from to call-id cseq)) {
		for my $line (split /\r\n/, $req) {
			next unless $line =~ /^\Q$h\E\s*:/i;
			$line .= ';tag=fx1' if $h eq 'to' && $line !~ /;\s*tag=/i;
			push @l, $line;
		}
	}
	return join("\r\n", @l, @extra, 'Content-Length: 0', '', '');
}

sub send_sip {
	my ($c, $msg) = @_;
	if ($mode eq 'fragmented') {
		my $n = int(length($msg) / 3);
		out($c, frame(1, 0x9, 'are you there'));
		return out($c, frame(0, 0x1, substr($msg, 0, $n)) .
		    frame(0, 0x0, substr($msg, $n, $n)) .
		    frame(1, 0x0, substr($msg, 2 * $n)));
	}
	return out($c, frame(1, 0x1, $msg));
}

sub upgrade {
	my ($c, $buf) = @_;
	while ($$buf !~ /\r\n\r\n/) { more($c, $buf) or return }
	my $end = index($$buf, "\r\n\r\n");
	my $head = substr($$buf, 0, $end);
	substr($$buf, 0, $end + 4) = '';
	my ($key) = $head =~ /^Sec-WebSocket-Key:\s*(\S+)/mi;
	my ($proto) = $head =~ /^Sec-WebSocket-Protocol:\s*(.*?)\r?$/mi;
	print "upgrade request key=", $key // '-', " protocol=", $proto // '-', "\n";
	if ($mode eq 'silent') {
		print "silent\n";
		while (more($c, $buf)) { }
		return;
	}
	if ($mode eq 'http403') {
		out($c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
		print "sent 403\n";
		return;
	}
	my $accept = sha1_base64(($key // '') . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11') . '=';
	$accept = 'dGhlIHNhbXBsZSBub25jZQ==' if $mode eq 'badaccept';
	out($c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" .
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: $accept\r\n" .
	    ($mode eq 'noproto' ? '' : "Sec-WebSocket-Protocol: sip\r\n") . "\r\n");
	print "sent 101\n";
	return 1;
}

sub serve {
	my ($c) = @_;
	my $buf = '';
	upgrade($c, \$buf) or return;
	while (1) {
		my ($fin, $op, $p) = take_frame(\$buf);
		if (!defined $op) { more($c, \$buf) or return; next }
		if ($op == 0x8) { print "close from the client\n"; out($c, frame(1, 0x8, '')); return }
		if ($op == 0x9) { out($c, frame(1, 0xA, $p)); print "ping from the client, answered\n"; next }
		if ($op == 0xA) { print "pong from the client: $p\n"; next }
		next unless $op == 0x1 || $op == 0x2;
		if ($p eq "\r\n\r\n") { print "CRLF keep-alive in a frame, not answered\n"; next }
		next unless $p =~ /^REGISTER /;
		print "REGISTER", ($p =~ /^Authorization:/mi ? ' with credentials' : ''), "\n";
		if ($mode eq 'close1008') {
			out($c, frame(1, 0x8, pack('n', 1008) . 'no probes here'));
			print "sent close 1008\n";
			more($c, \$buf);
			return;
		}
		if ($p !~ /^Authorization:/mi) {
			my $r = response($p, '401 Unauthorized',
			    'WWW-Authenticate: Digest realm="example.test", nonce="fx' .
			    int(rand(1e9)) . '", algorithm=MD5, qop="auth"');
			if ($mode eq 'masked') { out($c, frame(1, 0x1, $r, 1)); print "sent a masked frame\n"; next }
			if ($mode eq 'badopcode') { out($c, frame(1, 0x3, $r)); print "sent opcode 0x3\n"; next }
			if ($mode eq 'oversized') { out($c, frame(1, 0x1, $r . ('x' x 70000))); print "sent 70 kB\n"; next }
			send_sip($c, $r);
			next;
		}
		send_sip($c, response($p, '200 OK', 'Contact: <sip:alice@127.0.0.1;transport=ws>;expires=300'));
	}
}
