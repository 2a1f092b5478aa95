#!/bin/bash
# profiles_tls.sh — issue 17, TLS client profiles against real servers,
# one Kamailio with three faces and one openssl s_server:
#  - PM: mutual TLS (verify_certificate and require_certificate, clients
#    of "clientca"), probed with TLS 1.2 and 1.3: the right client
#    certificate registers (ok); none, or one of another CA, gets
#    tls_client_cert_rejected naming the server's alert (in TLS 1.3 it
#    comes after the handshake, on the first read: certs, which sends
#    nothing, waits for it); a client certificate 5 days from expiry
#    registers with the client_cert_expiring warning;
#  - PC: TLS 1.2 only with a cipher list that excludes desk-2019's cipher:
#    tls_no_shared_cipher;
#  - PS: TLS 1.3 only (stunnel4 in front of Kamailio's TCP port): modern
#    is ok, desk-2019 (tls_max 1.2) gets tls_protocol_mismatch;
#    the server sends a chain with a cross-signed root: the profile that
#    trusts the new root is ok, the one whose store has only the old,
#    expired root gets cert_expired, the expired root named;
#  - the daemon, target "voice" with profiles modern, desk-2019 and
#    carrier-5d against PS: one series per profile (voice/modern ok with
#    its flow up, voice/desk-2019 failing), desk-2019's SipcanaryTargetDown
#    naming who cannot connect and who can, carrier-5d's
#    SipcanaryClientCertExpiring and client certificate metric,
#    sipcanary_profile_info; a SIGHUP that changes desk-2019 restarts
#    only its target;
#  - s_server picking its certificate by SNI: with SNI ok, with sni = no
#    (--no-sni) the default certificate, cert_name_mismatch.
# Profiles come from a sipcanary.conf (check/certs --profile NAME -c FILE)
# and from the options (--tls-max, --client-cert, ...).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
pki_test_init kamailio kamcmd stunnel4
# (no pki_make: its root and intermediate would go unused)
mkdir -p "$PKI"
pki_clients "$PKI" && pki_cross "$PKI" || tb_fail "could not make certificates"
pki_cert "$PKI" otherleaf xint cn=other.test san=DNS:other.test,URI:sip:other.test ||
	tb_fail "could not make certificates (otherleaf)"
cat "$PKI/newroot.pem" "$PKI/xint.pem" >"$PKI/newstore.pem"
tb_password_file "$TB/pw" secret

# --- the servers --------------------------------------------------------------
PM=$(tb_free_port) PC=$(tb_free_port) PT=$(tb_free_port) PS=$(tb_free_port)
_pki_served xleaf
TB_KAM_TLS_VERIFY=yes TB_KAM_TLS_CA_LIST=$PKI/clientca.pem TB_KAM_TCP_PORT=$PT \
TB_KAM_TLS_EXTRA="[server:127.0.0.1:$PC]
method = TLSv1.2
verify_certificate = no
require_certificate = no
certificate = $TB/served/cert.pem
private_key = $TB/served/key.pem
cipher_list = ECDHE-ECDSA-CHACHA20-POLY1305" \
	tb_kamailio "$TB/kam" "$TB/served/cert.pem" "$TB/served/key.pem" \
	"127.0.0.1:$PM" "127.0.0.1:$PC" || tb_fail "kamailio did not start"
cat >"$TB/stunnel.conf" <<EOF
foreground = yes
pid =
syslog = no
[tls13]
accept = 127.0.0.1:$PS
connect = 127.0.0.1:$PT
cert = $TB/served/cert.pem
key = $TB/served/key.pem
sslVersionMin = TLSv1.3
EOF
tb_spawn stunnel stunnel4 "$TB/stunnel.conf"
tb_wait_port "$PS" 10 "$TB_LAST_PID" || tb_fail "stunnel4 did not start"
tb_ok "kamailio: mTLS :$PM, TLS 1.2 chacha-only :$PC; stunnel TLS 1.3-only :$PS"

