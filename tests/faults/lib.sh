# shellcheck shell=bash
# tests/faults/lib.sh — the misbehaving servers of the fault matrix and the
# way a fault runs sipcanary and records what it got.  Sourced by
# tests/faults/run after tests/lib/{common,pki,dns}.sh and tb_init.
#
# Servers (each on a free 127.0.0.1 port, left in FX_PORT; every process is
# started with tb_spawn, so the runner can stop it by PID):
#   fx_sipp SCENARIO [CHAIN KEY]  sipp 3.6 (plain TCP, -t t1) running
#                                 sipp/SCENARIO.xml as a UAS, behind stunnel4
#                                 (TLS server mode, CHAIN/KEY, default the
#                                 good example.test leaf); sipp's message
#                                 log is $FX_DIR/sipp.msg
#   fx_fxsip MODE [CHAIN KEY [STAPLE]]
#                                 fxsip.pl: a perl SIP-over-TLS registrar
#                                 that misbehaves at the byte level
#   fx_fxtcp MODE [ARGS...]       fxtcp.pl: TCP-level misbehaviour
#   fx_s_server CHAIN KEY ARGS... openssl s_server -www (never speaks SIP)
#   fx_kamailio [ADDR]            the test bed's Kamailio registrar
# Running the binary under test (bounded; see fx_check):
#   fx_check PORT [ARGS...]       sipcanary check --connect 127.0.0.1:PORT
#   fx_check_dns DNSPORT [ARGS...] sipcanary check --dns-server 127.0.0.1:DNSPORT
#   fx_drill SCN PORT [ARGS...]   sipcanary drill SCN --connect 127.0.0.1:PORT
# After a run: FX_GOT (the verdict code, or HANG / CRASH(rc) / SANITIZER /
# NO_JSON), FX_RC, FX_SECS, FX_JSON (the JSON file); fx_also FILTER WHAT
# adds a mismatch note unless jq -e FILTER holds on FX_JSON; fx_note MSG
# adds a mismatch note; fx_info MSG adds an informational note.

FX_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FX_DIR=
FX_PORT=
FX_GOT=
FX_RC=
FX_SECS=
FX_JSON=
FX_BOUND=
FX_NOTES=()
FX_INFO=()
FX_CA=
FX_PW=
FX_CHAIN=
FX_KEY=

# fx_stunnel PORT BACKEND CHAIN KEY — stunnel4 on 127.0.0.1:PORT (TLS
# server) relaying to 127.0.0.1:BACKEND.
fx_stunnel() {
	local port=$1 backend=$2 chain=$3 key=$4 conf="$FX_DIR/stunnel.conf"
	cat >"$conf" <<-EOF
	; tests/faults: TLS in front of a plain-TCP test server
	foreground = yes
	pid =
	syslog = no
	debug = 4
	[fx]
	accept = 127.0.0.1:$port
	connect = 127.0.0.1:$backend
	cert = $chain
	key = $key
	TIMEOUTclose = 0
	EOF
	tb_spawn "$FX_NAME-stunnel" stunnel4 "$conf"
	tb_wait_port "$port" 10 "$TB_LAST_PID"
}

# fx_sipp SCENARIO [CHAIN KEY] — see the header.
fx_sipp() {
	local scn="$FX_HERE/sipp/$1.xml" chain=${2:-$FX_CHAIN} key=${3:-$FX_KEY}
	local q cp mp
	q=$(tb_free_port) && cp=$(tb_free_port udp udp+2) && mp=$(tb_free_port udp udp+2) || return 1
	# -ci/-cp and -mi/-mp: sipp's control and media sockets, on loopback too
	tb_spawn "$FX_NAME-sipp" sipp -sf "$scn" -t t1 -i 127.0.0.1 -p "$q" \
		-ci 127.0.0.1 -cp "$cp" -mi 127.0.0.1 -mp "$mp" \
		-deadcall_wait 0 -nostdin \
		-trace_msg -message_file "$FX_DIR/sipp.msg" \
		-trace_err -error_file "$FX_DIR/sipp.err"
	tb_wait_port "$q" 10 "$TB_LAST_PID" || return 1
	FX_PORT=$(tb_free_port) || return 1
	fx_stunnel "$FX_PORT" "$q" "$chain" "$key"
}

