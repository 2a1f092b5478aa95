# shellcheck shell=bash
# tests/lib/common.sh — the shared test bed for integration tests and benches.
#
# Owns: per-test temp dir and cleanup, process spawning, the simple test
# PKI (openssl), a silent TLS server, a plain-TCP server, locating the
# sipcanary binary, and pass/fail/skip helpers.  It sources proc.sh (free
# ports, bounded waits, process trees) and kamailio.sh (the real Kamailio
# TLS registrar and its knobs TB_KAM_*).  Everything listens on loopback
# only.
#
# Source it from a test:  . "$(dirname "$0")/../lib/common.sh"; tb_init
# A test exits 0 (pass), 1 (fail) or 77 (skip).
#
# Environment knobs:
#   SIPCANARY=PATH        binary under test (default: see tb_sipcanary)
#   TB_KEEP=1             keep the temp dir $TB (logs, certs, configs)
#   TB_CMD_TIMEOUT=S      hard bound on one sipcanary/sipsak run (default 30)
#   TB_POLL=S             the step of every bounded wait (default 0.1)
#   TB_KAM_*              Kamailio's knobs: see kamailio.sh

TB_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_TOP=$(cd "$TB_LIBDIR/../.." && pwd)
TB_NAME=$(basename "${0:-test}")
TB=
TB_PIDS=()
TB_LAST_PID=
TB_RC=
TB_WALL=
TB_RUN_PID=
TB_OUT=
TB_ERR=
TB_CHECK=()

# shellcheck source=SCRIPTDIR/proc.sh
. "$TB_LIBDIR/proc.sh"
# shellcheck source=SCRIPTDIR/kamailio.sh
. "$TB_LIBDIR/kamailio.sh"

# ---------------------------------------------------------------------------
# reporting

tb_log()  { printf '%s: %s\n' "$TB_NAME" "$*" >&2; }
tb_ok()   { printf '  ok: %s\n' "$*"; }

# tb_pass MSG — report success and exit 0.
tb_pass() { printf 'PASS: %s: %s\n' "$TB_NAME" "$*"; exit 0; }

# tb_skip MSG — report a skip and exit 77 (automake's SKIP).
tb_skip() { printf 'SKIP: %s: %s\n' "$TB_NAME" "$*"; exit 77; }

# tb_fail MSG — report failure, show the last lines of every log in $TB
# (and of the last sipcanary run) and exit 1.
tb_fail() {
	printf 'FAIL: %s: %s\n' "$TB_NAME" "$*"
	if [ -n "$TB" ] && [ -d "$TB" ]; then
		local f
		for f in "$TB"/*.log "$TB"/*/kamailio.log "$TB_OUT" "$TB_ERR"; do
			if [ -z "$f" ] || [ ! -s "$f" ]; then continue; fi
			printf -- '--- %s (last 25 lines, no INFO) ---\n' "${f#"$TB"/}"
			grep -v ' INFO: ' "$f" | tail -n 25
		done
	fi
	exit 1
}

# tb_require CMD... — skip the test unless every command exists.
tb_require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || tb_skip "missing tool: $c"
	done
}

# ---------------------------------------------------------------------------
# lifetime

