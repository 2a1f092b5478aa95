# shellcheck shell=bash
# tests/lib/daemon.sh — shared helpers of the `sipcanary run` integration
# tests (tests/integration/run_*.sh, issue 6).
#
# Source it after common.sh and pki.sh, then:
#     tb_init; dm_setup [PKI CASE...]
# dm_setup makes the test PKI (pki_make: root, intermediate, leaf "good",
# plus the named cases), alice's password file $TB/pw, picks the daemon's
# HTTP port $DM_HTTP and starts a real Kamailio TLS registrar
# (pki_kamailio good: dir $DM_KAM, port $DM_KAM_PORT, serving copies of
# good.chain.pem/good.key from $TB/served; swap with pki_kamailio_swap).
#
#   dm_config_head [DEFAULTS LINES...]  print the top of a config: vantage
#                                  "$DM_VANTAGE", listen 127.0.0.1:$DM_HTTP,
#                                  state_dir $TB/state, and a defaults
#                                  section with ca_file $PKI/ca.pem and the
#                                  given lines (e.g. "interval = 2s")
#   dm_target NAME [LINES...]      print a target section: sips:example.test,
#                                  user alice, password_file $TB/pw, connect
#                                  127.0.0.1:$DM_KAM_PORT, owner, LINES
#   dm_start CONF [ARGS...]        start `sipcanary run -c CONF ARGS` (log
#                                  $DM_LOG = $TB/daemon.log, pid $DM_PID),
#                                  wait (10 s) until GET /healthz is 200
#   dm_stop [SECONDS]              SIGTERM the daemon, wait for it (default
#                                  10 s; fails the test if it lives on);
#                                  exit status $DM_RC, seconds $DM_STOP_SECS
#   dm_scrape [FILE]               GET /metrics into FILE (default
#                                  $TB/metrics.txt); false if it fails
#   dm_value NAME [LABEL=VALUE...] from the last scrape: the sum of every
#                                  series NAME whose labels match all the
#                                  given ones exactly; prints nothing and
#                                  returns 1 if no series matches
#   dm_series NAME [LABEL=VALUE...] how many series match (0 if none)
#   dm_get NAME [LABEL=VALUE...]   dm_scrape, then dm_value
#   dm_cmp NAME OP N [LABEL=VALUE...]  scrape; true if the value exists and
#                                  VALUE OP N holds (OP: == != > >= < <=)
#   dm_until SECONDS CMD...        run CMD every 0.2 s until it succeeds
#                                  (0) or SECONDS pass (1)
#   dm_http METHOD PATH [FILE]     the HTTP status of METHOD PATH (body to
#                                  FILE, default /dev/null)
#   dm_log_count REGEX             lines of the daemon's log matching REGEX
#   dm_kam_rpc CMD...              kamcmd on the test Kamailio
#   dm_kam_contacts                "ADDRESS CALL-ID CSEQ EXPIRES" per binding
#                                  in Kamailio's location table (ul.dump)
#   dm_kam_count REGEX             lines of Kamailio's log matching REGEX
#   dm_kam_registers               (DM_SIPDUMP=1) one line per REGISTER
#                                  Kamailio received, in order:
#                                  "SRCPORT CALL-ID TOKEN AUTH EXPIRES"
#                                  (TOKEN: the Contact's ;sc= value, or -;
#                                  AUTH: 1 with an Authorization header)
#   dm_elapsed T0                  seconds since T0 (a `date +%s.%N`)
#
# Kamailio runs with tcp_children=1: Debian 12's Kamailio 5.6.3 with
# OpenSSL 3 corrupts its shared memory when two TCP workers run TLS
# handshakes at once (kamailio/kamailio#3791; see tests/lib/drill.sh),
# and the ctl binrpc structure limit is raised so that ul.dump can list
# many bindings.

DM_HTTP=
DM_PID=
DM_LOG=
DM_RC=
DM_STOP_SECS=
DM_KAM=
DM_KAM_PORT=
DM_METRICS=
DM_VANTAGE=test-lab

