#!/bin/sh
# build.sh - builds the libFuzzer harnesses of tests/fuzz with clang.
#
#   tests/fuzz/build.sh [-o OUTDIR] [-c CONFIG_H] [HARNESS...]
#
# OUTDIR   where objects and binaries go (default: _build/fuzz in the
#          source tree); binaries land in OUTDIR/bin.
# CONFIG_H the config.h of a configured build (make fuzz passes the build
#          tree's); without one, a minimal config.h with the same feature
#          macros is written into OUTDIR/include.
# HARNESS  fuzz_stream fuzz_digest fuzz_config fuzz_scenario fuzz_dns
#          fuzz_ws fuzz_revocation (default: all).
#
# Every project source a harness uses is compiled again here with
# -fsanitize=fuzzer-no-link,address,undefined, so that libFuzzer sees its
# coverage; the configured build (gcc, maybe -Werror) is left alone.
# Environment: CC (default clang), FUZZ_CFLAGS (extra flags),
# FUZZ_COVERAGE=1 (coverage instrumentation, no sanitizers).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/_build/fuzz"
config_h=
while getopts o:c: opt; do
	case "$opt" in
	o) out=$OPTARG ;;
	c) config_h=$OPTARG ;;
	*) echo "usage: $0 [-o OUTDIR] [-c CONFIG_H] [HARNESS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
harnesses=${*:-fuzz_stream fuzz_digest fuzz_config fuzz_scenario fuzz_dns fuzz_ws fuzz_revocation}

