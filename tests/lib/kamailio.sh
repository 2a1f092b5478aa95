# shellcheck shell=bash
# tests/lib/kamailio.sh — the test bed's real Kamailio TLS registrar, one
# parameterised starter for integration tests, faults and benches alike,
# and the helpers that ask it what it saw.  Sourced by common.sh.
#
# tb_kamailio DIR CERT KEY ADDR:PORT... — Kamailio listening for TLS on
# every ADDR:PORT ("127.0.0.2:5071", "[::1]:5072"), serving CERT (leaf
# first, then its chain) with KEY.  Realm example.test, user alice,
# password secret:
#   no Authorization            -> 401 (auth_challenge, qop=auth, MD5)
#   good credentials            -> save("location") -> 200 with Contact/Expires
#   wrong password (rc -2)      -> 403 Forbidden ($TB_KAM_BADPW_REPLY=401:
#                                  a new 401 challenge instead)
#   user other than alice       -> 403 Forbidden
#   stale/reused nonce, other   -> 401 again (new challenge)
#   OPTIONS                     -> 200 (or $TB_KAM_OPTIONS_REPLY, switched
#                                  at run time by tb_kam_options_reply);
#                                  other methods -> 405
# Each REGISTER logs "SCREG <Call-ID>" (see tb_kamailio_register_count).
# Control socket: unix:DIR/kamailio.ctl (tb_kam_rpc DIR CMD...).  Log:
# DIR/kamailio.log.  Waits until every address listens and the control
# socket answers; sets TB_KAM_PID.
#
# Knobs (environment; an exported one holds for a restart too):
#   TB_KAM_TLS_METHOD=M   tls.cfg method (default TLSv1.2+)
#   TB_KAM_TLS_VERIFY=yes verify_certificate and require_certificate:
#                         mutual TLS, clients need a certificate issued by
#                         TB_KAM_TLS_CA_LIST=FILE (its ca_list)
#   TB_KAM_TLS_CIPHERS=L  cipher_list (TLS 1.2 ciphers the server accepts)
#   TB_KAM_TLS_EXTRA=TEXT more tls.cfg sections, as in
#                         "[server:127.0.0.1:PORT]" with settings of their
#                         own for one listener
#   TB_KAM_PASSWORD=P     the password (default secret)
#   TB_KAM_BADPW_REPLY=C  reply to a wrong password: 403 (default) or 401
#   TB_KAM_TCP_PORT=P     also a plain tcp: listener on 127.0.0.1:P
#   TB_KAM_TCP_CHILDREN=N TCP workers (default 1, see below)
#   TB_KAM_USERS=probes   any From user alice or probe<digits> registers
#                         (the digest user must be the From user), one
#                         address of record each (benches)
#   TB_KAM_MAXCONN=N      sized for N concurrent TLS connections (benches):
#                         tcp/tls_max_connections N + 512 (default 2048),
#                         shared memory 128 kB a connection + 256 MB, at
#                         least 512 MB (OpenSSL's per-connection allocations
#                         live in shm; default 64 MB), private 16 MB (8),
#                         open_files_limit N + 1024 (at most the hard
#                         limit), the kex module (statistics); DIR/shm_mb
#   TB_KAM_DEBUG=N        debug level (default 2)
#   TB_KAM_XLOG=all|counts|none
#                         per-request log lines: all (default: SCREG,
#                         SCOPTIONS, SCCHALLENGE, SCFORBIDDEN, SCSAVED),
#                         counts (SCREG, SCFORBIDDEN, SCSAVED) or none (a
#                         registrar under a benchmark's load)
#   TB_KAM_RPC_BODY=KB    ctl binrpc (struct) body size, so that ul.dump
#                         can list many bindings
#   TB_KAM_SIPDUMP=DIR    the sipdump module writes every SIP message
#                         received or sent, decrypted, to DIR
#   TB_KAM_OPTIONS_REPLY=C  reply to OPTIONS: 200 (default), 404 or 503
#   TB_KAM_EXTRA=TEXT     extra cfg lines inserted before request_route
#   TB_KAM_WSS=1          SIP over secure WebSocket (RFC 7118) on the same
#                         TLS listeners too: xhttp + websocket modules, an
#                         upgrade for GET with Upgrade: websocket on any
#                         path, others 404; a request over WSS from user
#                         "policy" gets no reply: ws_close closes the
#                         WebSocket with code 1008 (policy violation)
#   TB_KAM_WS_ORIGIN=O    (with TB_KAM_WSS) only Origin O may upgrade;
#                         any other Origin, or none, gets 403 Forbidden
#
# One TCP worker by default: Debian 12's Kamailio 5.6.3 with OpenSSL 3
# corrupts its shared memory when two TCP workers run TLS handshakes at
# once (kamailio/kamailio#3791, also #3635: "qm_debug_check_frag(): BUG:
# ... tail overwritten ... tls_init.c" or "qm_free(): BUG: freeing already
# freed pointer", then a worker dies of SIGSEGV/SIGABRT and every
# connection is dropped).  It was seen within one 500-client storm with
# two workers; 5.7.5+/5.8 avoid it with tls_threads_mode, which 5.6 does
# not have.  One worker does every handshake, so the server side may bound
# what a benchmark can drive.
#
#   tb_kamailio_start DIR PORT CERT KEY   tb_kamailio on 127.0.0.1:PORT
#   tb_kamailio_register_count DIR        REGISTERs Kamailio has seen
#   tb_kamailio_tls_reload DIR            reload tls.cfg (certificates)
#                                         without dropping connections
#   tb_kamailio_mark DIR ADDR:PORT        a later event to wait for, before
#                                         checking that something did NOT
#                                         reach Kamailio: send an OPTIONS on
#                                         a new TLS connection and wait (5 s)
#                                         until Kamailio has logged it (and,
#                                         with sipdump on, dumped it).  Its
#                                         one TCP worker handles requests in
#                                         order, so what earlier connections
#                                         sent is logged by then.  The mark's
#                                         Call-ID is left in TB_KAM_MARK
#   tb_kam_rpc DIR CMD...                 kamcmd on its control socket
#   tb_kam_count DIR REGEX                lines of its log matching REGEX
#   tb_kam_contacts DIR                   "ADDRESS CALL-ID CSEQ EXPIRES" per
#                                         binding of the location table
#                                         (ul.dump; fails the test if that
#                                         fails)

