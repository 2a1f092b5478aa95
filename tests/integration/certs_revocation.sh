#!/bin/bash
# certs_revocation.sh — issue 18, revocation without stapling.  A CA made
# here ("rint", under the test root, with its own CRL Distribution Point)
# issues leaves whose CRL DP and AIA OCSP URLs point at loopback: the CRLs
# are served by `python3 -m http.server` (its log counts the fetches), the
# OCSP answers by `openssl ocsp -port`, the TLS side by openssl s_server.
#   revoked leaf, CRL only              -> cert_revoked, depth 0, from crl
#   revoked leaf, OCSP only, no staple  -> cert_revoked, depth 0, from ocsp
#   good leaf under a revoked rint2     -> cert_revoked, depth 1
#   unreachable DP / stale CRL / CRL signed by another key / CRL too large
#                                       -> cert_revocation_unknown (a
#                                          warning) with its reason; chain,
#                                          identity and expiry still reported
#   a good CRL over --crl-max-size 100  -> cert_revocation_unknown naming
#                                          the limit and crl_max_size
#   an OCSP responder that never answers, --timeout 2
#                                       -> cert_revocation_unknown in the
#                                          probe's time, not tls_timeout;
#                                          a second target in the same run
#                                          asks again (the first target's
#                                          loop, and its fetch, are gone);
#                                          a drill of 2 clients (connect,
#                                          break, reconnect: reports not
#                                          kept) goes on past the silent
#                                          responder, its 4 checks sharing
#                                          one fetch
#   Must-Staple, no staple              -> cert_must_staple_missing
#   Must-Staple with a good staple      -> ok
#   --revocation off / staple           -> no fetch at all; so with
#                                          a profile's revocation = off
#                                          (--profile -c), which
#                                          --revocation overrides
#   10 targets x 5 rounds in one certs run sharing rint's CRL -> 1 fetch
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init python3
pki_make

tb_free_ports HP OP DEAD SLOW
H=http://127.0.0.1:$HP
CRLS=$TB/crl
mkdir -p "$CRLS"
mk() { pki_cert "$PKI" "$@" || tb_fail "could not make certificate $1"; }
# rint's own status comes from the root's CRL; rint2 is revoked there.
mk rint root type=ca cn=rint crl="$H/root.crl"
mk rint2 root type=ca cn=rint2 crl="$H/root.crl"
pki_revoke "$PKI" rint2 || tb_fail "revoke rint2"
# a CA of the same name as rint with another key: its CRL is "rint's",
# signed wrongly
mk fakerint root type=ca cn=rint
mk crlgood rint crl="$H/rint.crl"
mk crlrev rint crl="$H/rint.crl"
mk ocsprev rint ocsp="http://127.0.0.1:$OP"
mk deaddp rint crl="http://127.0.0.1:$DEAD/rint.crl"
mk stale rint crl="$H/stale.crl"
mk wrongkey rint crl="$H/wrong.crl"
mk big rint crl="$H/big.crl"
mk under2 rint2 crl="$H/rint2.crl"
mk slowocsp rint ocsp="http://127.0.0.1:$SLOW"
mk must rint muststaple=yes ocsp="http://127.0.0.1:$OP"
san=URI:sip:example.test,DNS:example.test
for i in 1 2 3 4 5 6 7 8 9 10; do san="$san,URI:sip:t$i.test"; done
mk shared rint crl="$H/rint.crl" san="$san"
pki_revoke "$PKI" crlrev || tb_fail "revoke crlrev"
pki_revoke "$PKI" ocsprev || tb_fail "revoke ocsprev"
pki_gencrl "$PKI" root "$CRLS/root.crl" || tb_fail "root CRL"
pki_gencrl "$PKI" rint "$CRLS/rint.crl" || tb_fail "rint CRL"
pki_gencrl "$PKI" rint2 "$CRLS/rint2.crl" || tb_fail "rint2 CRL"
pki_gencrl "$PKI" rint "$CRLS/stale.crl" -3d -1d || tb_fail "stale CRL"
pki_gencrl "$PKI" rint "$CRLS/wrong.crl" now +7d fakerint || tb_fail "wrong CRL"
head -c 17000000 /dev/zero >"$CRLS/big.crl"
pki_ocsp_responder "$PKI" rintocsp rint || tb_fail "responder"
pki_ocsp_response "$PKI" must rintocsp "$PKI/must.resp" || tb_fail "must staple"

