#!/bin/bash
# run_probe_endpoint.sh — issue 19, GET /probe (Prometheus's multi-target
# pattern, as blackbox_exporter serves it) on the daemon's endpoint.  A
# real Prometheus scrapes /probe with the relabelling config of
# docs/probe-endpoint.md (module "kam": a target of the config with
# enabled = no, user alice; profile "lab", the test CA as its trust
# store; the domain example.test located through a real dnsmasq serving
# example.test -> 127.0.0.1).
#   - Prometheus: probe_success{instance="sips:example.test:PORT"} 1, the
#     phase durations, the verdict and the certificate expiry are stored;
#     after an expired certificate is swapped in (tls.reload)
#     probe_success goes to 0 with verdict cert_expired;
#   - the time bound: a frontend that completes TLS and never answers SIP
#     (module "silent", timeout 10s), scraped with
#     X-Prometheus-Scrape-Timeout-Seconds: 2, answers within 2 s
#     (budget 1.5 s) with probe_success 0;
#   - the concurrency bound: 6 such requests at once: 4 are probed, 2 get
#     503 with Retry-After at once;
#   - module "scn" has scenario = FILE: /probe runs it (not the built-in
#     probe), each step's result by label in the answer;
#   - profile=: against a TLS 1.3-only frontend (stunnel4 before
#     Kamailio's TCP port) module kam has probe_success 1 and, with
#     profile=old (tls_max = 1.2), 0 with tls_protocol_mismatch; the
#     answer names the profile (sipcanary_probe_info); an unknown profile
#     is a 404 listing the configured ones; without module, the system
#     trust store (cert_untrusted) or the profile's (cert_name_mismatch:
#     trusted, but probed by IP address);
#   - access: the daemon listening on every address without
#     http_auth_file, a request from a non-loopback address of this
#     machine gets 403, from 127.0.0.1 200, and 200 from both once
#     http_probe_open = yes is reloaded; bad requests get 400/404.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
tb_init
tb_require prometheus promtool jq stunnel4
dns_require
TB_KAM_TCP_PORT=$(tb_free_port)	# Kamailio's plain TCP, behind stunnel
dm_setup leaf_expired
D=$(dns_free_port)
dns_start "$D" --host-record=example.test,127.0.0.1
SIL=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT" "$D" "$TB_KAM_TCP_PORT")
tb_tls_silent_start "$SIL" "$TB/served/cert.pem" "$TB/served/key.pem" ||
	tb_fail "silent TLS server did not start"
# a TLS 1.3-only frontend (stunnel4 before Kamailio's TCP port)
P13=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT" "$D" "$TB_KAM_TCP_PORT" "$SIL")
printf 'foreground = yes\npid =\nsyslog = no\n[tls13]\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\ncert = %s\nkey = %s\nsslVersionMin = TLSv1.3\n' \
	"$P13" "$TB_KAM_TCP_PORT" "$TB/served/cert.pem" "$TB/served/key.pem" >"$TB/stunnel.conf"