# dm_setup [PKI CASE...] — see above.  DM_SIPDUMP=1: Kamailio also
# writes every SIP message it receives or sends to $DM_KAM/dump (the
# sipdump module; see dm_kam_registers).
dm_setup() {
	tb_require kamailio kamcmd openssl curl ss awk
	tb_require_sipcanary
	PKI=$TB/pki
	pki_make "$@"
	pki_leaf_good "$PKI" || tb_fail "could not make the good leaf"
	tb_password_file "$TB/pw" "${TB_KAM_PASSWORD:-secret}"
	mkdir -p "$TB/state"
	DM_METRICS=$TB/metrics.txt
	DM_LOG=$TB/daemon.log
	# Kamailio config lines: the quotes are meant literally
	# shellcheck disable=SC2089,SC2090
	TB_KAM_EXTRA="tcp_children=1
modparam(\"ctl\", \"binrpc_max_body_size\", 1024)
modparam(\"ctl\", \"binrpc_struct_max_body_size\", 1024)
${TB_KAM_EXTRA:-}"
	if [ "${DM_SIPDUMP:-0}" = 1 ]; then
		mkdir -p "$TB/kam/dump"
		TB_KAM_EXTRA="$TB_KAM_EXTRA
loadmodule \"sipdump.so\"
modparam(\"sipdump\", \"enable\", 1)
modparam(\"sipdump\", \"mode\", 1)
modparam(\"sipdump\", \"wait\", 20000)
modparam(\"sipdump\", \"folder\", \"$TB/kam/dump\")"
	fi
	# shellcheck disable=SC2090
	export TB_KAM_EXTRA
	pki_kamailio good
	DM_KAM=$TB/kam
	DM_KAM_PORT=$P
	DM_HTTP=$(tb_free_port) || tb_fail "no free port"
	# the port must differ from Kamailio's (tb_free_port only sees
	# sockets that exist)
	while [ "$DM_HTTP" = "$DM_KAM_PORT" ]; do DM_HTTP=$(tb_free_port); done
	tb_ok "Kamailio (pid $TB_KAM_PID) on 127.0.0.1:$DM_KAM_PORT; daemon HTTP port $DM_HTTP"
}

# dm_config_head [DEFAULTS LINES...] — see above.
dm_config_head() {
	local l
	printf '# generated by tests/lib/daemon.sh\n'
	printf 'vantage = "%s"\n' "$DM_VANTAGE"
	printf 'listen = "127.0.0.1:%s"\n' "$DM_HTTP"
	printf 'state_dir = "%s"\n' "$TB/state"
	printf 'defaults {\n'
	printf '\tca_file = "%s"\n' "$PKI/ca.pem"
	for l in "$@"; do printf '\t%s\n' "$l"; done
	printf '}\n'
}

# dm_target NAME [LINES...] — see above.
dm_target() {
	local name=$1 l
	shift
	printf 'target "%s" {\n' "$name"
	printf '\turi = "sips:example.test"\n'
	printf '\tuser = "alice"\n'
	printf '\tpassword_file = "%s"\n' "$TB/pw"
	printf '\tconnect = "127.0.0.1:%s"\n' "$DM_KAM_PORT"
	printf '\towner = "voice-sre"\n'
	for l in "$@"; do printf '\t%s\n' "$l"; done
	printf '}\n'
}

# dm_http METHOD PATH [FILE] — see above.
dm_http() {
	local m=$1 path=$2 out=${3:-/dev/null} code
	code=$(curl -sS -o "$out" -w '%{http_code}' --max-time 5 -X "$m" \
		"http://127.0.0.1:$DM_HTTP$path" 2>/dev/null) || true
	echo "${code:-000}"
}

_dm_healthy() { [ "$(dm_http GET /healthz)" = 200 ]; }

# dm_start CONF [ARGS...] — see above.
dm_start() {
	local conf=$1
	shift
	tb_spawn daemon "$(tb_sipcanary)" run -c "$conf" "$@"
	DM_PID=$TB_LAST_PID
	tb_wait_port "$DM_HTTP" 10 "$DM_PID" ||
		tb_fail "the daemon (pid $DM_PID) does not listen on $DM_HTTP"
	dm_until 10 _dm_healthy ||
		tb_fail "the daemon's /healthz did not answer 200 within 10 s"
	tb_ok "daemon pid $DM_PID: /healthz 200 on 127.0.0.1:$DM_HTTP"
}

# dm_stop [SECONDS] — see above.
dm_stop() {
	local secs=${1:-10} t0
	t0=$(date +%s.%N)
	kill -TERM "$DM_PID" 2>/dev/null || true
	if ! dm_until "$secs" _dm_dead; then
		tb_fail "the daemon (pid $DM_PID) still runs ${secs}s after SIGTERM"
	fi
	# shellcheck disable=SC2034  # DM_RC, DM_STOP_SECS: read by the tests
	DM_RC=0
	# shellcheck disable=SC2034
	wait "$DM_PID" 2>/dev/null || DM_RC=$?
	# shellcheck disable=SC2034
	DM_STOP_SECS=$(dm_elapsed "$t0")
	# already stopped: keep the cleanup from signalling a reused pid
	local keep=() q
	for q in "${TB_PIDS[@]}"; do [ "$q" = "$DM_PID" ] || keep+=("$q"); done
	TB_PIDS=("${keep[@]}")
}
_dm_dead() { ! _tb_alive "$DM_PID"; }

# dm_elapsed T0 — see above.
dm_elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}'
}

# dm_scrape [FILE] — see above.
# shellcheck disable=SC2120  # FILE is optional
dm_scrape() {
	local f=${1:-$DM_METRICS}
	curl -sSf --max-time 5 -o "$f.tmp" "http://127.0.0.1:$DM_HTTP/metrics" \
		2>/dev/null || return 1
	mv "$f.tmp" "$f"
}

# _dm_match NAME [LABEL=VALUE...] — awk over the last scrape: prints
# "COUNT SUM" of the matching series.
_dm_match() {
	local name=$1
	shift
	awk -v name="$name" -v want="$(printf '%s\n' "$@")" '
	BEGIN {
		nw = split(want, w, "\n")
		for (i = 1; i <= nw; i++) {
			if (w[i] == "") continue
			k = substr(w[i], 1, index(w[i], "=") - 1)
			wk[k] = substr(w[i], index(w[i], "=") + 1)
		}
	}
	/^#/ || NF == 0 { next }
	{
		line = $0
		b = index(line, "{")
		sp = index(line, " ")
		if (b > 0 && b < sp) {
			n = substr(line, 1, b - 1)
			rest = substr(line, b + 1)
		} else {
			n = substr(line, 1, sp - 1)
			rest = "}" substr(line, sp)
		}
		if (n != name) next
		# parse k="v",... up to the closing brace
		delete got
		while (substr(rest, 1, 1) != "}") {
			if (substr(rest, 1, 1) == ",") { rest = substr(rest, 2); continue }
			eq = index(rest, "=")
			k = substr(rest, 1, eq - 1)
			rest = substr(rest, eq + 2)	# past ="
			v = ""
			while (length(rest) > 0) {
				c = substr(rest, 1, 1)
				if (c == "\\") { v = v substr(rest, 2, 1); rest = substr(rest, 3); continue }
				if (c == "\"") { rest = substr(rest, 2); break }
				v = v c
				rest = substr(rest, 2)
			}
			got[k] = v
		}
		rest = substr(rest, 2)
		sub(/^ +/, "", rest)
		split(rest, parts, " ")
		for (k in wk)
			if (!(k in got) || got[k] != wk[k]) next
		cnt++
		val = parts[1]
		if (val == "+Inf") val = 1e308
		sum += val
	}
	END { printf "%d %.17g\n", cnt, sum }' "$DM_METRICS"
}

# dm_value NAME [LABEL=VALUE...] — see above.
dm_value() {
	local r
	r=$(_dm_match "$@")
	[ "${r%% *}" != 0 ] || return 1
	awk -v v="${r#* }" 'BEGIN { if (v == int(v) && v < 1e15 && v > -1e15) printf "%d\n", v; else printf "%s\n", v }'
}

# dm_series NAME [LABEL=VALUE...] — see above.
dm_series() {
	local r
	r=$(_dm_match "$@")
	echo "${r%% *}"
}

# dm_get NAME [LABEL=VALUE...] — see above.
dm_get() {
	# shellcheck disable=SC2119
	dm_scrape || return 1
	dm_value "$@"
}

# dm_cmp NAME OP N [LABEL=VALUE...] — see above.
dm_cmp() {
	local name=$1 op=$2 n=$3 v
	shift 3
	v=$(dm_get "$name" "$@") || return 1
	awk -v a="$v" -v b="$n" -v op="$op" 'BEGIN {
		a += 0; b += 0
		if (op == "==") exit !(a == b)
		if (op == "!=") exit !(a != b)
		if (op == ">")  exit !(a > b)
		if (op == ">=") exit !(a >= b)
		if (op == "<")  exit !(a < b)
		if (op == "<=") exit !(a <= b)
		exit 2 }'
}

# dm_until SECONDS CMD... — see above.
dm_until() {
	local secs=$1 end
	shift
	end=$(awk -v a="$(date +%s.%N)" -v s="$secs" 'BEGIN{printf "%.3f", a + s}')
	while :; do
		if "$@"; then return 0; fi
		if awk -v a="$(date +%s.%N)" -v e="$end" 'BEGIN{exit !(a >= e)}'; then
			return 1
		fi
		sleep 0.2
	done
}

# dm_log_count REGEX — see above.
dm_log_count() {
	local n
	n=$(grep -c -E -- "$1" "$DM_LOG" 2>/dev/null) || true
	echo "${n:-0}"
}

# dm_kam_rpc CMD... — see above.
dm_kam_rpc() {
	kamcmd -s "unix:$DM_KAM/kamailio.ctl" "$@"
}

# dm_kam_contacts — see above.
dm_kam_contacts() {
	local out
	out=$(dm_kam_rpc ul.dump 2>&1) || tb_fail "kamcmd ul.dump failed: $out"
	case "$out" in *rror*) tb_fail "kamcmd ul.dump failed: $out" ;; esac
	printf '%s\n' "$out" | awk '
		$1 == "Address:" { a = $2 }
		$1 == "Expires:" { e = $2 }
		$1 == "Call-ID:" { c = $2 }
		$1 == "CSeq:"    { print a, c, $2, e }'
}

# dm_kam_count REGEX — see above.
dm_kam_count() {
	local n
	n=$(grep -c -E -- "$1" "$DM_KAM/kamailio.log" 2>/dev/null) || true
	echo "${n:-0}"
}

# dm_kam_registers — see above.
dm_kam_registers() {
	cat "$DM_KAM"/dump/*.data 2>/dev/null | tr -d '\r' | awk '
	function flush() {
		if (rcv && method == "REGISTER")
			print port, (cid == "" ? "-" : cid), (tok == "" ? "-" : tok), auth, (ex == "" ? "-" : ex)
		rcv = 0; method = ""; cid = ""; tok = ""; auth = 0; ex = ""; body = 0
	}
	/^=+$/ { flush(); next }
	/^tag: / { rcv = ($2 == "rcv"); next }
	/^srcport: / && !body { port = $2; next }
	/^~+$/ { body = 1; first = 1; next }	# (mawk misses ^~{20}$ spelled out)
	/^\|+$/ { body = 0; next }
	body && first { method = $1; first = 0; next }
	body && tolower($1) == "call-id:" { cid = $2; next }
	body && tolower($1) == "authorization:" { auth = 1; next }
	body && tolower($1) == "expires:" { ex = $2; next }
	body && tolower($1) == "contact:" {
		if (match($0, /;sc=[A-Za-z0-9]+/)) tok = substr($0, RSTART + 4, RLENGTH - 4)
		if (match($0, /;expires=[0-9]+/)) ex = substr($0, RSTART + 9, RLENGTH - 9)
		next
	}
	END { flush() }'
}