cat >"$TB/sc.conf" <<EOF
state_dir = "$TB/state"
profile "modern" { tls_min = 1.3  ca_file = "pki/newstore.pem" }
profile "desk-2019" {
  tls_max = 1.2
  ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"
  groups = "P-256"
  ca_file = "pki/newstore.pem"
}
profile "old-store" { ca_file = "pki/oldroot.pem" }
profile "carrier-x" {
  ca_file = "pki/newstore.pem"
  client_cert = "pki/client.pem"
  client_key = "pki/client.key"
  user = "alice"
  password_file = "pw"
}
target "voice" { uri = "sips:example.test"  profiles = { "modern", "desk-2019", "old-store", "carrier-x" } }
EOF
tb_sc run -n -c "$TB/sc.conf"
tb_expect_rc 0 "run -n: the profiles' files are good"
grep -q '^    profiles: modern, desk-2019, old-store, carrier-x$' "$TB_OUT" ||
	{ cat "$TB_OUT"; tb_fail "run -n does not list the target's profiles"; }
sed 's|pki/client.key|pki/rogue.key|' "$TB/sc.conf" >"$TB/bad.conf"
tb_sc run -n -c "$TB/bad.conf"
tb_expect_rc 2 "run -n: a client key that is not the certificate's"
grep -q 'bad.conf:[0-9]*: profile "carrier-x": cannot use client key .*rogue.key' "$TB_ERR" ||
	{ cat "$TB_ERR"; tb_fail "run -n does not name the profile's key"; }
tb_ok "run -n: $(cat "$TB_ERR")"
tb_sc check -c "$TB/sc.conf" --profile desk-2091 sips:example.test
tb_expect_rc 3 "check --profile, a mistyped name"
grep -q 'no such profile in .*sc.conf (did you mean desk-2019?)' "$TB_ERR" ||
	{ cat "$TB_ERR"; tb_fail "no did-you-mean for a mistyped --profile"; }
tb_sc certs --profile modern sips:example.test
tb_expect_rc 2 "certs --profile without -c"

# sc_check PORT ARGS... — check of 127.0.0.1:PORT with the config's
# profiles; sc_certs likewise.
sc_check() { local p=$1; shift; tb_sc check --connect "127.0.0.1:$p" --timeout 10 --json -c "$TB/sc.conf" "$@" sips:example.test; }
sc_certs() { local p=$1; shift; tb_sc certs --connect "127.0.0.1:$p" --timeout 10 --json "$@" sips:example.test; }
F='.frontends[0]'

# --- TLS 1.3 only: modern ok, desk-2019 tls_protocol_mismatch --------------------
sc_check "$PS" --profile modern --user alice --password-file "$TB/pw"
pki_expect ok 0 "TLS 1.3-only frontend, modern"
tb_jq '.profile == "modern" and .frontends[0].tls.version == "TLSv1.3"' "modern: TLS 1.3, the profile in the JSON"
sc_check "$PS" --profile desk-2019 --user alice --password-file "$TB/pw"
pki_expect tls_protocol_mismatch 2 "TLS 1.3-only frontend, desk-2019 (tls_max 1.2)"
tb_jq '.profile == "desk-2019"' "desk-2019 named in the JSON"
tb_sc check --connect "127.0.0.1:$PS" --timeout 10 --nagios -c "$TB/sc.conf" --profile desk-2019 --user alice --password-file "$TB/pw" sips:example.test
tb_expect_rc 2 "--nagios, desk-2019"
grep -q '^SIPCANARY CRITICAL - sips:example.test profile desk-2019 tls_protocol_mismatch' "$TB_OUT" ||
	{ cat "$TB_OUT"; tb_fail "nagios line does not name the profile"; }
tb_ok "nagios: $(cut -d'|' -f1 "$TB_OUT")"

# drill rehearses as a profile: 3 desk-2019 phones fail at the handshake.
tb_sc drill "$TB_TOP/scenarios/register-fresh.scn" --target sips:example.test \
	--connect "127.0.0.1:$PS" --clients 3 --timeout 5 -c "$TB/sc.conf" \
	--profile desk-2019 --user alice --password-file "$TB/pw" --report-json "$TB/drill.json"
