#!/usr/bin/perl
# fxtcp.pl — test-only TCP servers that break the TLS handshake on purpose
# (tests/faults).  127.0.0.1 only; one connection at a time.
#
#   perl fxtcp.pl PORT MODE [BYTES BACKEND_PORT]
#
# MODE:
#   reset      accept, wait for the ClientHello, then reset (SO_LINGER 0)
#   close      accept, read the whole ClientHello, then an orderly close
#              (FIN), and wait for the client to go
#   silent     accept and read, never send a byte (the handshake stalls
#              before the first server byte)
#   cutreset   relay to a real TLS server on 127.0.0.1:BACKEND_PORT, but
#              pass only the first BYTES bytes of its reply (the middle of
#              the ServerHello), then reset the client's connection
#   cutstall   the same, but after BYTES bytes keep the connection open
#              and pass nothing more (the handshake stalls half-way)
#   backlog    listen with a backlog of 0, fill the accept queue with one
#              connection of our own and never accept: the kernel then
#              drops every further SYN to PORT (a blackhole on loopback,
#              the fallback when no network namespace can be made)
# Logs one line per event on stdout.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket qw(:all);

$| = 1;
$SIG{PIPE} = 'IGNORE';
my ($port, $mode, $bytes, $bport) = @ARGV;
die "usage: fxtcp.pl PORT MODE [BYTES BACKEND_PORT]\n" unless defined $mode;

if ($mode eq 'backlog') {
	socket(my $l, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
	setsockopt($l, SOL_SOCKET, SO_REUSEADDR, 1);
	bind($l, pack_sockaddr_in($port, inet_aton('127.0.0.1')))
		or die "bind 127.0.0.1:$port: $!\n";
	listen($l, 0) or die "listen: $!\n";
	my $fill = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $port, Proto => 'tcp', Timeout => 3)
		or die "cannot fill the accept queue: $!\n";
	print "backlog 0 on 127.0.0.1:$port, accept queue full, SYNs dropped\n";
	sleep 3600;
	exit 0;
}

my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
	Listen => 16, ReuseAddr => 1, Proto => 'tcp')
	or die "listen 127.0.0.1:$port: $!\n";
print "fxtcp $mode listening on 127.0.0.1:$port\n";

# reads what comes within $secs (until $quiet s without data); 0 on EOF
sub slurp {
	my ($s, $secs, $quiet) = @_;
	my $sel = IO::Select->new($s);
	my ($got, $end) = (0, time + $secs);
	while (time < $end) {
		my $w = $got ? $quiet : $end - time;
		last unless $sel->can_read($w > 0 ? $w : 0.01);
		my $r = sysread($s, my $b, 65536);
		return (0, $got) if !$r;
		$got += $r;
	}
	return (1, $got);
}

sub rst {
	my ($s) = @_;
	setsockopt($s, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
	close $s;
}

while (1) {
	my $c = $srv->accept or next;
	printf "conn from %s:%d\n", $c->peerhost, $c->peerport;
	if ($mode eq 'reset') {
		my ($open, $got) = slurp($c, 5, 0.1);
		print "read $got bytes, reset\n";
		rst($c);
	} elsif ($mode eq 'close') {
		my ($open, $got) = slurp($c, 5, 0.15);
		print "read $got bytes, FIN\n";
		shutdown($c, SHUT_WR);
		slurp($c, 30, 30);
		close $c;
	} elsif ($mode eq 'silent') {
		my ($open, $got) = slurp($c, 60, 60);
		print "client went after $got bytes\n";
		close $c;
	} elsif ($mode eq 'cutreset' || $mode eq 'cutstall') {
		cut($c);
	} else {
		die "unknown mode $mode\n";
	}
}

sub cut {
	my ($c) = @_;
	my $b = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $bport,
		Proto => 'tcp');
	if (!$b) { print "backend: $!\n"; rst($c); return; }
	my $sel = IO::Select->new($c, $b);
	my ($passed, $end) = (0, time + 60);
	while (time < $end) {
		for my $s ($sel->can_read(1)) {
			my $r = sysread($s, my $buf, 65536);
			if (!$r) {
				print $s == $c ? "client went\n" : "backend closed\n";
				close $b; close $c; return;
			}
			if ($s == $c) { syswrite($b, $buf); next; }
			next if $passed >= $bytes;	# stalled: drop the rest
			my $k = $bytes - $passed;
			$k = length $buf if length $buf < $k;
			syswrite($c, substr($buf, 0, $k));
			$passed += $k;
			next if $passed < $bytes;
			if ($mode eq 'cutreset') {
				print "passed $passed bytes of the server's reply, reset\n";
				rst($c); close $b; return;
			}
			print "passed $passed bytes of the server's reply, stalling\n";
		}
	}
	close $b; close $c;
}
