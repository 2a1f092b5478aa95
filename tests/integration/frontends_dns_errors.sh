#!/bin/bash
# frontends_dns_errors.sh — issue 4, DNS failures are target-level results,
# never a crash or a hang ("frontends": [], "error" says why; check exit 2,
# certs exit 1):
#  1. NXDOMAIN: sips:nx.example.test, a name nobody defines -> dns_nxdomain
#     (also --nagios: exit 2);
#  2. a name that exists with only a TXT record (no NAPTR, SRV, A, AAAA)
#     -> dns_no_records;
#  3. a server that answers SERVFAIL to everything -> dns_servfail;
#  4. a server that never answers (reads, stays silent) -> dns_timeout
#     within --timeout 3 (the run ends in < 5 s), for check and certs; the
#     silent server did receive the queries (so --dns-server was used).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
tb_init
tb_require openssl jq
dns_require
tb_require_sipcanary

PKI=$TB/pki
pki_init "$PKI" || tb_fail "could not make certificates"

D=$(tb_free_port udp)
dns_start "$D" --txt-record=empty.example.test,"no sip here" ||
	tb_fail "dnsmasq did not start"
dns_expect 127.0.0.1 "$D" nx.example.test NAPTR "rcode=NXDOMAIN" "nx: NXDOMAIN"
dns_expect 127.0.0.1 "$D" empty.example.test TXT "an=1;TXT no sip here" "empty: TXT only"
dns_expect 127.0.0.1 "$D" empty.example.test A "rcode=NOERROR tc=0 an=0;" "empty: no A"

# dns_failure CODE WHAT — the last run is a target-level DNS failure
dns_failure() {
	tb_jq ".verdict == \"$1\"" "$2: verdict $1"
	tb_jq '.severity == "critical"' "$2: severity critical"
	tb_jq '.frontends == []' "$2: frontends []"
	tb_jq '.error | type == "string" and length > 0' "$2: error says why"
}

# --- 1. NXDOMAIN ----------------------------------------------------------------
dns_sc_check "$D" --json sips:nx.example.test
tb_expect_rc 2 "1. check, NXDOMAIN"
dns_failure dns_nxdomain "1. check"
dns_sc_certs "$D" --json sips:nx.example.test
tb_expect_rc 1 "1. certs, NXDOMAIN"
dns_failure dns_nxdomain "1. certs"
dns_sc_check "$D" --nagios sips:nx.example.test
tb_expect_rc 2 "1. check --nagios, NXDOMAIN"
dns_sc_check "$D" sips:nx.example.test
tb_expect_rc 2 "1. check (human), NXDOMAIN"

# --- 2. no records ----------------------------------------------------------------
dns_sc_check "$D" --json sips:empty.example.test
tb_expect_rc 2 "2. check, TXT only"
dns_failure dns_no_records "2. check"
dns_sc_certs "$D" --json sips:empty.example.test
tb_expect_rc 1 "2. certs, TXT only"
dns_failure dns_no_records "2. certs"

# --- 3. SERVFAIL ----------------------------------------------------------------
S=$(tb_free_port udp)
dns_servfail_start "$S" || tb_fail "SERVFAIL server did not start"
dns_expect 127.0.0.1 "$S" example.test NAPTR "rcode=SERVFAIL" "SERVFAIL server"
dns_sc_check "$S" --json sips:example.test
tb_expect_rc 2 "3. check, SERVFAIL"
dns_failure dns_servfail "3. check"
dns_sc_certs "$S" --json sips:example.test
tb_expect_rc 1 "3. certs, SERVFAIL"
dns_failure dns_servfail "3. certs"

# --- 4. a server that never answers -----------------------------------------------
X=$(tb_free_port udp)
dns_dead_start "$X" || tb_fail "silent DNS server did not start"
dns_sc_check "$X" --timeout 3 --json sips:example.test
tb_expect_rc 2 "4. check, silent DNS server"
dns_failure dns_timeout "4. check"
awk -v w="$TB_WALL" 'BEGIN { exit !(w < 5) }' ||
	tb_fail "4. check took ${TB_WALL}s with --timeout 3"
tb_ok "4. check ended after ${TB_WALL}s (--timeout 3)"
n=$(dns_fake_queries "$X")
[ "$n" -ge 1 ] || tb_fail "4. the silent server never got a query: --dns-server not used?"
tb_ok "4. the silent server got $n queries"

dns_sc_certs "$X" --timeout 3 --json sips:example.test
tb_expect_rc 1 "4. certs, silent DNS server"
dns_failure dns_timeout "4. certs"
awk -v w="$TB_WALL" 'BEGIN { exit !(w < 5) }' ||
	tb_fail "4. certs took ${TB_WALL}s with --timeout 3"
tb_ok "4. certs ended after ${TB_WALL}s (--timeout 3)"

tb_pass "NXDOMAIN, no records, SERVFAIL and a silent server are DNS verdicts, in time"
