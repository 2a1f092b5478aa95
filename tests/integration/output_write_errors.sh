#!/bin/bash
# output_write_errors.sh — issue 14: every JSON, log and state write
# checks its result.  Against a real Kamailio, with standard output on
# /dev/full (every write fails with ENOSPC):
#   - check (--json, --nagios, the table) of a healthy registrar exits 3,
#     UNKNOWN, not 0, and says on stderr that the output could not be
#     written, and why;
#   - certs (--json, --csv), run -n and --version exit 2, the same, and
#     so does a drill whose --report-json cannot be written (it was 1, a
#     probe failure);
#   - report merge to standard output says it once, not twice;
#   - the same check to a file still exits 0 with its JSON;
#   - `sipcanary run` with stderr on /dev/full counts its lost log lines
#     in sipcanary_log_write_errors_total (they vanished uncounted).
# shellcheck disable=SC2317  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_check_init example.test
tb_require curl
[ -w /dev/full ] || tb_skip "no /dev/full"
SC=$(tb_sipcanary)

# full WANT WHAT ARGS... — sipcanary ARGS with stdout on /dev/full: exit
# WANT and one line on stderr naming the error.
full() {
	local want=$1 what=$2 rc=0 cmd=$3
	shift 2
	timeout -k 2 30 "$SC" "$@" >/dev/full 2>"$TB/full.err" </dev/null || rc=$?
	[ "$rc" = "$want" ] || tb_fail "$what to /dev/full: exit $rc, want $want: $(cat "$TB/full.err")"
	grep -q "^sipcanary $cmd: .*No space left on device" "$TB/full.err" ||
		tb_fail "$what to /dev/full: stderr does not name the error: $(cat "$TB/full.err")"
	[ "$(grep -c 'No space left on device' "$TB/full.err")" = 1 ] ||
		tb_fail "$what to /dev/full: the error said more than once: $(cat "$TB/full.err")"
}

tb_sc "${TB_CHECK[@]}" --json sips:example.test
tb_expect_rc 0 "check --json to a file"
tb_expect_verdict ok
full 3 "check --json" "${TB_CHECK[@]}" --json sips:example.test
full 3 "check --nagios" "${TB_CHECK[@]}" --nagios sips:example.test
full 3 "check (table)" "${TB_CHECK[@]}" sips:example.test
tb_ok "check of a healthy registrar, stdout on /dev/full: exit 3 (UNKNOWN) with the reason"

CERTS=(certs --connect "127.0.0.1:$P" --ca-file "$TB/pki/ca.pem" --timeout 10)
full 2 "certs --json" "${CERTS[@]}" --json sips:example.test
full 2 "certs --csv" "${CERTS[@]}" --csv sips:example.test
{
	printf 'listen = "127.0.0.1:%s"\nstate_dir = "%s"\n' "$(tb_free_port "$P")" "$TB/state"
	printf 'target "kam" {\n\turi = "sips:example.test"\n\tuser = "alice"\n'
	printf '\tpassword_file = "%s"\n\tconnect = "127.0.0.1:%s"\n' "$TB/pw" "$P"
	printf '\tca_file = "%s"\n\tinterval = 1s\n\ttimeout = 900ms\n\tflows = 0\n}\n' "$TB/pki/ca.pem"
} >"$TB/sc.conf"
full 2 "run -n" run -n -c "$TB/sc.conf"
full 2 "report merge" report merge "$TB_TOP/tests/fixtures/drill-report-a.json" \
	"$TB_TOP/tests/fixtures/drill-report-b.json" --report-json -
full 2 "--version" --version
printf 'clients = 1\nstep connect { }\nstep register { }\nstep unregister { }\n' >"$TB/one.scn"
tb_sc drill "$TB/one.scn" --target sips:example.test --connect "127.0.0.1:$P" \
	--ca-file "$TB/pki/ca.pem" --user alice --password-file "$TB/pw" --report-json /dev/full
[ "$TB_RC" = 2 ] || tb_fail "drill --report-json /dev/full: exit $TB_RC, want 2: $(cat "$TB_ERR")"
grep -q '^sipcanary drill: cannot write /dev/full: No space left on device' "$TB_ERR" ||
	tb_fail "drill --report-json /dev/full: $(cat "$TB_ERR")"
tb_ok "certs --json/--csv, run -n, report merge, --version and a drill report to /dev/full: exit 2, the reason said once"

# The daemon with its log on /dev/full: every line lost, each counted.
H=$(sed -n 's/^listen = "127.0.0.1:\(.*\)"/\1/p' "$TB/sc.conf")
"$SC" run -c "$TB/sc.conf" </dev/null >/dev/null 2>/dev/full &
DPID=$!
TB_PIDS+=("$DPID")
tb_wait_port "$H" 10 "$DPID" || tb_fail "the daemon does not listen on $H"
lost() {
	curl -sf --max-time 5 "http://127.0.0.1:$H/metrics" 2>/dev/null |
		awk '/^sipcanary_log_write_errors_total[ {]/ { v = $NF } END { exit !(v + 0 >= 1) }'
}
tb_until 10 lost || tb_fail "sipcanary_log_write_errors_total is not counting (the log lines vanish uncounted)"
n=$(curl -sf "http://127.0.0.1:$H/metrics" | awk '/^sipcanary_log_write_errors_total[ {]/ { print $NF }')
tb_stop "$DPID"
tb_pass "output to a full disk: check exits 3, the others 2, with the reason on stderr; the daemon counted $n lost log lines"
