#!/bin/bash
# frontends_expired.sh — issue 4, one frontend serving an expired
# certificate (a rollout that missed one box).  Kamailio "good" listens on
# G1 = 127.0.0.2:P1 and G3 = [::1]:P3; Kamailio "expired" (leaf valid
# -30d..-2d, same CA) on X2 = 127.0.0.3:P2.
#  1. SRV prio 10: G1, X2; prio 20: G3 -> X2 cert_expired, G1/G3 ok;
#     target verdict cert_expired, WARNING (check exit 1; certs exit 1);
#     X2's certificate report is kept (chain[0] is the expired leaf); the
#     expired Kamailio sees no REGISTER; consistency lists both leaves.
#  2. SRV prio 10: X2; prio 20: G1, G3 -> CRITICAL (check exit 2): the
#     highest-priority group has no ok frontend.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
dns_test_init ipv6 leaf_expired
fpg=$(pki_fp "$PKI/good.pem")
fpx=$(pki_fp "$PKI/expired.pem")

tb_free_ports P1 P2 P3
G1="127.0.0.2:$P1"
X2="127.0.0.3:$P2"
G3="[::1]:$P3"
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" "$G1" "$G3" ||
	tb_fail "kamailio (good) did not start"
tb_kamailio "$TB/kamx" "$PKI/expired.chain.pem" "$PKI/expired.key" "$X2" ||
	tb_fail "kamailio (expired) did not start"

# shellcheck disable=SC2054  # commas inside dnsmasq options
HOSTS=(--host-record=g1.example.test,127.0.0.2 --host-record=x2.example.test,127.0.0.3
	--host-record=g3.example.test,::1)
srv() { printf -- '--srv-host=_sips._tcp.example.test,%s.example.test,%s,%s,10\n' "$2" "$3" "$1"; }

# --- 1. the expired one shares the top group with a good one ----------------------
D=$(tb_free_port udp)
dns_start "$D" "${HOSTS[@]}" "$(srv 10 g1 "$P1")" "$(srv 10 x2 "$P2")" \
	"$(srv 20 g3 "$P3")" || tb_fail "dnsmasq (1) did not start"
dns_sc_check "$D" --json sips:example.test
dns_expect_target cert_expired warning 1 "1. check --json"
dns_expect_frontends "1." "$G1=ok" "$X2=cert_expired" "$G3=ok"
X=".frontends[] | select(.address == \"$X2\")"
tb_jq "[$X | .chain[0].fingerprint_sha256 | ascii_downcase] == [\"$fpx\"]" \
	"1. the expired frontend's chain is reported"
tb_jq "[$X | .chain[0].days_left < 0] == [true]" "1. its leaf has days_left < 0"
tb_jq "[$X | .error | type == \"string\" and length > 0] == [true]" "1. it says why"
tb_jq "[$X | has(\"sip\") and .sip != null and .sip.final_status != null] != [true]" \
	"1. no SIP result over the expired certificate"
tb_jq "[.consistency.leaf_certificates[].fingerprint_sha256 | ascii_downcase] | sort
	== ([\"$fpg\", \"$fpx\"] | sort)" "1. consistency lists the good and the expired leaf"
tb_jq "[.consistency.leaf_certificates[] | select((.fingerprint_sha256 | ascii_downcase)
	== \"$fpx\") | .frontends] == [[\"$X2\"]]" "1. the expired leaf is on the expired frontend"
tb_kamailio_mark "$TB/kamx" "$X2" || tb_fail "test bed: kamailio (expired) did not log a later OPTIONS"
n=$(tb_kamailio_register_count "$TB/kamx")
[ "$n" = 0 ] || tb_fail "1. the expired frontend got $n REGISTERs (RFC 5922: close first)"
tb_ok "1. no REGISTER sent over the expired certificate"
n=$(tb_kamailio_register_count "$TB/kam")
[ "$n" -ge 4 ] || tb_fail "1. the good frontends saw $n REGISTERs, expected >= 4"
tb_ok "1. the good frontends registered ($n REGISTERs)"
dns_sc_check "$D" --nagios sips:example.test
tb_expect_rc 1 "1. check --nagios: WARNING"
dns_sc_certs "$D" --json sips:example.test
tb_expect_rc 1 "1. certs --json"
tb_jq '.verdict == "cert_expired" and .severity == "warning"' "1. certs: cert_expired, warning"
dns_expect_frontends "1. certs" "$G1=ok" "$X2=cert_expired" "$G3=ok"
tb_stop "$DNS_PID"

# --- 2. the expired one is the whole top group --------------------------------------
D=$(tb_free_port udp)
dns_start "$D" "${HOSTS[@]}" "$(srv 10 x2 "$P2")" "$(srv 20 g1 "$P1")" \
	"$(srv 20 g3 "$P3")" || tb_fail "dnsmasq (2) did not start"
dns_sc_check "$D" --json sips:example.test
dns_expect_target cert_expired critical 2 "2. check --json"
dns_expect_frontends "2." "$X2=cert_expired" "$G1=ok" "$G3=ok"
dns_sc_check "$D" --nagios sips:example.test
tb_expect_rc 2 "2. check --nagios: CRITICAL"
dns_sc_certs "$D" --json sips:example.test
tb_expect_rc 1 "2. certs --json"
tb_jq '.verdict == "cert_expired" and .severity == "critical"' "2. certs: cert_expired, critical"

tb_pass "an expired frontend: cert_expired, WARNING beside a good peer, CRITICAL alone on top"
