# shellcheck shell=bash
# tests/lib/proc.sh — processes, ports and bounded waits for the test bed
# and the benches.  Sourced by common.sh (which owns TB_PIDS); nothing
# here starts a process.
#
#   tb_until SECONDS CMD...       run CMD every $TB_POLL s (default 0.1)
#                                 until it succeeds (0) or SECONDS pass (1)
#   tb_free_port [udp] [udp+N] [PORT]...
#                                 a port P in 20000-60000 that no TCP
#                                 socket uses; "udp": P is free for UDP
#                                 too; "udp+N": so is P+N (sipp's media);
#                                 P is none of the PORTs given (ports
#                                 picked before but not listened on yet)
#   tb_free_ports VAR...          set each VAR to a free TCP port, all
#                                 different
#   tb_wait_port PORT [SECONDS] [PID]
#                                 wait (default 10 s) for a TCP listener on
#                                 PORT, any address
#   tb_wait_listen ADDR PORT [SECONDS] [PID] [tcp|udp]
#                                 the same on exactly ADDR:PORT (127.0.0.2,
#                                 ::1 ...).  Both: if ss shows owners, the
#                                 listener must be a process we spawned
#                                 (or its child) or PID (or its child);
#                                 PID dying fails at once
#   tb_tree PID                   PID and every descendant, one a line
#   tb_ticks PID / tb_uticks PID  utime + stime / utime of PID in clock
#                                 ticks (a thread group's stat includes
#                                 its exited threads)
#   tb_tree_ticks PID             tb_ticks summed over tb_tree PID
#   tb_cpu PID...                 CPU seconds (utime + stime) of the PIDs
#   tb_tree_cpu PID               the same for tb_tree PID
#   tb_rss PID / tb_rss_anon PID / tb_hwm PID
#                                 VmRSS / RssAnon / VmHWM in kB
#   tb_fds PID                    open file descriptors of PID

# tb_until SECONDS CMD... — see above.
tb_until() {
	local secs=$1 end
	shift
	end=$(awk -v a="$(date +%s.%N)" -v s="$secs" 'BEGIN{printf "%.3f", a + s}')
	while :; do
		if "$@"; then return 0; fi
		if awk -v a="$(date +%s.%N)" -v e="$end" 'BEGIN{exit !(a >= e)}'; then
			return 1
		fi
		sleep "${TB_POLL:-0.1}"
	done
}

# _tb_alive PID — true if PID exists and is not a zombie.
_tb_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*|'') return 1 ;; esac
	return 0
}

# _tb_descendants PID — print every descendant pid of PID.
_tb_descendants() {
	local kids k
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null) || return 0
	for k in $kids; do
		echo "$k"
		_tb_descendants "$k"
	done
}

tb_tree() {
	echo "$1"
	_tb_descendants "$1"
}

# ---------------------------------------------------------------------------
# ports

# _tb_port_used PORT — true if any TCP socket (any state) uses local PORT.
_tb_port_used() {
	[ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]
}

# _tb_udp_used PORT — true if any UDP socket uses local PORT.
_tb_udp_used() {
	[ -n "$(ss -Huan "( sport = :$1 )" 2>/dev/null)" ]
}

# tb_free_port [udp] [udp+N] [PORT]... — see above.
tb_free_port() {
	local p w busy
	for _ in $(seq 1 100); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40001 ))
		_tb_port_used "$p" && continue
		busy=0
		for w in "$@"; do
			case "$w" in
			udp)    _tb_udp_used "$p" && busy=1 ;;
			udp+*)  _tb_udp_used "$((p + ${w#udp+}))" && busy=1 ;;
			"$p")   busy=1 ;;
			esac
		done
		if [ "$busy" = 0 ]; then
			echo "$p"
			return 0
		fi
	done
	echo "tb_free_port: no free port found" >&2
	return 1
}

# tb_free_ports VAR... — see above.
tb_free_ports() {
	local v taken=()
	for v in "$@"; do
		printf -v "$v" '%s' "$(tb_free_port "${taken[@]}")" || return 1
		taken+=("${!v}")
	done
}

