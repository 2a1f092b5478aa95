#!/bin/bash
# run_state_dir_links.sh - the privilege drop never hands a file outside
# state_dir to the service user, and root never reads state through a
# link the service user planted (security finding 1).
#   - a symbolic link and a second hard link in state_dir, left by the
#     service user, point at root's files: after a start as root with
#     user = NAME, those files still belong to root;
#   - alerts.json as a symbolic link is refused, named as a link, and the
#     file it points at is not read;
#   - a group-writable state_dir is refused at start.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
tb_init
[ "$(id -u)" = 0 ] || tb_skip "needs root to test dropping privileges"
dm_setup

RU=scstate$$
dm_service_user "$RU"
chown "$RU" "$TB/pw"

# state_dir as a first run leaves it: the service user's.
chown "$RU" "$TB/state"
chmod 0700 "$TB/state"
for v in victim victim2 victim3; do
	printf 'root only\n' >"$TB/$v"
	chmod 0600 "$TB/$v"
done
ln -s "$TB/victim" "$TB/state/x.log"
ln "$TB/victim3" "$TB/state/h.log"

{
	printf 'user = "%s"\n' "$RU"
	dm_config_head "interval = 1s" "timeout = 900ms" "keepalive = 1s" \
		"reconnect_every = 0"
	dm_target voice
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
tb_until 10 grep -q "running as user $RU" "$DM_LOG" ||
	tb_fail "the daemon does not say it runs as $RU"
for v in victim victim3; do
	owner=$(stat -c %U "$TB/$v")
	[ "$owner" = root ] || tb_fail "$v, linked from state_dir, now belongs to $owner"
done
tb_ok "a symlink and a hard link in state_dir: their targets still belong to root"
dm_stop

# alerts.json planted as a link to a root-only file.
rm -f "$TB/state/alerts.json"
printf '{"version":1,"alerts":[{"alertname":"Planted","target":"voice"}]}\n' >"$TB/victim2"
ln -s "$TB/victim2" "$TB/state/alerts.json"
tb_run "$(tb_sipcanary)" run -c "$TB/sc.conf"
[ "$TB_RC" = 1 ] || tb_fail "a linked alerts.json: exit $TB_RC, expected 1"
grep -q 'alerts.json.*symbolic link' "$TB_ERR" ||
	tb_fail "the refusal does not name the link"
[ "$(stat -c %U "$TB/victim2")" = root ] || tb_fail "victim2 changed hands"
tb_ok "a linked alerts.json is refused as a link (exit 1)"
rm -f "$TB/state/alerts.json"

chmod 0770 "$TB/state"
tb_run "$(tb_sipcanary)" run -c "$TB/sc.conf"
[ "$TB_RC" = 1 ] || tb_fail "a group-writable state_dir: exit $TB_RC, expected 1"
grep -q 'writable by others' "$TB_ERR" || tb_fail "the refusal does not say why"
tb_pass "no file outside state_dir changes hands; state is never read through a link; a shared state_dir is refused"
