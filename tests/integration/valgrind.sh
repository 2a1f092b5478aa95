#!/bin/bash
# valgrind.sh - issue 8: a memcheck run of `sipcanary check` against a real
# Kamailio, and of a short daemon run stopped with SIGTERM, report no
# leaks and no errors.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require valgrind kamailio openssl
tb_require_sipcanary
SC=$(tb_sipcanary)

tb_pki "$TB/pki" || tb_fail "could not make certificates"
P=$(tb_free_port)
tb_kamailio_start "$TB/kam" "$P" "$TB/pki/example.test.fullchain.pem" \
	"$TB/pki/example.test.key" || tb_fail "kamailio did not start"
tb_password_file "$TB/pw" secret

# Reachable leaks of libraries' one-time state (OpenSSL, c-ares, Sofia's
# static tables) are not ours; definite and indirect leaks are.
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
	--log-file="$TB/vg.%p.log")

set +e
timeout 60 "${VG[@]}" "$SC" check --json --connect "127.0.0.1:$P" \
	--ca-file "$TB/pki/ca.pem" --user alice --password-file "$TB/pw" \
	sips:example.test >"$TB/check.json" 2>"$TB/check.err"
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$TB"/vg.*.log >&2; tb_fail "check under valgrind: exit $rc (99: memcheck errors)"; }
jq -e '.verdict == "ok"' "$TB/check.json" >/dev/null || tb_fail "check under valgrind: verdict not ok"
tb_ok "check: 0 errors, 0 definite/indirect leaks"

# A failing probe takes other paths: a name mismatch closes before SIP.
set +e
timeout 60 "${VG[@]}" "$SC" certs --connect "127.0.0.1:$P" \
	--ca-file "$TB/pki/ca.pem" sips:other.test >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$TB"/vg.*.log >&2; tb_fail "certs (mismatch) under valgrind: exit $rc, expected 1"; }
tb_ok "certs with a failing verdict: 0 errors, 0 leaks"

H=$(tb_free_port)
mkdir -p "$TB/state"
cat >"$TB/sc.conf" <<EOC
vantage = "vg"
listen = "127.0.0.1:$H"
state_dir = "$TB/state"
defaults { interval = 1s timeout = 900ms keepalive = 1s reconnect_every = 2s
	expires = 60 ca_file = "$TB/pki/ca.pem" }
target "t" { uri = "sips:example.test" user = "alice"
	password_file = "$TB/pw" connect = "127.0.0.1:$P" }
EOC
"${VG[@]}" "$SC" run -c "$TB/sc.conf" 2>"$TB/run.err" &
pid=$!
# Under valgrind everything is slower: give it time to probe, break and
# reconnect a flow, and serve a scrape.
ok=0
for _ in $(seq 1 100); do
	if curl -sf "http://127.0.0.1:$H/metrics" 2>/dev/null |
		grep -q 'sipcanary_flow_reconnects_total{.*result="success"'; then
		ok=1
		break
	fi
	sleep 0.2
done
curl -sf "http://127.0.0.1:$H/" >/dev/null || true
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$ok" = 1 ] || tb_fail "the daemon under valgrind never reconnected a flow"
[ "$rc" = 0 ] || { cat "$TB"/vg.*.log >&2; tb_fail "daemon under valgrind: exit $rc (99: memcheck errors)"; }
tb_pass "memcheck: check, certs and a daemon run (probes, a reconnect, scrapes, SIGTERM): 0 errors, 0 leaks"
