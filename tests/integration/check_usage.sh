#!/bin/bash
# check_usage.sh — issue 2, the CLI contract: usage errors exit 3 with a
# message on stderr, --help/--version exit 0, a missing password is a
# usage error, and the SIPCANARY_PASSWORD environment variable works.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require kamailio kamcmd openssl jq
tb_require_sipcanary
unset SIPCANARY_PASSWORD

# nothing listens here: a command that wrongly probes fails fast (exit 2)
C=$(tb_free_port)

# no URI
tb_sc check --connect "127.0.0.1:$C"
tb_expect_rc 3 "no URI"
[ -s "$TB_ERR" ] || tb_fail "no URI: nothing on stderr"
grep -qi 'usage' "$TB_ERR" || tb_fail "no URI: stderr has no usage message"
tb_ok "no URI: usage on stderr"

# unknown option
tb_sc check --no-such-option sips:example.test
tb_expect_rc 3 "unknown option"
[ -s "$TB_ERR" ] || tb_fail "unknown option: nothing on stderr"

# --help and --version
tb_sc check --help
tb_expect_rc 0 "check --help"
grep -q -- '--password-file' "$TB_OUT" "$TB_ERR" ||
	tb_fail "check --help does not mention --password-file"
tb_sc --help
tb_expect_rc 0 "--help"
[ -s "$TB_OUT" ] || tb_fail "--help prints nothing on stdout"
tb_sc --version
tb_expect_rc 0 "--version"
[ -s "$TB_OUT" ] || tb_fail "--version prints nothing on stdout"

# --user without a password anywhere
tb_sc check --connect "127.0.0.1:$C" --user alice --timeout 2 sips:example.test
tb_expect_rc 3 "password given nowhere"
grep -qi 'password' "$TB_ERR" ||
	tb_fail "password given nowhere: stderr does not mention the password"
tb_ok "password given nowhere: $(head -n 1 "$TB_ERR")"

# a password file that does not exist
tb_sc check --connect "127.0.0.1:$C" --user alice \
	--password-file "$TB/no-such-file" --timeout 2 sips:example.test
tb_expect_rc 3 "missing password file"
[ -s "$TB_ERR" ] || tb_fail "missing password file: nothing on stderr"

# the password from SIPCANARY_PASSWORD, against a real registrar
tb_pki "$TB/pki" || tb_fail "could not make certificates"
P=$(tb_free_port)
tb_kamailio_start "$TB/kam" "$P" "$TB/pki/example.test.pem" "$TB/pki/example.test.key" ||
	tb_fail "kamailio did not start"
args=(check --connect "127.0.0.1:$P" --ca-file "$TB/pki/ca.pem" --user alice
	--timeout 10 --json sips:example.test)
SIPCANARY_PASSWORD=secret tb_sc "${args[@]}"
tb_expect_rc 0 "SIPCANARY_PASSWORD=secret"
tb_expect_verdict ok
SIPCANARY_PASSWORD=wrong tb_sc "${args[@]}"
tb_expect_rc 2 "SIPCANARY_PASSWORD=wrong"
tb_expect_verdict sip_auth_rejected

tb_pass "usage errors exit 3, help/version 0, env password works"
