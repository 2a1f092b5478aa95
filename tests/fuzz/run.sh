#!/bin/sh
# run.sh - builds the fuzz harnesses, replays their regression inputs and
# seed corpora, then fuzzes each for a set time.  "make fuzz" runs this.
#
#   tests/fuzz/run.sh [-o OUTDIR] [-c CONFIG_H] [-t SECONDS] [-r] [HARNESS...]
#
# -o OUTDIR   build and work directory (default: _build/fuzz in the
#             source tree): OUTDIR/bin, OUTDIR/work/HARNESS (the corpus
#             grown by fuzzing), OUTDIR/artifacts/HARNESS (crashes, leaks,
#             timeouts), OUTDIR/log/HARNESS.log
# -c CONFIG_H see build.sh
# -t SECONDS  fuzzing time per harness (default: $FUZZ_SECONDS, else 60)
# -r          replay only: regression inputs and seeds, no fuzzing
#
# One harness at a time, one process each (no -jobs/-fork): a run uses one
# core.  Exit status 0 when every replay passed and no harness found a
# crash, a leak or a timeout; 1 otherwise.  Extra libFuzzer flags can be
# given in FUZZ_FLAGS.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
fz="$top/tests/fuzz"
out="$top/_build/fuzz"
config_h=
seconds=${FUZZ_SECONDS:-60}
replay_only=0
while getopts o:c:t:r opt; do
	case "$opt" in
	o) out=$OPTARG ;;
	c) config_h=$OPTARG ;;
	t) seconds=$OPTARG ;;
	r) replay_only=1 ;;
	*) echo "usage: $0 [-o OUTDIR] [-c CONFIG_H] [-t SECONDS] [-r] [HARNESS...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
harnesses=${*:-fuzz_stream fuzz_digest fuzz_config fuzz_scenario fuzz_dns}

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
	esac
}

# The sanitizers' view: leaks are errors, and a report names its stack.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

failed=0
summary=
mkdir -p "$out/log"
for h in $harnesses; do
	bin="$out/bin/$h"
	log="$out/log/$h.log"
	# 1. every regression input and every seed, once
	set --
	for f in "$fz/regress/$h"/* "$fz/corpus/$h"/*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	if [ $# -gt 0 ]; then
		if ! "$bin" -rss_limit_mb=2048 -timeout=10 "$@" >"$log" 2>&1; then
			echo "FAIL: $h: a regression input or seed fails (see $log)"
			tail -n 30 "$log"
			failed=1
			continue
		fi
	fi
	if [ "$replay_only" = 1 ]; then
		summary="$summary$h: replayed $# inputs
"
		continue
	fi
	# 2. fuzz: new inputs go to work/, the seeds are read, not written
	mkdir -p "$out/work/$h" "$out/artifacts/$h"
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$seconds" -max_len="$(max_len "$h")" \
	    -dict="$(dict "$h")" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$out/artifacts/$h/" \
	    ${FUZZ_FLAGS:-} "$out/work/$h" "$fz/corpus/$h" >>"$log" 2>&1; then
		status=ok
	else
		status=FAILED
		failed=1
		echo "FAIL: $h: see $log and $out/artifacts/$h/"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|FUZZ_CHECK)' "$log" | head -n 5
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	summary="$summary$h: $status, ${execs:-?} executions in ${seconds}s, ${cov:-no coverage line}
"
done
printf '%s' "$summary"
exit "$failed"
