#!/bin/bash
# run_cert_alert_severity.sh - SipcanaryCertExpiringSoon takes its
# severity from the days the certificate has left, not from the probe: a
# leaf with 20 days left (warn_days 30, crit_days 7) is a warning even
# while the REGISTER is refused (a wrong password: 403, critical).  It
# used to page as critical.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init "leaf_days d20 20"
pki_kamailio_swap d20
tb_password_file "$TB/wrong.pw" "not-the-password"
{
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0" \
		"warn_days = 30" "crit_days = 7" "for = 1" "resolve_after = 1"
	printf 'target "kam" {\n\turi = "sips:example.test"\n\tuser = "alice"\n'
	printf '\tpassword_file = "%s"\n\tconnect = "127.0.0.1:%s"\n}\n' \
		"$TB/wrong.pw" "$DM_KAM_PORT"
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"

expiring() {
	dm_http GET /alerts "$TB/alerts.json" >/dev/null
	jq -e 'any(.[]; .alertname == "SipcanaryCertExpiringSoon" and .firing)' \
		"$TB/alerts.json" >/dev/null 2>&1
}
tb_until 20 expiring || tb_fail "SipcanaryCertExpiringSoon never fired: $(cat "$TB/alerts.json")"
jq -e 'any(.[]; .alertname == "SipcanaryFrontendDown" and .firing and
	.verdict == "sip_auth_rejected" and .severity == "critical")' "$TB/alerts.json" >/dev/null ||
	tb_fail "the probe itself is not down as sip_auth_rejected: $(cat "$TB/alerts.json")"
sev=$(jq -r '.[] | select(.alertname == "SipcanaryCertExpiringSoon") | .severity' "$TB/alerts.json")
[ "$sev" = warning ] || tb_fail "20 days left (warn 30, crit 7) with a 403: severity $sev, want warning"
tb_ok "20 days left, REGISTER refused: SipcanaryCertExpiringSoon is a warning, FrontendDown critical"
dm_stop
tb_pass "certificate alerts take their severity from the days left"