tb_spawn stunnel stunnel4 "$TB/stunnel.conf"
tb_wait_port "$P13" 10 "$TB_LAST_PID" || tb_fail "stunnel4 did not start"
# s_server sends the leaf alone: the silent module trusts the intermediate
awk '/BEGIN CERT/ { n++ } n > 1' "$TB/served/cert.pem" | cat "$PKI/ca.pem" - >"$TB/silent-ca.pem"
OTHER=$(ip -o -4 addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')

{
	printf 'vantage = "%s"\nlisten = "0.0.0.0:%s"\nstate_dir = "%s"\n' \
		"$DM_VANTAGE" "$DM_HTTP" "$TB/state"
	printf 'defaults {\n\tca_file = "%s"\n\tflows = 0\n' "$PKI/ca.pem"
	printf '\ttimeout = 10s\n\tinterval = 30s\n}\n'
	dm_target kam "enabled = no" "dns_server = \"127.0.0.1:$D\""
	dm_target silent "enabled = no" "dns_server = \"127.0.0.1:$D\"" \
		"ca_file = \"$TB/silent-ca.pem\""
	dm_target scn "enabled = no" "dns_server = \"127.0.0.1:$D\"" \
		"scenario = \"$TB_TOP/tests/fixtures/register-then-options.scn\""
	printf 'profile "old" {\n\ttls_max = 1.2\n}\n'
	printf 'profile "lab" {\n\tca_file = "%s"\n}\n' "$PKI/ca.pem"
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
U="http://127.0.0.1:$DM_HTTP"
T="sips:example.test:$DM_KAM_PORT"

# --- by hand ------------------------------------------------------------------
code=$(curl -s -o "$TB/p.txt" -w '%{http_code}' --max-time 15 "$U/probe?target=$T&module=kam")
[ "$code" = 200 ] || { cat "$TB/p.txt"; tb_fail "GET /probe answered $code"; }
grep -qx 'probe_success 1' "$TB/p.txt" || { cat "$TB/p.txt"; tb_fail "probe_success is not 1"; }
grep -q "^sipcanary_probe_verdict{frontend=\"127.0.0.1:$DM_KAM_PORT\",verdict=\"ok\"} 1" "$TB/p.txt" ||
	tb_fail "no ok verdict for the frontend"
grep -q '^sipcanary_probe_phase_duration_seconds{.*phase="tls_handshake"}' "$TB/p.txt" ||
	tb_fail "no tls_handshake duration"
grep -q '^sipcanary_probe_cert_earliest_expiry_timestamp_seconds{' "$TB/p.txt" ||
	tb_fail "no certificate expiry"
promtool check metrics <"$TB/p.txt" >"$TB/promtool.out" 2>&1 ||
	{ cat "$TB/promtool.out"; tb_fail "promtool check metrics rejects the /probe answer"; }
grep -q "^sipcanary_probe_step_success{frontend=\"127.0.0.1:$DM_KAM_PORT\",step=\"register\"} 1" "$TB/p.txt" ||
	tb_fail "no step result of the built-in probe"
tb_ok "GET /probe: probe_success 1, verdict ok, phases, certificate expiry, steps"
for q in "module=kam" "target=$T&module=nope" "target=http://x&module=kam"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$U/probe?$q")
	case "$code" in 400|404) ;; *) tb_fail "GET /probe?$q answered $code, want 400 or 404" ;; esac
done
tb_ok "bad requests: 400/404"

probe() {	# probe QUERY NAME: GET /probe?QUERY into $TB/NAME.txt, 200 expected
	code=$(curl -s -o "$TB/$2.txt" -w '%{http_code}' --max-time 15 "$U/probe?$1")
	[ "$code" = 200 ] || { cat "$TB/$2.txt"; tb_fail "GET /probe?$1 answered $code"; }
}
has() { grep -qxF "$1" "$TB/$2.txt" || { cat "$TB/$2.txt"; tb_fail "$2: no line $1"; }; }

# --- the module's own scenario ----------------------------------------------------
probe "target=$T&module=scn" scn
has 'probe_success 1' scn
for st in tls first-register options-after-register cleanup; do
	has "sipcanary_probe_step_success{frontend=\"$DM_FE\",step=\"$st\"} 1" scn
done
! grep -q 'step="register"' "$TB/scn.txt" || tb_fail "the built-in probe's steps ran too"
tb_ok "module scn: its scenario ran, steps by label: $(grep -c '^sipcanary_probe_step_success' "$TB/scn.txt") held"

# --- profile=: a TLS client profile of the config ------------------------------
T13="sips:example.test:$P13"
probe "target=$T13&module=kam" p13
has 'probe_success 1' p13
has 'sipcanary_probe_info{module="kam",profile=""} 1' p13
probe "target=$T13&module=kam&profile=old" p13old
has 'probe_success 0' p13old
has "sipcanary_probe_verdict{frontend=\"127.0.0.1:$P13\",verdict=\"tls_protocol_mismatch\"} 1" p13old
has 'sipcanary_probe_info{module="kam",profile="old"} 1' p13old
tb_ok "TLS 1.3-only frontend: module kam probe_success 1; with profile=old (tls_max 1.2) 0, tls_protocol_mismatch"
code=$(curl -s -o "$TB/p404.txt" -w '%{http_code}' --max-time 5 "$U/probe?target=$T&module=kam&profile=olde")
if [ "$code" != 404 ] || ! grep -q '^no profile "olde": the config.s are old, lab ' "$TB/p404.txt"; then
	tb_fail "an unknown profile answered $code: $(cat "$TB/p404.txt")"
