#!/bin/bash
# run_ondemand.sh — issue 19, probes on demand of a configured target:
# `sipcanary run` (interval 60s: no scheduled probe of kam comes during the
# test)
# against a real Kamailio.
#   - target scn has its own scenario = FILE: POST .../scn/probe answers
#     ok and its step metrics (sipcanary_steps_total by step label) count
#     the scenario's steps, not the built-in probe's;
#   - issue 16, the certificate cache: scn (interval 10s, for a first
#     probe within 1 s) shares kam's TLS context, hence its cache; once
#     both first probes are in, scn's probe on demand has "cert_cache":
#     "hit", and kam's right after the swap below a "miss" with the new
#     verdict: a certificate swapped with tls.reload is seen at once;
# After the first probe is ok, an expired certificate is swapped in
# (tls.reload); then
#   - POST /api/v1/targets/kam/probe answers at once (well within the
#     interval) with the JSON verdict cert_expired (each frontend as
#     check --json has it: timings, chain, expiry), and the target's
#     metrics already say so: probe_success 0, probes_total{cert_expired} 1;
#   - a second POST within 5 s gets 429 with Retry-After (the rate limit);
#     GET gets 405, an unknown target 404;
#   - with http_auth_file (added by SIGHUP) and the daemon behind an https
#     proxy (stunnel4, a certificate for localhost): check --daemon
#     without credentials, or with a wrong password, is UNKNOWN naming
#     the fix (401); over https, an untrusted CA or a certificate of
#     another name is refused; with --ca-file and the right password
#     (--daemon-user, --daemon-password-file) it prints scn's verdict;
#   - the good certificate back, `sipcanary check --daemon URL --target kam
#     --nagios` (retried while the rate limit answers, exit 3) exits 0
#     with "SIPCANARY OK", and probe_success is 1 again; --json prints the
#     daemon's JSON.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init leaf_expired
tb_require stunnel4 mkpasswd
# the daemon behind an https reverse proxy (stunnel4), its certificate
# for localhost only, from the test CA
pki_cert "$PKI" web int cn=localhost san=DNS:localhost || tb_fail "could not make the proxy's certificate"
HS=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT")
printf 'foreground = yes\npid =\nsyslog = no\n[https]\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\ncert = %s\nkey = %s\n' \
	"$HS" "$DM_HTTP" "$PKI/web.chain.pem" "$PKI/web.key" >"$TB/stunnel.conf"