CC=${CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "build.sh: $CC not found: apt-get install clang libclang-rt-14-dev" >&2
	exit 2
fi
# libFuzzer and the sanitizer runtimes come with libclang-rt-14-dev.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$probe_dir/p.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe_dir/p.c" \
    -o "$probe_dir/p" >/dev/null 2>&1; then
	echo "build.sh: $CC cannot link -fsanitize=fuzzer,address,undefined:" \
	    "apt-get install libclang-rt-14-dev" >&2
	exit 2
fi

mkdir -p "$out/obj" "$out/bin" "$out/include"
if [ -n "$config_h" ]; then
	cp "$config_h" "$out/include/config.h.new"
else
	# What configure's AC_USE_SYSTEM_EXTENSIONS and AC_INIT define.
	cat >"$out/include/config.h.new" <<-'EOF'
	/* config.h for the fuzz build: written by tests/fuzz/build.sh */
	#define PACKAGE "sipcanary"
	#define PACKAGE_NAME "sipcanary"
	#define PACKAGE_VERSION "0.1.0"
	#define PACKAGE_STRING "sipcanary 0.1.0"
	#define SC_VERSION_GIT "fuzz"
	#ifndef _GNU_SOURCE
	# define _GNU_SOURCE 1
	#endif
	#ifndef _DEFAULT_SOURCE
	# define _DEFAULT_SOURCE 1
	#endif
	EOF
fi
# prober/git-version.h is made by the configured build; daemon.c and
# drill.c include it.
if [ ! -f "$out/include/git-version.h" ]; then
	printf '#ifndef SC_VERSION_GIT\n#define SC_VERSION_GIT "fuzz"\n#endif\n' \
	    >"$out/include/git-version.h"
fi
# prober/persistent-flow.h and options-flow.h likewise: the daemon's flow
# scenarios.
for f in persistent-flow options-flow; do
	"$top/scripts/embed-text" "$top/scenarios/$f.scn" \
	    "$(echo "$f" | tr - _)_scn" >"$out/include/$f.h.new"
	if cmp -s "$out/include/$f.h.new" "$out/include/$f.h"; then
		rm -f "$out/include/$f.h.new"
	else
		mv "$out/include/$f.h.new" "$out/include/$f.h"
	fi
done
# Keep the old file (and its time stamp) when nothing changed.
if cmp -s "$out/include/config.h.new" "$out/include/config.h"; then
	rm -f "$out/include/config.h.new"
else
	mv "$out/include/config.h.new" "$out/include/config.h"
fi

pkgs="sofia-sip-ua libevent libevent_openssl libssl libcrypto libcares jansson libconfuse libcrypt"
# Sofia's headers trip warnings: include them as system headers, as
# configure.ac does.
dep_cflags=$(pkg-config --cflags $pkgs | sed 's/-I/-isystem /g')
dep_libs=$(pkg-config --libs $pkgs)

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# FUZZ_COVERAGE=1: source-based coverage instead of the sanitizers
# (tests/fuzz/coverage.sh); use its own OUTDIR.
if [ "${FUZZ_COVERAGE:-0}" = 1 ]; then
	san="-fprofile-instr-generate -fcoverage-mapping"
fi
cflags="-std=c11 -g -O1 -fno-omit-frame-pointer $san -Wall -Wextra -Wno-unused-parameter ${FUZZ_CFLAGS:-}"
incs="-I$out/include -I$top/sip -I$top/prober -I$top/tests/fuzz"

# compile SRC OBJ [extra flags]: only when SRC, a header or config.h is newer.
compile() {
	src=$1 obj=$2
	shift 2
	if [ -f "$obj" ] && [ "$obj" -nt "$src" ] &&
	    [ "$obj" -nt "$out/include/config.h" ] &&
	    [ "$obj" -nt "$0" ] &&
	    [ -z "$(find "$top/sip" "$top/prober" "$top/tests/fuzz" \
	        -name '*.h' -newer "$obj" 2>/dev/null | head -n 1)" ]; then
		return 0
	fi
	echo "  CC      ${src#"$top"/}" >&2
	# shellcheck disable=SC2086
	"$CC" $cflags "$@" $incs $dep_cflags -c "$src" -o "$obj"
}

# The sip/ library, as in Makefile.am, instrumented for coverage.
lib_objs=
for src in "$top"/sip/*.c; do
	obj="$out/obj/sip_$(basename "$src" .c).o"
	compile "$src" "$obj" -fsanitize=fuzzer-no-link
	lib_objs="$lib_objs $obj"
done
# shellcheck disable=SC2086
ar cr "$out/obj/libsccore-fuzz.a.new" $lib_objs
mv "$out/obj/libsccore-fuzz.a.new" "$out/obj/libsccore-fuzz.a"

# prober/ without main.c, as an archive: a harness pulls in only what
# the parser it drives references (conf.c grows with the daemon).  A
# file that does not compile is left out with a warning: if a harness
# needs it, its link fails and names the missing symbols.
prober_objs=
for src in $(find "$top/prober" -name "*.c" | sort); do
	[ "$src" = "$top/prober/main.c" ] && continue
	obj="$out/obj/prober_$(basename "$src" .c).o"
	if ! compile "$src" "$obj" -fsanitize=fuzzer-no-link 2>"$out/obj/cc.err"; then
		echo "build.sh: warning: ${src#"$top"/} does not compile;" \
		    "left out of libprober-fuzz.a" >&2
		grep -m 3 'error' "$out/obj/cc.err" >&2 || true
		rm -f "$obj"
		continue
	fi
	prober_objs="$prober_objs $obj"
done
# shellcheck disable=SC2086
ar cr "$out/obj/libprober-fuzz.a.new" $prober_objs
mv "$out/obj/libprober-fuzz.a.new" "$out/obj/libprober-fuzz.a"

for h in $harnesses; do
	case "$h" in
	fuzz_stream)
		objs="" wrap="-Wl,--wrap=sc_util_token" libs="$out/obj/libsccore-fuzz.a $dep_libs" ;;
	fuzz_digest|fuzz_revocation)
		objs="" wrap="" libs="$out/obj/libsccore-fuzz.a $dep_libs" ;;
	fuzz_ws)
		# Debian's libwslay-dev has no pkg-config file.
		objs="" wrap="" libs="$out/obj/libsccore-fuzz.a $dep_libs -lwslay" ;;
	fuzz_config)
		objs="$out/obj/prober_conf.o"
		wrap="-Wl,--wrap=secret_read_file"
		libs="$out/obj/libprober-fuzz.a $out/obj/libsccore-fuzz.a $dep_libs" ;;
	fuzz_scenario)
		objs="$out/obj/prober_scenario.o"
		wrap=""
		libs="$out/obj/libprober-fuzz.a $out/obj/libsccore-fuzz.a $dep_libs" ;;
	fuzz_dns)
		# locate.c without dns.c: the harness stands in for it.
		objs="$out/obj/sip_locate.o $out/obj/sip_clock.o $out/obj/sip_verdict.o"
		wrap="-Wl,--wrap=ares_query"
		libs=$(pkg-config --libs libevent libcares) ;;
	*)
		echo "build.sh: unknown harness $h" >&2
		exit 2 ;;
	esac
	compile "$top/tests/fuzz/$h.c" "$out/obj/$h.o" -fsanitize=fuzzer \
	    -Werror
	echo "  LD      $h" >&2
	# shellcheck disable=SC2086
	"$CC" -fsanitize=fuzzer $san "$out/obj/$h.o" $objs $wrap $libs -lm \
	    -o "$out/bin/$h"
done
echo "$out/bin"
