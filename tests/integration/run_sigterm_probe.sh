#!/bin/bash
# run_sigterm_probe.sh — issue 8, no binding left behind: SIGTERM while a
# fresh probe's REGISTER is in flight.  The registrar (sipp behind
# stunnel4, tests/integration/sipp/register_stall.xml) challenges the
# probe's REGISTER and answers the authorized one with 100 Trying only,
# as a registrar that is granting the binding right now.  The daemon then
# gets SIGTERM:
#   - it sends a REGISTER with Expires: 0 on the probe's own Call-ID
#     before it goes (the registrar answers 200);
#   - it exits with status 0 within 5 s, with no "grace period over".
# shellcheck disable=SC2317  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
# shellcheck source=SCRIPTDIR/../faults/lib.sh
. "$(dirname "$0")/../faults/lib.sh"
tb_init
tb_require sipp stunnel4 openssl curl ss awk
tb_require_sipcanary

PKI=$TB/pki
pki_make
pki_leaf_good "$PKI" || tb_fail "could not make the good leaf"
tb_password_file "$TB/pw" secret
mkdir -p "$TB/state" "$TB/fx"
DM_LOG=$TB/daemon.log
DM_HTTP=$(tb_free_port) || tb_fail "no free port"
FX_NAME=stall FX_DIR=$TB/fx
FX_HERE=$(cd "$(dirname "$0")" && pwd)
fx_sipp register_stall "$PKI/good.chain.pem" "$PKI/good.key" ||
	tb_fail "sipp behind stunnel4 did not start"
tb_ok "stalling registrar (sipp behind stunnel4) on 127.0.0.1:$FX_PORT"

{
	dm_config_head "interval = 10s" "timeout = 8s" "flows = 0"
	printf 'target "stall" {\n\turi = "sips:example.test"\n'
	printf '\tuser = "alice"\n\tpassword_file = "%s"\n' "$TB/pw"
	printf '\tconnect = "127.0.0.1:%s"\n}\n' "$FX_PORT"
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"

# registers — the REGISTER requests sipp received
registers() { fx_sipp_count '^REGISTER sip'; }
stalled() { [ "$(registers)" -ge 2 ] && [ "$(fx_sipp_count '^SIP/2.0 100 Trying')" -ge 1 ]; }
tb_until 10 stalled ||
	tb_fail "the probe's authorized REGISTER did not reach the registrar within 10 s"
tb_ok "the probe's authorized REGISTER got 100 Trying; no final answer"

dm_stop 5
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC, want 0"
tb_ok "SIGTERM: exit status 0 after ${DM_STOP_SECS}s"
if grep -q 'grace period over' "$DM_LOG"; then
	tb_fail "the daemon exited with the unregister unanswered"
fi
[ "$(registers)" = 3 ] ||
	tb_fail "the registrar received $(registers) REGISTERs, want 3 (the third with Expires: 0)"
# the third REGISTER: Expires 0 (header or Contact parameter), same Call-ID
awk '/^REGISTER sip/ { n++ } n == 3' "$FX_DIR/sipp.msg" | tr -d '\r' >"$TB/third.txt"
grep -Eqi '^(Expires: *0$|Contact:.*;expires=0)' "$TB/third.txt" ||
	tb_fail "the third REGISTER does not ask for Expires 0: $(cat "$TB/third.txt")"
cid() { awk '/^REGISTER sip/ { n++ } n == '"$1"' && tolower($1) == "call-id:" { print $2; exit }' "$FX_DIR/sipp.msg" | tr -d '\r'; }
[ -n "$(cid 2)" ] && [ "$(cid 2)" = "$(cid 3)" ] ||
	tb_fail "the unregister's Call-ID '$(cid 3)' is not the probe's '$(cid 2)'"
[ "$(fx_sipp_count '^SIP/2.0 200 OK')" = 1 ] ||
	tb_fail "sipp did not answer the unregister 200"
tb_ok "the probe unregistered (Expires 0, Call-ID $(cid 3)) before the daemon exited"
tb_pass "a fresh probe cut off by SIGTERM removes the binding it was being granted"
