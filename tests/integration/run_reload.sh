#!/bin/bash
# run_reload.sh — issue 6, SIGHUP.  `sipcanary run` (interval 2s, timeout
# 1s, keepalive 1s, reconnect_every 0) with one target "kam" against a
# real Kamailio, which records every SIP message it receives (sipdump).
#
# 1. The config file is rewritten with a syntax error (and, before it, a
#    second target that must therefore not appear), then SIGHUP:
#    - the daemon logs the refusal, naming FILE:LINE of the error;
#    - it keeps running the old config: /metrics still answers, "kam" is
#      still probed (its probes_total grows), no series of the second
#      target appear, the flow stays up.
# 2. The config file is rewritten with "kam" unchanged and a second target
#    "kam2" on the same Kamailio (connect=), then SIGHUP:
#    - the daemon logs the reload with 2 targets; "kam2" is probed (its
#      series appear, probe_success 1) and its flow registers (flow_up 1);
#    - "kam" was NOT touched: flow_up{target="kam"} was 1 in every scrape,
#      no reconnect was counted, its probes_total kept counting up (not
#      reset), the daemon logged no new registration of its flow; and
#      Kamailio saw, for the old flow's contact (its ;sc= token), REGISTERs
#      with one Call-ID only, from one source port only (one TCP
#      connection), exactly one of them without credentials (the initial
#      one), none with Expires 0; its binding in the location table kept
#      its Call-ID, and Kamailio still holds that connection.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
DM_SIPDUMP=1 dm_init
T0=$(date +%s.%N)
CONF=$TB/sc.conf
HEAD=("interval = 2s" "timeout = 1s" "keepalive = 1s" "reconnect_every = 0" "flows = 1")

{ dm_config_head "${HEAD[@]}"; dm_target kam; } >"$CONF"
dm_start "$CONF"

healthy() {
	dm_scrape && [ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ]
}
tb_until 15 healthy || tb_fail "flow_up and probe_success of kam are not both 1 within 15 s"
tb_ok "kam: flow_up 1, probe_success 1"

# the old flow, as Kamailio saw it
flow_regs() {	# flow_regs TOKEN — the REGISTERs of that flow
	dm_kam_registers | awk -v t="$1" '$3 == t'
}
have_flow_reg() { [ "$(dm_kam_registers | awk '$3 != "-"' | wc -l)" -ge 2 ]; }
tb_until 5 have_flow_reg || tb_fail "sipdump shows no REGISTER of the flow"
TOK=$(dm_kam_registers | awk '$3 != "-" { print $3 }' | sort -u)
[ "$(printf '%s\n' "$TOK" | wc -l)" = 1 ] || tb_fail "expected one flow token, got: $TOK"
CID=$(flow_regs "$TOK" | awk '{ print $2 }' | sort -u)
SPORT=$(flow_regs "$TOK" | awk '{ print $1 }' | sort -u)
if [ "$(printf '%s\n' "$CID" | wc -l)" != 1 ] || [ "$(printf '%s\n' "$SPORT" | wc -l)" != 1 ]; then
	tb_fail "the flow already used several Call-IDs or connections: $(flow_regs "$TOK")"
fi
tb_ok "the old flow: token $TOK, Call-ID $CID, source port $SPORT"
reg_logs0=$(dm_log_count '"target":"kam".*"msg":"flow 0 is registered"')

# every scrape from now on: kam's flow up, no reconnect, probes_total never down
FLOW_BAD=
LAST_PROBES=0
watch_kam() {
	local v p
	v=$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0) || v=missing
	[ "$v" = 1 ] || FLOW_BAD="$FLOW_BAD $(date +%T)=flow_up:$v"
	[ "$(dm_series sipcanary_flow_reconnects_total target=kam)" = 0 ] ||
		FLOW_BAD="$FLOW_BAD $(date +%T)=reconnect_counted"
	p=$(dm_value sipcanary_probes_total target=kam) || p=0
	[ "$p" -ge "$LAST_PROBES" ] || FLOW_BAD="$FLOW_BAD $(date +%T)=probes_total:$LAST_PROBES->$p"
	LAST_PROBES=$p
}
dm_scrape && watch_kam

# --- 1. a broken config ------------------------------------------------------
{
	dm_config_head "${HEAD[@]}"
	dm_target kam
	dm_target kam2
	printf 'target "kam3" {\n\turi = = "sips:example.test"\n}\n'
} >"$CONF"
BADLINE=$(grep -n 'uri = = ' "$CONF" | cut -d: -f1)
probes_before=$(dm_get sipcanary_probes_total target=kam)
refusals0=$(dm_log_count 'reload refused')
kill -HUP "$DM_PID"
refused() { [ "$(dm_log_count 'reload refused')" -gt "$refusals0" ]; }
tb_until 5 refused || tb_fail "no refusal logged within 5 s of SIGHUP with a broken config"
line=$(grep 'reload refused' "$DM_LOG" | tail -n 1)
printf '%s\n' "$line" | grep -qF "$CONF:$BADLINE:" ||
	tb_fail "the refusal does not name $CONF:$BADLINE: $line"
printf '%s\n' "$line" | grep -q '"level":"error"' ||
	tb_fail "the refusal is not logged as an error: $line"
tb_ok "refusal logged with FILE:LINE: $(printf '%s\n' "$line" | jq -r .msg 2>/dev/null || echo "$line")"
_tb_alive "$DM_PID" || tb_fail "the daemon died on SIGHUP with a broken config"

still_probing() {
	dm_scrape || return 1
	watch_kam
	[ "$(dm_value sipcanary_probes_total target=kam)" -ge $((probes_before + 2)) ]
}
tb_until 10 still_probing ||
	tb_fail "kam's probes_total did not grow by 2 within 10 s after the refused reload"
