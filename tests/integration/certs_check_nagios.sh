#!/bin/bash
# certs_check_nagios.sh — issue 3, `sipcanary check` with certificate
# windows against a real Kamailio (the served certificate is swapped with
# tls.reload between cases):
#   leaf expiring in 20 days   -> registers (sip 200) but cert_expiring,
#                                 exit 1 WARNING, severity warning
#   leaf expiring in 3 days    -> cert_expiring, exit 2 CRITICAL
#   intermediate in 10 days    -> cert_expiring, exit 1 WARNING; --nagios
#                                 says WARNING with perfdata days_left ~10
#   same, --warn-days 5 --crit-days 2  -> ok, exit 0
#   a 1-year chain             -> ok, exit 0; --json carries the certificate
#                                 report (identity, expiry, future, ocsp,
#                                 verified_chain) next to sip
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init kamailio kamcmd
pki_make leaf_good "leaf_days d20 20" "leaf_days d3 3" leaf_int10
# one Kamailio; pki_kamailio_swap NAME serves another chain (tls.reload)
pki_kamailio good

pki_sc_check "$P" --json sips:example.test
pki_expect ok 0 "1-year chain"
tb_jq "$F.sip.final_status == 200" "ok: registered"
tb_jq "$F.identity.matched == \"sip:example.test\" and $F.identity.source == \"uri_san\"" \
	"check --json: identity"
tb_jq "$F.verified_chain | length == 3" "check --json: verified_chain"
tb_jq "$F.expiry.depth == 0 and ($F.expiry.days_left | type == \"number\")" "check --json: expiry"
tb_jq "$F.future.warn.ok == true and $F.future.crit.ok == true" "check --json: future"
tb_jq "$F.ocsp.requested == true" "check --json: ocsp"
tb_jq "$F.tls.group | type == \"string\" and length > 0" "check --json: tls.group"

pki_kamailio_swap d20
pki_sc_check "$P" --json sips:example.test
pki_expect cert_expiring 1 "leaf in 20 days (Nagios WARNING)"
tb_jq '.severity == "warning"' "20d: severity warning"
tb_jq "$F.sip.final_status == 200" "20d: the REGISTER still succeeded"
tb_jq "$F.future.warn.ok == false and $F.future.crit.ok == true" "20d: warn window only"
pki_sc_check "$P" --nagios sips:example.test
tb_expect_rc 1 "20d --nagios"
head -n 1 "$TB_OUT" | grep -q WARNING || tb_fail "20d --nagios: no WARNING: $(head -n 1 "$TB_OUT")"
tb_ok "20d --nagios: $(head -n 1 "$TB_OUT" | cut -c1-100)"

pki_kamailio_swap d3
pki_sc_check "$P" --json sips:example.test
pki_expect cert_expiring 2 "leaf in 3 days (Nagios CRITICAL)"
tb_jq '.severity == "critical"' "3d: severity critical"
pki_sc_check "$P" --nagios sips:example.test
tb_expect_rc 2 "3d --nagios"
head -n 1 "$TB_OUT" | grep -q CRITICAL || tb_fail "3d --nagios: no CRITICAL: $(head -n 1 "$TB_OUT")"
tb_ok "3d --nagios: CRITICAL"

pki_kamailio_swap int10leaf
pki_sc_check "$P" --json sips:example.test
pki_expect cert_expiring 1 "intermediate in 10 days (Nagios WARNING)"
tb_jq "$F.future.warn.depth == 1" "int10: future.warn names depth 1"
tb_jq "$F.expiry.depth == 1" "int10: expiry is the intermediate"
pki_sc_check "$P" --nagios sips:example.test
tb_expect_rc 1 "int10 --nagios"
first=$(head -n 1 "$TB_OUT")
printf '%s\n' "$first" | grep -q WARNING || tb_fail "int10 --nagios: no WARNING: $first"
perf=${first#*|}
dl=$(printf '%s\n' "$perf" | grep -Eo "'?days_left'?=-?[0-9.]+" | head -n 1 | cut -d= -f2)
[ -n "$dl" ] || tb_fail "int10 --nagios: no days_left in perfdata: $first"
awk -v d="$dl" 'BEGIN { exit !(d > 9 && d <= 10) }' ||
	tb_fail "int10 --nagios: days_left=$dl, expected ~10 (the intermediate)"
tb_ok "int10 --nagios: WARNING, perfdata days_left=$dl"
pki_sc_check "$P" --json --warn-days 5 --crit-days 2 sips:example.test
pki_expect ok 0 "int10 with --warn-days 5 --crit-days 2"

tb_pass "check: cert_expiring is WARNING/CRITICAL by window, perfdata days_left"