tb_expect_rc 1 "drill --profile desk-2019 against the TLS 1.3-only frontend"
tb_jq '.steps[0].verdicts == {"tls_protocol_mismatch": 3}' "drill: 3 x tls_protocol_mismatch" "$TB/drill.json"

# --- cipher mismatch --------------------------------------------------------------
sc_check "$PC" --profile desk-2019 --user alice --password-file "$TB/pw"
pki_expect tls_no_shared_cipher 2 "TLS 1.2 chacha-only frontend, desk-2019"
tb_jq "$F.error | test(\"handshake failure\")" "the error names the server's alert"

# --- trust stores: the cross-signed root ------------------------------------------
sc_certs "$PS" -c "$TB/sc.conf" --profile modern
pki_expect ok 0 "certs, cross-signed chain, modern (trusts the new root)"
tb_jq "$F.verified_chain | length == 3 and (.[2].subject | test(\"new root\"))" "modern: leaf, intermediate, new root"
sc_certs "$PS" -c "$TB/sc.conf" --profile old-store
pki_expect cert_expired 1 "certs, cross-signed chain, old-store (only the expired old root)"
tb_jq "$F.error | test(\"depth 3\") and test(\"old root\")" "old-store: the error names the expired old root at depth 3"
tb_sc certs --connect "127.0.0.1:$PS" --timeout 10 -c "$TB/sc.conf" --profile old-store sips:example.test
grep -q "^sips:example.test profile old-store: cert_expired" "$TB_OUT" ||
	{ cat "$TB_OUT"; tb_fail "the certs table does not name the profile"; }
tb_ok "certs table: $(head -1 "$TB_OUT")"

# --- mutual TLS, TLS 1.2 and 1.3 --------------------------------------------------
for v in 1.2 1.3; do
	if [ "$v" = 1.2 ]; then vo=(--tls-max 1.2); else vo=(--tls-min 1.3); fi
	sc_check "$PM" --profile carrier-x "${vo[@]}"
	pki_expect ok 0 "mTLS TLS $v, carrier-x (its certificate and account)"
	tb_jq "$F.tls.version == \"TLSv$v\" and ($F.client_certificate.subject | test(\"probe-carrier-x\"))" "TLS $v, the client certificate reported"
	tb_sc check --connect "127.0.0.1:$PM" --timeout 10 --json --ca-file "$PKI/newstore.pem" \
		--user alice --password-file "$TB/pw" "${vo[@]}" sips:example.test
	pki_expect tls_client_cert_rejected 2 "mTLS TLS $v, no client certificate"
	tb_jq "$F.error | test(\"alert\")" "TLS $v, none: the alert named: $(jq -r "$F.error" "$TB_OUT")"
	tb_sc check --connect "127.0.0.1:$PM" --timeout 10 --json --ca-file "$PKI/newstore.pem" \
		--user alice --password-file "$TB/pw" "${vo[@]}" \
		--client-cert "$PKI/rogue.pem" --client-key "$PKI/rogue.key" sips:example.test
	pki_expect tls_client_cert_rejected 2 "mTLS TLS $v, a client certificate of another CA"
	tb_jq "$F.error | test(\"alert\")" "TLS $v, rogue: the alert named: $(jq -r "$F.error" "$TB_OUT")"
	tb_sc check --connect "127.0.0.1:$PM" --timeout 10 --json --ca-file "$PKI/newstore.pem" \
		--user alice --password-file "$TB/pw" "${vo[@]}" \
		--client-cert "$PKI/client5d.pem" --client-key "$PKI/client5d.key" sips:example.test
	pki_expect client_cert_expiring 1 "mTLS TLS $v, a client certificate 5 days from expiry (WARNING)"
	tb_jq "$F.client_certificate.days_left < 5.1 and $F.sip.final_status == 200" "TLS $v: registered, days_left $(jq -r "$F.client_certificate.days_left" "$TB_OUT")"
	# certs sends nothing after the handshake: under TLS 1.3 it waits
	# for the server's first bytes to see the refusal.
	sc_certs "$PM" --ca-file "$PKI/newstore.pem" "${vo[@]}"
	pki_expect tls_client_cert_rejected 1 "certs, mTLS TLS $v, no client certificate"
	tb_jq "$F.error | test(\"alert\")" "certs TLS $v, none: $(jq -r "$F.error" "$TB_OUT")"
	sc_certs "$PM" --ca-file "$PKI/newstore.pem" "${vo[@]}" \
		--client-cert "$PKI/rogue.pem" --client-key "$PKI/rogue.key"
	pki_expect tls_client_cert_rejected 1 "certs, mTLS TLS $v, a client certificate of another CA"
	tb_jq "$F.error | test(\"alert\")" "certs TLS $v, rogue: $(jq -r "$F.error" "$TB_OUT")"
	t0=$(date +%s%N)
	sc_certs "$PM" --ca-file "$PKI/newstore.pem" "${vo[@]}" \
		--client-cert "$PKI/client.pem" --client-key "$PKI/client.key"
	pki_expect ok 0 "certs, mTLS TLS $v, the right client certificate ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
