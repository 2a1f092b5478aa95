#!/bin/sh
# coverage.sh - how much of the code under test the fuzz corpora reach:
# builds the harnesses with clang's source-based coverage (no
# sanitizers), runs every input of each harness's corpora once, and
# prints llvm-cov's line, branch and function coverage of the files that
# harness drives.  "make fuzz-coverage" runs this on the seeds and on the
# corpus that `make fuzz` grew.
#
#   tests/fuzz/coverage.sh [-o OUTDIR] [-c CONFIG_H] [-w WORKDIR] [HARNESS...]
#
# -o OUTDIR   build directory (default: _build/fuzz-cov in the source
#             tree); the report per harness lands in OUTDIR/HARNESS.txt
# -c CONFIG_H see build.sh
# -w WORKDIR  a directory of grown corpora, WORKDIR/HARNESS (as run.sh's
#             OUTDIR/work); may be given more than once
#
# Needs clang, llvm-profdata and llvm-cov (Debian: clang, llvm).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
fz="$top/tests/fuzz"
out="$top/_build/fuzz-cov"
config_h=
works=
while getopts o:c:w: opt; do
	case "$opt" in
	o) out=$OPTARG ;;
	c) config_h=$OPTARG ;;
	w) works="$works $OPTARG" ;;
	*) echo "usage: $0 [-o OUTDIR] [-c CONFIG_H] [-w WORKDIR] [HARNESS...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
harnesses=${*:-fuzz_stream fuzz_digest fuzz_config fuzz_scenario fuzz_dns fuzz_ws fuzz_revocation}

tool() {
	for t in "$1" "$1-14"; do
		command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
	done
	echo "coverage.sh: $1 not found: apt-get install llvm" >&2
	exit 2
}
profdata=$(tool llvm-profdata)
cov=$(tool llvm-cov)

mkdir -p "$out"
set -- -o "$out"
[ -n "$config_h" ] && set -- "$@" -c "$config_h"
# shellcheck disable=SC2086
if ! FUZZ_COVERAGE=1 sh "$fz/build.sh" "$@" $harnesses >/dev/null \
    2>"$out/build.log"; then
	cat "$out/build.log" >&2
	exit 1
fi

# The files each harness is there to exercise.
sources() {
	case "$1" in
	fuzz_stream) echo "sip/framer.c sip/reg.c sip/digest.c" ;;
	fuzz_ws) echo "sip/ws.c" ;;
	fuzz_digest) echo "sip/digest.c" ;;
	fuzz_config) echo "prober/conf/conf.c prober/conf/conf_values.c" \
	    "prober/conf/conf_sections.c prober/conf/conf_check.c" \
	    "prober/conf/confparse.c prober/conf/duration.c" \
	    "prober/common/hostport.c prober/common/url.c" ;;
	fuzz_scenario) echo "prober/conf/scenario.c prober/conf/scenario_steps.c" \
	    "prober/conf/confparse.c prober/conf/duration.c" ;;
	fuzz_dns) echo "sip/locate.c" ;;
	fuzz_revocation) echo "sip/httpfetch.c sip/crl.c sip/ocspquery.c" ;;
	esac
}

mkdir -p "$out/prof"
for h in $harnesses; do
	set -- "$fz/corpus/$h"
	[ -d "$fz/regress/$h" ] && set -- "$@" "$fz/regress/$h"
	for w in $works; do
		[ -d "$w/$h" ] && set -- "$@" "$w/$h"
	done
	inputs=0
	for d in "$@"; do
		inputs=$((inputs + $(find "$d" -type f | wc -l)))
	done
	rm -f "$out/prof/$h".*.profraw
	# -runs=0: every input once, no fuzzing
	LLVM_PROFILE_FILE="$out/prof/$h.%p.profraw" "$out/bin/$h" -runs=0 \
	    "$@" >"$out/prof/$h.log" 2>&1 || {
		echo "coverage.sh: $h failed on its corpus (see $out/prof/$h.log)" >&2
		exit 1
	}
	"$profdata" merge -sparse "$out/prof/$h".*.profraw -o "$out/prof/$h.profdata"
	srcs=
	for s in $(sources "$h"); do srcs="$srcs $top/$s"; done
	# shellcheck disable=SC2086
	"$cov" report "$out/bin/$h" -instr-profile="$out/prof/$h.profdata" \
	    $srcs >"$out/$h.txt"
	echo "$h: $inputs inputs"
	# the TOTAL line: regions, missed, %, functions, missed, %, lines,
	# missed, %, branches, missed, %
	awk -v h="$h" '
	/^[^ ]*\.c / || /^TOTAL/ {
		n = split($0, f, /[ \t]+/)
		name = $1 == "TOTAL" ? "total" : $1
		sub(/.*\//, "", name)
		printf "  %-14s lines %7s  branches %7s  functions %7s\n",
		    name, f[10], f[n], f[7]
	}' "$out/$h.txt"
done
