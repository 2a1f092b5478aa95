#!/usr/bin/perl
# fxsip.pl — a test-only SIP-over-TLS registrar that misbehaves on purpose
# (tests/faults).  One connection at a time, on 127.0.0.1 only.
#
#   perl fxsip.pl PORT CERTCHAIN KEY MODE [STAPLE]
#
# CERTCHAIN is the leaf followed by whatever chain it should send.  STAPLE,
# if given, is a file whose bytes are stapled as the OCSP response (no
# matter what they are).  The registrar part: a REGISTER without
# Authorization gets 401 (MD5 digest challenge, realm example.test), one
# with Authorization gets 200 (credentials are not checked: the faults are
# about what comes back, not about the password), Expires: 0 gets 200.
# CRLF keep-alives are never answered.  MODE:
#   ok         the above, nothing else
#   bytes1     the above, every response written one byte per SSL_write,
#              so each byte travels in its own TLS record
#   long1      as bytes1, and the 401 carries a 60,000-byte header line
#              (X-Padding), so a header line arrives a byte at a time
#   pongs      the above, with unsolicited CRLF "pongs" before every response
#   close200   the 200 to the authorized REGISTER, then close_notify + FIN
#   clshort    the 200 to the authorized REGISTER says Content-Length: 400
#              but only 20 body bytes follow, then close_notify + FIN
#   bigbody    the 200 to the authorized REGISTER carries a 70,000-byte body
#              (a correct Content-Length; larger than any sane SIP message)
#   endless    the first response is a status line and headers, then one
#              header line that never ends (256 kB of "a", no CRLF)
#   garbage    the first response is 4 lines of binary noise (fixed seed)
#   badstatus  the first response is a 401 whose status line reads
#              "SIP/2.0 4O1 Unauthorized" (a letter O in the code; sipp
#              3.6 refuses to send that: "Invalid reply code")
#   badutf8    the first response is "503 Bad \xff\xfe byte": a reason
#              phrase that is not UTF-8 (Retry-After-less 503)
#   noise      the first response is 4 KiB of random base64 characters
#              (fixed seed, no line end), then nothing
#   notify     close_notify + FIN right after the handshake, before any SIP
#   close401   the 401, then close_notify + FIN at once
#   rst        the first REGISTER gets no answer: a TCP reset (SO_LINGER 0,
#              no close_notify)
# After its last action every mode reads (and drops) whatever comes until
# the peer closes, or 30 s.  Logs one line per event on stdout.
use strict;
use warnings;
use IO::Socket::SSL;
use IO::Select;
use Net::SSLeay;
use Socket qw(SOL_SOCKET SO_LINGER IPPROTO_TCP TCP_NODELAY);

$| = 1;
$SIG{PIPE} = 'IGNORE';
my ($port, $cert, $key, $mode, $staple) = @ARGV;
die "usage: fxsip.pl PORT CERTCHAIN KEY MODE [STAPLE]\n" unless defined $mode;
my $staple_bytes;
if (defined $staple) {
	open(my $fh, '<:raw', $staple) or die "$staple: $!\n";
	local $/;
	$staple_bytes = <$fh>;
	close $fh;
}

my %args = (
	LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 16,
	ReuseAddr => 1, SSL_server => 1,
	SSL_cert_file => $cert, SSL_key_file => $key,
);
if (defined $staple_bytes) {
	$args{SSL_create_ctx_callback} = sub {
		my $ctx = shift;
		Net::SSLeay::CTX_set_tlsext_status_cb($ctx, sub {
			my ($ssl) = @_;
			Net::SSLeay::set_tlsext_status_ocsp_resp($ssl, $staple_bytes);
			print "stapled ", length($staple_bytes), " bytes\n";
			return 0;	# SSL_TLSEXT_ERR_OK
		});
	};
}
my $srv = IO::Socket::SSL->new(%args)
	or die "listen 127.0.0.1:$port: $! $SSL_ERROR\n";
print "fxsip $mode listening on 127.0.0.1:$port\n";

