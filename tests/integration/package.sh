#!/bin/bash
# package.sh — issue 9, the Debian package: `dpkg-buildpackage -us -uc -b`
# builds it from a copy of the tree (the work tree is never written to),
# lintian finds no error, and the .deb holds the binary, the three man
# pages, the scenarios, the conffile /etc/sipcanary/sipcanary.conf and the
# systemd unit.  Installed on this machine (apt-get install ./x.deb): the
# sipcanary system user exists, /var/lib/sipcanary is its own with mode
# 0700, the unit is installed but not enabled, `sipcanary --version`
# works, `sipcanary run -n -c /etc/sipcanary/sipcanary.conf` passes (as
# root and as the service user), and the daemon runs as the service user
# with the shipped config and answers /healthz and /metrics.  Then
# `apt-get purge` leaves no file of the package, no conffile and no state
# directory behind.
#
# Needs root, dpkg-buildpackage and debhelper (skips otherwise, saying
# what to install).  Never replaces an installed sipcanary package.
# Cleans up on any exit: purges what it installed, and removes the
# sipcanary user and group if it created them.
#
# Environment knobs:
#   SC_PACKAGE_TREE=worktree (default) — the work tree's files as git sees
#       them (tracked, and untracked but not ignored: what a commit of
#       everything would hold), debian/ included;
#   SC_PACKAGE_TREE=head — `git archive HEAD` and the untracked files
#       (not the uncommitted edits of tracked files: useful while others
#       edit the work tree).
#   SC_PACKAGE_NOCHECK=1 — skip the unit tests in the package build.
#   TB_KEEP=1 — keep $TB (the copy, the build log and the .deb).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init

PKG=sipcanary
APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=120)
installed_by_us=0
user_existed=1
group_existed=1

# ---------------------------------------------------------------------------
# cleanup: runs before common.sh's (which removes $TB and exits)

# pkg_known — true if dpkg has the package installed, half-installed or
# with its conffiles left (anything but not-installed).
pkg_known() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null) || return 1
	case "$st" in ?n*|'') return 1 ;; esac
	return 0
}

# shellcheck disable=SC2317  # called from the EXIT trap
pkg_cleanup() {
	if [ "$installed_by_us" = 1 ] && pkg_known; then
		tb_log "cleanup: purging $PKG"
		DEBIAN_FRONTEND=noninteractive apt-get purge "${APT_OPTS[@]}" \
			"$PKG" >/dev/null 2>&1 ||
			dpkg --purge "$PKG" >/dev/null 2>&1 || true
	fi
	if [ "$installed_by_us" = 1 ] && [ "$user_existed" = 0 ] &&
	    getent passwd "$PKG" >/dev/null; then
		deluser --system --quiet "$PKG" >/dev/null 2>&1 ||
			userdel "$PKG" >/dev/null 2>&1 || true
	fi
	if [ "$installed_by_us" = 1 ] && [ "$group_existed" = 0 ] &&
	    getent group "$PKG" >/dev/null; then
		delgroup --system --quiet "$PKG" >/dev/null 2>&1 ||
			groupdel "$PKG" >/dev/null 2>&1 || true
	fi
}
_pkg_rc=0
trap '_pkg_rc=$?; set +e; pkg_cleanup; (exit "$_pkg_rc"); _tb_cleanup' EXIT

# ---------------------------------------------------------------------------
# preconditions

[ "$(id -u)" = 0 ] || tb_skip "needs root (apt-get install of the .deb)"
for t in dpkg-buildpackage:dpkg-dev dh:debhelper dpkg-checkbuilddeps:dpkg-dev \
    apt-get:apt git:git; do
	command -v "${t%%:*}" >/dev/null 2>&1 ||
		tb_skip "missing tool: ${t%%:*} (apt-get install ${t#*:})"
done
[ -d "$TB_TOP/debian" ] || tb_skip "no debian/ directory in $TB_TOP"
git -C "$TB_TOP" rev-parse --git-dir >/dev/null 2>&1 ||
	tb_skip "$TB_TOP is not a git checkout (the copy is made from git's file list)"