tb_spawn http python3 -m http.server --bind 127.0.0.1 -d "$CRLS" "$HP"
tb_wait_port "$HP" 10 "$TB_LAST_PID" || tb_fail "http.server did not start"
tb_spawn ocsp openssl ocsp -port "$OP" -index "$PKI/rint.ca/index.txt" \
	-CA "$PKI/rint.pem" -rsigner "$PKI/rintocsp.pem" -rkey "$PKI/rintocsp.key" \
	-nmin 60
tb_wait_port "$OP" 10 "$TB_LAST_PID" || tb_fail "openssl ocsp did not start"
# a responder that accepts and never says a word
tb_spawn slow python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); held = []
while True: c, a = s.accept(); held.append(c); print("accepted", a, flush=True)' "$SLOW"
tb_wait_port "$SLOW" 10 "$TB_LAST_PID" || tb_fail "the silent responder did not start"
fetches() { grep -c "\"GET /$1 " "$TB/http.log" || true; }
R="$F.revocation"

pki_serve crlgood
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "good leaf, CRLs for leaf and rint"
tb_jq "$R.certs | map(.source + \" \" + .status) == [\"crl good\", \"crl good\"]" \
	"good: both certificates answered by a CRL"
tb_jq "$R.data_age_seconds >= 0 and $R.expires_in_seconds > 0" "good: age and expiry"
pki_sc_certs "$P" sips:example.test
grep -q 'revocation: crl good, crl good' "$TB_OUT" || { cat "$TB_OUT"; tb_fail "certs: no revocation line"; }
tb_ok "certs table: revocation: crl good, crl good"

pki_serve crlrev
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_revoked 1 "revoked leaf via CRL"
tb_jq "$R.certs[0] | .source == \"crl\" and .status == \"revoked\" and
	.reason == \"keyCompromise\" and (.revoked_at | type == \"string\")" \
	"crl: depth 0 revoked, reason and time"
tb_jq "$F.error | test(\"depth 0\") and test(\"keyCompromise\") and test(\"CRL\")" \
	"crl: the error names depth, reason and source"

pki_serve ocsprev
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_revoked 1 "revoked leaf via OCSP, no staple"
tb_jq "$F.ocsp.stapled == false and $R.certs[0].source == \"ocsp\" and
	$R.certs[0].status == \"revoked\"" "ocsp: no staple, responder says revoked"

pki_serve under2
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_revoked 1 "revoked intermediate"
tb_jq "$R.certs[0].status == \"good\" and $R.certs[1].status == \"revoked\"" \
	"intermediate: leaf good, depth 1 revoked"
tb_jq "$F.error | test(\"depth 1\")" "intermediate: the error says depth 1"

unknown() {	# NAME REASON-REGEX WHAT
	pki_serve "$1"
	pki_sc_certs "$P" --json sips:example.test
	tb_expect_verdict cert_revocation_unknown
	tb_jq "$R.certs[0].status == \"unknown\" and ($R.certs[0].error | test(\"$2\"))" \
		"$3: the reason"
	tb_jq "($F.chain | length) == 2 and $F.identity.matched != null and
		$F.expiry != null" "$3: the other checks still ran"
	tb_stop "$PKI_SERVER_PID"
}
unknown deaddp "CRL http://127.0.0.1:$DEAD/rint.crl: .*(refused|onnect)" "unreachable DP"
unknown stale "stale" "stale CRL"
unknown wrongkey "signed wrongly" "CRL signed by another key"
unknown big "larger than the limit of 16777216 bytes \\\\(crl_max_size" "CRL too large"
# The limit is crl_max_size (--crl-max-size): rint's CRL, good under the
# default, is too large for a limit of 100 bytes, and the reason says so.
pki_serve crlgood
pki_sc_certs "$P" --json --crl-max-size 100 sips:example.test
tb_expect_verdict cert_revocation_unknown
tb_jq "$F.error | test(\"CRL $H/rint.crl: the response is larger than the limit of 100 bytes \\\\(crl_max_size in sipcanary.conf, or --crl-max-size, raises it\\\\)\")" \
	"--crl-max-size 100: $(jq -r "$F.error" "$TB_OUT")"
tb_stop "$PKI_SERVER_PID"

pki_serve slowocsp
tb_sc certs --connect "127.0.0.1:$P" --ca-file "$PKI/ca.pem" --timeout 2 --json \
	sips:example.test sips:example.test
