#!/bin/bash
# run_hep_keylog.sh — issue 20, the daemon: keylog_file writes the TLS
# keys (0600) with a WARN in the log and sipcanary_keylog_enabled 1;
# hep, hep_id and hep_password_file copy the probes' and flows' SIP as
# HEPv3 (agent id and auth key in each packet; sipcanary_hep_sent_total
# counts them; tshark reads them in a capture of the collector port,
# tests/lib/hep.sh); a collector that goes away costs counted drops
# (sipcanary_hep_dropped_total) while the probes stay ok.  A hep_id
# without hep is refused at load with the fix.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
# shellcheck source=SCRIPTDIR/../lib/hep.sh
. "$(dirname "$0")/../lib/hep.sh"
dm_init

hep_start
H=$HEP_PORT
tb_password_file "$TB/heppw" "hep-secret"

# hep_id without hep: refused at load, naming the fix
{ dm_config_head; printf 'hep_id = 7\n'; dm_target kam; } >"$TB/bad.conf"
tb_sc run -n -c "$TB/bad.conf"
[ "$TB_RC" -ne 0 ] && grep -q 'hep_id: there is no hep = collector' "$TB_ERR" ||
	tb_fail "hep_id without hep was not refused clearly: $(cat "$TB_ERR")"
tb_ok "hep_id without hep refused: $(head -1 "$TB_ERR")"

{
	printf 'keylog_file = "%s"\n' "$TB/keys.log"
	printf 'hep = "udp://127.0.0.1:%s"\nhep_id = 2001\n' "$H"
	printf 'hep_password_file = "%s"\n' "$TB/heppw"
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 1"
	dm_target kam
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
dm_wait_steady
grep -q '"level":"warn".*keylog_file is on: the TLS session keys of every probe go to' "$DM_LOG" ||
	tb_fail "no WARN that the key log is on: $(grep -i keylog "$DM_LOG")"
[ "$(stat -c %a "$TB/keys.log")" = 600 ] || tb_fail "key log mode $(stat -c %a "$TB/keys.log")"
grep -q '^CLIENT_TRAFFIC_SECRET_0 \|^CLIENT_RANDOM ' "$TB/keys.log" || tb_fail "no keys in the key log"
dm_cmp sipcanary_keylog_enabled == 1 || tb_fail "sipcanary_keylog_enabled is not 1"
tb_ok "key log on: WARN in the log, mode 600, $(wc -l <"$TB/keys.log") lines, sipcanary_keylog_enabled 1"

# a fresh probe: 6 copies, 3 of them REGISTERs; the flow: 4, 2 REGISTERs
hep_wait 8 15
hep_fields "$TB/hep.txt" hep.capture_id hep.auth_key hep.proto_type sip.Method
! grep -v '^2001|hep-secret|1|' "$TB/hep.txt" | grep -q . ||
	tb_fail "a HEP copy lacks the agent id or the auth key: $(grep -v '^2001|hep-secret|1|' "$TB/hep.txt" | head -3)"
[ "$(grep -c '|REGISTER$' "$TB/hep.txt")" -ge 4 ] ||
	tb_fail "fewer than 4 REGISTER copies in the capture: $(cat "$TB/hep.txt")"
n=$(hep_count)
dm_cmp sipcanary_hep_sent_total ">=" "$n" || tb_fail "sipcanary_hep_sent_total below the $n packets received"
tb_ok "tshark: $(wc -l <"$TB/hep.txt") HEP copies with agent id 2001 and the auth key, $(grep -c '|REGISTER$' "$TB/hep.txt") REGISTERs; sipcanary_hep_sent_total $(dm_value sipcanary_hep_sent_total)"

# The collector goes away: copies are refused (ICMP) and dropped, probes go on.
tb_stop "$HEP_PID"
d0=$(dm_get sipcanary_hep_dropped_total)
p0=$(dm_get sipcanary_probes_total target=kam frontend="$DM_FE" verdict=ok 2>/dev/null || echo 0)
_dropping() { dm_cmp sipcanary_hep_dropped_total ">" "$d0"; }
tb_until 15 _dropping || tb_fail "no drops counted with the collector gone"
_probing() { dm_cmp sipcanary_probes_total ">" "$p0" target=kam frontend="$DM_FE" verdict=ok; }
tb_until 10 _probing || tb_fail "no ok probe after the collector went away"
tb_ok "collector gone: sipcanary_hep_dropped_total $(dm_get sipcanary_hep_dropped_total), probes still ok"
dm_stop
tb_pass "keylog_file and hep in the daemon"
