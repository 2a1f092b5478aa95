#!/bin/bash
# check_refused.sh — issue 2: nothing listens on the port → tcp_refused,
# exit 2 (CRITICAL), quickly.  Issue 16: a check does not read OpenSSL's
# configuration file unless OPENSSL_CONF names one (strace shows the
# files opened).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require jq strace
tb_require_sipcanary

P=$(tb_free_port)   # picked free and left closed
tb_password_file "$TB/pw" secret
args=(check --connect "127.0.0.1:$P" --user alice --password-file "$TB/pw"
	--timeout 10)

tb_sc "${args[@]}" --json sips:example.test
tb_expect_rc 2 "--json"
tb_expect_verdict tcp_refused
awk -v w="$TB_WALL" 'BEGIN{exit !(w < 3)}' ||
	tb_fail "a refused connect took ${TB_WALL}s"
tb_ok "finished in ${TB_WALL}s"

tb_sc "${args[@]}" --nagios sips:example.test
tb_expect_rc 2 "--nagios"
head -n 1 "$TB_OUT" | grep -q 'CRITICAL' ||
	tb_fail "nagios output does not say CRITICAL: $(head -n 1 "$TB_OUT")"

# start-up: OpenSSL's own configuration file is not read, unless asked for
strace -f -e trace=open,openat -o "$TB/open.txt" "$(tb_sipcanary)" "${args[@]}" \
	sips:example.test >/dev/null 2>&1 || true
grep -q 'libssl' "$TB/open.txt" || tb_fail "strace saw no file opened: $(head -c 300 "$TB/open.txt")"
! grep -q 'openssl\.cnf' "$TB/open.txt" ||
	tb_fail "check read OpenSSL's configuration: $(grep 'openssl\.cnf' "$TB/open.txt")"
printf 'openssl_conf = init\n[init]\n' >"$TB/asked.cnf"
OPENSSL_CONF=$TB/asked.cnf strace -f -e trace=open,openat -o "$TB/open2.txt" \
	"$(tb_sipcanary)" "${args[@]}" sips:example.test >/dev/null 2>&1 || true
grep -q "asked\.cnf" "$TB/open2.txt" || tb_fail "OPENSSL_CONF=$TB/asked.cnf was not read"
tb_ok "OpenSSL's configuration is read only when OPENSSL_CONF names one"

tb_pass "closed port -> tcp_refused, exit 2; no OpenSSL configuration unless asked"