my $n = 0;
while (1) {
	my $c = $srv->accept;
	if (!$c) {
		print "handshake failed: $SSL_ERROR\n";
		next;
	}
	$n++;
	setsockopt($c, IPPROTO_TCP, TCP_NODELAY, 1);
	printf "conn %d from %s:%d %s %s\n", $n, $c->peerhost, $c->peerport,
		$c->get_sslversion, $c->get_cipher;
	serve($c);
	print "conn $n done\n";
}

sub out {
	my ($c, $bytes) = @_;
	if ($mode eq 'bytes1' || $mode eq 'long1') {
		for my $i (0 .. length($bytes) - 1) {
			defined $c->syswrite(substr($bytes, $i, 1)) or return;
		}
		return 1;
	}
	$bytes = "\r\n\r\n" . $bytes if $mode eq 'pongs';
	my $off = 0;
	while ($off < length $bytes) {
		my $w = $c->syswrite($bytes, 16384, $off);
		return unless defined $w;
		$off += $w;
	}
	return 1;
}

# the request's headers we echo, as lines; the request's header value
sub hdrs {
	my ($head, $names) = @_;
	my @out;
	for my $l (split /\r\n/, $head) {
		my ($h) = $l =~ /^([A-Za-z-]+)\s*:/ or next;
		push @out, $l if grep { lc($h) eq $_ } @$names;
	}
	return @out;
}
sub hval {
	my ($head, @names) = @_;
	for my $l (split /\r\n/, $head) {
		my ($h, $v) = $l =~ /^([A-Za-z-]+)\s*:\s*(.*)$/ or next;
		return $v if grep { lc($h) eq $_ } @names;
	}
	return undef;
}

sub response {
	my ($head, $status, @extra) = @_;
	my @l = ("SIP/2.0 $status");
	push @l, hdrs($head, ['via', 'v']);
	push @l, hdrs($head, ['from', 'f']);
	for my $t (hdrs($head, ['to', 't'])) {
		$t .= ';tag=fx1' unless $t =~ /;\s*tag=/i;
		push @l, $t;
	}
	push @l, hdrs($head, ['call-id', 'i']);
	push @l, hdrs($head, ['cseq']);
	push @l, @extra;
	return join("\r\n", @l) . "\r\n";
}

sub challenge {
	my ($head) = @_;
	return response($head, '401 Unauthorized',
		'WWW-Authenticate: Digest realm="example.test", nonce="fx' .
		int(rand(1e9)) . '", algorithm=MD5, qop="auth"',
		($mode eq 'long1' ? ('X-Padding: ' . ('p' x 60000)) : ()),
		'Content-Length: 0') . "\r\n";
}

sub drain {
	my ($c, $secs) = @_;
	my $sel = IO::Select->new($c);
	my $end = time + $secs;
	while (time < $end) {
		next unless $c->pending || $sel->can_read(0.5);
		my $r = $c->sysread(my $b, 65536);
		last if !defined $r || $r == 0;
	}
}

sub bye {
	my ($c, $why) = @_;
	print "$why\n";
	$c->close(SSL_fast_shutdown => 1);
}

sub garbage {
	srand(20261129);
	my $g = '';
	for (1 .. 4) {
		$g .= join('', map { my $b; do { $b = int(rand(256)) } while ($b == 10 || $b == 13); chr($b) } 1 .. 60);
		$g .= "\r\n";
	}
	return $g . "\r\n";
}