# One package test at a time on a machine: two would install and purge
# the same package under each other.
exec 9>/run/lock/sipcanary-package-test.lock 2>/dev/null ||
	exec 9>"${TMPDIR:-/tmp}/sipcanary-package-test.lock"
flock -w 240 9 || tb_skip "another package test held the lock for 240 s"

if pkg_known; then
	tb_skip "the $PKG package is already installed here; not replacing it"
fi
getent passwd "$PKG" >/dev/null || user_existed=0
getent group "$PKG" >/dev/null || group_existed=0

# ---------------------------------------------------------------------------
# the copy of the tree

src="$TB/src"
mkdir -p "$src"
# What a build in the work tree would leave: debian/ build products,
# packages beside the tree, an in-place configure.  (Not git status as a
# whole: others may be editing the tree while this runs.)
touch "$TB/stamp"
# until a file written now is newer than the stamp (mtime granularity)
tick() { touch "$TB/stamp.tick"; [ "$TB/stamp.tick" -nt "$TB/stamp" ]; }
tb_until 5 tick || tb_fail "the clock does not move on $TB"
case "${SC_PACKAGE_TREE:-worktree}" in
worktree)
	# Deleted-but-tracked files are not there to copy: list what exists.
	git -C "$TB_TOP" ls-files -z --cached --others --exclude-standard |
		(cd "$TB_TOP" && while IFS= read -r -d '' f; do
			[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
		done) |
		tar -C "$TB_TOP" --null -T - -cf - | tar -C "$src" -xf - ||
		tb_fail "copying the work tree's files"
	;;
head)
	git -C "$TB_TOP" archive HEAD | tar -C "$src" -xf - ||
		tb_fail "git archive HEAD"
	git -C "$TB_TOP" ls-files -z --others --exclude-standard |
		tar -C "$TB_TOP" --null -T - -cf - | tar -C "$src" -xf - ||
		tb_fail "copying the untracked files"
	;;
*)	tb_fail "SC_PACKAGE_TREE: worktree or head, not ${SC_PACKAGE_TREE}" ;;
esac
tb_ok "copied the tree (${SC_PACKAGE_TREE:-worktree}) to $src"

# Unmet build dependencies are this machine's lack, not a failure.
profile=()
if [ "${SC_PACKAGE_NOCHECK:-0}" = 1 ]; then
	profile=(-Pnocheck)
	export DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}"
fi
if ! missing=$(cd "$src" && dpkg-checkbuilddeps "${profile[@]}" 2>&1); then
	tb_skip "build dependencies missing: ${missing##*: } (scripts/deps-debian all)"
fi

# ---------------------------------------------------------------------------
# build

DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}"
export DEB_BUILD_OPTIONS
(cd "$src" && timeout -k 5 240 dpkg-buildpackage -us -uc -b "${profile[@]}") \
	>"$TB/build.log" 2>&1 || {
	tail -n 40 "$TB/build.log"
	tb_fail "dpkg-buildpackage -us -uc -b failed (log above)"
}
arch=$(dpkg --print-architecture)
deb="$TB/${PKG}_$(cd "$src" && dpkg-parsechangelog -S Version)_$arch.deb"
[ -f "$deb" ] || tb_fail "no $(basename "$deb") built in $TB"
tb_ok "built $(basename "$deb")"

touched=$( { find "$TB_TOP/debian" -newer "$TB/stamp"
	find "$TB_TOP/.." -maxdepth 1 -name "${PKG}*_*" -newer "$TB/stamp"
	find "$TB_TOP" -maxdepth 1 \( -name config.status -o -name config.log \) \
		-newer "$TB/stamp"; } 2>/dev/null)
[ -z "$touched" ] || tb_fail "the build wrote into the work tree: $touched"
tb_ok "the work tree was not touched"

# ---------------------------------------------------------------------------
# lintian: no errors (warnings are printed)

if command -v lintian >/dev/null 2>&1; then
	changes=${deb%.deb}.changes
	lrc=0
	lintian --fail-on error \
		"$changes" >"$TB/lintian.log" 2>&1 || lrc=$?
	grep -v '^running with root privileges' "$TB/lintian.log" | sed 's/^/  lintian: /' || true
	[ "$lrc" = 0 ] || tb_fail "lintian reports errors on $(basename "$changes")"
	tb_ok "lintian: no errors"
