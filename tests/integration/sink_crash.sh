#!/bin/bash
# sink_crash.sh — issue 7: the outbox survives SIGKILL.  The driver queues
# notifications while the receiver fails, and is killed with SIGKILL
# mid-retry; started again while the receiver hangs, it is killed with a
# request in flight; a record torn by a crash in the middle of a write is
# added to the outbox; started a third time against a healthy receiver,
# it delivers every notification, byte for byte as first queued, in
# order, and a fourth start sends nothing: no notification lost, none
# sent twice after its ack.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
sd_require

port=$(tb_free_port)
rx_mode am 500
rx_start am "$port"
sd_conf "$TB/sc.conf" "sink \"am\" {
	type = alertmanager; url = \"http://127.0.0.1:$port\"
	timeout = 1s; retry_min = 100ms; retry_max = 300ms
}"
outbox=$TB/state/outbox-am.log

# kill9 — SIGKILL the driver and reap it.
kill9() {
	kill -KILL "$SD_PID"
	wait "$SD_PID" 2>/dev/null
	tb_stop "$SD_PID" 2>/dev/null
	SD_PID=
}

sd_spawn run1 -c "$TB/sc.conf" -w 0 \
	trigger,SipcanaryFrontendDown,voice-prod,10.0.0.7:5061 \
	trigger,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061 \
	resolve,SipcanaryFrontendDown,voice-prod,10.0.0.7:5061
tb_until 10 grep -q '^queued resolve SipcanaryFrontendDown 1$' \
	"$TB/run1.log" || tb_fail "not queued"
tb_until 10 rx_atleast am 3 || tb_fail "no retries seen"
kill9
tb_ok "killed with SIGKILL after $(rx_count am) failed attempts"
[ "$(grep -c '"op":"add"' "$outbox")" = 3 ] || tb_fail "outbox: $(cat "$outbox")"
[ "$(grep -c '"op":"ack"' "$outbox")" = 0 ] || tb_fail "acked while failing"
tb_ok "three notifications in the outbox, none acked"

# Killed again, with a request in flight.
rx_mode am hang
n=$(rx_count am)
sd_spawn run2 -c "$TB/sc.conf" -w 0
tb_until 10 rx_atleast am $((n + 1)) || tb_fail "run 2 sent nothing"
grep -q '3 notifications pending from before' "$TB/run2.log" ||
	tb_fail "run 2 did not replay"
kill9
tb_ok "killed with a request in flight"

# A crash in the middle of writing a record leaves half a line.
printf '{"op":"add","id":4,"created":1,"kind":"trig' >>"$outbox"

rx_mode am 200
sd_run -c "$TB/sc.conf" -w 20
tb_expect_rc 0 "run 3 drained"
grep -q 'torn last record' "$TB_ERR" || tb_fail "the torn record was not logged"
tb_ok "the torn record was ignored and logged"

# Every notification delivered once, in order, as first queued.
got=$(jq -r 'select(.status == 200) | .body | fromjson | .[0] |
	"\(.labels.alertname):\(.endsAt > .startsAt)"' "$TB/am.jsonl" | tr '\n' ' ')
[ "$(rx_count am '.status == 200')" = 3 ] ||
	tb_fail "$(rx_count am '.status == 200') deliveries, expected 3"
case "$got" in
"SipcanaryFrontendDown:true SipcanaryCertInvalid:true SipcanaryFrontendDown:"*) ;;
*) tb_fail "delivered: $got" ;;
esac
first=$(jq -r 'select(.n == 1) | .body' "$TB/am.jsonl")
last1=$(jq -r 'select(.status == 200) | .body' "$TB/am.jsonl" | head -n 1)
[ "$first" = "$last1" ] || tb_fail "the replayed body differs from the queued one"
tb_ok "three deliveries, in order, bodies as queued"

sd_run -c "$TB/sc.conf" -w 3
tb_expect_rc 0 "run 4"
[ "$(rx_count am '.status == 200')" = 3 ] || tb_fail "sent again after its ack"
[ "$(grep -c . "$TB/state/outbox-am.log")" -ge 1 ] || tb_fail "outbox gone"
tb_pass "no notification lost, none sent twice after its ack"