# tb_kamailio DIR CERT KEY ADDR:PORT... — see above.
tb_kamailio() {
	local dir=$1 cert=$2 key=$3 lp listen='' secs=10 a
	shift 3
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	cert=$(cd "$(dirname "$cert")" && pwd)/$(basename "$cert")
	key=$(cd "$(dirname "$key")" && pwd)/$(basename "$key")
	for lp in "$@"; do
		listen="${listen}listen=tls:$lp
"
	done
	if [ -n "${TB_KAM_TCP_PORT:-}" ]; then
		listen="${listen}listen=tcp:127.0.0.1:$TB_KAM_TCP_PORT"
	fi
	_tb_kamailio_tls_cfg "$dir" "$cert" "$key"
	_tb_kamailio_cfg "$dir" "$listen"
	kamailio -f "$dir/kamailio.cfg" -c >"$dir/check.log" 2>&1 || {
		tb_log "kamailio config check failed:"
		tail -n 20 "$dir/check.log" >&2
		return 1
	}
	# shellcheck disable=SC2046  # the memory options are two words each
	_tb_spawn_io "$dir/kamailio.log" /dev/null \
		kamailio -f "$dir/kamailio.cfg" -DD -E $(_tb_kamailio_mem "$dir") \
		-P "$dir/kamailio.pid" -Y "$dir"
	TB_KAM_PID=$TB_LAST_PID
	echo "$TB_KAM_PID" >"$dir/spawn.pid"
	[ -z "${TB_KAM_MAXCONN:-}" ] || secs=20
	for lp in "$@"; do
		a=${lp%:*}
		a=${a#[}
		tb_wait_listen "${a%]}" "${lp##*:}" "$secs" "$TB_KAM_PID" || {
			tail -n 20 "$dir/kamailio.log" >&2
			return 1
		}
	done
	if ! tb_until "$secs" _tb_kamailio_settled "$dir" || ! _tb_alive "$TB_KAM_PID"; then
		tb_log "kamailio control socket never answered"
		tail -n 20 "$dir/kamailio.log" >&2
		return 1
	fi
}

# _tb_kamailio_settled DIR — Kamailio died, or its control socket answers.
_tb_kamailio_settled() {
	! _tb_alive "$TB_KAM_PID" || tb_kam_rpc "$1" core.uptime >/dev/null 2>&1
}

# tb_kamailio_start DIR PORT CERT KEY — tb_kamailio on 127.0.0.1:PORT.
tb_kamailio_start() {
	tb_kamailio "$1" "$3" "$4" "127.0.0.1:$2"
}

# _tb_kamailio_mem DIR — the -m/-M options (see TB_KAM_MAXCONN).
_tb_kamailio_mem() {
	local shm
	if [ -z "${TB_KAM_MAXCONN:-}" ]; then
		echo "-m 64 -M 8"
		return
	fi
	shm=$(( TB_KAM_MAXCONN * 128 / 1024 + 256 ))
	[ "$shm" -ge 512 ] || shm=512
	echo "$shm" >"$1/shm_mb"
	echo "-m $shm -M 16"
}

_tb_kamailio_tls_cfg() {
	cat >"$1/tls.cfg" <<-EOF
	# generated by tests/lib/kamailio.sh
	[server:default]
	method = ${TB_KAM_TLS_METHOD:-TLSv1.2+}
	verify_certificate = ${TB_KAM_TLS_VERIFY:-no}
	require_certificate = ${TB_KAM_TLS_VERIFY:-no}
	certificate = $2
	private_key = $3
	${TB_KAM_TLS_CA_LIST:+ca_list = $TB_KAM_TLS_CA_LIST}
	${TB_KAM_TLS_CIPHERS:+cipher_list = $TB_KAM_TLS_CIPHERS}

	[client:default]
	method = ${TB_KAM_TLS_METHOD:-TLSv1.2+}
	verify_certificate = no
	require_certificate = no

	${TB_KAM_TLS_EXTRA:-}
	EOF
}

# _tb_kam_xlog LEVEL TEXT — an xlog line if TB_KAM_XLOG lets LEVEL (all,
# counts) through.
_tb_kam_xlog() {
	case "${TB_KAM_XLOG:-all}:$1" in
	all:*|counts:counts) printf 'xlog("L_NOTICE", "%s\\n");' "$2" ;;
	esac
}

