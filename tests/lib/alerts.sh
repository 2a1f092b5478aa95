# shellcheck shell=bash
# tests/lib/alerts.sh — shared helpers of the alert engine tests
# (tests/integration/alert_*.sh): `sipcanary run` against a real
# Kamailio, evaluating its alert rules and delivering them to a real
# Alertmanager or to the test receiver (tests/lib/receiver.pl).
#
# Source it alone (it sources common.sh, pki.sh, daemon.sh and
# receiver.sh), then:
#     al_init [PKI CASE...]          tb_init, requirements, dm_setup
#
#   al_pd_start [DEFAULTS LINES...] al_pd_key, al_rx pd --pd-schema, and
#                                   `sipcanary run` (dm_start) on
#                                   $TB/sc.conf: al_fast_defaults LINES,
#                                   target "kam", PagerDuty sink "pd"
#   al_wait_steady                  wait (15 s) for dm_flow_ok, or fail
#   al_pd_steady [DEFAULTS LINES...] al_init leaf_expired, al_pd_start
#                                   LINES, al_wait_steady: the outage
#                                   tests' start (the expired leaf ready
#                                   to swap in); $AL_T0 is when the
#                                   daemon's start began (date +%s.%N)
#   al_settle [N]                   a later event instead of a pause,
#                                   before checking that something did
#                                   NOT happen: wait until the daemon has
#                                   finished N (default 2) more probes of
#                                   target "kam" than now and every sink's
#                                   outbox is empty, so that whatever the
#                                   evaluations up to then send has been
#                                   sent
#
#   al_fast_defaults [LINES...]     print the defaults lines every alert test
#                                   uses (interval 1s, timeout 900ms,
#                                   keepalive 1s, one flow never broken on
#                                   purpose, for 1, resolve_after 1,
#                                   runbook_url $AL_RUNBOOK) and LINES
#                                   ("KEY = VALUE": a LINES key replaces
#                                   the default one)
#   al_sink_am NAME PORT [LINES...] print a sink section of type
#                                   alertmanager at http://127.0.0.1:PORT
#                                   (retry_min 200ms, retry_max 1s, timeout
#                                   2s) with LINES
#   al_sink_pd NAME PORT [LINES...] the same for pagerduty, with the routing
#                                   key file $AL_PD_KEYFILE (al_pd_key)
#   al_sink_hook NAME PORT [LINES...] the same for a json webhook
#   al_pd_key                       write a 32-character routing key to
#                                   $AL_PD_KEYFILE (mode 0600); $AL_PD_KEY
#   al_rx NAME [ARGS...]            rx_start NAME on a free port (args go
#                                   to receiver.pl, e.g. --pd-schema); the
#                                   port is left in $AL_PORT
#   al_rx_restart NAME PORT [ARGS...] start the receiver again on PORT
#                                   keeping what NAME logged so far
#   al_am_start                     a real Alertmanager on a free loopback
#                                   port ($AL_AM_PORT; no cluster, storage
#                                   in $TB/am), waited until ready
#   al_am_get [QUERY]               GET /api/v2/alerts?QUERY into
#                                   $TB/am-alerts.json (false on error)
#   al_dedup ALERTNAME TARGET [FRONTEND]  the dedup key the sinks must use:
#                                   hex SHA-256 of vantage, alertname,
#                                   target and frontend, each NUL-ended
#   al_pd NAME FILTER               the receiver's requests to a PagerDuty
#                                   sink, as compact JSON lines
#                                   {n,t,status,ok,action,dedup_key,body}
#                                   (body parsed), filtered by the jq
#                                   boolean FILTER
#   al_pd_count NAME FILTER         how many such lines
#   al_hook NAME FILTER             the same for a json webhook:
#                                   {n,t,status,ok,kind,dedup_key,id,alert}
#   al_hook_count NAME FILTER
#   al_api [FILE]                   GET /alerts of the daemon into FILE
#                                   (default $TB/alerts-api.json)
#   al_api_has FILTER               al_api, then true if some alert state
#                                   matches the jq boolean FILTER
#   al_kill9                        SIGKILL the daemon and reap it; its log
#                                   so far goes to $TB/daemon-before-kill.log
#                                   (dm_start empties $DM_LOG)
#   al_probes_since N VERDICT       scrape; true once the daemon counted
#                                   more than N fresh probes of target
#                                   "kam", frontend $AL_FE, with VERDICT
#   al_defer MSG / al_done MSG      a failed check that lets the test go on
#                                   / pass, or fail with every deferred one
#   al_check_order NAME KINDFIELD   for every dedup key the receiver got:
#                                   the delivered (2xx) notifications
#                                   alternate trigger, resolve, ... and
#                                   none was delivered twice; prints the
#                                   offenders (empty: fine)

