# shellcheck shell=bash
# tests/lib/receiver.sh — shared helpers of the alert sink tests
# (tests/integration/sink_*.sh): the test HTTP receiver
# (tests/lib/receiver.pl) and the sink test driver (tests/unit/
# sink_driver.c, built with the unit tests).
#
# Source it after common.sh, then tb_init; sd_require.
#
#   rx_start NAME PORT [ARGS...]  start receiver.pl on 127.0.0.1:PORT;
#                                 its log (one JSON line per request) is
#                                 $TB/NAME.jsonl, emptied first unless
#                                 RX_KEEP_LOG=1; its mode file
#                                 $TB/NAME.mode; pid in RX_PID_<NAME>
#   rx_mode NAME ANSWER...        the receiver's answers from now on, one
#                                 per request, the last one staying
#                                 (200, 500, hang, close, ...)
#   rx_count NAME [JQ-FILTER]     requests logged that match the filter
#                                 (a jq boolean over one line; default
#                                 true)
#   rx_atleast NAME N [JQ-FILTER] true if at least N requests match (for
#                                 tb_until)
#   rx_stop NAME                  stop it
#   rx_am_start PORT [YAML-FILE]  a real Alertmanager (Debian's
#                                 prometheus-alertmanager) on
#                                 127.0.0.1:PORT, no cluster, storage in
#                                 $TB/am, every alert to a blackhole
#                                 receiver, YAML-FILE (say inhibit_rules)
#                                 added to its config; waited until ready
#   sd_require                    skip unless the driver, perl and jq exist
#   sd_conf FILE SINK-LINES...    write a config: vantage "test-lab",
#                                 state_dir $TB/state, one target and
#                                 the given lines (the sink sections)
#   sd_run ARGS...                tb_run the driver (TB_OUT, TB_ERR, TB_RC)
#   sd_spawn NAME ARGS...         start the driver in the background
#                                 (output $TB/NAME.log); pid in SD_PID

RX_PL=$TB_LIBDIR/receiver.pl
# shellcheck disable=SC2034  # read by the tests
SD_PID=

# sd_driver — print the driver's path: $SINK_DRIVER, else next to the
# binary under test, else in the build trees of scripts/build.
sd_driver() {
	local d b
	if [ -n "${SINK_DRIVER:-}" ]; then
		echo "$SINK_DRIVER"
		return
	fi
	b=$(tb_sipcanary)
	for d in "$(dirname "$b")/tests/unit/sink_driver" \
	    "$TB_TOP/tests/unit/sink_driver" \
	    "$TB_TOP/_build/default/tests/unit/sink_driver"; do
		if [ -x "$d" ]; then
			echo "$d"
			return
		fi
	done
	echo "$TB_TOP/_build/default/tests/unit/sink_driver"
}

sd_require() {
	tb_require perl jq curl ss
	[ -x "$(sd_driver)" ] || tb_skip "sink_driver not built ($(sd_driver))"
	mkdir -p "$TB/state"
}

rx_start() {
	local name=$1 port=$2
	shift 2
	[ "${RX_KEEP_LOG:-0}" = 1 ] || : >"$TB/$name.jsonl"
	[ -f "$TB/$name.mode" ] || : >"$TB/$name.mode"
	tb_spawn "rx-$name" perl "$RX_PL" --port "$port" \
		--log "$TB/$name.jsonl" --mode "$TB/$name.mode" "$@"
	printf -v "RX_PID_$name" '%s' "$TB_LAST_PID"
	tb_wait_port "$port" 10 "$TB_LAST_PID" ||
		tb_fail "receiver $name did not listen on $port"
}

rx_mode() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$TB/$name.mode.tmp"
	mv "$TB/$name.mode.tmp" "$TB/$name.mode"
}

rx_count() {
	local f=${2:-true}
	[ -s "$TB/$1.jsonl" ] || { echo 0; return; }
	jq -c "select($f)" "$TB/$1.jsonl" | wc -l
}

rx_atleast() { [ "$(rx_count "$1" "${3:-true}")" -ge "$2" ]; }

rx_stop() {
	local v="RX_PID_$1"
	[ -n "${!v:-}" ] && tb_stop "${!v}"
	printf -v "RX_PID_$1" '%s' ""
}

rx_am_start() {
	local port=$1 extra=${2:-}
	tb_require prometheus-alertmanager
	cat >"$TB/am.yml" <<-'YML'
	route:
	  receiver: blackhole
	  group_wait: 1h
	receivers:
	  - name: blackhole
	YML
	[ -z "$extra" ] || cat "$extra" >>"$TB/am.yml"
	mkdir -p "$TB/am"
	tb_spawn am prometheus-alertmanager --config.file="$TB/am.yml" \
		--storage.path="$TB/am" --web.listen-address="127.0.0.1:$port" \
		--cluster.listen-address= --log.level=warn
	tb_wait_port "$port" 20 "$TB_LAST_PID" || tb_fail "alertmanager did not start"
	tb_until 10 curl -sf "http://127.0.0.1:$port/-/ready" -o /dev/null ||
		tb_fail "alertmanager is not ready"
}

sd_conf() {
	local f=$1
	shift
	{
		echo 'vantage = "test-lab"'
		echo "state_dir = \"$TB/state\""
		echo 'target "voice-prod" { uri = "sips:example.test" }'
		printf '%s\n' "$@"
	} >"$f"
}

sd_run() { tb_run "$(sd_driver)" "$@"; }

sd_spawn() {
	local name=$1
	shift
	tb_spawn "$name" "$(sd_driver)" "$@"
	# shellcheck disable=SC2034  # read by the tests
	SD_PID=$TB_LAST_PID
}
