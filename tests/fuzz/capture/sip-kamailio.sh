#!/bin/bash
# sip-kamailio.sh - captures real registrar responses for the fuzz seeds.
#
#   tests/fuzz/capture/sip-kamailio.sh OUTDIR
#
# Runs the test bed's Kamailio (tests/lib/common.sh) on loopback in a few
# configurations, drives it with sipcanary's -v trace, and writes every
# response received ("<-- " blocks of the trace) to OUTDIR/NAME-N.sip with
# CRLF line ends.  tests/fuzz/mkcorpus.py turns these into seeds.
# Needs kamailio, openssl and a built sipcanary (scripts/build).
set -eu
out=$(mkdir -p "$1" && cd "$1" && pwd)
# shellcheck source=SCRIPTDIR/../../lib/common.sh
. "$(dirname "$0")/../../lib/common.sh"
tb_init
tb_require kamailio openssl
tb_require_sipcanary
tb_pki "$TB/pki" || tb_fail "could not make certificates"
tb_password_file "$TB/pw" secret
tb_password_file "$TB/badpw" wrong

# extract NAME: the responses of the last run's trace (stderr).
extract() {
	awk -v out="$out" -v name="$1" '
	/^<-- / { n++; f = sprintf("%s/%s-%d.sip", out, name, n); inmsg = 1; hdr = 1; next }
	/^--> / { inmsg = 0; next }
	inmsg && hdr && /^\r?$/ { printf "\r\n" > f; hdr = 0; close(f); inmsg = 0; next }
	inmsg { sub(/\r$/, ""); printf "%s\r\n", $0 > f }
	' "$TB_ERR"
}

# kam NAME EXTRA_CFG: a fresh Kamailio; EXTRA_CFG goes before request_route.
kam() {
	P=$(tb_free_port)
	TB_KAM_EXTRA=${2:-} tb_kamailio_start "$TB/kam-$1" "$P" \
	    "$TB/pki/example.test.pem" "$TB/pki/example.test.key" ||
		tb_fail "kamailio did not start"
}
base=(--connect 127.0.0.1:PORT --ca-file "$TB/pki/ca.pem" --user alice --timeout 10)
args() { printf '%s\n' "${base[@]}" | sed "s/PORT/$P/"; }

# 1. register, 401 (MD5, qop=auth), 200, unregister 200
kam md5
mapfile -t a < <(args)
tb_sc check -v "${a[@]}" --password-file "$TB/pw" sips:example.test
extract md5
# 2. wrong password: 403
tb_sc check -v "${a[@]}" --password-file "$TB/badpw" sips:example.test
extract forbidden
tb_stop "$TB_KAM_PID"
# 3. wrong password answered with a fresh challenge: 401 again
TB_KAM_BADPW_REPLY=401 kam badpw401
mapfile -t a < <(args)
tb_sc check -v "${a[@]}" --password-file "$TB/badpw" sips:example.test
extract again401
tb_stop "$TB_KAM_PID"
# 4. SHA-256 challenges (RFC 8760)
kam sha256 'modparam("auth", "algorithm", "SHA-256")'
mapfile -t a < <(args)
tb_sc check -v "${a[@]}" --password-file "$TB/pw" sips:example.test
extract sha256
tb_stop "$TB_KAM_PID"
# 5. OPTIONS, and a REGISTER below min_expires: 423 with Min-Expires
kam misc 'modparam("registrar", "min_expires_mode", 1)'
mapfile -t a < <(args)
cat >"$TB/short.scn" <<'SCN'
clients = 1
step connect { }
step options { }
step register { expires = 5  expect = 423 }
step unregister { }
SCN
tb_sc drill "$TB/short.scn" -v --target sips:example.test "${a[@]}" \
    --password-file "$TB/pw"
extract misc
tb_stop "$TB_KAM_PID"
# 6. proxy challenges: 407 with Proxy-Authenticate
kam proxy
sed -i 's/auth_challenge("example.test", "1")/proxy_challenge("example.test", "1")/' \
    "$TB/kam-proxy/kamailio.cfg"
tb_stop "$TB_KAM_PID"
_tb_kamailio_run "$TB/kam-proxy" "$P" || tb_fail "kamailio did not restart"
mapfile -t a < <(args)
tb_sc check -v "${a[@]}" --password-file "$TB/pw" sips:example.test
extract proxy407
ls "$out"
