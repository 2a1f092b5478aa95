#!/bin/bash
# run_sigterm.sh — issue 6, SIGTERM (and SIGINT) unregister every flow:
# `sipcanary run` with 2 flows per frontend against a real Kamailio that
# records the SIP messages it receives (sipdump).  Once both flows are
# registered (Kamailio's location table holds their two bindings for
# alice), the daemon gets SIGTERM, right after a fresh probe ended (so
# that no fresh probe is half-way through its own REGISTER):
#   - it exits with status 0 within 5 s, and logs the stop;
#   - Kamailio received, for each flow, a REGISTER with Expires 0 on the
#     flow's own Call-ID, and its location table is empty afterwards
#     (`kamcmd ul.dump` lists no contact and no AoR alice).
# The same again with SIGINT.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
tb_init
tb_require jq
DM_SIPDUMP=1 dm_setup
T0=$(date +%s.%N)

dm_conf_kam "interval = 2s" "timeout = 1s" "keepalive = 1s" \
	"reconnect_every = 0" "flows = 2"

# flow_bindings — the flow bindings (;sc=) in Kamailio's location table
flow_bindings() {
	dm_kam_contacts | awk '$1 ~ /;sc=/'
}
ready() {
	dm_scrape && [ "$(dm_value sipcanary_flow_up "${DM_L[@]}")" = 2 ] &&
		[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] &&
		[ "$(flow_bindings | wc -l)" = 2 ]
}
probe_lines() { dm_log_count '"msg":"fresh probe: '; }
probe_ended() { [ "$(probe_lines)" -gt "$PROBES0" ]; }
location_empty() {
	local out
	out=$(dm_kam_rpc ul.dump 2>&1) || return 1
	! printf '%s\n' "$out" | grep -qE 'Contact:|AoR: *alice'
}

for sig in TERM INT; do
	dm_start "$TB/sc.conf"
	tb_until 15 ready || {
		dm_kam_contacts
		tb_fail "SIG$sig: two registered flows (and two bindings in Kamailio) not within 15 s"
	}
	tb_ok "SIG$sig: both flows registered; Kamailio holds: $(flow_bindings | awk '{ printf "%s ", $1 }')"
	# the flows' Call-IDs, from their bindings
	CIDS=$(flow_bindings | awk '{ print $2 }' | sort)

	# right after a fresh probe ended: the next one is about 2 s away
	PROBES0=$(probe_lines)
	tb_until 5 probe_ended || tb_fail "SIG$sig: no fresh probe ended within 5 s"
	case $sig in
	TERM) dm_stop 5 ;;
	INT)  t0=$(date +%s.%N)
	      kill -INT "$DM_PID"
	      tb_until 5 _dm_dead || tb_fail "SIGINT: the daemon still runs 5 s later"
	      DM_RC=0; wait "$DM_PID" 2>/dev/null || DM_RC=$?
	      DM_STOP_SECS=$(dm_elapsed "$t0") ;;
	esac
	[ "$DM_RC" = 0 ] || tb_fail "SIG$sig: the daemon exited $DM_RC, want 0"
	awk -v s="$DM_STOP_SECS" 'BEGIN{exit !(s < 5)}' ||
		tb_fail "SIG$sig: the daemon took ${DM_STOP_SECS}s to exit (bound 5 s)"
	tb_ok "SIG$sig: exit status 0 after ${DM_STOP_SECS}s"
	grep -q "SIG$sig: unregistering flows and stopping" "$DM_LOG" ||
		tb_fail "SIG$sig: the daemon did not log the stop"
	if grep -q 'grace period over' "$DM_LOG"; then
		tb_fail "SIG$sig: the daemon exited with unregisters unanswered"
	fi

	# Kamailio saw the unregisters, and has nothing left
	tb_kamailio_mark "$DM_KAM" "127.0.0.1:$DM_KAM_PORT" || tb_fail "test bed: no later OPTIONS in the sipdump"
	for c in $CIDS; do
		dm_kam_registers | awk -v c="$c" '$2 == c && $5 == "0" { f = 1 } END { exit !f }' || {
			dm_kam_registers | awk -v c="$c" '$2 == c'
			tb_fail "SIG$sig: Kamailio got no REGISTER with Expires 0 on flow Call-ID $c"
		}
	done
	location_empty || {
		dm_kam_rpc ul.dump
		tb_fail "SIG$sig: Kamailio's location table is not empty after the daemon exited"
	}
	tb_ok "SIG$sig: both flows sent Expires 0 on their Call-IDs; ul.dump shows no contact for alice"
	mv "$DM_LOG" "$TB/daemon-$sig.log"
done

tb_pass "SIGTERM and SIGINT: every flow unregistered, location table empty, exit 0 within 5 s ($(dm_elapsed "$T0") s)"