done

# --- the daemon: one target, two profiles, the TLS 1.3-only frontend --------------
# voice/modern registers and keeps its flow; voice/desk-2019 cannot
# connect: its own series on /metrics, its own alert naming the clients
# that cannot connect and those that can (for = 2: by the second failed
# probe, modern has had its first result).
DM_HTTP=$(tb_free_port) || tb_fail "no free port"
DM_METRICS=$TB/metrics.txt
DM_LOG=$TB/daemon.log
cat >"$TB/run.conf" <<EOF
vantage = "t"
listen = "127.0.0.1:$DM_HTTP"
state_dir = "$TB/state"
profile "modern" { tls_min = 1.3  ca_file = "pki/newstore.pem" }
profile "desk-2019" { tls_max = 1.2  ca_file = "pki/newstore.pem" }
profile "carrier-5d" {
  ca_file = "pki/newstore.pem"
  client_cert = "pki/client5d.pem"  client_key = "pki/client5d.key"
}
target "voice" {
  uri = "sips:example.test"  connect = "127.0.0.1:$PS"
  user = "alice"  password_file = "pw"
  interval = 2s  timeout = 1500ms  for = 2
  profiles = { "modern", "desk-2019", "carrier-5d" }
}
EOF
mkdir -p "$TB/state"
dm_start "$TB/run.conf"
_dm_profiles() {
	dm_scrape && [ "$(dm_value sipcanary_probe_success target=voice profile=modern)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success target=voice profile=desk-2019)" = 0 ] &&
		[ "$(dm_value sipcanary_flow_up target=voice profile=modern flow=0)" = 1 ] &&
		[ "$(dm_value sipcanary_probe_success target=voice profile=carrier-5d)" = 1 ] &&
		[ "$(dm_http GET /alerts "$TB/alerts.json")" = 200 ] &&
		jq -e '.[] | select(.alertname == "SipcanaryTargetDown" and .target == "voice/desk-2019" and .firing)' \
			"$TB/alerts.json" >/dev/null
}
tb_until 20 _dm_profiles || {
	grep -E 'probe_success|flow_up\{' "$DM_METRICS"
	jq -c '.[] | [.alertname, .target, .firing]' "$TB/alerts.json"
	tb_fail "per-profile series and alert not there within 20 s"
}
tb_ok "metrics: probe_success{target=voice,profile=modern} 1, {profile=desk-2019} 0; modern's flow up"
sum=$(jq -r '.[] | select(.alertname == "SipcanaryTargetDown" and .target == "voice/desk-2019") | .summary' "$TB/alerts.json")
[ "$sum" = "desk-2019 cannot connect to 1 of 1 frontends of voice: tls_protocol_mismatch; modern, carrier-5d are fine" ] ||
	tb_fail "desk-2019's alert says: $sum"
tb_ok "desk-2019's alert: $sum"
tb_jq '[.[] | select(.target == "voice/modern" and .firing)] | length == 0' "nothing fires for modern" "$TB/alerts.json"
tb_jq '[.[] | select(.target == "voice/carrier-5d" and .firing)] | length == 1 and
	(.[0] | .alertname == "SipcanaryClientCertExpiring" and .severity == "warning" and
	(.summary | test("^the client certificate of voice/carrier-5d \\(CN=probe-5d,O=sipcanary test\\) expires in 5.0 days")))' \
	"carrier-5d: only SipcanaryClientCertExpiring fires (warning), naming the certificate" "$TB/alerts.json"
