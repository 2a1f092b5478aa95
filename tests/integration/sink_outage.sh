#!/bin/bash
# sink_outage.sh — issue 7: with the receiver down for the whole outage,
# every notification is delivered once it comes back, each once, in the
# order it was queued.  Nothing listens on the port at first (connection
# refused), then a receiver that hangs (the sink's timeout), then a
# healthy one.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
sd_require

port=$(tb_free_port)
sd_conf "$TB/sc.conf" "sink \"hook\" {
	type = webhook; url = \"http://127.0.0.1:$port/hook\"
	timeout = 1s; retry_min = 200ms; retry_max = 1s
}"
# shellcheck disable=SC2054  # the commas are the driver's
events=(
	trigger,SipcanaryFrontendDown,voice-prod,10.0.0.7:5061
	trigger,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061
	trigger,SipcanaryTargetDown,voice-prod
	resolve,SipcanaryFrontendDown,voice-prod,10.0.0.7:5061
	resolve,SipcanaryTargetDown,voice-prod
	trigger,SipcanaryCertExpiringSoon,voice-dr,,warning
)
sd_spawn driver -c "$TB/sc.conf" -w 60 "${events[@]}"
tb_until 10 grep -q '^queued trigger SipcanaryCertExpiringSoon 1$' \
	"$TB/driver.log" || tb_fail "the driver did not queue"
tb_until 10 grep -q 'connect: Connection refused' "$TB/driver.log" ||
	tb_fail "no refused connection logged"
tb_ok "receiver down: connection refused, retried"

rx_mode hook hang
rx_start hook "$port"
tb_until 10 grep -q 'timed out after 1s waiting for the response' \
	"$TB/driver.log" || tb_fail "no timeout logged"
tb_ok "receiver hangs: the request times out"

rx_mode hook 200
wait "$SD_PID"
rc=$?
[ "$rc" = 0 ] || tb_fail "the driver did not drain (exit $rc)"
grep -q '^sink hook sent=6 failed=[0-9]* dropped=0 depth=0$' \
	"$TB/driver.log" || tb_fail "counters: $(grep '^sink' "$TB/driver.log")"
tb_ok "all six sent"

# Each notification delivered exactly once, in queue order.
ids=$(jq -r 'select(.status == 200) | .body | fromjson | .id | sub(".*-"; "")' \
	"$TB/hook.jsonl" | tr '\n' ' ')
[ "$ids" = "1 2 3 4 5 6 " ] || tb_fail "delivered ids: $ids"
kinds=$(jq -r 'select(.status == 200) | .body | fromjson |
	"\(.kind):\(.alert.alertname)"' "$TB/hook.jsonl" | tr '\n' ' ')
[ "$kinds" = "trigger:SipcanaryFrontendDown trigger:SipcanaryCertInvalid trigger:SipcanaryTargetDown resolve:SipcanaryFrontendDown resolve:SipcanaryTargetDown trigger:SipcanaryCertExpiringSoon " ] ||
	tb_fail "order: $kinds"
tb_pass "every notification delivered once, in order, after the outage"