else
	tb_log "lintian not installed: not run (apt-get install lintian)"
fi

# ---------------------------------------------------------------------------
# contents

dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$TB/contents"
for f in /usr/bin/sipcanary \
    /usr/share/man/man1/sipcanary.1.gz \
    /usr/share/man/man5/sipcanary.conf.5.gz \
    /usr/share/man/man5/sipcanary-scenario.5.gz \
    /usr/share/sipcanary/scenarios/register-fresh.scn \
    /usr/share/sipcanary/scenarios/reconnect-storm.scn \
    /etc/sipcanary/sipcanary.conf \
    /lib/systemd/system/sipcanary.service \
    /usr/share/doc/sipcanary/copyright; do
	grep -qxF "$f" "$TB/contents" || tb_fail "the .deb lacks $f"
done
n=$(grep -c '^/usr/share/sipcanary/scenarios/.*\.scn$' "$TB/contents" || true)
m=$(find "$src/scenarios" -maxdepth 1 -name '*.scn' | wc -l)
[ "$n" = "$m" ] || tb_fail "the .deb has $n scenarios, the tree $m"
dpkg-deb -f "$deb" Depends | grep -q 'libssl3' ||
	tb_fail "Depends lacks the shared libraries (\${shlibs:Depends})"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles 2>/dev/null |
	grep -qxF /etc/sipcanary/sipcanary.conf ||
	tb_fail "/etc/sipcanary/sipcanary.conf is not a conffile"
tb_ok "contents: binary, 3 man pages, $n scenarios, conffile, unit"

# ---------------------------------------------------------------------------
# install on this machine

installed_by_us=1
DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" "$deb" \
	>"$TB/install.log" 2>&1 || {
	tail -n 30 "$TB/install.log"
	tb_fail "apt-get install $(basename "$deb") failed"
}
tb_ok "apt-get install ./$(basename "$deb")"

command -v sipcanary | grep -qx /usr/bin/sipcanary ||
	tb_fail "sipcanary is not /usr/bin/sipcanary on PATH"
tb_run /usr/bin/sipcanary --version
tb_expect_rc 0 "sipcanary --version"
grep -q '^sipcanary [0-9]' "$TB_OUT" || tb_fail "--version: no version line"
grep -q 'OpenSSL' "$TB_OUT" || tb_fail "--version: no library versions"
tb_ok "--version: $(head -n 1 "$TB_OUT")"

tb_run /usr/bin/sipcanary run -n -c /etc/sipcanary/sipcanary.conf
cat "$TB_ERR" >&2
tb_expect_rc 0 "sipcanary run -n -c /etc/sipcanary/sipcanary.conf"
grep -q '(0 enabled)' "$TB_OUT" ||
	tb_fail "the shipped config enables a target: $(head -n 1 "$TB_OUT")"
tb_ok "the shipped config loads with every target disabled"

getent passwd "$PKG" >/dev/null || tb_fail "no $PKG user after install"
getent group "$PKG" >/dev/null || tb_fail "no $PKG group after install"
uid=$(id -u "$PKG")
[ "$uid" -lt 1000 ] || tb_fail "the $PKG user is not a system user (uid $uid)"
shell=$(getent passwd "$PKG" | cut -d: -f7)
case "$shell" in */nologin|/bin/false) ;; *) tb_fail "the $PKG user has a login shell: $shell" ;; esac
st=$(stat -c '%U:%G %a' /var/lib/sipcanary 2>/dev/null) ||
	tb_fail "/var/lib/sipcanary does not exist"
[ "$st" = "$PKG:$PKG 700" ] || tb_fail "/var/lib/sipcanary is $st, not $PKG:$PKG 700"
tb_ok "system user $PKG (uid $uid, shell $shell), /var/lib/sipcanary $st"

tb_run runuser -u "$PKG" -- /usr/bin/sipcanary run -n -c /etc/sipcanary/sipcanary.conf
tb_expect_rc 0 "run -n as the $PKG user (as ExecStartPre does)"

