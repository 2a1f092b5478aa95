#!/bin/bash
# frontends_inconsistent.sh — issue 4, consistency across the frontends of
# one target (a partial certificate rollout).  SRV for example.test:
# prio 10 fe1 127.0.0.2:P1, prio 10 fe2 127.0.0.3:Px, prio 20 fe3 [::1]:P3;
# fe1 and fe3 are one Kamailio serving leaf "good"; fe2 varies:
#  1. fe2 = a second Kamailio serving "good2": another valid leaf, same CA,
#     same example.test identity.  check --json: cert_inconsistent,
#     WARNING (exit 1), every frontend ok, consistency.ok false,
#     consistency.leaf_certificates = the 2 fingerprints, each with its
#     notAfter and exactly its frontends; --nagios exit 1; certs exit 1.
#     With --allow-mixed-certs: OK (exit 0 / certs exit 0), the 2 leaves
#     still listed.
#  2. fe2 = s_server serving "cnonly" (valid, identity from the CN only):
#     the identity outcome differs too -> cert_inconsistent even with
#     --allow-mixed-certs; consistency.identities has 2 entries.
#  3. fe2 = s_server serving "good" (the same leaf) but TLS 1.2 only while
#     the others negotiate TLS 1.3 -> cert_inconsistent (also with
#     --allow-mixed-certs), consistency.tls_versions has 2 entries, and
#     consistency.leaf_certificates has 1.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
dns_test_init ipv6 "leaf_good good2" leaf_cn_only
fp1=$(pki_fp "$PKI/good.pem")
fp2=$(pki_fp "$PKI/good2.pem")
na1=$(pki_not_after "$PKI/good.pem")
na2=$(pki_not_after "$PKI/good2.pem")
[ "$fp1" != "$fp2" ] || tb_fail "test bed: good and good2 have the same fingerprint"

tb_free_ports P1 P2 P3 P4 P5
A1="127.0.0.2:$P1"
A2="127.0.0.3:$P2"
A3="[::1]:$P3"
A4="127.0.0.3:$P4"
A5="127.0.0.3:$P5"
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" "$A1" "$A3" ||
	tb_fail "kamailio (good) did not start"
tb_kamailio "$TB/kam2" "$PKI/good2.chain.pem" "$PKI/good2.key" "$A2" ||
	tb_fail "kamailio (good2) did not start"
dns_tls_server 127.0.0.3 "$P4" "$PKI/cnonly.chain.pem" "$PKI/cnonly.key" ||
	tb_fail "s_server (cnonly) did not start"
dns_tls_server 127.0.0.3 "$P5" "$PKI/good.chain.pem" "$PKI/good.key" -tls1_2 ||
	tb_fail "s_server (TLS 1.2) did not start"

# dns_for PORT_OF_FE2 — a dnsmasq whose SRV set is fe1, fe2 (127.0.0.3 on
# that port), fe3; sets D
dns_for() {
	D=$(tb_free_port udp)
	dns_start "$D" \
		--srv-host="_sips._tcp.example.test,fe1.example.test,$P1,10,10" \
		--srv-host="_sips._tcp.example.test,fe2.example.test,$1,10,10" \
		--srv-host="_sips._tcp.example.test,fe3.example.test,$P3,20,10" \
		--host-record=fe1.example.test,127.0.0.2 \
		--host-record=fe2.example.test,127.0.0.3 \
		--host-record=fe3.example.test,::1 || tb_fail "dnsmasq did not start"
}

# --- 1. two valid leaves ---------------------------------------------------------
dns_for "$P2"
dns_sc_check "$D" --json sips:example.test
dns_expect_target cert_inconsistent warning 1 "1. two leaves: check --json"
dns_expect_frontends "1." "$A1=ok" "$A2=ok" "$A3=ok"
tb_jq '.consistency.ok == false' "1. consistency.ok is false"
tb_jq '.consistency.leaf_certificates | length == 2' "1. two leaf certificates listed"
tb_jq "[.consistency.leaf_certificates[]
	| select((.fingerprint_sha256 | ascii_downcase) == \"$fp1\")
	| (.not_after == \"$na1\") and ((.frontends | sort) == ([\"$A1\", \"$A3\"] | sort))] == [true]" \
	"1. leaf good: its notAfter, served by fe1 and fe3"
tb_jq "[.consistency.leaf_certificates[]
	| select((.fingerprint_sha256 | ascii_downcase) == \"$fp2\")
	| (.not_after == \"$na2\") and (.frontends == [\"$A2\"])] == [true]" \
	"1. leaf good2: its notAfter, served by fe2 only"
tb_jq '.consistency.tls_versions | length == 1' "1. one TLS version"
tb_jq 'all(.frontends[]; .sip.final_status == 200)' "1. every frontend registered"
dns_sc_check "$D" --nagios sips:example.test
tb_expect_rc 1 "1. check --nagios: WARNING"
dns_sc_certs "$D" --json sips:example.test
tb_expect_rc 1 "1. certs --json"
tb_jq '.verdict == "cert_inconsistent" and .consistency.ok == false' \
	"1. certs: cert_inconsistent"

dns_sc_check "$D" --json --allow-mixed-certs sips:example.test
dns_expect_target ok ok 0 "1. check --allow-mixed-certs"
tb_jq '.consistency.leaf_certificates | length == 2' \
	"1. --allow-mixed-certs: both leaves still listed"
tb_jq '.consistency.ok == true' "1. --allow-mixed-certs: consistency.ok"
dns_sc_certs "$D" --json --allow-mixed-certs sips:example.test
dns_expect_target ok ok 0 "1. certs --allow-mixed-certs"
tb_stop "$DNS_PID"

# --- 2. a different identity outcome ----------------------------------------------
dns_for "$P4"
dns_sc_certs "$D" --json sips:example.test
dns_expect_target cert_inconsistent warning 1 "2. CN-only leaf: certs --json"
dns_expect_frontends "2." "$A1=ok" "$A4=ok" "$A3=ok"
tb_jq '.consistency.identities | length == 2' "2. two identity outcomes"
tb_jq "[.consistency.identities[] | select(.frontends == [\"$A4\"])] | length == 1" \
	"2. the CN-only frontend has its own identity entry"
dns_sc_certs "$D" --json --allow-mixed-certs sips:example.test
dns_expect_target cert_inconsistent warning 1 \
	"2. --allow-mixed-certs does not excuse a different identity outcome"
tb_stop "$DNS_PID"

# --- 3. a different TLS version ---------------------------------------------------
dns_for "$P5"
dns_sc_certs "$D" --json sips:example.test
dns_expect_target cert_inconsistent warning 1 "3. TLS 1.2 on one frontend: certs --json"
dns_expect_frontends "3." "$A1=ok" "$A5=ok" "$A3=ok"
tb_jq "[.frontends[] | select(.address == \"$A5\") | .tls.version] == [\"TLSv1.2\"]" \
	"3. fe2 negotiated TLS 1.2"
tb_jq '.consistency.tls_versions | length == 2' "3. two TLS versions"
tb_jq "[.consistency.tls_versions[] | select(.frontends == [\"$A5\"]) | .version]
	== [\"TLSv1.2\"]" "3. TLSv1.2 entry lists fe2 only"
tb_jq '.consistency.leaf_certificates | length == 1' "3. one leaf certificate"
dns_sc_certs "$D" --json --allow-mixed-certs sips:example.test
dns_expect_target cert_inconsistent warning 1 \
	"3. --allow-mixed-certs does not excuse a different TLS version"

tb_pass "different leaves, identities and TLS versions -> cert_inconsistent, listed per frontend"
