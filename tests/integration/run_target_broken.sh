#!/bin/bash
# run_target_broken.sh - a configured target that cannot be probed at run
# time stays visible: its CA file is readable by root (the config check
# passes) but not by the service user the daemon runs as, so its TLS
# context cannot be made.  It used to vanish ("0 targets", /healthz 200,
# no series).  Now: sipcanary_target_broken{target} 1, /healthz 503 with
# the reason, /livez 200, the status page lists it, SipcanaryProbeBroken
# fires; once the file is readable and the config reloaded, all clear.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
tb_init
[ "$(id -u)" = 0 ] || tb_skip "needs root to run the daemon as a service user"
dm_setup
dm_service_user "scbroken$$"
chown "$DM_USER" "$TB/pw" "$TB/state"
cp "$PKI/ca.pem" "$TB/rootonly-ca.pem"
chmod 0600 "$TB/rootonly-ca.pem"
chmod 0755 "$TB/pki"
{
	printf 'user = "%s"\n' "$DM_USER"
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0" "for = 1" \
		"resolve_after = 1" | sed "s#ca_file = .*#ca_file = \"$TB/rootonly-ca.pem\"#"
	dm_target kam
} >"$TB/sc.conf"
dm_spawn "$TB/sc.conf"
healthz() { dm_http GET /healthz "$TB/healthz.txt"; }
tb_until 10 eval '[ "$(healthz)" = 503 ]' || tb_fail "/healthz is not 503: $(cat "$TB/healthz.txt")"
grep -q '^kam: .*CA' "$TB/healthz.txt" || tb_fail "/healthz does not say why: $(cat "$TB/healthz.txt")"
[ "$(dm_http GET /livez)" = 200 ] || tb_fail "/livez is not 200"
dm_cmp sipcanary_target_broken == 1 target=kam || tb_fail "no sipcanary_target_broken{target=kam} 1"
dm_http GET / "$TB/page.html" >/dev/null
grep -q '<li data-target="kam"><strong>kam</strong> (sips:example.test): sipcanary cannot probe it' "$TB/page.html" ||
	tb_fail "the status page does not list the target"
firing() {
	dm_http GET /alerts "$TB/alerts.json" >/dev/null
	jq -e 'any(.[]; .alertname == "SipcanaryProbeBroken" and .target == "kam" and .firing)' \
		"$TB/alerts.json" >/dev/null 2>&1
}
tb_until 10 firing || tb_fail "SipcanaryProbeBroken does not fire: $(cat "$TB/alerts.json")"
tb_ok "not probed: target_broken 1, /healthz 503 with the reason, /livez 200, listed, alert fires"

chmod 0644 "$TB/rootonly-ca.pem"
kill -HUP "$DM_PID"
tb_until 10 eval '[ "$(healthz)" = 200 ]' || tb_fail "/healthz stays $(healthz) after the fix"
dm_cmp sipcanary_target_broken == 0 target=kam || tb_fail "target_broken is not 0 after the fix"
resolved() { ! firing; }
tb_until 10 resolved || tb_fail "SipcanaryProbeBroken does not resolve"
tb_until 10 dm_cmp sipcanary_probes_total '>' 0 target=kam || tb_fail "the target is not probed after the fix"
tb_ok "fixed and reloaded: probed, /healthz 200, target_broken 0, alert resolved"
dm_stop
tb_pass "a target that cannot be probed is never a silent gap"
