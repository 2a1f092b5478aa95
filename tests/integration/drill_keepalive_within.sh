#!/bin/bash
# drill_keepalive_within.sh — issue 5: keep-alives against a frontend that
# never answers them (Kamailio with tcp_crlf_ping=no: CRLFCRLF gets no
# CRLF pong).  This is the negative control of the keepalive checks in
# drill_steps.sh: the pongs counted there come from Kamailio.
#   * hold { for = 10s every = 1s } ends in flow_dead when the first pong
#     is missing, at the second ping, about 2 s in;
#   * keepalive { for = 10s every = 1s } the same, about 1 s in;
#   * keepalive { within = 3s } (no for: "one ping, whose pong must come
#     within", sipcanary-scenario(5)) must wait the whole 3 s before
#     flow_dead.
#
# What it guards: without for, the keepalive step sends one ping and waits
# the whole within for its pong (no every-tick declares the flow dead
# early), so a frontend whose pong takes 1.5 s is not flow_dead under
# within = 3s.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
tb_init
TB_KAM_EXTRA='tcp_crlf_ping=no'
drill_setup

drill_scn nopong-hold <<'EOF'
clients = 2
step connect { }
step hold    { for = 10s  every = 1s  expect = flow_dead }
EOF
drill nopong-hold
tb_expect_rc 0 "hold against no pongs, expect = flow_dead"
drill_jq '.steps[1].verdicts == {"flow_dead": 2} and .keepalive.count == 0' \
	"hold: flow_dead for both clients, no pong counted"
drill_jq '.steps[1].latency.min >= 1.9 and .steps[1].latency.max < 5' \
	"hold: dead at the second ping (about 2 s), not at the end of for"

drill_scn nopong-for <<'EOF'
clients = 2
step connect   { }
step keepalive { for = 10s  every = 1s  expect = flow_dead }
EOF
drill nopong-for
tb_expect_rc 0 "keepalive for = 10s against no pongs, expect = flow_dead"
drill_jq '.steps[1].verdicts == {"flow_dead": 2} and .steps[1].latency.max < 4' \
	"keepalive for/every: flow_dead when the first pong is late (about 1 s)"

drill_scn nopong-within <<'EOF'
clients = 2
step connect   { }
step keepalive { within = 3s  expect = flow_dead }
EOF
drill nopong-within
tb_expect_rc 0 "keepalive within = 3s against no pongs, expect = flow_dead"
drill_jq '.steps[1].verdicts == {"flow_dead": 2} and .keepalive.count == 0' \
	"keepalive within = 3s: flow_dead"
jq -r '"    keepalive within = 3s: flow_dead after \(.steps[1].latency.min) .. \(.steps[1].latency.max) s"' "$DR_JSON"
drill_jq '.steps[1].latency.min >= 2.9' \
	"keepalive within = 3s: the pong was given its 3 s"

tb_pass "keep-alives against a frontend without pongs"
