#!/bin/bash
# sink_secret_reload.sh — issue 15: SIGHUP reads every sink secret file
# again.  `sipcanary run` with a PagerDuty sink (routing_key_file) to the
# test receiver, against a real Kamailio:
#   - the key file gets a new key (nothing else changes), SIGHUP: the
#     triggers of the next incident (Kamailio serves an expired
#     certificate) carry the new key, none the old one;
#   - the key file becomes readable by others (with a third key in it),
#     then is removed, each followed by SIGHUP: each time the log says the
#     reload was refused and the running config stays, naming the file
#     and the fix; the resolves that end the incident still carry the
#     second key, none the third.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/alerts.sh
. "$(dirname "$0")/../lib/alerts.sh"
al_init leaf_expired
al_pd_start
tb_until 15 al_probes_since 0 ok || tb_fail "no ok probe within 15 s"
tb_ok "steady state: probes ok"

# hup PATTERN WHAT — SIGHUP, then wait for one more log line PATTERN.
more_lines() { [ "$(dm_log_count "$1")" -gt "$2" ]; }
hup() {
	local n
	n=$(dm_log_count "$1")
	kill -HUP "$DM_PID"
	tb_until 10 more_lines "$1" "$n" ||
		tb_fail "$2: no log line /$1/ within 10 s of SIGHUP"
}
# keys ACTION — the distinct routing keys of the accepted ACTION events.
keys() { al_pd pd ".ok and .action == \"$1\"" | jq -r .body.routing_key | sort -u; }
any_keys() { [ -n "$(keys "$1")" ]; }

KEY2=$(openssl rand -hex 16)
( umask 077; printf '%s\n' "$KEY2" >"$AL_PD_KEYFILE" )
hup 'reloaded ' "a new routing key"
pki_kamailio_swap expired
tb_until 15 any_keys trigger || tb_fail "no trigger delivered within 15 s"
al_settle
[ "$(keys trigger)" = "$KEY2" ] ||
	tb_fail "the triggers after SIGHUP carry $(keys trigger | tr '\n' ' '), not only the new key"
tb_ok "a new key in routing_key_file + SIGHUP: $(al_pd_count pd '.ok and .action == "trigger"') triggers, all with the new key"

KEY3=$(openssl rand -hex 16)
printf '%s\n' "$KEY3" >"$AL_PD_KEYFILE"
chmod 0644 "$AL_PD_KEYFILE"
hup 'reload refused' "a world-readable key file"
grep 'reload refused' "$DM_LOG" | tail -n 1 |
	grep -q "the running config stays in force: .*routing_key_file: routing key file $AL_PD_KEYFILE is readable by others: chmod 600 $AL_PD_KEYFILE" ||
	tb_fail "the refusal does not name the file and the chmod: $(grep 'reload refused' "$DM_LOG" | tail -n 1)"
rm -f "$AL_PD_KEYFILE"
hup 'reload refused' "a removed key file"
grep 'reload refused' "$DM_LOG" | tail -n 1 |
	grep -q "routing_key_file: cannot open routing key file $AL_PD_KEYFILE: No such file or directory" ||
	tb_fail "the refusal does not name the missing file: $(grep 'reload refused' "$DM_LOG" | tail -n 1)"
tb_ok "a key file readable by others, then removed: reload refused, the log names the file and why"

pki_kamailio_swap good
tb_until 15 any_keys resolve || tb_fail "no resolve delivered within 15 s"
al_settle
[ "$(keys resolve)" = "$KEY2" ] ||
	tb_fail "the resolves carry $(keys resolve | tr '\n' ' '), not only the key in force"
# A sink the config no longer has: its series go with it.
dm_scrape && [ "$(dm_series sipcanary_alert_notifications_total sink=pd)" -gt 0 ] ||
	tb_fail "no sipcanary_alert_notifications_total{sink=pd} before the sink's removal"
( umask 077; printf '%s\n' "$KEY2" >"$AL_PD_KEYFILE" )
sed -i '/^sink "pd" {/,/^}/d' "$TB/sc.conf"
hup 'reloaded ' "the sink removed"
dm_scrape
n=$(grep -c 'sink="pd"' "$DM_METRICS") || true
[ "$n" = 0 ] || tb_fail "$n series of the removed sink remain: $(grep -m3 'sink="pd"' "$DM_METRICS")"
tb_ok "the sink removed by SIGHUP: none of its series remain on /metrics"
dm_stop
tb_pass "SIGHUP: a changed routing key is used from the next event; a bad key file keeps the key in force, and the log says which file and why; a removed sink's series go"
