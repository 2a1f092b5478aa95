# shellcheck shell=bash
# tests/lib/daemon.sh — shared helpers of the `sipcanary run` integration
# tests (tests/integration/run_*.sh; bounded waits: tb_until, proc.sh).
#
# Source it after common.sh (it sources pki.sh itself), then:
#     dm_init [PKI CASE...]          (tb_init; dm_setup [PKI CASE...])
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
#   dm_conf_kam [DEFAULTS LINES...] write $TB/sc.conf: dm_config_head
#                                  LINES and dm_target kam
#   dm_start_kam [DEFAULTS LINES...] the same, then dm_start it
#   dm_flow_ok                     scrape; true once flow 0 of target
#                                  "kam" at $DM_FE (127.0.0.1:$DM_KAM_PORT)
#                                  is up and its last probe succeeded
#                                  (DM_L: the labels target=kam
#                                  frontend=$DM_FE)
#   dm_wait_steady                 wait (15 s) for dm_flow_ok, or fail
#   dm_service_user NAME           (root) a system account NAME for the
#                                  daemon to drop to, removed at exit
#                                  (after the test's processes); $TB
#                                  made world-searchable
#   dm_start CONF [ARGS...]        start `sipcanary run -c CONF ARGS` (log
#                                  $DM_LOG = $TB/daemon.log, pid $DM_PID),
#                                  wait (10 s) until GET /healthz is 200
#   dm_spawn CONF [ARGS...]        dm_start without waiting for /healthz
#                                  (HTTPS, or a /healthz that is to be
#                                  503): only until it listens
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
#   dm_http METHOD PATH [FILE]     the HTTP status of METHOD PATH (body to
#                                  FILE, default /dev/null)
#   dm_log_count REGEX             lines of the daemon's log matching REGEX
#   dm_kam_rpc CMD...              kamcmd on the test Kamailio
#   dm_kam_contacts                "ADDRESS CALL-ID CSEQ EXPIRES" per binding
#                                  in Kamailio's location table (ul.dump)
#   dm_kam_count REGEX             lines of Kamailio's log matching REGEX
#   dm_flow_binding                "CONTACT CALL-ID TCPCONN-ID" of each
#                                  flow binding (Contact with ;sc=) in
#                                  Kamailio's location table
#   dm_kam_registers               (DM_SIPDUMP=1) one line per REGISTER
#                                  Kamailio received, in order:
#                                  "SRCPORT CALL-ID TOKEN AUTH EXPIRES"
#                                  (TOKEN: the Contact's ;sc= value, or -;
#                                  AUTH: 1 with an Authorization header)
#   dm_elapsed T0                  seconds since T0 (a `date +%s.%N`)
#
# Kamailio runs with one TCP worker (kamailio/kamailio#3791: see
# tests/lib/kamailio.sh), and the ctl binrpc structure limit is raised so
# that ul.dump can list many bindings (TB_KAM_RPC_BODY, exported: a
# restarted Kamailio gets it too).

# shellcheck source=SCRIPTDIR/pki.sh
. "$(dirname "${BASH_SOURCE[0]}")/pki.sh"

DM_HTTP=
DM_PID=
DM_LOG=
DM_RC=
DM_STOP_SECS=
DM_KAM=
DM_KAM_PORT=
DM_METRICS=
DM_VANTAGE=test-lab
DM_USER=
DM_FE=
DM_L=()

dm_init() {
	tb_init
	dm_setup "$@"
}

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
	export TB_KAM_RPC_BODY=1024
	if [ "${DM_SIPDUMP:-0}" = 1 ]; then
		export TB_KAM_SIPDUMP=$TB/kam/dump
	fi
	pki_kamailio good
	DM_KAM=$TB/kam
	DM_KAM_PORT=$P
	DM_FE=127.0.0.1:$DM_KAM_PORT
	DM_L=(target=kam frontend="$DM_FE")
	DM_HTTP=$(tb_free_port "$DM_KAM_PORT") || tb_fail "no free port"
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

# dm_spawn, dm_start CONF [ARGS...] — see above.
dm_spawn() {
	local conf=$1
	shift
	tb_spawn daemon "$(tb_sipcanary)" run -c "$conf" "$@"
	DM_PID=$TB_LAST_PID
	tb_wait_port "$DM_HTTP" 10 "$DM_PID" ||
		tb_fail "the daemon (pid $DM_PID) does not listen on $DM_HTTP"
}