fi
tb_ok "unknown profile: 404 $(cat "$TB/p404.txt")"
# without module: the built-in defaults (the system trust store), or the profile's
TIP="sips:127.0.0.1:$DM_KAM_PORT"
probe "target=$TIP" bare
has "sipcanary_probe_verdict{frontend=\"127.0.0.1:$DM_KAM_PORT\",verdict=\"cert_untrusted\"} 1" bare
probe "target=$TIP&profile=lab" barelab
has "sipcanary_probe_verdict{frontend=\"127.0.0.1:$DM_KAM_PORT\",verdict=\"cert_name_mismatch\"} 1" barelab
has 'sipcanary_probe_info{module="",profile="lab"} 1' barelab
tb_ok "no module: cert_untrusted with the system store, cert_name_mismatch (trusted) with profile=lab's CA"

# --- access from a non-loopback address ---------------------------------------
[ -n "$OTHER" ] || tb_fail "this machine has no non-loopback IPv4 address to test from"
code=$(curl -s -o "$TB/p403.txt" -w '%{http_code}' --max-time 5 "http://$OTHER:$DM_HTTP/probe?target=$T&module=kam")
[ "$code" = 403 ] || tb_fail "GET /probe from $OTHER answered $code, want 403"
tb_ok "from $OTHER (not loopback, no http_auth_file): 403 $(cat "$TB/p403.txt")"
# explicitly opened (http_probe_open = yes, by SIGHUP): served
printf 'http_probe_open = yes\n' >>"$TB/sc.conf"
kill -HUP "$DM_PID"
opened() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		"http://$OTHER:$DM_HTTP/probe?target=$T&module=kam")" = 200 ]
}
tb_until 10 opened || tb_fail "with http_probe_open = yes, $OTHER is still refused"
tb_ok "with http_probe_open = yes (SIGHUP): $OTHER is served"

# --- the time bound -------------------------------------------------------------
TS="sips:example.test:$SIL"
t0=$(date +%s.%N)
code=$(curl -s -o "$TB/slow.txt" -w '%{http_code}' --max-time 10 \
	-H 'X-Prometheus-Scrape-Timeout-Seconds: 2' "$U/probe?target=$TS&module=silent")
el=$(dm_elapsed "$t0")
[ "$code" = 200 ] || tb_fail "the silent frontend's /probe answered $code"
awk -v e="$el" 'BEGIN { exit !(e >= 1.2 && e < 2.0) }' ||
	tb_fail "scrape timeout 2 s but /probe answered after ${el}s"
grep -qx 'probe_success 0' "$TB/slow.txt" || tb_fail "the silent frontend has probe_success != 0"
tb_ok "time bound: scrape timeout 2 s, answered in ${el}s: $(grep '^sipcanary_probe_verdict' "$TB/slow.txt")"

# --- the concurrency bound ------------------------------------------------------
CURLS=()
for i in 1 2 3 4 5 6; do
	curl -s -o "$TB/c$i.txt" -D "$TB/c$i.h" -w '%{http_code} %{time_total}\n' --max-time 10 \
		-H 'X-Prometheus-Scrape-Timeout-Seconds: 3' \
		"$U/probe?target=$TS&module=silent" >"$TB/c$i.code" &
	CURLS+=($!)
