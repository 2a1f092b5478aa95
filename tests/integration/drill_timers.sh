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
# Found failing (2026-11-29): with 200 clients the minimum is 0.79-0.93 s
# for both steps in every run (with 100 clients 0.96-0.999 s), and break
# -> registered is often under 2 s.  The engine arms a relative libevent
# timer (client_arm -> evtimer_add), which libevent counts from its
# cached loop time, taken before the events handled earlier in the same
# loop iteration; the step's start (t_step = clock_now()) is read later.
# So the timer fires early by the time spent on the other clients in that
# iteration.  With one client the error is a fraction of a millisecond
# and hidden by the connect time.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
tb_init
drill_setup

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
FAILED=()
check() {
	if jq -e "$1" "$DR_JSON" >/dev/null 2>&1; then
		tb_ok "$2"
	else
		printf '  NOT OK: %s\n' "$2"
		FAILED+=("$2")
	fi
}
check '.steps[3].latency.min >= 1' \
	"reconnect with fixed base = 1s: no client reconnected in under 1 s"
check '.steps[4].latency.min >= 1' "wait for = 1s: no client waited under 1 s"
check '.reconnect.latency.min >= 2' \
	"break -> registered again: at least the 1 s backoff + the 1 s wait"
if [ ${#FAILED[@]} -gt 0 ]; then
	tb_fail "$(printf '%s; ' "${FAILED[@]}")"
fi
tb_pass "fixed backoff and wait last at least their duration with $N clients"