if [ "$(dm_series sipcanary_probes_total target=kam2)" != 0 ] ||
	[ "$(dm_series sipcanary_frontends target=kam2)" != 0 ]; then
	tb_fail "series of kam2 appeared although the config was refused"
fi
[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] || tb_fail "kam's probes fail after the refused reload"
[ "$(dm_log_count 'reloaded ')" = 0 ] || tb_fail "the daemon says it reloaded a broken config"
[ -z "$FLOW_BAD" ] || tb_fail "the old flow was disturbed:$FLOW_BAD"
tb_ok "the old config runs on: /metrics answers, probes_total $probes_before -> $(dm_value sipcanary_probes_total target=kam), no kam2"

# --- 2. an added target ------------------------------------------------------
{
	dm_config_head "${HEAD[@]}"
	dm_target kam
	dm_target kam2
} >"$CONF"
"$(tb_sipcanary)" run -n -c "$CONF" >/dev/null || tb_fail "test bug: the new config does not check"
probes_before=$(dm_get sipcanary_probes_total target=kam)
watch_kam
t_hup=$(date +%s.%N)
kill -HUP "$DM_PID"
reloaded() { [ "$(dm_log_count 'reloaded .*: 2 targets')" -ge 1 ]; }
tb_until 5 reloaded || tb_fail "no 'reloaded ...: 2 targets' logged within 5 s of SIGHUP"
L2=(target=kam2 frontend="$DM_FE")
kam2_up() {
	dm_scrape || return 1
	watch_kam
	[ "$(dm_value sipcanary_flow_up "${L2[@]}" flow=0)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success "${L2[@]}")" = 1 ] &&
		[ "$(dm_value sipcanary_frontends target=kam2)" = 1 ]
}
tb_until 15 kam2_up || {
	grep kam2 "$DM_METRICS" | grep -v '_bucket' | head -n 20
	tb_fail "kam2 is not probed with its flow up within 15 s of the reload"
}
tb_ok "kam2 probed and its flow registered $(dm_elapsed "$t_hup") s after SIGHUP"
for m in sipcanary_probes_total sipcanary_phase_duration_seconds_count \
	sipcanary_cert_ok sipcanary_new_connection_outage; do
	[ "$(dm_series "$m" target=kam2 vantage="$DM_VANTAGE")" -ge 1 ] ||
		tb_fail "no $m series for kam2"
done
tb_ok "kam2's series are there"

# let a few more probes and keep-alives pass on both
more() {
	dm_scrape || return 1
	watch_kam
	[ "$(dm_value sipcanary_probes_total target=kam)" -ge $((probes_before + 3)) ]
}
tb_until 10 more || tb_fail "kam's probes_total did not grow by 3 within 10 s after the reload"

# --- the old flow was not touched ----------------------------------------------
[ -z "$FLOW_BAD" ] || tb_fail "the old flow was disturbed:$FLOW_BAD"
tb_ok "kam: flow_up 1 in every scrape, no reconnect counted, probes_total never reset ($LAST_PROBES)"
n=$(dm_log_count '"target":"kam".*"msg":"flow 0 is registered"')
[ "$n" = "$reg_logs0" ] || tb_fail "the daemon logged $((n - reg_logs0)) new registrations of kam's flow"
[ "$(dm_log_count '"target":"kam".*target changed or removed')" = 0 ] ||
	tb_fail "the daemon retired the unchanged target kam"

tb_kamailio_mark "$DM_KAM" "127.0.0.1:$DM_KAM_PORT" || tb_fail "test bed: no later OPTIONS in the sipdump"
TOKS=$(dm_kam_registers | awk '$3 != "-" { print $3 }' | sort -u)
[ "$(printf '%s\n' "$TOKS" | wc -l)" = 2 ] || tb_fail "expected 2 flow tokens (kam, kam2), got: $TOKS"
regs=$(flow_regs "$TOK")
printf '%s\n' "$regs" | awk -v c="$CID" -v p="$SPORT" '
	$2 != c { print "new Call-ID: " $0; bad = 1 }
	$1 != p { print "new connection: " $0; bad = 1 }
	$4 == 0 { unauth++ }
	$5 == "0" { print "unregister: " $0; bad = 1 }
	END { if (unauth != 1) { print "unauthenticated REGISTERs: " unauth + 0; bad = 1 }
	      exit bad }' >"$TB/old-flow.txt" || {
	cat "$TB/old-flow.txt"
	printf '%s\n' "$regs"
	tb_fail "Kamailio saw the old flow register anew"
}
tb_ok "Kamailio: the old flow's $(printf '%s\n' "$regs" | wc -l) REGISTERs all on Call-ID $CID from port $SPORT, one initial, no unregister"
b=$(dm_kam_rpc ul.dump | awk -v t=";sc=$TOK" '
	$1 == "Address:" { a = $2 } $1 == "Call-ID:" && index(a, t) { print $2 }')
[ "$b" = "$CID" ] || tb_fail "the old flow's binding has Call-ID '$b', want $CID"
dm_kam_rpc core.tcp_list | awk -v p="$SPORT" '$1 == "src_port:" && $2 == p { f = 1 } END { exit !f }' ||
	tb_fail "Kamailio no longer holds the old flow's connection from port $SPORT"
tb_ok "the binding kept Call-ID $CID; Kamailio still holds the connection from port $SPORT"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
tb_pass "SIGHUP: broken config refused with FILE:LINE; added target probed, old flow untouched ($(dm_elapsed "$T0") s)"
