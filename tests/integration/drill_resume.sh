#!/bin/bash
# drill_resume.sh — issue 5: the connect/reconnect setting resume, seen on
# the wire.  A TCP tap in front of a TLS 1.2 Kamailio logs the TLS record
# types each client sends.  A full TLS 1.2 handshake from the client is
# ClientHello, ClientKeyExchange, ChangeCipherSpec, Finished (22 22 20 22);
# a resumed one has no ClientKeyExchange (22 20 22).
#   * resume = no (the default, a fresh connection): both connections of
#     connect / break close_notify / reconnect do full handshakes;
#   * resume = yes on both: the reconnect resumes the first session.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
tb_init
TB_KAM_TLS_METHOD=TLSv1.2 drill_setup
TAP=$(tb_free_port)
drill_tls_tap "$TAP" "$DR_PORT" || tb_fail "the TLS tap did not start"
DR_CONNECT=127.0.0.1:$TAP

for r in no yes; do
	drill_scn "resume-$r" <<-EOF
	step connect   { resume = $r }
	step options   { expect = 200 }
	step break     { how = close_notify }
	step reconnect { resume = $r }
	step options   { expect = 200  label = "options-again" }
	EOF
	n0=$(grep -c '^client ' "$TB/tap-$TAP.log") || true
	drill "resume-$r"
	tb_expect_rc 0 "resume = $r"
	drill_jq 'all(.steps[]; .verdicts == {"ok": 1})' "resume = $r: every step ok"
	two_logged() { [ "$(grep -c '^client ' "$TB/tap-$TAP.log")" -ge $((n0 + 2)) ]; }
	tb_until 5 two_logged || tb_fail "resume = $r: the tap did not see two connections end"
	first=$(grep '^client ' "$TB/tap-$TAP.log" | sed -n "$((n0 + 1))p")
	second=$(grep '^client ' "$TB/tap-$TAP.log" | sed -n "$((n0 + 2))p")
	printf '    tap: %s\n    tap: %s\n' "$first" "$second"
	case "$first" in *"records: 22 22 20 22 23 "*) ;;
	*) tb_fail "resume = $r: the first connection did not do a full handshake" ;; esac
	case $r in
	no)  case "$second" in *"records: 22 22 20 22 23 "*) ;;
	     *) tb_fail "resume = no: the reconnect did not do a full handshake" ;; esac
	     tb_ok "resume = no: two full handshakes" ;;
	yes) case "$second" in *"records: 22 20 22 23 "*) ;;
	     *) tb_fail "resume = yes: the reconnect did not resume the session" ;; esac
	     tb_ok "resume = yes: the reconnect resumed (no ClientKeyExchange)" ;;
	esac
done
[ "$(kam_count 'SCOPTIONS ')" = 4 ] || tb_fail "Kamailio answered $(kam_count 'SCOPTIONS ') OPTIONS, want 4"

tb_pass "resume = no: full handshakes; resume = yes: the reconnect resumes"