# _tb_kamailio_sizing — the core lines of TB_KAM_MAXCONN.
_tb_kamailio_sizing() {
	local n=${TB_KAM_MAXCONN:-} nofile hard
	[ -n "$n" ] || return 0
	nofile=$(( n + 1024 ))
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$nofile" -gt "$hard" ]; then
		nofile=$hard
	fi
	printf 'tcp_max_connections=%s\ntls_max_connections=%s\nopen_files_limit=%s\n' \
		$(( n + 512 )) $(( n + 512 )) "$nofile"
}

# _tb_kamailio_modparams DIR — module parameters of the knobs.
_tb_kamailio_modparams() {
	if [ -n "${TB_KAM_RPC_BODY:-}" ]; then
		printf 'modparam("ctl", "binrpc_max_body_size", %s)\n' "$TB_KAM_RPC_BODY"
		printf 'modparam("ctl", "binrpc_struct_max_body_size", %s)\n' "$TB_KAM_RPC_BODY"
	fi
	if [ -n "${TB_KAM_SIPDUMP:-}" ]; then
		mkdir -p "$TB_KAM_SIPDUMP"
		printf 'loadmodule "sipdump.so"\n'
		printf 'modparam("sipdump", "enable", 1)\n'
		printf 'modparam("sipdump", "mode", 1)\n'
		printf 'modparam("sipdump", "wait", 20000)\n'
		printf 'modparam("sipdump", "folder", "%s")\n' "$TB_KAM_SIPDUMP"
	fi
}

# _tb_kamailio_wss — the modules and route of TB_KAM_WSS.
_tb_kamailio_wss() {
	local origin=''
	[ -n "${TB_KAM_WSS:-}" ] || return 0
	if [ -n "${TB_KAM_WS_ORIGIN:-}" ]; then
		origin="if (\$hdr(Origin) != \"$TB_KAM_WS_ORIGIN\") {
	            $(_tb_kam_xlog all "SCWSORIGIN \$hdr(Origin)")
	            xhttp_reply(\"403\", \"Forbidden\", \"\", \"\");
	            exit;
	        }"
	fi
	cat <<-EOF
	loadmodule "xhttp.so"
	loadmodule "websocket.so"
	modparam("websocket", "keepalive_mechanism", 0)
	event_route[xhttp:request] {
	    if (\$hdr(Upgrade) =~ "websocket" && \$hdr(Connection) =~ "Upgrade" && \$rm =~ "GET") {
	        $origin
	        if (ws_handle_handshake()) {
	            $(_tb_kam_xlog all "SCWSUP \$si:\$sp")
	            exit;
	        }
	    }
	    xhttp_reply("404", "Not Found", "", "");
	}
	EOF
}

