#!/bin/bash
# cli_help_complete.sh - every option that check and certs accept is in
# their --help and in sipcanary(1), and every option their --help lists
# is accepted (--parallel, --dns-server and --allow-mixed-certs were
# accepted but missing from --help).  Which options a command accepts is
# asked of the binary itself: an option it does not take is refused as
# "unknown option".
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary
MAN=$TB_TOP/docs/sipcanary.1
S=$(tb_sipcanary)

# Every --name the man page or a --help mentions.
{
	grep -oE '\\-\\-[a-z][a-z\\-]*' "$MAN" | sed 's/\\//g'
	for cmd in check certs; do "$S" "$cmd" --help | grep -oE -- '--[a-z][a-z-]*'; done
} | sed 's/^--//' | sort -u >"$TB/names"
[ "$(wc -l <"$TB/names")" -gt 20 ] || tb_fail "too few option names found: $(cat "$TB/names")"

for cmd in check certs; do
	"$S" "$cmd" --help >"$TB/$cmd.help"
	n=0
	while read -r name; do
		[ "$name" = help ] && continue
		timeout 10 "$S" "$cmd" "--$name" </dev/null >/dev/null 2>"$TB/err" || true
		if grep -q "unknown option --$name" "$TB/err"; then
			grep -qE -- "--$name\\b" "$TB/$cmd.help" &&
				tb_fail "$cmd --help lists --$name, which $cmd refuses"
			continue
		fi
		n=$((n + 1))
		grep -qE -- "--$name([^a-z-]|$)" "$TB/$cmd.help" ||
			tb_fail "$cmd accepts --$name, but its --help does not list it"
		m='\-\-'$(sed 's/-/\\-/g' <<<"$name")
		grep -qF -- "$m" "$MAN" ||
			tb_fail "$cmd accepts --$name, but sipcanary(1) does not describe it"
	done <"$TB/names"
	[ "$n" -ge 10 ] || tb_fail "$cmd: only $n options accepted?"
	tb_ok "$cmd: all $n accepted options are in --help and sipcanary(1)"
done
tb_pass "check and certs: --help and the man page list every option they take"
