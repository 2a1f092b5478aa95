#!/bin/bash
# secrets.sh - issue 8, the redaction test: every command and output path
# runs with a known password and a known PagerDuty routing key, and
# neither may appear anywhere: stdout and stderr of check (table, JSON,
# Nagios, -v trace), certs, drill (-v trace, JSON and HTML reports) and
# the daemon (logs at debug level), /metrics, the status page, /alerts,
# the daemon's state directory (outbox, alert state), and the alert
# payloads sent to a webhook.  The one place the routing key must be is
# the body of the PagerDuty request itself, and only there.
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/receiver.sh
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
tb_require kamailio openssl curl jq perl
tb_require_sipcanary
SC=$(tb_sipcanary)
PW='Zq9-SeCrEt-Pw-7421'
RK='R0uT1nGkEy-9981-sipcanary'

tb_pki "$TB/pki" || tb_fail "could not make certificates"
P=$(tb_free_port)
TB_KAM_PASSWORD=$PW tb_kamailio_start "$TB/kam" "$P" \
	"$TB/pki/example.test.fullchain.pem" "$TB/pki/example.test.key" ||
	tb_fail "kamailio did not start"
tb_password_file "$TB/pw" "$PW"
printf '%s\n' "$RK" >"$TB/pd.key"
chmod 600 "$TB/pd.key"
mkdir -p "$TB/out"
CA=(--ca-file "$TB/pki/ca.pem")
AUTH=(--user alice --password-file "$TB/pw")

# --- the command line tools ------------------------------------------------
run() { local name=$1; shift; "$SC" "$@" >"$TB/out/$name.out" 2>"$TB/out/$name.err" || true; }
run check-text check --connect "127.0.0.1:$P" "${CA[@]}" "${AUTH[@]}" -v sips:example.test
run check-json check --json --connect "127.0.0.1:$P" "${CA[@]}" "${AUTH[@]}" sips:example.test
run check-nagios check --nagios --connect "127.0.0.1:$P" "${CA[@]}" "${AUTH[@]}" sips:example.test
SIPCANARY_PASSWORD=$PW run check-env check -v --json --connect "127.0.0.1:$P" "${CA[@]}" \
	--user alice sips:example.test
run check-wrong check -v --connect "127.0.0.1:$P" "${CA[@]}" --user alice \
	--password-file "$TB/pw" sips:example.test
run certs certs --json --connect "127.0.0.1:$P" "${CA[@]}" sips:example.test
cat >"$TB/d.scn" <<EOS
clients = 3
step connect { }
step register { }
step keepalive { }
step unregister { }
EOS
run drill drill "$TB/d.scn" -v --target sips:example.test --connect "127.0.0.1:$P" \
	"${CA[@]}" "${AUTH[@]}" --report-json "$TB/out/drill.json" --report-html "$TB/out/drill.html"
jq -e '.summary.passed' "$TB/out/drill.json" >/dev/null || tb_fail "the drill did not pass"
jq -e '.verdict == "ok"' "$TB/out/check-json.out" >/dev/null || tb_fail "check did not pass"
grep -q 'Authorization: Digest' "$TB/out/check-text.err" ||
	tb_fail "the -v trace shows no Authorization header (nothing was traced?)"
tb_ok "check, certs and drill ran (the traces include the Authorization headers)"

# --- the daemon with alert sinks --------------------------------------------
tb_free_ports RXP WHP H
rx_start pd "$RXP"
rx_start wh "$WHP"
mkdir -p "$TB/state"
cat >"$TB/sc.conf" <<EOC
vantage = "sec"
listen = "127.0.0.1:$H"
state_dir = "$TB/state"
defaults { interval = 1s timeout = 900ms keepalive = 1s reconnect_every = 2s
	ca_file = "$TB/pki/ca.pem" for = 1 resolve_after = 1 flap_window = 0 }
target "good" { uri = "sips:example.test" user = "alice"
	password_file = "$TB/pw" connect = "127.0.0.1:$P" }
target "broken" { uri = "sips:other.test" user = "alice"
	password_file = "$TB/pw" connect = "127.0.0.1:$P" }
sink "pd" { type = "pagerduty" url = "http://127.0.0.1:$RXP"
	routing_key_file = "$TB/pd.key" retry_min = 200ms }
sink "wh" { type = "webhook" url = "http://127.0.0.1:$WHP/hook" retry_min = 200ms }
EOC
tb_spawn daemon "$SC" run -v -c "$TB/sc.conf"
DPID=$TB_LAST_PID
tb_wait_port "$H" 10 "$DPID" || tb_fail "the daemon does not listen"
# Let it probe, alert (the broken target), break and reconnect flows.
tb_until 20 rx_atleast pd 1 || tb_fail "no PagerDuty event within 20 s"
tb_until 20 rx_atleast wh 1 || tb_fail "no webhook within 20 s"
reconnected() {
	curl -sf "http://127.0.0.1:$H/metrics" 2>/dev/null |
		grep -q 'sipcanary_flow_reconnects_total{.*result="success".*} [1-9]'
}
tb_until 20 reconnected || tb_fail "no flow reconnected within 20 s"
curl -sf "http://127.0.0.1:$H/metrics" >"$TB/out/metrics.txt" || tb_fail "no /metrics"
curl -sf "http://127.0.0.1:$H/" >"$TB/out/status.html" || tb_fail "no status page"
curl -sf "http://127.0.0.1:$H/alerts" >"$TB/out/alerts.json" || tb_fail "no /alerts"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null || true
cp "$TB/daemon.log" "$TB/out/daemon.log"
cp -r "$TB/state" "$TB/out/state"
cp "$TB/wh.jsonl" "$TB/out/webhook.jsonl"
grep -q 'flow' "$TB/out/daemon.log" || tb_fail "the daemon log is empty"

# --- the verdict ---------------------------------------------------------------
leaks=$(grep -rlaF -e "$PW" -e "$RK" "$TB/out" || true)
[ -z "$leaks" ] || tb_fail "a secret appears in: $leaks"
# Also the password's digest hash (H(A1)), which is as good as the password.
HA1=$(printf 'alice:example.test:%s' "$PW" | md5sum | cut -d' ' -f1)
leaks=$(grep -rlaF -e "$HA1" "$TB/out" || true)
[ -z "$leaks" ] || tb_fail "the digest H(A1) appears in: $leaks"
# The routing key is where it must be: in the PagerDuty request, only.
[ "$(rx_count pd "(.body | tostring | contains(\"$RK\"))")" -ge 1 ] ||
	tb_fail "the PagerDuty events do not carry the routing key"
tb_pass "neither the password nor the routing key (nor H(A1)) in $(find "$TB/out" -type f | wc -l) outputs of check, certs, drill and the daemon"
