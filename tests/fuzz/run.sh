#!/bin/sh
# run.sh - builds the fuzz harnesses, replays their regression inputs and
# seed corpora, then fuzzes each for a set time.  "make fuzz" runs this.
#
#   tests/fuzz/run.sh [-o OUTDIR] [-c CONFIG_H] [-t SECONDS] [-j JOBS] [-r]
#                     [HARNESS...]
#
# -o OUTDIR   build and work directory (default: _build/fuzz in the
#             source tree): OUTDIR/bin, OUTDIR/work/HARNESS (the corpus
#             grown by fuzzing), OUTDIR/artifacts/HARNESS (crashes, leaks,
#             timeouts), OUTDIR/log/HARNESS.log
# -c CONFIG_H see build.sh
# -t SECONDS  fuzzing time per harness (default: $FUZZ_SECONDS, else 60)
# -j JOBS     how many harnesses fuzz at once (default 1; all: every one)
# -r          replay only: regression inputs and seeds, no fuzzing
#
# Each harness is one process (no libFuzzer -jobs/-fork), so it uses one
# core; -j runs several harnesses side by side, one core each.  Exit status 0 when every replay passed and no harness found a
# crash, a leak or a timeout; 1 otherwise.  Extra libFuzzer flags can be
# given in FUZZ_FLAGS.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
fz="$top/tests/fuzz"
out="$top/_build/fuzz"
config_h=
seconds=${FUZZ_SECONDS:-60}
replay_only=0
jobs=1
while getopts o:c:t:j:r opt; do
	case "$opt" in
	o) out=$OPTARG ;;
	c) config_h=$OPTARG ;;
	t) seconds=$OPTARG ;;
	j) jobs=$OPTARG ;;
	r) replay_only=1 ;;
	*) echo "usage: $0 [-o OUTDIR] [-c CONFIG_H] [-t SECONDS] [-j JOBS] [-r] [HARNESS...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
harnesses=${*:-fuzz_stream fuzz_digest fuzz_config fuzz_scenario fuzz_dns fuzz_ws fuzz_revocation}

if [ -n "$config_h" ]; then
	sh "$fz/build.sh" -o "$out" -c "$config_h" $harnesses >/dev/null
else
	sh "$fz/build.sh" -o "$out" $harnesses >/dev/null
fi

# Per harness: the longest input, and the dictionary.
max_len() {
	case "$1" in
	fuzz_digest) echo 4096 ;;
	*) echo 8192 ;;
	esac
}
dict() {
	case "$1" in
	fuzz_stream|fuzz_digest) echo "$fz/dict/sip.dict" ;;
	fuzz_config) echo "$fz/dict/conf.dict" ;;
	fuzz_scenario) echo "$fz/dict/scenario.dict" ;;
	fuzz_dns) echo "$fz/dict/dns.dict" ;;
	fuzz_ws) echo "$fz/dict/ws.dict" ;;
	fuzz_revocation) echo "$fz/dict/http.dict" ;;
	esac
}

# The sanitizers' view: leaks are errors, and a report names its stack.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

case "$jobs" in
all) jobs=$(echo $harnesses | wc -w) ;;
''|*[!0-9]*|0) echo "run.sh: -j wants a positive number or all, not '$jobs'" >&2; exit 2 ;;
esac
mkdir -p "$out/log"

# fuzz_one HARNESS - replays, then fuzzes one harness; its one-line summary
# goes to OUTDIR/log/HARNESS.summary, its exit status says pass or fail.
fuzz_one() {
	h=$1
	bin="$out/bin/$h"
	log="$out/log/$h.log"
	sum="$out/log/$h.summary"
	: >"$log"
	# 1. every regression input and every seed, once
	set --
	for f in "$fz/regress/$h"/* "$fz/corpus/$h"/*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	if [ $# -gt 0 ]; then
		if ! "$bin" -rss_limit_mb=2048 -timeout=10 "$@" >"$log" 2>&1; then
			{
				echo "FAIL: $h: a regression input or seed fails (see $log)"
				tail -n 30 "$log"
			} >"$sum"
			return 1
		fi
	fi
	if [ "$replay_only" = 1 ]; then
		echo "$h: replayed $# inputs" >"$sum"
		return 0
	fi
	# 2. fuzz: new inputs go to work/, the seeds are read, not written
	mkdir -p "$out/work/$h" "$out/artifacts/$h"
	rc=0
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$seconds" -max_len="$(max_len "$h")" \
	    -dict="$(dict "$h")" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$out/artifacts/$h/" \
	    ${FUZZ_FLAGS:-} "$out/work/$h" "$fz/corpus/$h" >>"$log" 2>&1; then
		status=ok
	else
		status=FAILED
		rc=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	{
		if [ $rc != 0 ]; then
			echo "FAIL: $h: see $log and $out/artifacts/$h/"
			grep -E '^(==[0-9]+==ERROR|SUMMARY|FUZZ_CHECK)' "$log" | head -n 5
		fi
		echo "$h: $status, ${execs:-?} executions in ${seconds}s, ${cov:-no coverage line}"
	} >"$sum"
	return $rc
}

# Batches of JOBS harnesses; every harness's summary is printed in order.
failed=0
pids=
for h in $harnesses; do
	rm -f "$out/log/$h.summary"
	fuzz_one "$h" &
	pids="$pids $!"
	set -- $pids
	if [ $# -ge "$jobs" ]; then
		for p in $pids; do wait "$p" || failed=1; done
		pids=
	fi
done
for p in $pids; do wait "$p" || failed=1; done
for h in $harnesses; do
	cat "$out/log/$h.summary" 2>/dev/null || {
		echo "FAIL: $h: no summary"
		failed=1
	}
done
exit "$failed"