done
wait "${CURLS[@]}"
n200=$(cat "$TB"/c?.code | awk '$1 == 200' | wc -l)
n503=$(cat "$TB"/c?.code | awk '$1 == 503 && $2 < 1' | wc -l)
[ "$n200" = 4 ] && [ "$n503" = 2 ] ||
	tb_fail "6 at once: $n200 probed and $n503 refused at once, want 4 and 2: $(cat "$TB"/c?.code | tr '\n' ' ')"
grep -qi '^Retry-After: 1' "$TB"/c?.h || tb_fail "no Retry-After on the 503s"
tb_ok "concurrency bound: 6 at once -> 4 probed, 2 refused at once (503, Retry-After)"

# --- Prometheus with the documented relabelling --------------------------------
PROM=$(tb_free_port "$DM_HTTP" "$DM_KAM_PORT" "$D" "$SIL")
mkdir -p "$TB/prom/data"
# the scrape config of docs/probe-endpoint.md, with this test's addresses
sed -n '/^# BEGIN prometheus.yml/,/^# END prometheus.yml/p' "$TB_TOP/docs/probe-endpoint.md" |
	sed '1d;$d' |
	sed -e "s|sips:voice.example.com|$T|" -e "s|127.0.0.1:9464|127.0.0.1:$DM_HTTP|" \
		-e "s|module: \\[voice\\]|module: [kam]|" -e "s|profile: \\[modern\\]|profile: [lab]|" \
		-e 's|scrape_interval: 30s|scrape_interval: 2s|' \
		-e 's|scrape_timeout: 15s|scrape_timeout: 2s|' >"$TB/prom/prometheus.yml"
grep -q "$T" "$TB/prom/prometheus.yml" || { cat "$TB/prom/prometheus.yml"; tb_fail "no scrape config in docs/probe-endpoint.md"; }
promtool check config "$TB/prom/prometheus.yml" >"$TB/promtool-config.out" 2>&1 ||
	{ cat "$TB/promtool-config.out"; tb_fail "promtool rejects the documented prometheus.yml"; }
tb_spawn prometheus prometheus --config.file="$TB/prom/prometheus.yml" \
	--storage.tsdb.path="$TB/prom/data" --web.listen-address="127.0.0.1:$PROM"
PROM_PID=$TB_LAST_PID
tb_wait_port "$PROM" 20 "$PROM_PID" || tb_fail "prometheus does not listen on $PROM"
prom_value() {	# prom_value EXPR: the first sample's value, or nothing
	curl -sS --max-time 5 "http://127.0.0.1:$PROM/api/v1/query" \
		--data-urlencode "query=$1" 2>/dev/null | jq -r '.data.result[0].value[1] // empty'
}
prom_is() { [ "$(prom_value "$1")" = "$2" ]; }
tb_until 30 prom_is "probe_success{instance=\"$T\"}" 1 ||
	tb_fail "Prometheus has no probe_success 1 for $T within 30 s"
tb_ok "Prometheus: probe_success{instance=\"$T\"} 1"
prom_is "sipcanary_probe_verdict{instance=\"$T\",verdict=\"ok\"}" 1 || tb_fail "Prometheus: no ok verdict"
prom_is "sipcanary_probe_info{instance=\"$T\",module=\"kam\",profile=\"lab\"}" 1 ||
	tb_fail "Prometheus: the scrape did not use the documented params (module, profile)"
[ -n "$(prom_value "sipcanary_probe_phase_duration_seconds{instance=\"$T\",phase=\"register\"}")" ] ||
	tb_fail "Prometheus: no register phase duration"
pki_kamailio_swap expired
t_swap=$(date +%s.%N)
tb_until 15 prom_is "probe_success{instance=\"$T\"}" 0 ||
	tb_fail "Prometheus: probe_success did not go to 0 within 15 s of the swap"
prom_is "sipcanary_probe_verdict{instance=\"$T\",verdict=\"cert_expired\"}" 1 ||
	tb_fail "Prometheus: no cert_expired verdict"
tb_ok "after the swap: probe_success 0, verdict cert_expired ($(dm_elapsed "$t_swap") s)"
dm_stop
tb_pass "/probe: Prometheus multi-target, time and concurrency bounds, loopback-only without auth"
