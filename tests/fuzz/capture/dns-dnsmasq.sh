#!/bin/bash
# dns-dnsmasq.sh - captures real DNS answers for the fuzz_dns seeds.
#
#   tests/fuzz/capture/dns-dnsmasq.sh OUTDIR
#
# Starts the test bed's dnsmasq (tests/lib/dns.sh) on a free loopback port
# with NAPTR, SRV, A, AAAA and CNAME records shaped like a SIP provider's
# (and some broken ones), asks it the questions sip/locate.c asks, and
# writes each raw reply (UDP; TCP for the big one) to OUTDIR/NAME.TYPE.dns.
# tests/fuzz/mkcorpus.py turns these into seeds.
set -eu
out=$(mkdir -p "$1" && cd "$1" && pwd)
# shellcheck source=SCRIPTDIR/../../lib/common.sh
. "$(dirname "$0")/../../lib/common.sh"
# shellcheck source=SCRIPTDIR/../../lib/dns.sh
. "$(dirname "$0")/../../lib/dns.sh"
tb_init
dns_require

many=()
for i in $(seq 1 100); do
	many+=("--srv-host=_sips._tcp.many.example.test,fe$i.many.example.test,$((5000 + i)),10,$i")
done
P=$(dns_free_port)
dns_start "$P" \
	--naptr-record=example.test,10,10,S,SIPS+D2T,,_sips._tcp.pool.example.test \
	--naptr-record=example.test,5,10,S,SIP+D2U,,_sip._udp.example.test \
	--naptr-record=example.test,20,10,S,SIPS+D2T,,_sips._tcp.example.test \
	'--naptr-record=example.test,30,10,U,SIPS+D2T,!^.*$!sips:x@example.test!,' \
	--srv-host=_sips._tcp.pool.example.test,fe1.example.test,5061,10,60 \
	--srv-host=_sips._tcp.pool.example.test,fe2.example.test,5062,10,40 \
	--srv-host=_sips._tcp.pool.example.test,fe3.example.test,5063,20,0 \
	--srv-host=_sips._tcp.example.test,fe1.example.test,5061,0,0 \
	--srv-host=_sips._tcp.none.example.test \
	"${many[@]}" \
	--host-record=fe1.example.test,127.0.0.2,::1 \
	--host-record=fe2.example.test,127.0.0.3 \
	--host-record=fe2.example.test,127.0.0.4 \
	--host-record=fe2.example.test,::2 \
	--host-record=v6only.example.test,2001:db8::5061 \
	--cname=alias.example.test,fe1.example.test \
	|| tb_fail "dnsmasq did not start"

# shellcheck disable=SC2016  # perl code, not shell
cat >"$TB/raw.pl" <<'PL'
use strict; use warnings; use IO::Socket::IP; use IO::Select;
my ($port, $name, $type, $file, $proto) = @ARGV;
my %T = (A => 1, CNAME => 5, AAAA => 28, SRV => 33, NAPTR => 35);
my $q = pack("nnnnnn", 0x1234, 0x0100, 1, 0, 0, 0);
$q .= pack("C/a*", $_) for split /\./, $name;
$q .= pack("Cnn", 0, $T{$type}, 1);
my $s = IO::Socket::IP->new(PeerHost => "127.0.0.1", PeerPort => $port,
	Proto => $proto, Type => $proto eq "tcp" ? SOCK_STREAM : SOCK_DGRAM,
	Timeout => 2) or die "socket: $!\n";
my $r = "";
if ($proto eq "tcp") {
	$s->send(pack("n/a*", $q));
	my $buf;
	while (IO::Select->new($s)->can_read(2) && $s->sysread($buf, 65536)) {
		$r .= $buf;
		last if length($r) >= 2 && length($r) >= 2 + unpack("n", $r);
	}
	$r = substr($r, 2);
} else {
	$s->send($q);
	IO::Select->new($s)->can_read(2) or die "no reply\n";
	$s->recv($r, 65536);
}
open(my $f, ">:raw", $file) or die "$file: $!\n";
print $f $r;
PL
q() {	# NAME TYPE [tcp]
	perl "$TB/raw.pl" "$P" "$1" "$2" "$out/$1.$2.dns" "${3:-udp}"
}
q example.test NAPTR
q _sips._tcp.pool.example.test SRV
q _sips._tcp.example.test SRV
q _sips._tcp.none.example.test SRV
q _sips._tcp.many.example.test SRV tcp
q fe1.example.test A
q fe1.example.test AAAA
q fe2.example.test A
q fe2.example.test AAAA
q fe3.example.test A
q v6only.example.test AAAA
q alias.example.test A
q nx.example.test NAPTR
q nx.example.test A
q fe1.example.test SRV
q fe1.example.test NAPTR
ls -l "$out"
