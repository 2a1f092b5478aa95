#!/bin/bash
# drill_source_addresses.sh — issue 5: --source-addresses 127.0.0.1-127.0.0.4
# spreads the clients' connections over the four addresses.  8 clients
# register and hold; during the hold Kamailio's connection list
# (core.tcp_list) and `ss` both show exactly 2 connections from each of
# 127.0.0.1 .. 127.0.0.4, and the bindings in the location table carry
# those addresses.  Bad ranges are usage errors (exit 2).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=8
drill_scn spread <<EOF
description = "connections spread over four source addresses"
clients = $N
step connect    { }
step register   { expires = 60 }
step hold       { for = 4s  every = 1s }
step unregister { }
EOF

saved0=$(kam_count 'SCSAVED ')
drill_bg spread --source-addresses 127.0.0.1-127.0.0.4
all_saved() { [ $(( $(kam_count 'SCSAVED ') - saved0 )) -ge "$N" ]; }
tb_until 15 all_saved || tb_fail "the clients never registered"
want=$(printf '      2 127.0.0.%s\n' 1 2 3 4)
got=$(kam_conns | cut -d: -f1 | sort | uniq -c)
printf '    Kamailio connections by source:\n%s\n' "$got"
[ "$got" = "$want" ] || tb_fail "Kamailio's connections are not 2 from each of 127.0.0.1-4"
tb_ok "Kamailio holds 2 connections from each of 127.0.0.1-4"
got=$(ss -Htn state established "( dport = :$DR_PORT )" | awk '{print $3}' |
	cut -d: -f1 | sort | uniq -c)
[ "$got" = "$want" ] || tb_fail "client sockets by local address: $got"
tb_ok "ss: the clients' sockets are bound 2 to each address"
got=$(kam_contacts | sed -n 's/^sip:alice@\([0-9.]*\):.*/\1/p' | sort | uniq -c)
[ "$got" = "$want" ] || tb_fail "bindings by address: $got"
tb_ok "location table: 2 bindings at each address"
_tb_alive "$DR_BG_PID" || tb_fail "the drill ended before the checks"
drill_bg_wait 20
tb_expect_rc 0 "drill with --source-addresses"
drill_jq "all(.steps[]; .verdicts == {\"ok\": $N})" "every step of every client ok"

for bad in 127.0.0.4-127.0.0.1 127.0.0.1-127.0.2.1 bogus; do
	drill spread --source-addresses "$bad"
	tb_expect_rc 2 "--source-addresses $bad"
	grep -q -- '--source-addresses takes' "$TB_ERR" || tb_fail "no usage message: $(cat "$TB_ERR")"
done

tb_pass "--source-addresses spreads connections over 127.0.0.1-4"
