#!/bin/bash
# certs_expiring.sh — issue 3, cert_expiring from `certs` (openssl s_server):
#   leaf expiring in 20 days, default windows (30/7) -> cert_expiring,
#       future.warn.ok false, future.crit.ok true
#   leaf expiring in 3 days                          -> cert_expiring,
#       future.warn.ok and future.crit.ok both false
#   intermediate expiring in 10 days, leaf in 1 year -> cert_expiring, the
#       intermediate (depth 1) named with its date; expiry points at it
#   the same with --warn-days 5 --crit-days 2        -> ok
#   the same with --warn-days 15 --crit-days 12      -> crit window hit
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init
pki_make "leaf_days d20 20" "leaf_days d3 3" leaf_int10

# --- leaf in 20 days: warn window only ----------------------------------------
pki_serve d20
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_expiring 1 "leaf expiring in 20 days"
tb_jq "$F.verified_chain | length == 3" "20d: the chain verifies now"
tb_jq "$F.future.warn.days == 30 and $F.future.crit.days == 7" "20d: default windows 30/7"
tb_jq "$F.future.warn.ok == false and $F.future.crit.ok == true" \
	"20d: fails at now+30d, fine at now+7d"
tb_jq "$F.future.warn.depth == 0" "20d: warn names depth 0"
tb_jq "$F.expiry.depth == 0 and $F.expiry.days_left > 19 and $F.expiry.days_left <= 20" \
	"20d: expiry is the leaf, ~20 days left"
d=$(pki_not_after_day "$PKI/d20.pem")
tb_jq "$F.error | type == \"string\" and test(\"$d\")" "20d: error gives the date $d"

# --- leaf in 3 days: crit window ----------------------------------------------
pki_serve d3
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_expiring 1 "leaf expiring in 3 days"
tb_jq "$F.future.warn.ok == false and $F.future.crit.ok == false" \
	"3d: fails at now+30d and at now+7d"
tb_jq "$F.future.crit.depth == 0" "3d: crit names depth 0"

# --- intermediate in 10 days, leaf in a year ----------------------------------
pki_serve int10leaf
pki_sc_certs "$P" --json sips:example.test
pki_expect cert_expiring 1 "intermediate expiring in 10 days"
tb_jq "$F.chain[0].days_left > 300" "int10: the leaf has a year left"
tb_jq "$F.chain[1].days_left > 9 and $F.chain[1].days_left <= 10" \
	"int10: chain[1] has ~10 days left"
tb_jq "$F.future.warn.ok == false and $F.future.crit.ok == true" \
	"int10: fails at now+30d, fine at now+7d"
tb_jq "$F.future.warn.depth == 1 and ($F.future.warn.subject | test(\"10-day intermediate\"))" \
	"int10: future.warn names the intermediate at depth 1"
tb_jq "$F.expiry.depth == 1 and ($F.expiry.subject | test(\"10-day intermediate\"))" \
	"int10: expiry (earliest notAfter) is the intermediate"
tb_jq "$F.expiry.fingerprint_sha256 | ascii_downcase == \"$(pki_fp "$PKI/int10.pem")\"" \
	"int10: expiry fingerprint is the intermediate's"
d=$(pki_not_after_day "$PKI/int10.pem")
tb_jq "$F.error | type == \"string\" and test(\"10-day intermediate\") and test(\"$d\")" \
	"int10: error names the intermediate and its date $d"

pki_sc_certs "$P" --json --warn-days 5 --crit-days 2 sips:example.test
pki_expect ok 0 "int10 with --warn-days 5 --crit-days 2"
tb_jq "$F.future.warn.days == 5 and $F.future.warn.ok == true and $F.future.crit.ok == true" \
	"int10 5/2: both windows fine"

pki_sc_certs "$P" --json --warn-days 15 --crit-days 12 sips:example.test
pki_expect cert_expiring 1 "int10 with --warn-days 15 --crit-days 12"
tb_jq "$F.future.crit.days == 12 and $F.future.crit.ok == false" "int10 15/12: crit window hit"

tb_pass "warn/crit windows over the whole chain, intermediate included"
