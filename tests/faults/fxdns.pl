#!/usr/bin/perl
# fxdns.pl — a test-only DNS server on 127.0.0.1:PORT, UDP only: nothing
# listens on TCP PORT, so a TCP retry is refused (tests/faults).
#
#   perl fxdns.pl PORT MODE
#
# MODE:
#   tc         every query gets NOERROR with the TC (truncated) bit set and
#              no records: "ask again over TCP", where nobody answers
#   cnameloop  example.test and loop.example.test are CNAMEs of each other
#              (NOERROR, both CNAMEs in the answer, nothing else) for every
#              type; any other name is NXDOMAIN
# Logs one line per query on stdout.
use strict;
use warnings;
use IO::Socket::INET;

$| = 1;
my ($port, $mode) = @ARGV;
die "usage: fxdns.pl PORT tc|cnameloop\n" unless defined $mode;
my $u = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
	Proto => 'udp') or die "udp 127.0.0.1:$port: $!\n";
print "fxdns $mode on udp 127.0.0.1:$port\n";

sub name {
	my $n = '';
	$n .= pack('C/a*', $_) for split /\./, $_[0];
	return $n . "\0";
}
sub cname {
	my ($from, $to) = @_;
	my $rd = name($to);
	return name($from) . pack('nnNn', 5, 1, 60, length $rd) . $rd;
}
my %T = (1 => 'A', 5 => 'CNAME', 28 => 'AAAA', 33 => 'SRV', 35 => 'NAPTR');

while (1) {
	my $peer = $u->recv(my $q, 4096) or next;
	next if length $q < 12;
	my ($id, $fl) = unpack('nn', $q);
	my ($off, @l) = (12);
	while ($off < length $q) {
		my $len = unpack('C', substr($q, $off, 1));
		$off++;
		last if $len == 0;
		push @l, substr($q, $off, $len);
		$off += $len;
	}
	my $qname = lc join('.', @l);
	my $qtype = unpack('n', substr($q, $off, 2));
	my $question = substr($q, 12, $off + 4 - 12);
	my $rd = $fl & 0x0100;
	my ($flags, @an);
	if ($mode eq 'tc') {
		$flags = 0x8000 | 0x0400 | 0x0200 | $rd | 0x0080;	# QR AA TC RD RA
	} elsif ($qname eq 'example.test' || $qname eq 'loop.example.test') {
		$flags = 0x8000 | 0x0400 | $rd | 0x0080;
		my $other = $qname eq 'example.test' ? 'loop.example.test' : 'example.test';
		@an = (cname($qname, $other), cname($other, $qname));
	} else {
		$flags = 0x8000 | 0x0400 | $rd | 0x0080 | 3;		# NXDOMAIN
	}
	printf "query %s %s -> %s\n", $qname, $T{$qtype} // $qtype,
		$mode eq 'tc' ? 'TC' : @an ? 'CNAME loop' : 'NXDOMAIN';
	$u->send(pack('nnnnnn', $id, $flags, 1, scalar @an, 0, 0) . $question . join('', @an), 0, $peer);
}