# _tb_kamailio_ws_policy — with TB_KAM_WSS, the request_route lines that
# close a WebSocket from user "policy" with 1008, as a frontend that bans
# a client by policy does.
_tb_kamailio_ws_policy() {
	[ -n "${TB_KAM_WSS:-}" ] || return 0
	cat <<-EOF
	if (\$pr == "wss" && \$fU == "policy") {
	        $(_tb_kam_xlog all "SCWSCLOSE \$ci 1008")
	        ws_close(1008, "Policy Violation");
	        exit;
	    }
	EOF
}

# _tb_kamailio_cfg DIR LISTEN_LINES
_tb_kamailio_cfg() {
	local dir=$1 listen=$2 badpw users_before='' users_after kex=''
	case "${TB_KAM_BADPW_REPLY:-403}" in
	401) badpw='auth_challenge("example.test", "1");' ;;
	*)   badpw='sl_send_reply("403", "Forbidden");' ;;
	esac
	[ -z "${TB_KAM_MAXCONN:-}" ] || kex='loadmodule "kex.so"'
	users_after="if (\$au != \"alice\") {
	        $(_tb_kam_xlog counts "SCFORBIDDEN \$ci unknown user")
	        sl_send_reply(\"403\", \"Forbidden\");
	        exit;
	    }"
	if [ "${TB_KAM_USERS:-}" = probes ]; then
		users_before="if (!(\$fU == \"alice\" || \$fU =~ \"^probe[0-9]+\$\")) {
	        $(_tb_kam_xlog counts "SCFORBIDDEN \$ci unknown user \$fU")
	        sl_send_reply(\"403\", \"Forbidden\");
	        exit;
	    }"
		users_after=
	fi
	cat >"$dir/kamailio.cfg" <<-EOF
	#!KAMAILIO
	# generated by tests/lib/kamailio.sh: sipcanary test registrar
	debug=${TB_KAM_DEBUG:-2}
	log_stderror=yes
	memdbg=5
	memlog=5
	children=2
	tcp_children=${TB_KAM_TCP_CHILDREN:-1}
	auto_aliases=no
	alias="example.test"
	enable_tls=yes
	dns=no
	rev_dns=no
	use_dns_cache=off
	tcp_accept_no_cl=$([ -n "${TB_KAM_WSS:-}" ] && echo yes || echo no)
	tcp_connection_lifetime=3605
	$(_tb_kamailio_sizing)
	server_header="Server: sipcanary-testbed"
	$listen

	loadmodule "tls.so"
	$kex
	loadmodule "tm.so"
	loadmodule "sl.so"
	loadmodule "usrloc.so"
	loadmodule "registrar.so"
	loadmodule "auth.so"
	loadmodule "pv.so"
	loadmodule "textops.so"
	loadmodule "siputils.so"
	loadmodule "ctl.so"
	loadmodule "xlog.so"

	modparam("tls", "config", "$dir/tls.cfg")
	modparam("usrloc", "db_mode", 0)
	modparam("registrar", "default_expires", 300)
	modparam("registrar", "min_expires", 10)
	modparam("registrar", "max_expires", 3600)
	modparam("ctl", "binrpc", "unixs:$dir/kamailio.ctl")
	modparam("pv", "shvset", "options_reply=i:${TB_KAM_OPTIONS_REPLY:-200}")
	$(_tb_kamailio_modparams)
	$(_tb_kamailio_wss)
	${TB_KAM_EXTRA:-}

	request_route {
	    $(_tb_kamailio_ws_policy)
	    if (is_method("REGISTER")) {
	        $(_tb_kam_xlog counts "SCREG \$ci")
	        route(REGISTRAR);
	        exit;
	    }
	    if (is_method("OPTIONS")) {
	        $(_tb_kam_xlog all "SCOPTIONS \$ci")
	        if (\$shv(options_reply) == 404) {
	            sl_send_reply("404", "Not Found");
	            exit;
	        }
	        if (\$shv(options_reply) == 503) {
	            sl_send_reply("503", "Service Unavailable");
	            exit;
	        }
	        sl_send_reply("200", "OK");
	        exit;
	    }
	    if (is_method("ACK")) {
	        exit;
	    }
	    sl_send_reply("405", "Method Not Allowed");
	    exit;
	}

	route[REGISTRAR] {
	    if (!is_present_hf("Authorization")) {
	        $(_tb_kam_xlog all "SCCHALLENGE \$ci")
	        auth_challenge("example.test", "1");
	        exit;
	    }
	    $users_before
	    \$var(rc) = pv_auth_check("example.test", "${TB_KAM_PASSWORD:-secret}", "0", "1");
	    if (\$var(rc) == -2) {
	        $(_tb_kam_xlog counts "SCFORBIDDEN \$ci bad password")
	        $badpw
	        exit;
	    }
	    if (\$var(rc) < 0) {
	        $(_tb_kam_xlog all "SCCHALLENGE \$ci again rc=\$var(rc)")
	        auth_challenge("example.test", "1");
	        exit;
	    }
	    $users_after
	    consume_credentials();
	    if (!save("location")) {
	        sl_reply_error();
	    }
	    $(_tb_kam_xlog counts "SCSAVED \$ci")
	    exit;
	}
	EOF
}