dm_start() {
	dm_spawn "$@"
	tb_until 10 _dm_healthy ||
		tb_fail "the daemon's /healthz did not answer 200 within 10 s"
	tb_ok "daemon pid $DM_PID: /healthz 200 on 127.0.0.1:$DM_HTTP"
}

# dm_conf_kam, dm_start_kam [DEFAULTS LINES...] — see above.
dm_conf_kam() {
	{
		dm_config_head "$@"
		dm_target kam
	} >"$TB/sc.conf"
}

dm_start_kam() {
	dm_conf_kam "$@"
	dm_start "$TB/sc.conf"
}

dm_flow_ok() {
	dm_scrape && [ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ]
}

dm_wait_steady() {
	tb_until 15 dm_flow_ok || tb_fail "flow_up and probe_success are not both 1 within 15 s"
	tb_ok "steady state: flow_up 1, probe_success 1"
}

# dm_service_user NAME — see above.  Its processes go first (userdel
# refuses a user still running), and the test's own status survives the
# clean-up.
dm_service_user() {
	DM_USER=$1
	useradd --system --no-create-home --shell /usr/sbin/nologin "$DM_USER" ||
		tb_fail "cannot create user $DM_USER"
	trap '_rc=$?; [ ${#TB_PIDS[@]} -gt 0 ] && _tb_stop_pids "${TB_PIDS[@]}"; userdel "$DM_USER" 2>/dev/null || true; (exit $_rc); _tb_cleanup' EXIT
	chmod 0755 "$TB"
}

# dm_stop [SECONDS] — see above.
dm_stop() {
	local secs=${1:-10} t0
	t0=$(date +%s.%N)
	kill -TERM "$DM_PID" 2>/dev/null || true
	if ! tb_until "$secs" _dm_dead; then
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

# _DM_PARSE — awk: parse(LINE) sets mname, lab[] (the labels) and mval
# (+Inf as 1e308) from one sample line of a /metrics scrape.
# shellcheck disable=SC2016  # awk code, not shell
_DM_PARSE='
function parse(line,    b, sp, rest, eq, k, v, c) {
	delete lab
	b = index(line, "{")
	sp = index(line, " ")
	if (b > 0 && b < sp) {
		mname = substr(line, 1, b - 1)
		rest = substr(line, b + 1)
	} else {
		mname = substr(line, 1, sp - 1)
		rest = "}" substr(line, sp)
	}
	while (substr(rest, 1, 1) != "}" && length(rest) > 0) {
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
		lab[k] = v
	}
	rest = substr(rest, 2)
	sub(/^ +/, "", rest)
	split(rest, parts, " ")
	mval = parts[1]
	if (mval == "+Inf") mval = 1e308
}'

# _dm_samples FILE NAME — the sample lines of NAME in FILE.
_dm_samples() { grep -E "^$2(\\{| )" "$1" 2>/dev/null; }

# _dm_match NAME [LABEL=VALUE...] — awk over the last scrape ($DM_METRICS):
# prints "COUNT SUM" of the matching series.
_dm_match() {
	local name=$1
	shift
	awk -v name="$name" -v want="$(printf '%s\n' "$@")" "$_DM_PARSE"'
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
		parse($0)
		if (mname != name) next
		for (k in wk)
			if (!(k in lab) || lab[k] != wk[k]) next
		cnt++
		sum += mval
	}
	END { printf "%d %.17g\n", cnt, sum }' <(_dm_samples "$DM_METRICS" "$name")
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

# dm_log_count REGEX — see above.
dm_log_count() {
	local n
	n=$(grep -c -E -- "$1" "$DM_LOG" 2>/dev/null) || true
	echo "${n:-0}"
}

# dm_kam_rpc CMD..., dm_kam_contacts, dm_kam_count REGEX — see above.
dm_kam_rpc() { tb_kam_rpc "$DM_KAM" "$@"; }
dm_kam_contacts() { tb_kam_contacts "$DM_KAM"; }
dm_kam_count() { tb_kam_count "$DM_KAM" "$1"; }

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

# dm_flow_binding — see above.
dm_flow_binding() {
	dm_kam_rpc ul.dump 2>/dev/null | awk '
		$1 == "Address:" { a = $2 }
		$1 == "Call-ID:" { c = $2 }
		$1 == "Tcpconn-Id:" && a ~ /;sc=/ { print a, c, $2 }'
}