# fx_sipp_count REGEX — lines of sipp's message log matching REGEX.
fx_sipp_count() {
	local n
	n=$(grep -Ec -- "$1" "$FX_DIR/sipp.msg" 2>/dev/null) || true
	echo "${n:-0}"
}

# fx_fxsip MODE [CHAIN KEY [STAPLE]] — see the header.
fx_fxsip() {
	FX_PORT=$(tb_free_port) || return 1
	tb_spawn "$FX_NAME-fxsip" perl "$FX_HERE/fxsip.pl" "$FX_PORT" \
		"${2:-$FX_CHAIN}" "${3:-$FX_KEY}" "$1" ${4:+"$4"}
	tb_wait_port "$FX_PORT" 10 "$TB_LAST_PID"
}

# fx_fxws MODE — fxws.pl (SIP over secure WebSocket) on a free port.
fx_fxws() {
	FX_PORT=$(tb_free_port) || return 1
	tb_spawn "$FX_NAME-fxws" perl "$FX_HERE/fxws.pl" "$FX_PORT" "$FX_CHAIN" \
		"$FX_KEY" "$1"
	tb_wait_port "$FX_PORT" 10 "$TB_LAST_PID"
}

# fx_fxtcp MODE [ARGS...] — see the header.
fx_fxtcp() {
	local mode=$1
	shift
	FX_PORT=$(tb_free_port) || return 1
	tb_spawn "$FX_NAME-fxtcp" perl "$FX_HERE/fxtcp.pl" "$FX_PORT" "$mode" "$@"
	tb_wait_port "$FX_PORT" 10 "$TB_LAST_PID"
}

# fx_s_server CHAIN KEY [ARGS...] — pki_s_server on a free port.
fx_s_server() {
	local chain=$1 key=$2
	shift 2
	FX_PORT=$(tb_free_port) || return 1
	pki_s_server "$FX_PORT" "$chain" "$key" "$@"
}

# fx_kamailio — the test bed's registrar (alice/secret, one TCP worker:
# tests/lib/kamailio.sh); FX_KPORT.
fx_kamailio() {
	FX_KPORT=$(tb_free_port) || return 1
	tb_kamailio_start "$FX_DIR/kam" "$FX_KPORT" "$FX_CHAIN" "$FX_KEY"
}

# ---------------------------------------------------------------------------
# running sipcanary

# _fx_classify — set FX_GOT from the last tb_run: its exit status, its
# stderr (sanitizer reports) and its JSON (JQ_VERDICT, default .verdict).
_fx_classify() {
	local jqv=${1:-.verdict}
	FX_RC=$TB_RC
	FX_SECS=$TB_WALL
	FX_JSON=$TB_OUT
	if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' \
		"$TB_ERR" 2>/dev/null; then
		FX_GOT=SANITIZER
		fx_note "sanitizer report: $(grep -Em1 'ERROR: |runtime error:' "$TB_ERR")"
		return
	fi
	case "$TB_RC" in
	124|137)
		FX_GOT=HANG
		fx_note "killed after ${FX_BOUND}s (its own bound was exceeded)"
		return ;;
	0|1|2|3) ;;
	*)
		FX_GOT="CRASH($TB_RC)"
		fx_note "exit status $TB_RC is not a Nagios code: $(tail -n 2 "$TB_ERR" | tr '\n' ' ')"
		return ;;
	esac
	if ! FX_GOT=$(jq -er "$jqv" "$TB_OUT" 2>/dev/null); then
		FX_GOT=NO_JSON
		fx_note "no parseable JSON verdict ($jqv): $(head -c 200 "$TB_OUT" | tr '\n' ' ') $(tail -n 2 "$TB_ERR" | tr '\n' ' ')"
	fi
}