tb_jq "map(.frontends[0].verdict) == [\"cert_revocation_unknown\", \"cert_revocation_unknown\"]" \
	"silent responder: cert_revocation_unknown for both targets"
tb_jq "map(.frontends[0].revocation.certs[0].error) | all(. == \"OCSP http://127.0.0.1:$SLOW: no answer in the probe's time for revocation\")" \
	"silent responder: its own reason, within the probe's time"
[ "$(grep -c "^accepted" "$TB/slow.log")" = 2 ] ||
	tb_fail "the second target did not ask the responder again ($(grep -c "^accepted" "$TB/slow.log") connections)"
tb_ok "the second target asked again: 2 connections to the silent responder"
# Drills keep no reports after the first connect: the reconnect's check
# waits with its report on the heap (ASan watches it), then goes on.
printf 'clients = 2\nstep connect { within = 2s }\nstep break { how = rst }\nstep reconnect { within = 2s }\n' \
	>"$TB/tls.scn"
printf 'x\n' >"$TB/pw" && chmod 600 "$TB/pw"
tb_sc drill "$TB/tls.scn" --target sips:example.test --connect "127.0.0.1:$P" \
	--ca-file "$PKI/ca.pem" --password-file "$TB/pw" --report-json "$TB/tls.json"
tb_expect_rc 0 "drill: a revocation warning does not stop its steps"
tb_jq '[.steps[] | .ok] == [2, 2, 2]' "drill: connect, break, reconnect ok for both clients" "$TB/tls.json"
[ "$(grep -c "^accepted" "$TB/slow.log")" = 3 ] ||
	tb_fail "drill: $(grep -c "^accepted" "$TB/slow.log") connections to the responder, not 3"
tb_ok "drill: 2 connects and 2 reconnects asked the responder through one fetch"
tb_stop "$PKI_SERVER_PID"

pki_serve must
pki_sc_certs "$P" --json sips:example.test
tb_expect_verdict cert_must_staple_missing
tb_jq "$R.must_staple == true" "Must-Staple: seen on the leaf"
pki_serve must -status_file "$PKI/must.resp"
pki_sc_certs "$P" --json sips:example.test
pki_expect ok 0 "Must-Staple with a staple"
tb_jq "$R.certs[0].source == \"staple\"" "Must-Staple: answered by the staple"

before=$(fetches rint.crl)
pki_serve crlrev
for pol in off staple; do
	pki_sc_certs "$P" --json --revocation "$pol" sips:example.test
	pki_expect ok 0 "--revocation $pol: nothing fetched, no verdict"
done
# A profile's revocation = replaces the default (auto) for its probes;
# --revocation overrides the profile's in turn.
printf 'profile "no-rev" { revocation = off }\ntarget "t" { uri = "sips:example.test" }\n' \
	>"$TB/prof.conf"
pki_sc_certs "$P" --json -c "$TB/prof.conf" --profile no-rev sips:example.test
pki_expect ok 0 "certs --profile with revocation = off: nothing fetched, no verdict"
tb_jq "$R.policy == \"off\"" "the profile's policy (off) in the report"
[ "$(fetches rint.crl)" = "$before" ] || tb_fail "off/staple fetched the CRL"
tb_ok "off and staple (--revocation, a profile's revocation =) fetch nothing"
pki_sc_certs "$P" --json -c "$TB/prof.conf" --profile no-rev --revocation crl sips:example.test
pki_expect cert_revoked 1 "--revocation crl over the profile's off"

# The shared cache: a fresh rint.crl URL (?cache) is fetched once by 50
# probes of 10 targets in one process.
mk shared2 rint crl="$H/rint.crl?cache" san="$san"
pki_serve shared2
targets=()
for r in 1 2 3 4 5; do for i in 1 2 3 4 5 6 7 8 9 10; do targets+=("sips:t$i.test"); done; done
pki_sc_certs "$P" --json --parallel 10 "${targets[@]}"
tb_jq "[.[] | .frontends[0].revocation.certs[0].status] | length == 50 and all(. == \"good\")" \
	"50 probes, 10 targets: every leaf good by the CRL"
n=$(grep -c '"GET /rint.crl?cache ' "$TB/http.log" || true)
[ "$n" = 1 ] || tb_fail "the CRL was fetched $n times by 50 probes, not once"
tb_ok "50 probes across 10 targets fetched the shared CRL once"

tb_pass "revocation: CRL, OCSP, depth 1, unknown reasons, Must-Staple, policies, one fetch"
