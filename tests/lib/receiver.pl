#!/usr/bin/perl
# receiver.pl - a tiny HTTP receiver for the alert sink tests
# (tests/integration/sink_*.sh, through tests/lib/receiver.sh).
#
# Records every request as one JSON line in --log, then answers as the
# mode file says, so that a test can make it fail, hang or come back:
#
#   receiver.pl --port PORT --log FILE [--mode FILE] [--pd-schema]
#               [--tls CERT KEY]
#
#   --mode FILE   one answer per line, used in turn for the requests that
#                 come after the file last changed; the last line stays:
#                 a status (200, 202, 400, 500, ...), "hang" (never answer,
#                 keep the connection) or "close" (close without an
#                 answer).  No file or an empty one: 200.
#   --pd-schema   check each body against the PagerDuty Events API v2
#                 schema (strictly: a resolve carries routing_key,
#                 event_action and dedup_key only) and answer as
#                 PagerDuty does: 202 with the dedup_key, or 400 with the
#                 errors; they are in the log line too.  The mode still
#                 wins when it says something other than 200.
#   --tls         serve HTTPS with this certificate chain and key
#                 (needs IO::Socket::SSL).
#
# A log line: {"n":1,"t":1764000000.123,"method":"POST","path":"/x",
# "headers":{"content-type":...},"body":"...","status":202,
# "schema_errors":[...],"sni":"..."} (schema_errors with --pd-schema, sni
# with --tls).  Requests are handled one at a time, which is
# what a sink does (one request in flight).  perl-base and JSON::PP are
# always on Debian.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use JSON::PP;
use Time::HiRes qw(time);
use Getopt::Long;

my ($port, $log, $modefile, $pd, @tls);
GetOptions('port=i' => \$port, 'log=s' => \$log, 'mode=s' => \$modefile,
	'pd-schema' => \$pd, 'tls=s{2}' => \@tls)
	or die "usage: receiver.pl --port PORT --log FILE [--mode FILE] " .
	    "[--pd-schema] [--tls CERT KEY]\n";
die "receiver.pl: --port and --log are needed\n" unless $port && $log;
$| = 1;
$SIG{PIPE} = 'IGNORE';

my $json = JSON::PP->new->canonical->utf8;
my $srv;
if (@tls) {
	no warnings 'once';
	require IO::Socket::SSL;
	$srv = IO::Socket::SSL->new(LocalAddr => '127.0.0.1',
		LocalPort => $port, Listen => 16, ReuseAddr => 1,
		SSL_server => 1, SSL_cert_file => $tls[0],
		SSL_key_file => $tls[1])
		or die "receiver.pl: listen: $!, " .
		    "$IO::Socket::SSL::SSL_ERROR\n";
} else {
	$srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
		LocalPort => $port, Listen => 16, ReuseAddr => 1,
		Proto => 'tcp') or die "receiver.pl: listen: $!\n";
}
print "listening on 127.0.0.1:$port\n";

my ($n, $since, $mode_text, @hung) = (0, 0, undef);

