#!/bin/bash
# cli_setup_errors.sh - a set-up error still gives machine output on
# stdout: --nagios prints exactly one status line, UNKNOWN with the
# reason (Nagios otherwise shows "(No output...)"), and --json prints one
# JSON object with an "error" member.  An unknown option gets one message
# with the nearest option the command takes.
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary
tb_require jq
port=$(tb_free_port)
printf 'secret\n' >"$TB/pw644"
chmod 0644 "$TB/pw644"

tb_sc check --nagios --user alice --password-file "$TB/pw644" \
	--connect "127.0.0.1:$port" sips:example.test
[ "$TB_RC" = 3 ] || tb_fail "--nagios, 0644 password file: exit $TB_RC, want 3"
[ "$(wc -l <"$TB_OUT")" = 1 ] || tb_fail "--nagios: not one line on stdout: $(cat "$TB_OUT")"
grep -q '^SIPCANARY UNKNOWN - check: password file .* readable by others' "$TB_OUT" ||
	tb_fail "--nagios: $(cat "$TB_OUT")"
tb_ok "check --nagios, bad password file: one UNKNOWN line with the reason"

tb_sc check --json --ca-file "$TB/no-such-ca.pem" --connect "127.0.0.1:$port" \
	sips:example.test
[ "$TB_RC" = 3 ] || tb_fail "--json, missing CA file: exit $TB_RC, want 3"
jq -e '.error | test("CA file")' "$TB_OUT" >/dev/null ||
	tb_fail "check --json: no error member: $(cat "$TB_OUT")"
[ "$(jq -s length "$TB_OUT")" = 1 ] || tb_fail "check --json: not one object"
tb_ok "check --json, missing CA file: one object with an error member"

tb_sc certs --json --ca-file "$TB/no-such-ca.pem" --connect "127.0.0.1:$port" \
	sips:example.test
[ "$TB_RC" = 2 ] || tb_fail "certs --json, missing CA file: exit $TB_RC, want 2"
jq -e '.command == "certs" and (.error | length > 0)' "$TB_OUT" >/dev/null ||
	tb_fail "certs --json: $(cat "$TB_OUT")"
tb_ok "certs --json, missing CA file: one object with an error member"

tb_sc check --nagios --bogus sips:example.test
grep -q '^SIPCANARY UNKNOWN - check: unknown option --bogus$' "$TB_OUT" ||
	tb_fail "--nagios with an unknown option: $(cat "$TB_OUT")"
tb_sc check --nagois sips:example.test
[ "$TB_RC" = 3 ] || tb_fail "--nagois: exit $TB_RC"
[ "$(grep -c 'nagois' "$TB_ERR")" = 1 ] || tb_fail "not one message: $(cat "$TB_ERR")"
grep -q 'unknown option --nagois (did you mean --nagios?)' "$TB_ERR" ||
	tb_fail "no suggestion: $(cat "$TB_ERR")"
tb_sc certs --timeout
grep -q -- '--timeout needs a value' "$TB_ERR" || tb_fail "missing value: $(cat "$TB_ERR")"
tb_ok "unknown options: one message, with the nearest option"
tb_pass "set-up errors keep the promised output; unknown options suggest the nearest"