# fx_check PORT [ARGS...] — sipcanary check --connect 127.0.0.1:PORT with
# alice's password, --timeout $FX_T, --json, sips:example.test; the process
# is killed after $FX_T + 5 s.  A later --timeout in ARGS is not allowed
# (FX_T is the bound).  Checks: exit status 0-3 and the one that goes with
# the verdict (0 ok, 2 a failure), the frontend says what the target says,
# and the run ended within --timeout + 1.5 s.
fx_check() {
	local port=$1
	shift
	FX_BOUND=$(awk -v t="$FX_T" 'BEGIN{print t + 5}')
	TB_CMD_TIMEOUT=$FX_BOUND tb_sc check --connect "127.0.0.1:$port" --ca-file "$FX_CA" \
		--user alice --password-file "$FX_PW" --timeout "$FX_T" --json \
		"$@" sips:example.test
	_fx_after_check
}

# fx_check_dns DNSPORT [ARGS...] — the same through --dns-server, no --connect.
fx_check_dns() {
	local d=$1
	shift
	FX_BOUND=$(awk -v t="$FX_T" 'BEGIN{print t + 5}')
	TB_CMD_TIMEOUT=$FX_BOUND tb_sc check --dns-server "127.0.0.1:$d" --ca-file "$FX_CA" \
		--user alice --password-file "$FX_PW" --timeout "$FX_T" --json \
		"$@" sips:example.test
	_fx_after_check
}

_fx_after_check() {
	local want_rc=2
	_fx_classify .verdict
	case "$FX_GOT" in HANG|CRASH*|SANITIZER|NO_JSON) return ;; esac
	case "$FX_EXPECT" in
	ok) want_rc=0 ;;
	# WARNING verdicts (sipcanary(1), EXIT STATUS)
	cert_expiring|cert_revocation_unknown|client_cert_expiring) want_rc=1 ;;
	esac
	[ "$FX_RC" = "$want_rc" ] ||
		fx_note "exit status $FX_RC, expected $want_rc for $FX_EXPECT"
	jq -e '.frontends | length != 1 or (.[0].verdict == $v)' --arg v "$FX_GOT" \
		"$FX_JSON" >/dev/null 2>&1 ||
		fx_note "frontend verdict $(jq -r '.frontends[0].verdict' "$FX_JSON" 2>/dev/null) differs from the target's"
	awk -v s="$FX_SECS" -v t="$FX_T" 'BEGIN{exit !(s <= t + 1.5)}' ||
		fx_note "took ${FX_SECS}s with --timeout $FX_T"
}

# fx_drill SCN PORT [ARGS...] — sipcanary drill SCN against
# 127.0.0.1:PORT, JSON report $FX_DIR/drill.json; FX_GOT is the verdict of
# the first step that did not hold (ok if all held).  Killed after 30 s.
fx_drill() {
	local scn=$1 port=$2
	shift 2
	FX_BOUND=30
	TB_CMD_TIMEOUT=$FX_BOUND tb_sc drill "$scn" --target sips:example.test \
		--connect "127.0.0.1:$port" --ca-file "$FX_CA" --user alice \
		--password-file "$FX_PW" --report-json "$FX_DIR/drill.json" "$@"
	TB_OUT=$FX_DIR/drill.json
	[ -s "$TB_OUT" ] || : >"$TB_OUT"
	_fx_classify '[.steps[] | .verdicts | keys[] | select(. != "ok")] | first // "ok"'
}

# fx_also FILTER WHAT — a mismatch note unless jq -e FILTER holds on FX_JSON.
fx_also() {
	jq -e "$1" "$FX_JSON" >/dev/null 2>&1 || fx_note "$2 (jq: $1)"
}

fx_note() { FX_NOTES+=("$*"); }
fx_info() { FX_INFO+=("$*"); }

# fx_log_has SERVER REGEX WHAT — a test-bed self-check: the log of this
# fault's SERVER (sipp, stunnel, fxsip, fxtcp, fxdns, relay) has a line
# matching REGEX, i.e. the server really did the misbehaving.
fx_log_has() {
	grep -Eq -- "$2" "$TB/$FX_NAME-$1.log" 2>/dev/null ||
		fx_note "test bed: $1 did not $3 (no /$2/ in $FX_NAME-$1.log)"
}