na5=$(date -u -d "$(openssl x509 -in "$PKI/client5d.pem" -noout -enddate | sed 's/^notAfter=//')" +%s)
[ "$(dm_value sipcanary_client_cert_not_after_timestamp_seconds target=voice profile=carrier-5d)" = "$na5" ] ||
	tb_fail "client cert metric: $(grep client_cert "$DM_METRICS")"
tb_ok "sipcanary_client_cert_not_after_timestamp_seconds{target=voice/carrier-5d} = $na5"
[ "$(dm_series sipcanary_probe_success)" = 3 ] || tb_fail "probe_success: $(dm_series sipcanary_probe_success) series, not one per profile"
tb_ok "probe_success: 3 series, one per configured profile"
[ "$(dm_value sipcanary_profile_info target=voice profile=desk-2019)" = 1 ] &&
	[ "$(dm_series sipcanary_profile_info)" = 3 ] || tb_fail "profile_info: $(grep profile_info "$DM_METRICS")"
tb_ok "sipcanary_profile_info: the profile label of each, 3 series"
# Every series of the target carries target="voice" and its profile:
# none keeps the inside name, and the profile values are the configured ones.
! grep -q 'target="voice/' "$DM_METRICS" ||
	tb_fail "series named by the inside name: $(grep -m3 'target="voice/' "$DM_METRICS")"
pv=$(grep -o 'profile="[^"]*"' "$DM_METRICS" | sort -u | tr '\n' ' ')
[ "$pv" = 'profile="carrier-5d" profile="desk-2019" profile="modern" ' ] ||
	tb_fail "profile label values: $pv"
tb_ok "/metrics: target=\"voice\" with a profile label on every series; values: $pv"
[ "$(dm_http GET / "$TB/status.html")" = 200 ] && grep -q 'voice/desk-2019' "$TB/status.html" &&
	grep -q 'voice/modern' "$TB/status.html" || tb_fail "the status page has no row per profile"
tb_ok "status page: a row per profile"
[ "$(dm_log_count '"target":"voice/desk-2019".*tls_protocol_mismatch')" -gt 0 ] ||
	tb_fail "the log does not carry desk-2019's verdict"
tb_ok "log lines name voice/desk-2019 and tls_protocol_mismatch"
# A reload that changes a profile restarts that profile's target only.
sed -i 's/profile "desk-2019" { tls_max = 1.2 /profile "desk-2019" { /' "$TB/run.conf"
kill -HUP "$DM_PID"
_dm_desk_up() { dm_scrape && [ "$(dm_value sipcanary_probe_success target=voice profile=desk-2019)" = 1 ]; }
tb_until 10 _dm_desk_up || tb_fail "desk-2019 without tls_max not ok within 10 s of SIGHUP"
[ "$(dm_log_count '"target":"voice/modern".*probing sips')" = 1 ] ||
	tb_fail "the reload restarted voice/modern too"
tb_ok "SIGHUP, desk-2019 without tls_max 1.2: ok; modern kept"
dm_stop
[ "$DM_RC" = 0 ] && ! grep -q 'Sanitizer' "$DM_LOG" ||
	tb_fail "the daemon exited $DM_RC: $(grep -m3 Sanitizer "$DM_LOG")"
tb_ok "the daemon stopped cleanly (exit 0)"

# --- SNI ---------------------------------------------------------------------------
pki_serve otherleaf -cert2 "$PKI/xleaf.pem" -key2 "$PKI/xleaf.key" -servername example.test
sc_certs "$P" --ca-file "$PKI/newstore.pem"
pki_expect ok 0 "s_server by SNI, SNI sent: the example.test certificate"
sc_certs "$P" --ca-file "$PKI/newstore.pem" --no-sni
pki_expect cert_name_mismatch 1 "s_server by SNI, --no-sni: the default other.test certificate"
tb_pass "profiles: versions, ciphers, trust stores, mutual TLS 1.2/1.3, SNI"