sub serve {
	my ($c) = @_;
	if ($mode eq 'notify') {
		bye($c, 'close_notify right after the handshake');
		return;
	}
	my $buf = '';
	my $sel = IO::Select->new($c);
	my $t0 = time;
	while (time - $t0 < 30) {
		# one whole request in $buf?
		$buf =~ s/^(\r\n)+// and print "keep-alive ping (not answered)\n";
		if ($buf =~ /\r\n\r\n/) {
			my $hend = index($buf, "\r\n\r\n");
			my $head = substr($buf, 0, $hend);
			my $cl = hval($head, 'content-length', 'l') // 0;
			if (length($buf) >= $hend + 4 + $cl) {
				substr($buf, 0, $hend + 4 + $cl) = '';
				my ($rl) = $head =~ /^([^\r\n]*)/;
				my $auth = defined hval($head, 'authorization');
				my $exp = hval($head, 'expires') // '';
				print "request: $rl auth=", ($auth ? 1 : 0), " expires=$exp\n";
				return unless handle($c, $head, $auth, $exp);
				next;
			}
		}
		next unless $c->pending || $sel->can_read(0.5);
		my $r = $c->sysread(my $b, 65536);
		if (!defined $r || $r == 0) {
			print "peer closed\n";
			$c->close(SSL_no_shutdown => 1);
			return;
		}
		$buf .= $b;
	}
	bye($c, 'idle for 30 s');
}

# returns false when the connection is finished with
sub handle {
	my ($c, $head, $auth, $exp) = @_;
	if ($mode eq 'garbage') {
		out($c, garbage());
		print "sent garbage\n";
		drain($c, 30);
		bye($c, 'done');
		return 0;
	}
	if ($mode eq 'endless') {
		my $h = response($head, '401 Unauthorized') . 'X-Endless: ';
		out($c, $h) or return 0;
		my $sent = 0;
		while ($sent < 262144) {
			out($c, 'a' x 8192) or last;
			$sent += 8192;
		}
		print "sent $sent bytes of an endless header\n";
		drain($c, 30);
		bye($c, 'done');
		return 0;
	}
	if ($mode eq 'badutf8') {
		out($c, response($head, "503 Bad \xff\xfe byte",
		    'Content-Length: 0') . "\r\n");
		print "sent a 503 with a non-UTF-8 reason\n";
		drain($c, 30);
		bye($c, 'done');
		return 0;
	}
	if ($mode eq 'noise') {
		srand(20261206);
		my @a = ('A' .. 'Z', 'a' .. 'z', '0' .. '9', '+', '/');
		out($c, join('', map { $a[int(rand(64))] } 1 .. 4096));
		print "sent 4096 bytes of noise\n";
		drain($c, 30);
		bye($c, 'done');
		return 0;
	}
	if ($mode eq 'badstatus') {
		my $r = challenge($head);
		$r =~ s/^SIP\/2\.0 401 /SIP\/2.0 4O1 /;
		out($c, $r);
		print "sent a 4O1\n";
		drain($c, 30);
		bye($c, 'done');
		return 0;
	}
	if ($mode eq 'rst') {
		setsockopt($c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
		$c->close(SSL_no_shutdown => 1);
		print "reset after the REGISTER\n";
		return 0;
	}
	if (!$auth) {
		out($c, challenge($head));
		print "sent 401\n";
		if ($mode eq 'close401') {
			bye($c, 'closed right after the 401');
			return 0;
		}
		return 1;
	}
	my $contact = hval($head, 'contact', 'm') // '';
	if ($exp ne '0' && $mode eq 'clshort') {
		out($c, response($head, '200 OK', 'Content-Type: text/plain',
			'Content-Length: 400') . "\r\n" . ('x' x 20));
		bye($c, 'sent 200 with Content-Length 400 and 20 body bytes, closed');
		return 0;
	}
	if ($exp ne '0' && $mode eq 'bigbody') {
		out($c, response($head, '200 OK', "Contact: $contact;expires=$exp",
			'Content-Type: text/plain', 'Content-Length: 70000') .
			"\r\n" . ('x' x 70000));
		print "sent 200 with a 70000-byte body\n";
		drain($c, 30);
		bye($c, 'done');
		return 0;
	}
	my @c = $exp ne '0' && $contact ne '' ? ("Contact: $contact;expires=$exp") : ();
	out($c, response($head, '200 OK', @c, 'Content-Length: 0') . "\r\n");
	print "sent 200\n";
	if ($exp ne '0' && $mode eq 'close200') {
		bye($c, 'closed right after the 200');
		return 0;
	}
	return 1;
}