for m in man1/sipcanary.1 man5/sipcanary.conf.5 man5/sipcanary-scenario.5; do
	[ -f "/usr/share/man/$m.gz" ] || tb_fail "man page $m not installed"
done
tb_ok "man pages installed"

# The unit: installed, not enabled (so not started), sound.
unit=/lib/systemd/system/sipcanary.service
[ -f "$unit" ] || tb_fail "$unit not installed"
grep -qx 'User=sipcanary' "$unit" || tb_fail "the unit does not run as User=sipcanary"
[ ! -e /etc/systemd/system/multi-user.target.wants/sipcanary.service ] ||
	tb_fail "the unit was enabled on install"
tb_ok "unit installed, not enabled"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify --man=no "$unit" >"$TB/verify.log" 2>&1 || true
	if grep -E '^sipcanary\.service:|/sipcanary\.service:[0-9]+:' "$TB/verify.log"; then
		tb_fail "systemd-analyze verify finds problems in the unit"
	fi
	if systemd-analyze security --offline=yes "$unit" >"$TB/security.log" 2>&1; then
		exposure=$(grep -o 'Overall exposure level for sipcanary.service: [0-9.]*' \
			"$TB/security.log" | awk '{print $NF}')
		if [ -n "$exposure" ]; then
			awk -v e="$exposure" 'BEGIN{exit !(e <= 2.0)}' ||
				tb_fail "the unit's exposure is $exposure (sandboxing lost?)"
			tb_ok "systemd-analyze: unit verifies, exposure $exposure"
		fi
	else
		tb_log "systemd-analyze security --offline unavailable here: skipped"
	fi
fi

# The daemon as the service user, on the shipped config (every target
# disabled) but a free port and a private state directory.
port=$(tb_free_port)
chmod 0711 "$TB"
mkdir -p "$TB/svc"
sed -e "s|^listen = .*|listen = \"127.0.0.1:$port\"|" \
    -e "s|^state_dir = .*|state_dir = \"$TB/svc/state\"|" \
	/etc/sipcanary/sipcanary.conf >"$TB/svc/sipcanary.conf"
install -d -m 0700 -o "$PKG" -g "$PKG" "$TB/svc/state"
chmod 0755 "$TB/svc"
chmod 0644 "$TB/svc/sipcanary.conf"
tb_spawn daemon runuser -u "$PKG" -- /usr/bin/sipcanary run -c "$TB/svc/sipcanary.conf"
tb_wait_port "$port" 10 "$TB_LAST_PID" || tb_fail "the daemon did not listen on $port"
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null ||
	tb_fail "/healthz did not answer"
curl -fsS "http://127.0.0.1:$port/metrics" | grep -q '^sipcanary_build_info{' ||
	tb_fail "/metrics has no sipcanary_build_info"
tb_stop "$TB_LAST_PID"
tb_ok "the daemon runs as $PKG: /healthz and /metrics answer"

# ---------------------------------------------------------------------------
# purge: nothing of the package is left

DEBIAN_FRONTEND=noninteractive apt-get purge "${APT_OPTS[@]}" "$PKG" \
	>"$TB/purge.log" 2>&1 || {
	tail -n 30 "$TB/purge.log"
	tb_fail "apt-get purge $PKG failed"
}
if pkg_known; then
	tb_fail "$PKG is still known to dpkg after purge"
fi
for f in /usr/bin/sipcanary /etc/sipcanary/sipcanary.conf /etc/sipcanary \
    /var/lib/sipcanary "$unit" /usr/share/sipcanary \
    /usr/share/man/man1/sipcanary.1.gz; do
	[ ! -e "$f" ] || tb_fail "$f is left after apt-get purge"
done
installed_by_us=0
tb_ok "apt-get purge: no file, conffile or state left"
# The user stays (Debian practice); remove it if this test created it.
if [ "$user_existed" = 0 ]; then
	deluser --system --quiet "$PKG" >/dev/null 2>&1 || userdel "$PKG" || true
fi
if [ "$group_existed" = 0 ] && getent group "$PKG" >/dev/null; then
	delgroup --system --quiet "$PKG" >/dev/null 2>&1 || groupdel "$PKG" || true
fi

tb_pass "the .deb builds, is lintian-clean, installs, runs and purges"