AL_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/common.sh
. "$AL_LIBDIR/common.sh"
# shellcheck source=SCRIPTDIR/pki.sh
. "$AL_LIBDIR/pki.sh"
# shellcheck source=SCRIPTDIR/daemon.sh
. "$AL_LIBDIR/daemon.sh"
# shellcheck source=SCRIPTDIR/receiver.sh
. "$AL_LIBDIR/receiver.sh"

# shellcheck disable=SC2034  # read by the tests
AL_RUNBOOK=https://wiki.example/runbooks/sipcanary-new-connections
AL_PD_KEYFILE=
AL_PD_KEY=
AL_PORT=
AL_AM_PORT=
AL_FE=
AL_T0=

al_init() {
	tb_init
	tb_require jq perl curl sha256sum
	dm_setup "$@"
	AL_FE=127.0.0.1:$DM_KAM_PORT
}

al_pd_start() {
	local def
	al_pd_key
	al_rx pd --pd-schema
	mapfile -t def < <(al_fast_defaults "$@")
	{
		dm_config_head "${def[@]}"
		dm_target kam
		al_sink_pd pd "$AL_PORT"
	} >"$TB/sc.conf"
	dm_start "$TB/sc.conf"
}

al_wait_steady() {
	tb_until 15 dm_flow_ok || tb_fail "flow up and probes ok not within 15 s"
	tb_ok "steady state: flow up, probes ok"
}

al_pd_steady() {
	al_init leaf_expired
	# shellcheck disable=SC2034  # read by the tests
	AL_T0=$(date +%s.%N)
	al_pd_start "$@"
	al_wait_steady
}

al_settle() {
	local n
	n=$(dm_get sipcanary_probes_total target=kam frontend="$AL_FE") || n=0
	tb_until 15 _al_probed_more $((n + ${1:-2} - 1)) ||
		tb_fail "the daemon did not finish ${1:-2} more probes within 15 s"
	tb_until 10 _al_outboxes_empty || tb_fail "the outbox is not empty 10 s after"
}
_al_probed_more() {
	local v
	v=$(dm_get sipcanary_probes_total target=kam frontend="$AL_FE") && [ "$v" -gt "$1" ]
}
_al_outboxes_empty() {
	local v
	dm_scrape || return 1
	v=$(dm_value sipcanary_alert_outbox_depth) || v=0
	[ "$v" = 0 ]
}

al_fast_defaults() {
	local l x over
	for l in "interval = 1s" "timeout = 900ms" "keepalive = 1s" \
	    "reconnect_every = 0" "flows = 1" "for = 1" "resolve_after = 1" \
	    "runbook_url = \"$AL_RUNBOOK\""; do
		over=0
		for x in "$@"; do [ "${x%% *}" = "${l%% *}" ] && over=1; done
		[ "$over" = 1 ] || printf '%s\n' "$l"
	done
	for l in "$@"; do printf '%s\n' "$l"; done
}

_al_sink() {
	local type=$1 name=$2 port=$3 l
	shift 3
	printf 'sink "%s" {\n' "$name"
	printf '\ttype = "%s"\n' "$type"
	printf '\turl = "http://127.0.0.1:%s"\n' "$port"
	printf '\tretry_min = 200ms\n\tretry_max = 1s\n\ttimeout = 2s\n'
	[ "$type" = pagerduty ] && printf '\trouting_key_file = "%s"\n' "$AL_PD_KEYFILE"
	for l in "$@"; do printf '\t%s\n' "$l"; done
	printf '}\n'
}
al_sink_am()   { _al_sink alertmanager "$@"; }
al_sink_pd()   { _al_sink pagerduty "$@"; }
al_sink_hook() { _al_sink webhook "$@"; }

al_pd_key() {
	AL_PD_KEYFILE=$TB/pd.key
	AL_PD_KEY=$(openssl rand -hex 16)
	( umask 077; printf '%s\n' "$AL_PD_KEY" >"$AL_PD_KEYFILE" )
	chmod 600 "$AL_PD_KEYFILE"
}

al_rx() {
	local name=$1
	shift
	AL_PORT=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT") || tb_fail "no free port"
	rx_start "$name" "$AL_PORT" "$@"
}

