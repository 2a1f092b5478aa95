#!/bin/bash
# drill_shard.sh — issue 5: sharding.  A 20-client drill with the users
# template probe%02d runs as --shard 0/2 and --shard 1/2, and `sipcanary
# report merge` joins the two JSON reports.  Each shard runs 10 clients;
# Kamailio's own record of what it received (the sipdump module) shows
# shard 0 registering exactly probe01..probe10 and shard 1 exactly
# probe11..probe20 (From and digest username): disjoint, and together
# the 20 users of the whole drill.  The merged report counts 20 clients.
#
# The test bed's Kamailio knows only alice: it checks the digest of any
# user against the one password and then answers 403 to a user that is
# not alice.  So the scenario expects 403 (verdict sip_auth_rejected),
# which also shows that every probe user's credentials reached it.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init sipdump
DR_USER=	# the users come from the scenario's template

drill_scn shard <<'EOF'
description = "20 probe users, sharded"
clients = 20
users = "probe%02d"
step connect  { }
step register { expect = 403  label = "register-probe" }
step options  { expect = 200 }
EOF

# users_from, users_auth — the sorted user names in From, and in the
# digest username, of the requests Kamailio received so far
users_from() {
	kam_dump_field From | sed -n 's/^.*<sips\{0,1\}:\([^@>]*\)@.*$/\1/p' | sort -u
}
users_auth() {
	kam_dump_field Authorization | sed -n 's/.*username="\([^"]*\)".*/\1/p' | sort -u
}
rcv_count() { kam_dump_field CSeq | wc -l; }
dumped() { [ "$(rcv_count)" -ge "$1" ]; }

seen=
for i in 0 1; do
	drill shard --shard "$i/2"
	tb_expect_rc 0 "shard $i/2"
	cp "$DR_JSON" "$TB/shard$i.json"
	drill_jq ".summary.clients == 10 and .summary.clients_ok == 10 and .summary.passed == true and
		.settings.clients == 20 and .settings.shard == {\"index\": $i, \"count\": 2}" \
		"shard $i/2: 10 of the 20 clients" "$TB/shard$i.json"
	drill_jq '[.steps[] | .attempts] == [10, 10, 10] and
		.steps[1].verdicts == {"sip_auth_rejected": 10}' \
		"shard $i/2: each step 10 times, 403 as expected" "$TB/shard$i.json"
	# every client: REGISTER, REGISTER with credentials, OPTIONS
	tb_until 10 dumped $(( (i + 1) * 30 )) ||
		tb_fail "shard $i/2: sipdump has $(rcv_count) messages, want $(( (i + 1) * 30 ))"
	users_now=$(users_from)
	new=$(comm -13 <(printf '%s\n' "$seen" | grep .) <(printf '%s\n' "$users_now"))
	lo=$((i * 10 + 1))
	want=$(seq -f 'probe%02g' "$lo" $((lo + 9)))
	[ "$new" = "$want" ] ||
		tb_fail "shard $i/2 registered users $(echo "$new" | tr '\n' ' '), want $(echo "$want" | tr '\n' ' ')"
	tb_ok "shard $i/2: Kamailio got REGISTERs from $(echo "$new" | head -n 1)..$(echo "$new" | tail -n 1) only"
	seen=$users_now
done
[ "$(users_from)" = "$(seq -f 'probe%02g' 1 20)" ] || tb_fail "users of both shards: $(users_from | tr '\n' ' ')"
[ "$(users_auth)" = "$(seq -f 'probe%02g' 1 20)" ] ||
	tb_fail "digest usernames: $(users_auth | tr '\n' ' ')"
tb_ok "the shards' users are disjoint and together probe01..probe20 (From and digest username)"
n=$(kam_count 'SCFORBIDDEN .* unknown user')
[ "$n" = 20 ] || tb_fail "Kamailio refused $n unknown users, want 20"
[ "$(kam_count 'SCOPTIONS ')" = 20 ] || tb_fail "Kamailio did not answer 20 OPTIONS"

# --- merge ------------------------------------------------------------------
tb_sc report merge "$TB/shard0.json" "$TB/shard1.json" --report-json "$TB/m.json" \
	--report-html "$TB/m.html"
tb_expect_rc 0 "report merge"
drill_jq '.summary.clients == 20 and .summary.clients_ok == 20 and
	.summary.expectations == 60 and .summary.expectations_failed == 0 and
	.summary.passed == true' "merged: 20 clients, 60 expectations" "$TB/m.json"
drill_jq '[.steps[] | .attempts] == [20, 20, 20] and
	.steps[0].verdicts == {"ok": 20} and .steps[1].verdicts == {"sip_auth_rejected": 20} and
	.steps[2].verdicts == {"ok": 20}' "merged steps: exact counts" "$TB/m.json"
drill_jq '.environment.shards == 2 and .settings.shard.merged == [0, 1] and
	([.timeline[] | .started] | add) == 20' "merged: 2 shards, 20 started" "$TB/m.json"
[ -s "$TB/m.html" ] && grep -q '</html>' "$TB/m.html" || tb_fail "no merged HTML"

tb_pass "--shard 0/2 + 1/2: disjoint users at Kamailio, merged report of 20 clients"
