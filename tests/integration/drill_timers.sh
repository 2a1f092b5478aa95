#!/bin/bash
# drill_timers.sh — issue 5: timed steps never end early, however many
# clients start them at once.  200 clients register, break, reconnect
# with backoff = fixed base = 1s ("wait base before each attempt, the
# first one included", sipcanary-scenario(5)) and then wait for = 1s.
# Every reconnect must take at least 1 s, every wait at least 1 s, and
# break -> registered again (reconnect.latency) at least 2 s.
#
# Every check runs; the failures are listed at the end.
#
# What it guards: a relative libevent timer counts from the loop's cached
# time, taken before the other events of the same iteration; with many
# clients armed in one iteration a step timer measured from a later
# clock_now() would fire early (by up to 0.2 s with 200 clients).  With
# one client the error is a fraction of a millisecond and hidden by the
# connect time, hence the 200.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

N=200
drill_scn timers <<EOF
description = "fixed backoff and wait with many clients at once"
clients = $N
step connect    { }
step register   { expires = 60  label = "initial" }
step break      { how = rst }
step reconnect  { backoff = fixed  base = 1s  within = 20s }
step wait       { for = 1s }
step register   { expires = 60  label = "after-reconnect" }
step unregister { }
EOF
drill timers
tb_expect_rc 0 "drill"
drill_jq "all(.steps[]; .verdicts == {\"ok\": $N}) and .reconnect.count == $N" \
	"every step of every client ok, $N reconnects"
jq -r '"    reconnect step: min \(.steps[3].latency.min) s, max \(.steps[3].latency.max) s",
	"    wait step:      min \(.steps[4].latency.min) s, max \(.steps[4].latency.max) s",
	"    break -> registered: min \(.reconnect.latency.min) s"' "$DR_JSON"
drill_check '.steps[3].latency.min >= 1' \
	"reconnect with fixed base = 1s: no client reconnected in under 1 s"
drill_check '.steps[4].latency.min >= 1' "wait for = 1s: no client waited under 1 s"
drill_check '.reconnect.latency.min >= 2' \
	"break -> registered again: at least the 1 s backoff + the 1 s wait"
drill_done "fixed backoff and wait last at least their duration with $N clients"