tb_spawn stunnel stunnel4 "$TB/stunnel.conf"
tb_wait_port "$HS" 10 "$TB_LAST_PID" || tb_fail "stunnel4 did not start"
{
	dm_config_head "interval = 60s" "timeout = 2s" "flows = 0"
	dm_target kam
	dm_target scn "scenario = \"$TB_TOP/tests/fixtures/register-then-options.scn\"" \
		"interval = 10s"
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
U="http://127.0.0.1:$DM_HTTP"
first_ok() {
	dm_scrape && [ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success target=scn frontend="$DM_FE")" = 1 ]
}
tb_until 10 first_ok || tb_fail "no ok probe of kam and scn within 10 s of the start"
n0=$(dm_value sipcanary_probes_total "${DM_L[@]}")
tb_ok "first scheduled probes of kam and scn ok ($n0 of kam)"

# a target with its own scenario: the probe on demand runs it
S=(target=scn probe=fresh step=options-after-register result=held)
s0=$(dm_get sipcanary_steps_total "${S[@]}") || s0=0
code=$(curl -s -X POST -o "$TB/scn.json" -w '%{http_code}' --max-time 10 "$U/api/v1/targets/scn/probe")
[ "$code" = 200 ] || { cat "$TB/scn.json"; tb_fail "POST .../scn/probe answered $code"; }
tb_jq '.target == "scn" and .verdict == "ok"' "the scenario target's verdict" "$TB/scn.json"
tb_jq '.frontends[0].cert_cache == "hit"' \
	"before the swap: the chain's checks from the context's cache (shared with kam)" "$TB/scn.json"
s1=$(dm_get sipcanary_steps_total "${S[@]}") || s1=0
[ "$s1" -gt "$s0" ] || tb_fail "steps_total{step=options-after-register} is still $s1 after the probe on demand"
[ "$(dm_series sipcanary_steps_total target=scn probe=fresh step=register)" = 0 ] ||
	tb_fail "the built-in probe's steps ran for scn"
tb_ok "POST .../scn/probe ran scn's scenario: ok, steps_total{step=options-after-register,result=held} $s0 -> $s1"

pki_kamailio_swap expired
t0=$(date +%s.%N)
code=$(curl -s -X POST -o "$TB/od.json" -w '%{http_code}' --max-time 10 "$U/api/v1/targets/kam/probe")
el=$(dm_elapsed "$t0")
[ "$code" = 200 ] || { cat "$TB/od.json"; tb_fail "POST .../kam/probe answered $code"; }
tb_jq '.target == "kam" and .verdict == "cert_expired" and .severity == "critical"' \
	"the answer's verdict" "$TB/od.json"
tb_jq ".frontends | length == 1 and .[0].address == \"$DM_FE\" and .[0].verdict == \"cert_expired\"" \
	"the frontend's verdict" "$TB/od.json"
tb_jq '.frontends[0].cert_cache == "miss"' \
	"right after the swap: a cache miss (a chain not seen before)" "$TB/od.json"
tb_jq '.frontends[0].cert_verdict == "cert_expired" and
	(.frontends[0].timings.tls_handshake_seconds | type == "number") and
	(.frontends[0].chain[0].fingerprint_sha256 | test("^[0-9a-f]{64}$")) and
	(.frontends[0].expiry | type == "object")' \
	"each frontend as check --json has it: cert_verdict, timings, chain, expiry" "$TB/od.json"
dm_scrape || tb_fail "no scrape"
[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 0 ] || tb_fail "probe_success is not 0 at once"
[ "$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=cert_expired)" = 1 ] ||
	tb_fail "probes_total{verdict=cert_expired} is not 1"
tb_ok "POST: cert_expired in ${el}s (the interval is 60 s); the metrics changed at once"

code=$(curl -s -X POST -D "$TB/h429" -o /dev/null -w '%{http_code}' --max-time 5 "$U/api/v1/targets/kam/probe")
[ "$code" = 429 ] || tb_fail "a second POST within 5 s answered $code, want 429"
grep -qi '^Retry-After: [1-5]' "$TB/h429" || tb_fail "no Retry-After on the 429"
[ "$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=cert_expired)" = 1 ] ||
	tb_fail "the refused request probed"
[ "$(dm_http GET /api/v1/targets/kam/probe)" = 405 ] || tb_fail "GET was not 405"
[ "$(dm_http POST /api/v1/targets/nope/probe)" = 404 ] || tb_fail "an unknown target was not 404"
tb_ok "rate limit: 429 with $(grep -i '^Retry-After' "$TB/h429" | tr -d '\r'); GET 405; unknown target 404"

pki_kamailio_swap good
ok_now() {
	tb_sc check --daemon "$U" --target kam --nagios
	[ "$TB_RC" != 3 ]
}
tb_until 10 ok_now || tb_fail "check --daemon still UNKNOWN after 10 s: $(cat "$TB_ERR")"
tb_expect_rc 0 "check --daemon --target kam --nagios"
grep -q '^SIPCANARY OK - kam ok' "$TB_OUT" || tb_fail "check --daemon --nagios printed: $(cat "$TB_OUT")"
dm_scrape || tb_fail "no scrape"
[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] || tb_fail "probe_success is not back to 1"
tb_ok "check --daemon: $(head -n 1 "$TB_OUT"); probe_success 1"
tb_sc check --daemon "$U" --target kam
[ "$TB_RC" = 3 ] && grep -q 'answered 429' "$TB_ERR" ||
	tb_fail "check --daemon within 5 s: exit $TB_RC, $(cat "$TB_ERR")"
tb_sc check --daemon "$U" sips:example.test
tb_expect_rc 3 "--daemon without --target"

# --- basic auth (http_auth_file, by SIGHUP) and https ----------------------------
PASS=Right-pass1
printf 'ops:%s\n' "$(mkpasswd -m bcrypt -R 4 "$PASS")" >"$TB/htpasswd"
chmod 600 "$TB/htpasswd"
tb_password_file "$TB/ops.pw" "$PASS"
tb_password_file "$TB/wrong.pw" Wrong-pass2
printf 'http_auth_file = "%s"\n' "$TB/htpasswd" >>"$TB/sc.conf"
kill -HUP "$DM_PID"
asks() { [ "$(dm_http POST /api/v1/targets/scn/probe)" = 401 ]; }
tb_until 10 asks || tb_fail "no 401 within 10 s of adding http_auth_file"
tb_sc check --daemon "$U" --target scn --nagios
tb_expect_rc 3 "check --daemon without credentials"
grep -q '^SIPCANARY UNKNOWN - .* answered 401: the daemon asks for a user and password (its http_auth_file): give --daemon-user USER and --daemon-password-file FILE$' "$TB_OUT" ||
	tb_fail "no 401 advice: $(cat "$TB_OUT" "$TB_ERR")"
tb_ok "no credentials: $(cat "$TB_OUT")"
ops=(--daemon-user ops --daemon-password-file)
tb_sc check --daemon "$U" --target scn "${ops[@]}" "$TB/wrong.pw"
tb_expect_rc 3 "check --daemon with a wrong password"
grep -q "answered 401: user \"ops\" and the password of $TB/wrong.pw were refused" "$TB_ERR" ||
	tb_fail "no refused-password message: $(cat "$TB_ERR")"
tb_ok "wrong password: $(sed "s|$TB/||" "$TB_ERR")"
tb_sc check --daemon "https://localhost:$HS" --target scn "${ops[@]}" "$TB/ops.pw"
tb_expect_rc 3 "https, the proxy's CA not trusted"
grep -q 'https://localhost:[0-9]*: TLS: certificate verify failed: unable to get local issuer certificate (--ca-file FILE' "$TB_ERR" ||
	tb_fail "untrusted proxy: $(cat "$TB_ERR")"
tb_ok "untrusted: $(cat "$TB_ERR")"
tb_sc check --daemon "https://127.0.0.1:$HS" --ca-file "$PKI/ca.pem" --target scn "${ops[@]}" "$TB/ops.pw"
tb_expect_rc 3 "https, a certificate for another name"
grep -q 'TLS: certificate verify failed: IP address mismatch' "$TB_ERR" ||
	tb_fail "name mismatch: $(cat "$TB_ERR")"
tb_ok "another name: $(cat "$TB_ERR")"
tb_sc check --daemon "https://localhost:$HS/" --ca-file "$PKI/ca.pem" --target scn "${ops[@]}" "$TB/ops.pw"
tb_expect_rc 0 "check --daemon over https with the right password"
grep -q '^target scn: ok (probed now by the daemon)' "$TB_OUT" || tb_fail "check --daemon printed: $(cat "$TB_OUT")"
if grep -q "$PASS" "$TB_OUT" "$TB_ERR" "$DM_LOG"; then tb_fail "the password was printed or logged"; fi
tb_ok "over https (stunnel), as ops: $(head -n 1 "$TB_OUT")"
dm_stop
tb_pass "probes on demand: POST and check --daemon return the verdict, metrics at once, rate limited"
