#!/bin/bash
# frontends_down.sh — issue 4, the overall verdict when frontends are down.
# One real Kamailio listens on UP1 = 127.0.0.2:P1 and UP3 = [::1]:P3;
# nothing listens on DN2 = 127.0.0.3:P2 nor on DN4 = 127.0.0.2:P4.  Each
# case is its own dnsmasq serving example.test:
#  1. SRV prio 10: UP1, DN2; prio 20: UP3 -> WARNING (check exit 1): DN2
#     tcp_refused, UP1 and UP3 ok, target verdict tcp_refused (the first
#     failing frontend's code), severity warning; certs exit 1;
#  2. SRV prio 10: UP1; prio 20: DN2 -> WARNING (a lower-priority frontend
#     down still counts);
#  3. SRV prio 10: DN2, DN4; prio 20: UP1, UP3 -> CRITICAL (exit 2): the
#     highest-priority group is all down although lower ones are up; the
#     lower ones are still probed and ok;
#  4. no SRV: sips:example.test:P1 with example.test A 127.0.0.2 and
#     127.0.0.3 (all frontends are one group) -> WARNING, srv null;
#  5. no SRV, both addresses down -> CRITICAL.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/dns.sh
. "$(dirname "$0")/../lib/dns.sh"
dns_test_init ipv6

tb_free_ports P1 P2 P3 P4 PX
UP1="127.0.0.2:$P1"
DN2="127.0.0.3:$P2"
UP3="[::1]:$P3"
DN4="127.0.0.2:$P4"
tb_kamailio "$TB/kam" "$PKI/good.chain.pem" "$PKI/good.key" "$UP1" "$UP3" ||
	tb_fail "kamailio did not start"

# shellcheck disable=SC2054  # commas inside dnsmasq options
HOSTS=(--host-record=up1.example.test,127.0.0.2 --host-record=dn2.example.test,127.0.0.3
	--host-record=up3.example.test,::1 --host-record=dn4.example.test,127.0.0.2)

# srv PRIO HOST PORT — one --srv-host option for _sips._tcp.example.test
srv() { printf -- '--srv-host=_sips._tcp.example.test,%s.example.test,%s,%s,10\n' "$2" "$3" "$1"; }

# --- 1. one down in the highest-priority group ------------------------------------
D=$(tb_free_port udp)
dns_start "$D" "${HOSTS[@]}" "$(srv 10 up1 "$P1")" "$(srv 10 dn2 "$P2")" \
	"$(srv 20 up3 "$P3")" || tb_fail "dnsmasq (1) did not start"
dns_sc_check "$D" --json sips:example.test
dns_expect_target tcp_refused warning 1 "1. one of 3 down: check --json"
dns_expect_frontends "1." "$UP1=ok" "$DN2=tcp_refused" "$UP3=ok"
tb_jq "[.frontends[] | select(.address == \"$DN2\") | .error | type == \"string\"] == [true]" \
	"1. the down frontend says why"
tb_jq "[.frontends[] | select(.address == \"$DN2\") | .srv.priority] == [10]" \
	"1. the down frontend keeps its srv"
tb_jq '[.frontends[] | select(.verdict == "ok") | .sip.final_status] == [200, 200]' \
	"1. the others registered"
dns_sc_check "$D" --nagios sips:example.test
tb_expect_rc 1 "1. check --nagios: WARNING"
dns_sc_certs "$D" --json sips:example.test
tb_expect_rc 1 "1. certs --json"
tb_jq '.verdict == "tcp_refused" and .severity == "warning"' "1. certs: tcp_refused, warning"
dns_expect_frontends "1. certs" "$UP1=ok" "$DN2=tcp_refused" "$UP3=ok"
tb_stop "$DNS_PID"

# --- 2. the lower-priority frontend down --------------------------------------------
D=$(tb_free_port udp)
dns_start "$D" "${HOSTS[@]}" "$(srv 10 up1 "$P1")" "$(srv 20 dn2 "$P2")" ||
	tb_fail "dnsmasq (2) did not start"
dns_sc_check "$D" --json sips:example.test
dns_expect_target tcp_refused warning 1 "2. lower priority down: check --json"
dns_expect_frontends "2." "$UP1=ok" "$DN2=tcp_refused"
tb_stop "$DNS_PID"

# --- 3. the whole highest-priority group down ---------------------------------------
D=$(tb_free_port udp)
dns_start "$D" "${HOSTS[@]}" "$(srv 10 dn2 "$P2")" "$(srv 10 dn4 "$P4")" \
	"$(srv 20 up1 "$P1")" "$(srv 20 up3 "$P3")" || tb_fail "dnsmasq (3) did not start"
dns_sc_check "$D" --json sips:example.test
dns_expect_target tcp_refused critical 2 "3. priority-10 group down: check --json"
dns_expect_frontends "3." "$DN2=tcp_refused" "$DN4=tcp_refused" "$UP1=ok" "$UP3=ok"
tb_jq '[.frontends[] | select(.verdict == "ok") | .srv.priority] == [20, 20]' \
	"3. the priority-20 frontends were probed and are ok"
dns_sc_check "$D" --nagios sips:example.test
tb_expect_rc 2 "3. check --nagios: CRITICAL"
dns_sc_certs "$D" --json sips:example.test
tb_expect_rc 1 "3. certs --json"
tb_jq '.severity == "critical"' "3. certs: severity critical"
tb_stop "$DNS_PID"

# --- 4./5. no SRV: every frontend is in the one group --------------------------------
D=$(tb_free_port udp)
dns_start "$D" --host-record=example.test,127.0.0.2 --host-record=example.test,127.0.0.3 ||
	tb_fail "dnsmasq (4) did not start"
dns_expect 127.0.0.1 "$D" example.test A "an=2;" "example.test has 2 A records"
dns_sc_check "$D" --json "sips:example.test:$P1"
dns_expect_target tcp_refused warning 1 "4. 2 A records, one down: check --json"
dns_expect_frontends "4." "$UP1=ok" "127.0.0.3:$P1=tcp_refused"
tb_jq 'all(.frontends[]; .srv == null)' "4. srv null"
dns_sc_check "$D" --json "sips:example.test:$PX"
dns_expect_target tcp_refused critical 2 "5. 2 A records, both down: check --json"
dns_expect_frontends "5." "127.0.0.2:$PX=tcp_refused" "127.0.0.3:$PX=tcp_refused"

tb_pass "down frontends: WARNING while the top SRV group has one ok, else CRITICAL"
