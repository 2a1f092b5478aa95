#!/bin/bash
# sink_retry.sh — issue 7: a sink retries until the receiver answers 2xx.
# The receiver answers 500, 503, then 200: the webhook notification is
# sent three times with the same body, notification id and
# Idempotency-Key, carries the token as a Bearer header, and is then
# acknowledged (a second run of the driver sends nothing).  The log names
# the sink by scheme://host:port and never shows the token or the URL
# path.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
sd_require

port=$(tb_free_port)
rx_mode hook 500 503 200
rx_start hook "$port"
printf 'T0KEN-s3cret\n' >"$TB/token"
chmod 600 "$TB/token"
sd_conf "$TB/sc.conf" "sink \"chat\" {
	type = webhook; url = \"http://127.0.0.1:$port/services/SECRETPATH\"
	token_file = \"$TB/token\"; retry_min = 200ms; retry_max = 1s
}"

sd_run -c "$TB/sc.conf" -w 20 trigger,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061
tb_expect_rc 0 "the driver delivered everything"
grep -q '^queued trigger SipcanaryCertInvalid 1$' "$TB_OUT" ||
	tb_fail "not queued"
grep -q '^sink chat sent=1 failed=2 dropped=0 depth=0$' "$TB_OUT" ||
	tb_fail "counters: $(grep '^sink' "$TB_OUT")"
tb_ok "sent=1 failed=2 dropped=0 depth=0"

[ "$(rx_count hook)" = 3 ] || tb_fail "$(rx_count hook) requests, expected 3"
[ "$(rx_count hook '.status == 200')" = 1 ] || tb_fail "not one 200"
[ "$(jq -r .status "$TB/hook.jsonl" | tr '\n' ' ')" = "500 503 200 " ] ||
	tb_fail "answers: $(jq -r .status "$TB/hook.jsonl" | tr '\n' ' ')"
[ "$(jq -r .body "$TB/hook.jsonl" | sort -u | wc -l)" = 1 ] ||
	tb_fail "the retries did not send the same body"
tb_ok "three attempts, one body"
jq -e -s 'all(.[]; .path == "/services/SECRETPATH" and
	.headers.authorization == "Bearer T0KEN-s3cret" and
	.headers["content-type"] == "application/json" and
	(.body | fromjson | .id) == .headers["idempotency-key"])' \
	"$TB/hook.jsonl" >/dev/null ||
	tb_fail "path, token, content type or Idempotency-Key wrong"
tb_ok "Bearer token, Idempotency-Key = notification id"
jq -e -s '.[0].body | fromjson | .kind == "trigger" and
	.alert.alertname == "SipcanaryCertInvalid" and
	.alert.frontend == "10.0.0.7:5061" and .alert.vantage == "test-lab" and
	(.dedup_key | length) == 64 and .alert.firing == true' \
	"$TB/hook.jsonl" >/dev/null || tb_fail "webhook body: $(head -c 600 "$TB/hook.jsonl")"
tb_ok "webhook JSON body"

grep -q "failed (notification 1, attempt 1): HTTP 500" "$TB_ERR" ||
	tb_fail "no failure logged"
grep -q "to http://127.0.0.1:$port failed" "$TB_ERR" || tb_fail "no origin in the log"
if grep -q -e T0KEN -e SECRETPATH "$TB_ERR" "$TB_OUT"; then
	tb_fail "the token or the URL path was logged"
fi
if grep -rq T0KEN "$TB/state"; then
	tb_fail "the token is in state_dir"
fi
tb_ok "no secret in the log or in state_dir"

# Acknowledged: a restart sends nothing again.
sd_run -c "$TB/sc.conf" -w 3
tb_expect_rc 0 "second run"
[ "$(rx_count hook)" = 3 ] || tb_fail "a delivered notification was sent again"
tb_pass "retried until 2xx, then acknowledged"