# tb_init — create $TB and install the cleanup trap.
tb_init() {
	TB=$(mktemp -d "${TMPDIR:-/tmp}/sipcanary-tb.XXXXXX")
	TB_PIDS=()
	trap '_tb_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# _tb_stop_pids PID... — TERM, wait up to 3 s, KILL what is left.
_tb_stop_pids() {
	local p all=() left
	for p in "$@"; do
		all+=("$p")
		# shellcheck disable=SC2207
		all+=($(_tb_descendants "$p"))
	done
	[ ${#all[@]} -gt 0 ] || return 0
	for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
	for _ in $(seq 1 30); do
		left=0
		for p in "${all[@]}"; do
			if _tb_alive "$p"; then left=1; fi
		done
		if [ "$left" = 0 ]; then break; fi
		sleep 0.1
	done
	for p in "${all[@]}"; do
		if _tb_alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
	done
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

_tb_cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "${TB_RUN_PID:-}" ]; then
		_tb_stop_pids "$TB_RUN_PID"
	fi
	if [ ${#TB_PIDS[@]} -gt 0 ]; then
		_tb_stop_pids "${TB_PIDS[@]}"
	fi
	if [ -n "$TB" ] && [ -d "$TB" ]; then
		if [ "${TB_KEEP:-0}" = 1 ]; then
			printf '%s: kept %s\n' "$TB_NAME" "$TB" >&2
		else
			rm -rf "$TB"
		fi
	fi
	exit "$rc"
}

# tb_stop PID — stop one process we spawned (and its children) now.
tb_stop() {
	local p=$1 keep=() q
	_tb_stop_pids "$p"
	for q in "${TB_PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
	TB_PIDS=("${keep[@]}")
}

# _tb_spawn_io LOG STDIN CMD... — start CMD in the background.
_tb_spawn_io() {
	local log=$1 in=$2
	shift 2
	printf '# %s\n' "$*" >"$log"
	if [ "$in" = /dev/null ]; then
		"$@" </dev/null >>"$log" 2>&1 &
	else
		# read-write open of a fifo: never blocks, never EOF, never data
		"$@" 0<>"$in" >>"$log" 2>&1 &
	fi
	TB_LAST_PID=$!
	TB_PIDS+=("$TB_LAST_PID")
	printf '%s %s\n' "$TB_LAST_PID" "$1" >>"$TB/pids"
}

# tb_spawn NAME CMD... — start CMD in the background, stdout+stderr to
# $TB/NAME.log, stdin from /dev/null.  The PID is left in $TB_LAST_PID
# (do not call tb_spawn inside $(...): the PID would be lost).
tb_spawn() {
	local name=$1
	shift
	_tb_spawn_io "$TB/$name.log" /dev/null "$@"
}

# ---------------------------------------------------------------------------
# PKI

# tb_pki DIR — a test CA and two EC P-256 leaves signed by it:
#   DIR/ca.pem ca.key
#   DIR/example.test.pem .key .fullchain.pem  (SAN URI:sip:example.test, DNS:example.test)
#   DIR/other.test.pem   .key .fullchain.pem  (SAN DNS:other.test, URI:sip:other.test)
tb_pki() {
	local d=$1 n
	mkdir -p "$d"
	cat >"$d/ext.cnf" <<-'EOF'
	[ca]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[leaf_example]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth,clientAuth,1.3.6.1.5.5.7.3.20
	subjectAltName = URI:sip:example.test,DNS:example.test
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	[leaf_other]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth,clientAuth,1.3.6.1.5.5.7.3.20
	subjectAltName = DNS:other.test,URI:sip:other.test
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	EOF
	(
		set -e
		cd "$d"
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out ca.key 2>/dev/null
		openssl req -new -key ca.key -subj "/O=sipcanary test/CN=sipcanary test CA" \
			-out ca.csr
		openssl x509 -req -in ca.csr -signkey ca.key -days 3650 \
			-extfile ext.cnf -extensions ca -out ca.pem 2>/dev/null
		for n in example other; do
			openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
				-out "$n.test.key" 2>/dev/null
			openssl req -new -key "$n.test.key" \
				-subj "/O=sipcanary test/CN=$n.test" -out "$n.test.csr"
			openssl x509 -req -in "$n.test.csr" -CA ca.pem -CAkey ca.key \
				-set_serial "0x$(openssl rand -hex 8)" -days 365 \
				-extfile ext.cnf -extensions "leaf_$n" \
				-out "$n.test.pem" 2>/dev/null
			cat "$n.test.pem" ca.pem >"$n.test.fullchain.pem"
		done
		rm -f ./*.csr
		chmod 600 ./*.key
	) || { tb_log "tb_pki: openssl failed in $d"; return 1; }
}

# tb_check_init [LEAF] — the start of a check_*.sh test: tb_init; skip
# unless kamailio, kamcmd, openssl, jq and the binary exist; the PKI of
# tb_pki in $TB/pki; alice's password file $TB/pw (secret).  With LEAF
# (example.test or other.test): Kamailio ($TB/kam, 127.0.0.1:$P) serving
# LEAF, and TB_CHECK (tb_check_args $P).
tb_check_init() {
	tb_init
	tb_require kamailio kamcmd openssl jq
	tb_require_sipcanary
	tb_pki "$TB/pki" || tb_fail "could not make certificates"
	tb_password_file "$TB/pw" secret
	[ -n "${1:-}" ] || return 0
	P=$(tb_free_port)
	tb_kamailio_start "$TB/kam" "$P" "$TB/pki/$1.pem" "$TB/pki/$1.key" ||
		tb_fail "kamailio did not start"
	tb_check_args "$P"
}

# tb_check_args PORT — TB_CHECK: the words of `sipcanary check` against
# 127.0.0.1:PORT with the test CA, alice and $TB/pw, --timeout 10.
tb_check_args() {
	TB_CHECK=(check --connect "127.0.0.1:$1" --ca-file "$TB/pki/ca.pem"
		--user alice --password-file "$TB/pw" --timeout 10)
}

# tb_password_file FILE [PASSWORD] — write a mode-0600 password file
# (no trailing newline; default password: secret).
tb_password_file() {
	( umask 077; printf '%s' "${2:-secret}" >"$1" )
	chmod 600 "$1"
}

# ---------------------------------------------------------------------------
# other servers

# tb_tls_silent_start PORT CERT KEY — openssl s_server on 127.0.0.1:PORT
# that completes the handshake and then never sends a byte (stdin is a
# FIFO opened read-write: no data, no EOF).  Log: $TB/silent-PORT.log.
tb_tls_silent_start() {
	local port=$1 cert=$2 key=$3 fifo="$TB/silent-$1.in"
	mkfifo "$fifo"
	_tb_spawn_io "$TB/silent-$port.log" "$fifo" \
		openssl s_server -accept "127.0.0.1:$port" -cert "$cert" -key "$key" \
		-quiet -ign_eof
	tb_wait_port "$port" 10 "$TB_LAST_PID"
}

# tb_plain_tcp_start PORT — a plain-TCP (non-TLS) server on 127.0.0.1:PORT
# that, like a SIP-over-TCP server fed something it cannot parse, reads
# what the client sends and answers plain SIP text
# ("SIP/2.0 400 Bad Request"), then closes.  A TLS client therefore gets
# non-TLS bytes in reply to its ClientHello.  Log: $TB/plain-PORT.log.
#
# Why not a real SIP server: Kamailio (tcp: listener) and sipp (-t t1)
# were both tried; fed a ClientHello they wait forever for the end of the
# SIP headers and send nothing, which a TLS client sees as a handshake
# timeout, not as a plain-text peer.  perl-base is Essential on Debian.
tb_plain_tcp_start() {
	local port=$1
	tb_require perl
	# shellcheck disable=SC2016  # perl code, not shell
	tb_spawn "plain-$port" perl -e '
		use strict; use warnings; use IO::Socket::INET;
		$| = 1;
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => $ARGV[0], Listen => 16, ReuseAddr => 1,
			Proto => "tcp") or die "listen 127.0.0.1:$ARGV[0]: $!\n";
		print "listening on 127.0.0.1:$ARGV[0]\n";
		while (1) {
			my $c = $s->accept or next;
			my ($buf, $rin) = ("", "");
			vec($rin, fileno($c), 1) = 1;
			sysread($c, $buf, 65536) if select(my $r = $rin, undef, undef, 2);
			printf "connection from %s:%d sent %d bytes, first %s\n",
				$c->peerhost, $c->peerport, length $buf,
				unpack("H*", substr($buf, 0, 3));
			syswrite($c, "SIP/2.0 400 Bad Request\r\n" .
				"Server: sipcanary-testbed-plain\r\n" .
				"Content-Length: 0\r\n\r\n");
			select(undef, undef, undef, 0.5);
			close $c;
		}' "$port"
	tb_wait_port "$port" 10 "$TB_LAST_PID"
}

# tb_tls_send PORT SNI FILE [SECONDS] — send FILE's bytes over a TLS
# connection to 127.0.0.1:PORT without verifying anything, keep the
# connection open SECONDS (default 1) and print what came back.
# Used as a positive control ("a client that does send a REGISTER is seen").
tb_tls_send() {
	local port=$1 sni=$2 file=$3 secs=${4:-1}
	{ cat "$file"; sleep "$secs"; } |
		timeout $((secs + 5)) openssl s_client -connect "127.0.0.1:$port" \
			-servername "$sni" -quiet -no_ign_eof -nocommands 2>/dev/null || true
}

# tb_sip_register_msg FILE [USER] — write a minimal unauthenticated
# REGISTER for USER@example.test (CRLF line ends) into FILE.
tb_sip_register_msg() {
	local u=${2:-alice} id
	id="tb-$RANDOM$RANDOM"
	printf '%s\r\n' \
		"REGISTER sip:example.test SIP/2.0" \
		"Via: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-$id;rport" \
		"Max-Forwards: 70" \
		"From: <sip:$u@example.test>;tag=$id" \
		"To: <sip:$u@example.test>" \
		"Call-ID: $id@127.0.0.1" \
		"CSeq: 1 REGISTER" \
		"Contact: <sip:$u@127.0.0.1:9;transport=tls>" \
		"Expires: 60" \
		"Content-Length: 0" \
		"" >"$1"
}

# ---------------------------------------------------------------------------
# the binary under test

# tb_sipcanary — print the sipcanary binary path: $SIPCANARY, else
# <top>/sipcanary, else <top>/_build/default/sipcanary (scripts/build),
# else ./sipcanary (running from a VPATH build dir).
tb_sipcanary() {
	if [ -n "${SIPCANARY:-}" ]; then
		echo "$SIPCANARY"
	elif [ -x "$TB_TOP/sipcanary" ]; then
		echo "$TB_TOP/sipcanary"
	elif [ -x "$TB_TOP/_build/default/sipcanary" ]; then
		echo "$TB_TOP/_build/default/sipcanary"
	elif [ -x "$PWD/sipcanary" ]; then
		echo "$PWD/sipcanary"
	else
		echo "$TB_TOP/sipcanary"
	fi
}

# tb_require_sipcanary — skip the test if the binary is not built.
tb_require_sipcanary() {
	local b
	b=$(tb_sipcanary)
	[ -x "$b" ] || tb_skip "sipcanary binary not built ($b)"
}

# tb_run CMD... — run CMD bounded by TB_CMD_TIMEOUT (default 30 s);
# stdout -> $TB_OUT, stderr -> $TB_ERR, exit status -> $TB_RC,
# wall seconds -> $TB_WALL.  Never fails (for set -e).
TB_RUN_N=0
tb_run() {
	local t0 t1
	TB_RUN_N=$((TB_RUN_N + 1))
	TB_OUT="$TB/run$TB_RUN_N.out"
	TB_ERR="$TB/run$TB_RUN_N.err"
	printf '# run%s: %s\n' "$TB_RUN_N" "$*" >>"$TB/commands"
	t0=$(date +%s.%N)
	# in the background + wait, so that a TERM to the test is handled at
	# once (the cleanup trap also stops $TB_RUN_PID)
	timeout -k 2 "${TB_CMD_TIMEOUT:-30}" "$@" >"$TB_OUT" 2>"$TB_ERR" </dev/null &
	TB_RUN_PID=$!
	TB_RC=0
	wait "$TB_RUN_PID" || TB_RC=$?
	TB_RUN_PID=
	t1=$(date +%s.%N)
	# shellcheck disable=SC2034  # read by the tests
	TB_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
	if [ "$TB_RC" = 124 ] || [ "$TB_RC" = 137 ]; then
		tb_log "command timed out after ${TB_CMD_TIMEOUT:-30}s: $*"
	fi
	return 0
}

# tb_sc ARGS... — tb_run the sipcanary binary.
tb_sc() { tb_run "$(tb_sipcanary)" "$@"; }

# ---------------------------------------------------------------------------
# assertions

# tb_expect_rc N WHAT — fail unless the last tb_run exited with N.
tb_expect_rc() {
	[ "$TB_RC" = "$1" ] || tb_fail "$2: exit status $TB_RC, expected $1"
	tb_ok "$2: exit status $1"
}

# tb_jq FILTER WHAT [FILE] — fail unless jq -e FILTER holds on FILE
# (default: the last stdout).
tb_jq() {
	local f=${3:-$TB_OUT}
	jq -e "$1" "$f" >/dev/null 2>&1 || {
		printf -- '--- json (%s) ---\n' "$f"; head -c 4000 "$f"; echo
		tb_fail "$2: jq -e '$1' does not hold"
	}
	tb_ok "$2"
}

# tb_expect_verdict CODE — fail unless the last --json output has
# .verdict == CODE and .frontends[0].verdict == CODE.
tb_expect_verdict() {
	jq -e --arg v "$1" '.verdict == $v and .frontends[0].verdict == $v' \
		"$TB_OUT" >/dev/null 2>&1 || {
		printf -- '--- json ---\n'; head -c 4000 "$TB_OUT"; echo
		tb_fail "verdict is not $1"
	}
	tb_ok "verdict $1 (target and frontend)"
}