# tb_kamailio_register_count DIR — how many REGISTERs Kamailio has seen.
tb_kamailio_register_count() { tb_kam_count "$1" 'SCREG '; }

# Kamailio now and then answers tls.reload with "error: 500 - Error while
# fixing TLS configuration" under load and keeps the old certificate: a
# reload counts once Kamailio says Ok, asked again until it does (10 s).
_tb_kam_reload_ok() {
	tb_kam_rpc "$1" tls.reload >"$TB/.tls-reload.out" 2>&1 &&
		grep -q '^Ok' "$TB/.tls-reload.out"
}
tb_kamailio_tls_reload() {
	local rc=0
	tb_until 10 _tb_kam_reload_ok "$1" || rc=1
	cat "$TB/.tls-reload.out"
	return $rc
}

tb_kamailio_mark() {
	local dir=$1 hostport=$2 id
	id="tb-mark-$RANDOM$RANDOM"
	TB_KAM_MARK=$id
	printf '%s\r\n' "OPTIONS sip:example.test SIP/2.0" \
		"Via: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-$id;rport" \
		"Max-Forwards: 70" "From: <sip:mark@example.test>;tag=$id" \
		"To: <sip:example.test>" "Call-ID: $id" "CSeq: 1 OPTIONS" \
		"Content-Length: 0" "" >"$TB/$id.sip"
	# stdin stays open until the mark is logged, then s_client ends
	{ cat "$TB/$id.sip"; tb_until 5 _tb_kam_logged "$dir" "SCOPTIONS $id"; } |
		timeout 10 openssl s_client -connect "$hostport" \
			-servername example.test -quiet -no_ign_eof -nocommands \
			>/dev/null 2>&1 || true
	_tb_kam_logged "$dir" "SCOPTIONS $id" ||
		{ tb_log "kamailio did not log the mark $id"; return 1; }
	if [ -d "$dir/dump" ]; then
		tb_until 5 _tb_kam_dumped "$dir" "$id" ||
			{ tb_log "sipdump did not write the mark $id"; return 1; }
	fi
}
_tb_kam_logged() { grep -q -- "$2" "$1/kamailio.log" 2>/dev/null; }
_tb_kam_dumped() { cat "$1"/dump/*.data 2>/dev/null | grep -q -- "$2"; }

tb_kam_rpc() {
	local dir=$1
	shift
	kamcmd -s "unix:$dir/kamailio.ctl" "$@"
}

# tb_kam_options_reply DIR CODE — Kamailio answers OPTIONS with CODE (200,
# 404 or 503) from now on, without a restart.
tb_kam_options_reply() {
	tb_kam_rpc "$1" pv.shvSet options_reply int "$2" >/dev/null
}

tb_kam_count() {
	local n
	n=$(grep -c -E -- "$2" "$1/kamailio.log" 2>/dev/null) || true
	echo "${n:-0}"
}

tb_kam_contacts() {
	local out
	out=$(tb_kam_rpc "$1" ul.dump 2>&1) || tb_fail "kamcmd ul.dump failed: $out"
	case "$out" in *rror*) tb_fail "kamcmd ul.dump failed: $out" ;; esac
	printf '%s\n' "$out" | awk '
		$1 == "Address:" { a = $2 }
		$1 == "Expires:" { e = $2 }
		$1 == "Call-ID:" { c = $2 }
		$1 == "CSeq:"    { print a, c, $2, e }'
}