al_rx_restart() {
	local name=$1 port=$2
	shift 2
	# The log is appended to, never rewritten: a daemon retrying every
	# few hundred ms delivers as soon as the port listens, and a copy
	# made after that lost the line written in between.
	RX_KEEP_LOG=1 rx_start "$name" "$port" "$@"
}

al_am_start() {
	AL_AM_PORT=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT") || tb_fail "no free port"
	rx_am_start "$AL_AM_PORT"
	tb_ok "alertmanager (pid $TB_LAST_PID) on 127.0.0.1:$AL_AM_PORT"
}

al_am_get() {
	curl -sf --max-time 5 "http://127.0.0.1:$AL_AM_PORT/api/v2/alerts${1:+?$1}" \
		-o "$TB/am-alerts.json.tmp" || return 1
	mv "$TB/am-alerts.json.tmp" "$TB/am-alerts.json"
}

al_dedup() {
	printf '%s\0%s\0%s\0%s\0' "$DM_VANTAGE" "$1" "$2" "${3:-}" |
		sha256sum | cut -c1-64
}

al_pd() {
	[ -s "$TB/$1.jsonl" ] || return 0
	jq -c '(.body | fromjson? // {}) as $b |
		{n, t, status, ok: ((.status | tostring) | test("^2")),
		 action: $b.event_action, dedup_key: $b.dedup_key,
		 errors: (.schema_errors // []), body: $b} | select('"$2"')' \
		"$TB/$1.jsonl"
}
al_pd_count() { al_pd "$1" "$2" | grep -c . || true; }

al_hook() {
	[ -s "$TB/$1.jsonl" ] || return 0
	jq -c '(.body | fromjson? // {}) as $b |
		{n, t, status, ok: ((.status | tostring) | test("^2")),
		 kind: $b.kind, dedup_key: $b.dedup_key, id: $b.id,
		 idem: .headers["idempotency-key"], alert: $b.alert} |
		select('"$2"')' "$TB/$1.jsonl"
}
al_hook_count() { al_hook "$1" "$2" | grep -c . || true; }

# shellcheck disable=SC2120  # FILE is optional
al_api() {
	local f=${1:-$TB/alerts-api.json}
	[ "$(dm_http GET /alerts "$f.tmp")" = 200 ] || return 1
	mv "$f.tmp" "$f"
}

al_api_has() {
	# shellcheck disable=SC2119
	al_api && jq -e "any(.[]; $1)" "$TB/alerts-api.json" >/dev/null 2>&1
}

al_kill9() {
	kill -KILL "$DM_PID" 2>/dev/null || true
	wait "$DM_PID" 2>/dev/null || true
	local keep=() q
	for q in "${TB_PIDS[@]}"; do [ "$q" = "$DM_PID" ] || keep+=("$q"); done
	TB_PIDS=("${keep[@]}")
	# keep the first run's log: dm_start truncates daemon.log
	cat "$DM_LOG" >>"$TB/daemon-before-kill.log"
}

al_probes_since() {
	local v
	dm_scrape || return 1
	v=$(dm_value sipcanary_probes_total target=kam frontend="$AL_FE" verdict="$2") || return 1
	[ "$v" -gt "$1" ]
}

# al_check_order NAME KINDFIELD: KINDFIELD is action (PagerDuty) or kind
# (webhook).
al_check_order() {
	local name=$1 field=$2 fn=al_pd
	[ "$field" = kind ] && fn=al_hook
	"$fn" "$name" '.ok' | jq -rs --arg f "$field" '
		group_by(.dedup_key)[] |
		(map(.[$f])) as $k |
		select(($k | length) == 0 or
		    ([range(0; $k | length)] |
		     any(. as $i | $k[$i] != (if $i % 2 == 0 then "trigger" else "resolve" end)))) |
		"\(.[0].dedup_key[0:12]): \($k | join(" "))"'
}

# al_defer MSG — a failed check that should not stop the test (so that the
# later checks still run and report): printed now, failed by al_done.
AL_DEFERRED=()
al_defer() {
	printf '  NOT OK: %s\n' "$*"
	AL_DEFERRED+=("$*")
}

# al_done MSG — pass with MSG, unless a check was deferred: then fail
# with every deferred message.
al_done() {
	local m
	if [ ${#AL_DEFERRED[@]} -gt 0 ]; then
		m=$(printf '%s; ' "${AL_DEFERRED[@]}")
		tb_fail "${#AL_DEFERRED[@]} check(s) failed: ${m%; }"
	fi
	tb_pass "$*"
}
