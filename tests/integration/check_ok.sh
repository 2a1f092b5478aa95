#!/bin/bash
# check_ok.sh — issue 2, success case: `sipcanary check` against a real
# Kamailio TLS registrar (digest alice/secret) gives verdict ok, exit 0,
# all four phase timings, the TLS/SIP/chain report in --json, Nagios
# output with perfdata, and a -v trace without the password.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_check_init example.test

# 1. the human table
tb_sc "${TB_CHECK[@]}" sips:example.test
tb_expect_rc 0 "human output"
[ -s "$TB_OUT" ] || tb_fail "human output: nothing on stdout"

# 2. --json
n0=$(tb_kamailio_register_count "$TB/kam")
tb_sc "${TB_CHECK[@]}" --json sips:example.test
tb_expect_rc 0 "--json"
n1=$(tb_kamailio_register_count "$TB/kam")
tb_jq 'type == "object"' "stdout is one JSON object"
tb_jq '.target == "sips:example.test"' "target"
tb_expect_verdict ok
tb_jq '.frontends | length == 1' "one frontend"
tb_jq ".frontends[0].address == \"127.0.0.1:$P\"" "frontend address"
tb_jq '.frontends[0].error == null' "error is null"
tb_jq '.frontends[0].timings
	| [.tcp_connect_seconds, .tls_handshake_seconds,
	   .first_response_seconds, .register_seconds]
	| all(type == "number" and . > 0)' "four timings numeric and > 0"
tb_jq '.frontends[0].timings.register_seconds < 10' "register_seconds is in seconds"
tb_jq '.frontends[0].tls.version | type == "string" and length > 0' "tls.version"
tb_jq '.frontends[0].tls.cipher | type == "string" and length > 0' "tls.cipher"
tb_jq '.frontends[0].tls.resumed == false' "fresh probe is not resumed"
tb_jq '.frontends[0].sip.final_status == 200' "sip.final_status 200"
tb_jq '.frontends[0].sip.auth_algorithm == "MD5"' "auth_algorithm MD5"
tb_jq '.frontends[0].sip.expires | type == "number" and . > 0' "sip.expires"
tb_jq '.frontends[0].chain | length >= 1' "chain present"
tb_jq '.frontends[0].chain[0].fingerprint_sha256 | test("^[0-9a-fA-F]{64}$")' \
	"chain[0].fingerprint_sha256 is 64 hex"
fp=$(openssl x509 -in "$TB/pki/example.test.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
tb_jq ".frontends[0].chain[0].fingerprint_sha256 | ascii_downcase == \"$fp\"" \
	"fingerprint is the served leaf's SHA-256"
tb_jq '.frontends[0].chain[0].subject | test("example\\.test")' "chain[0].subject"
tb_jq '.frontends[0].chain[0].issuer | test("sipcanary test CA")' "chain[0].issuer"
tb_jq '.frontends[0].chain[0].not_after | type == "string" and length > 0' "not_after"
tb_jq '.frontends[0].chain[0].days_left | type == "number" and . > 300 and . < 366' \
	"days_left of a 365-day leaf"
[ $((n1 - n0)) -ge 2 ] ||
	tb_fail "kamailio saw $((n1 - n0)) REGISTERs for one probe, expected >= 2 (challenge + auth)"
tb_ok "kamailio saw $((n1 - n0)) REGISTERs for one probe"
grep -q 'SCSAVED' "$TB/kam/kamailio.log" || tb_fail "kamailio never saved a binding"
tb_ok "kamailio saved the binding"

# 3. --nagios
tb_sc "${TB_CHECK[@]}" --nagios sips:example.test
tb_expect_rc 0 "--nagios"
first=$(head -n 1 "$TB_OUT")
status=${first%%|*}
perf=${first#*|}
printf '%s\n' "$status" | grep -Eq '(^|[^A-Z])OK([^A-Z]|$)' ||
	tb_fail "nagios status text has no OK: $first"
printf '%s\n' "$status" | grep -Eq 'CRITICAL|WARNING|UNKNOWN' &&
	tb_fail "nagios status text says more than OK: $first"
case "$first" in *"|"*) ;; *) tb_fail "nagios output has no perfdata: $first" ;; esac
printf '%s\n' "$perf" | grep -Eq "[A-Za-z0-9_']+=[0-9.]+" ||
	tb_fail "nagios perfdata is not label=value: $perf"
tb_ok "nagios: $first"

# 4. -v traces the protocol but never the password or the digest response
tb_sc "${TB_CHECK[@]}" -v sips:example.test
tb_expect_rc 0 "-v"
if grep -q 'secret' "$TB_OUT" "$TB_ERR"; then
	tb_fail "-v output contains the password"
fi
if grep -Eiq 'response="?[0-9a-f]{32}' "$TB_OUT" "$TB_ERR"; then
	tb_fail "-v output contains the digest response"
fi
tb_ok "-v output has neither password nor digest response"

tb_pass "ok probe: exit 0, JSON, nagios, redacted trace"