# _tb_is_ours PID — true if PID or one of its ancestors is in TB_PIDS.
_tb_is_ours() {
	local p=$1 q
	for _ in $(seq 1 10); do
		for q in "${TB_PIDS[@]}"; do [ "$q" = "$p" ] && return 0; done
		p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ') || return 1
		[ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != 1 ] || return 1
	done
	return 1
}

# _tb_owned LISTEN_LINES [PID] — true if ss shows no owners, or one owner
# is a process we spawned (or its child), or PID or its descendant.
_tb_owned() {
	local lines=$1 pid=${2:-} owners tree='' o
	owners=$(printf '%s\n' "$lines" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
	[ -z "$owners" ] && return 0
	[ -n "$pid" ] && tree=$(tb_tree "$pid")
	for o in $owners; do
		_tb_is_ours "$o" && return 0
		printf '%s\n' "$tree" | grep -qx "$o" && return 0
	done
	return 1
}

# tb_wait_listen ADDR PORT [SECONDS] [PID] [tcp|udp] — see above.  ADDR
# "*": any address.
tb_wait_listen() {
	local addr=$1 port=$2 secs=${3:-10} pid=${4:-} proto=${5:-tcp} end want lines
	want='*'
	if [ "$addr" != '*' ]; then
		case "$addr" in
		*:*) want="[$addr]:$port" ;;
		*)   want="$addr:$port" ;;
		esac
	fi
	end=$(( $(date +%s) + secs ))
	while :; do
		if [ "$proto" = udp ]; then
			lines=$(ss -Hulnp "( sport = :$port )" 2>/dev/null)
		else
			lines=$(ss -Htlnp "( sport = :$port )" 2>/dev/null)
		fi
		if [ "$want" != '*' ]; then
			lines=$(printf '%s\n' "$lines" | awk -v w="$want" '$4 == w || $5 == w')
		fi
		if [ -n "$lines" ]; then
			_tb_owned "$lines" "$pid" && return 0
			tb_log "$want port $port ($proto) is held by a process we did not start: $lines"
			return 1
		fi
		if [ -n "$pid" ] && ! _tb_alive "$pid"; then
			tb_log "process $pid died before listening on $want port $port ($proto)"
			return 1
		fi
		if [ "$(date +%s)" -ge "$end" ]; then
			tb_log "nothing listens on $want port $port ($proto) after ${secs}s"
			return 1
		fi
		sleep 0.05
	done
}

# tb_wait_port PORT [SECONDS] [PID] — see above.
tb_wait_port() { tb_wait_listen '*' "$1" "${2:-10}" "${3:-}"; }

# ---------------------------------------------------------------------------
# what a process uses (benches)

# _tb_stat PID AWKEXPR — AWKEXPR over /proc/PID/stat's fields after the
# ")" that ends comm ($12 utime, $13 stime); 0 if PID is gone.
_tb_stat() {
	local v
	v=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk "{ print $2 }") || v=0
	echo "${v:-0}"
}
# shellcheck disable=SC2016  # awk code, not shell
tb_ticks()  { _tb_stat "$1" '$12 + $13'; }
# shellcheck disable=SC2016
tb_uticks() { _tb_stat "$1" '$12'; }

tb_tree_ticks() {
	local p t=0
	for p in $(tb_tree "$1"); do
		t=$(( t + $(tb_ticks "$p") ))
	done
	echo "$t"
}

tb_cpu() {
	local p t=0
	for p in "$@"; do t=$(( t + $(tb_ticks "$p") )); done
	awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'
}

# shellcheck disable=SC2046  # one pid per word
tb_tree_cpu() { tb_cpu $(tb_tree "$1"); }

_tb_status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
tb_rss()      { _tb_status "$1" VmRSS; }
tb_rss_anon() { _tb_status "$1" RssAnon; }
tb_hwm()      { _tb_status "$1" VmHWM; }

tb_fds() {
	local n
	n=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || n=0
	echo "$n"
}
