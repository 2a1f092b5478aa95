#!/bin/bash
# drill_reconnect_rfc5626.sh — issue 5: backoff = rfc5626 makes its first
# attempt at once.  sipcanary-scenario(5): "rfc5626: as RFC 5626 section
# 4.5: the first attempt at once, and after the nth failed attempt
# (counting from 0) a random 50 to 100% of min(max, base x 2^n)"; RFC 5626
# 4.5 too waits only after a failure to form the new flow.  With base = 4s
# and a frontend that is up, every reconnect must take well under 2 s
# (the smallest wait the formula could give after a failure).
#
# What it guards: no wait before the first attempt (a random 50-100% of
# base there would make every reconnect take 2-4 s here), and after the
# nth failure the formula uses n, not n + 1.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=10
drill_scn rfc5626 <<EOF
description = "rfc5626 reconnect to a frontend that is up"
clients = $N
step connect    { }
step register   { expires = 60  label = "initial" }
step break      { how = rst }
step reconnect  { backoff = rfc5626  base = 4s  max = 30s  within = 20s }
step register   { expires = 60  label = "after-reconnect" }
step unregister { }
EOF
drill rfc5626
tb_expect_rc 0 "drill"
drill_jq "all(.steps[]; .verdicts == {\"ok\": $N}) and .reconnect.count == $N" \
	"every step of every client ok, $N reconnects"
jq -r '"    reconnect step: min \(.steps[3].latency.min) s, max \(.steps[3].latency.max) s"' "$DR_JSON"
drill_jq '.steps[3].latency.max < 1.5' \
	"rfc5626: the first reconnect attempt went at once (every reconnect < 1.5 s)"
tb_pass "rfc5626: first attempt at once"