# The answer to the next request, from the mode file.
sub answer {
	my $text = '';
	if (defined $modefile && open(my $fh, '<', $modefile)) {
		local $/;
		$text = <$fh> // '';
		close $fh;
	}
	if (!defined $mode_text || $text ne $mode_text) {
		$mode_text = $text;
		$since = 0;
	}
	my @lines = grep { /\S/ } split /\n/, $text;
	@lines = ('200') unless @lines;
	my $a = $lines[$since < @lines ? $since : $#lines];
	$since++;
	$a =~ s/^\s+|\s+$//g;
	return $a;
}

sub is_str { my $v = shift; defined $v && !ref $v && $v ne '' }

# The PagerDuty Events API v2 checks; a list of errors.
sub pd_errors {
	my ($body) = @_;
	my $e = eval { decode_json($body) };
	return ('body is not JSON') unless defined $e;
	return ('body is not an object') unless ref $e eq 'HASH';
	my @err;
	my %top = map { $_ => 1 } qw(routing_key event_action dedup_key
		payload links images client client_url);
	for (sort keys %$e) { push @err, "unknown field $_" unless $top{$_} }
	push @err, 'routing_key: a 32-character string is required'
		unless is_str($e->{routing_key}) &&
		    length($e->{routing_key}) == 32;
	my $act = $e->{event_action} // '';
	push @err, "event_action: \"$act\" is not trigger, acknowledge or " .
	    'resolve' unless $act =~ /^(trigger|acknowledge|resolve)$/;
	if (exists $e->{dedup_key}) {
		push @err, 'dedup_key: a string of at most 255 characters'
			unless is_str($e->{dedup_key}) &&
			    length($e->{dedup_key}) <= 255;
	}
	if ($act eq 'resolve' || $act eq 'acknowledge') {
		push @err, "dedup_key: required to $act"
			unless is_str($e->{dedup_key});
		my @extra = grep { !/^(routing_key|event_action|dedup_key)$/ }
			sort keys %$e;
		push @err, "$act carries more than routing_key, " .
		    "event_action and dedup_key: @extra" if @extra;
		return @err;
	}
	return @err unless $act eq 'trigger';
	my $p = $e->{payload};
	if (ref $p ne 'HASH') {
		push @err, 'payload: required for trigger';
		return @err;
	}
	my %pk = map { $_ => 1 } qw(summary source severity timestamp
		component group class custom_details);
	for (sort keys %$p) { push @err, "unknown field payload.$_" unless $pk{$_} }
	push @err, 'payload.summary: 1 to 1024 characters'
		unless is_str($p->{summary}) && length($p->{summary}) <= 1024;
	push @err, 'payload.source: required' unless is_str($p->{source});
	push @err, 'payload.severity: critical, error, warning or info'
		unless ($p->{severity} // '') =~ /^(critical|error|warning|info)$/;
	push @err, 'payload.timestamp: ISO 8601'
		if exists $p->{timestamp} && ($p->{timestamp} // '') !~
		    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;
	for my $k (qw(component group class)) {
		push @err, "payload.$k: a string"
			if exists $p->{$k} && !is_str($p->{$k});
	}
	push @err, 'payload.custom_details: an object'
		if exists $p->{custom_details} &&
		    ref $p->{custom_details} ne 'HASH';
	if (exists $e->{links}) {
		if (ref $e->{links} ne 'ARRAY') {
			push @err, 'links: an array';
		} else {
			for my $l (@{$e->{links}}) {
				push @err, 'links[]: an object with href'
					unless ref $l eq 'HASH' &&
					    is_str($l->{href});
			}
		}
	}
	return @err;
}

# Reads one request from $c: (method, path, headers, body) or ().
sub read_request {
	my ($c) = @_;
	my $sel = IO::Select->new($c);
	my $buf = '';
	my $deadline = time + 5;
	while ($buf !~ /\r\n\r\n/) {
		# SSL sockets may hold decrypted bytes select() cannot see.
		my $ready = ($c->can('pending') && $c->pending) ||
		    $sel->can_read($deadline - time);
		return () unless $ready && time < $deadline;
		my $r = sysread($c, $buf, 65536, length $buf);
		return () unless $r;
	}
	my ($head, $body) = split /\r\n\r\n/, $buf, 2;
	my @lines = split /\r\n/, $head;
	my ($method, $path) = split / /, shift(@lines) // '';
	my %h;
	for (@lines) {
		my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
		$h{lc $k} = $v;
	}
	my $len = $h{'content-length'} // 0;
	while (length($body) < $len) {
		my $ready = ($c->can('pending') && $c->pending) ||
		    $sel->can_read($deadline - time);
		return () unless $ready && time < $deadline;
		my $r = sysread($c, $body, $len - length $body, length $body);
		return () unless $r;
	}
	return ($method, $path, \%h, $body);
}

while (1) {
	my $c = $srv->accept or next;
	my ($method, $path, $h, $body) = read_request($c);
	unless (defined $method) {
		close $c;
		next;
	}
	$n++;
	my $a = answer();
	my @err = $pd ? pd_errors($body) : ();
	my ($status, $reply) = (undef, '{}');
	if ($a =~ /^\d{3}$/ && $a != 200) {
		$status = $a;
		$reply = "{\"status\":\"mode $a\"}";
	} elsif ($pd && @err) {
		$status = 400;
		$reply = $json->encode({ status => 'invalid event',
		    message => 'Event object is invalid', errors => \@err });
	} elsif ($pd && $a eq '200') {
		my $e = decode_json($body);
		$status = 202;
		$reply = $json->encode({ status => 'success',
		    message => 'Event processed',
		    dedup_key => $e->{dedup_key} // 'generated' });
	} elsif ($a eq '200') {
		$status = 200;
	}
	my $rec = { n => $n, t => time, method => $method, path => $path,
	    headers => $h, body => $body, status => $status // $a };
	$rec->{schema_errors} = \@err if $pd;
	$rec->{sni} = $c->get_servername // '' if @tls;
	if (open(my $lf, '>>', $log)) {
		print $lf $json->encode($rec), "\n";
		close $lf;
	}
	if ($a eq 'hang') {
		push @hung, $c;		# never answered, never closed
		next;
	}
	if (defined $status) {
		my $text = $status =~ /^2/ ? 'OK' : 'Error';
		print $c "HTTP/1.1 $status $text\r\n" .
		    "Content-Type: application/json\r\n" .
		    "Content-Length: " . length($reply) . "\r\n" .
		    "Connection: close\r\n\r\n$reply";
	}
	close $c;
}
