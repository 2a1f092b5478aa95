#!/bin/bash
# httpd_basic.sh — issues 6 and 8, the HTTP endpoint on its own: a tiny
# server built here from prober/web/httpd.c, metrics.c and status_html.c
# (the daemon's modules, not the daemon) serves /, /metrics and
# /healthz, and curl checks:
#   - 200 / 404 / 405 (with Allow) / HEAD, Content-Type and
#     Cache-Control: no-store on every answer, oversized headers refused;
#   - /metrics accepted by promtool (when installed), / is the status page;
#   - listen addresses: port 0, [::1], refused forms, a port in use;
#   - basic auth from an htpasswd-style file (bcrypt and SHA-256-crypt):
#     401 + WWW-Authenticate without or with wrong credentials, 200 with
#     right ones, /healthz open, 429 when guessing fast while a verified
#     client still gets in, unsafe or weak files refused;
#   - TLS with curl --cacert, and plain HTTP refused on the TLS port.
# The server is built with ASan+UBSan when the compiler can, and must
# exit 0 (no leak, no error) on SIGTERM.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require curl openssl pkg-config "${CC:-cc}"
pkg-config --exists libevent libevent_openssl libssl libcrypt ||
	tb_skip "missing libevent, libssl or libcrypt development files"

# --- the server -------------------------------------------------------------
cat >"$TB/config.h" <<'EOF'
#define _GNU_SOURCE 1
#define PACKAGE_VERSION "test"
EOF
cat >"$TB/testd.c" <<'EOF'
/* testd.c - serves the daemon's HTTP modules for httpd_basic.sh. */
#include "config.h"

#include <crypt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "web/httpd.h"
#include "web/metrics.h"
#include "web/status_html.h"

#define L(...)	((const char *const []){ __VA_ARGS__ })

static void
serve_metrics(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL || metrics_write(arg, b) == -1)
		httpd_send_text(req, 500, "out of memory\n");
	else
		httpd_send(req, 200, METRICS_CONTENT_TYPE, b);
	evbuffer_free(b);
}

static void
serve_status(struct evhttp_request *req, void *arg)
{
	static const unsigned char	 hist[] = { 1, 1, 1, 3, 3, 2, 1 };
	struct status_frontend		 fe = {
		.address = "127.0.0.1:5061", .verdict = "ok", .days_left = 42.5,
		.flows_up = 1, .flows_total = 1, .history = hist,
		.nhistory = sizeof(hist),
	};
	struct status_target		 t = { "voice", "sips:voice.test",
	    "sre", "ok", 0, 0, &fe, 1 };
	struct status_view		 v = { "test", "test", 0, 0, &t, 1,
	    NULL, NULL, 0, 0, NULL, 0 };
	struct evbuffer			*b = evbuffer_new();

	(void)arg;
	v.now = time(NULL);
	v.started = v.now - 60;
	fe.last_success = v.now - 5;
	if (b == NULL) {
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	status_html_write(b, &v);
	httpd_send(req, 200, "text/html; charset=utf-8", b);
	evbuffer_free(b);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	static const double	 bounds[] = { 0.01, 0.1, 1 };
	struct event_base	*base = NULL;
	struct event		*term = NULL, *intr = NULL;
	struct httpd		*h = NULL;
	struct metrics		*m = NULL;
	struct metrics_family	*f;
	struct crypt_data	 cd;
	char			 err[512], setting[CRYPT_GENSALT_OUTPUT_SIZE];
	FILE			*pf;
	int			 i, rc = 2;

	if (argc == 3 && strcmp(argv[1], "--hash") == 0) {
		/* bcrypt at a low cost: the test is about the plumbing. */
		memset(&cd, 0, sizeof(cd));
		if (crypt_gensalt_rn("$2b$", 5, NULL, 0, setting,
		    sizeof(setting)) == NULL ||
		    crypt_rn(argv[2], setting, &cd, sizeof(cd)) == NULL)
			return 1;
		printf("%s\n", cd.output);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: testd LISTEN PORTFILE [--auth FILE] "
		    "[--tls CERT KEY]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		goto done;
	if ((h = httpd_start(base, argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "testd: %s\n", err);
		goto done;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--auth") == 0 && i + 1 < argc) {
			if (httpd_load_basic_auth(h, argv[++i], err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "testd: %s\n", err);
				goto done;
			}
		} else if (strcmp(argv[i], "--tls") == 0 && i + 2 < argc) {
			if (httpd_set_tls(h, argv[i + 1], argv[i + 2], err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "testd: %s\n", err);
				goto done;
			}
			i += 2;
		} else {
			fprintf(stderr, "testd: bad argument %s\n", argv[i]);
			goto done;
		}
	}
	if ((m = metrics_new(0)) == NULL ||
	    metrics_const_label(m, "vantage", "test") == -1)
		goto done;
	if ((f = metrics_gauge_new(m, "sipcanary_probe_success",
	    "1 if the last fresh probe was ok.", L("target", "frontend",
	    NULL))) == NULL ||
	    metrics_set(f, L("voice", "127.0.0.1:5061"), 1) == -1)
		goto done;
	if ((f = metrics_counter_new(m, "sipcanary_probes_total",
	    "Fresh probes by verdict code.", L("target", "frontend",
	    "verdict", NULL))) == NULL ||
	    metrics_add(f, L("voice", "127.0.0.1:5061", "ok"), 41) == -1 ||
	    metrics_inc(f, L("voice", "127.0.0.1:5061", "cert_expired")) == -1)
		goto done;
	if ((f = metrics_histogram_new(m, "sipcanary_keepalive_rtt_seconds",
	    "CRLF ping to pong.", L("target", "frontend", NULL), bounds,
	    3)) == NULL ||
	    metrics_observe(f, L("voice", "127.0.0.1:5061"), 0.004) == -1 ||
	    metrics_observe(f, L("voice", "127.0.0.1:5061"), 0.3) == -1)
		goto done;
	if (httpd_route(h, "/metrics", serve_metrics, m) == -1 ||
	    httpd_route(h, "/", serve_status, NULL) == -1)
		goto done;
	if ((term = evsignal_new(base, SIGTERM, on_signal, base)) == NULL ||
	    (intr = evsignal_new(base, SIGINT, on_signal, base)) == NULL ||
	    evsignal_add(term, NULL) == -1 || evsignal_add(intr, NULL) == -1)
		goto done;
	/* The port last: once it is there, the server answers. */
	if ((pf = fopen(argv[2], "w")) == NULL)
		goto done;
	fprintf(pf, "%d\n", httpd_bound_port(h));
	fclose(pf);
	event_base_dispatch(base);
	rc = 0;
done:
	httpd_free(h);
	metrics_free(m);
	if (term != NULL)
		event_free(term);
	if (intr != NULL)
		event_free(intr);
	if (base != NULL)
		event_base_free(base);
	return rc;
}
EOF

src=$TB_TOP/prober
cflags="-std=c11 -pthread -Wall -Wextra -Werror -g -I$TB -I$src -I$TB_TOP/sip"
libs="$(pkg-config --libs libevent libevent_openssl libssl libcrypto libcrypt) -lm"
build() {
	# shellcheck disable=SC2086
	"${CC:-cc}" $cflags "$@" -o "$TB/testd" "$TB/testd.c" "$src/web/httpd.c" \
		"$src/web/auth.c" "$src/common/workq.c" \
		"$src/web/httpd_conn.c" "$src/web/metrics.c" "$src/web/metrics_expo.c" \
		"$src/web/metrics_alias.c" \
		"$src/web/status_html.c" "$src/common/html.c" \
		"$src/common/timefmt.c" "$src/common/utf8.c" \
		"$src/common/hostport.c" "$src/common/timer.c" $libs 2>"$TB/build.log"
}
if build -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all; then
	tb_ok "test server built with ASan+UBSan"
else
	build -O2 || tb_fail "cannot build the test server: $(cat "$TB/build.log")"
	tb_ok "test server built (no sanitizers)"
fi
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

PORT=
PID=
# start NAME LISTEN [ARGS...] — start the server, wait for its port in $PORT.
start() {
	local name=$1 listen=$2
	shift 2
	rm -f "$TB/$name.port"
	tb_spawn "$name" "$TB/testd" "$listen" "$TB/$name.port" "$@"
	PID=$TB_LAST_PID
	for _ in $(seq 1 100); do
		if [ -s "$TB/$name.port" ]; then
			PORT=$(cat "$TB/$name.port")
			return 0
		fi
		_tb_alive "$PID" || tb_fail "$name: server died: $(cat "$TB/$name.log")"
		sleep 0.05
	done
	tb_fail "$name: no port after 5 s"
}
# stop NAME — SIGTERM; the server must exit 0 (ASan reports leaks as errors).
stop() {
	local name=$1 rc=0 keep=() q
	kill -TERM "$PID"
	wait "$PID" || rc=$?
	for q in "${TB_PIDS[@]}"; do [ "$q" = "$PID" ] || keep+=("$q"); done
	TB_PIDS=("${keep[@]}")
	[ "$rc" = 0 ] || tb_fail "$name: server exited $rc: $(tail -n 30 "$TB/$name.log")"
	tb_ok "$name: clean exit on SIGTERM"
}
# req URL [CURL ARGS...] — sets CODE; body in $TB/body, headers in $TB/hdr.
CODE=
req() {
	local url=$1
	shift
	CODE=$(curl -s -m 10 -o "$TB/body" -D "$TB/hdr" -w '%{http_code}' \
		"$@" "$url") || CODE=000
}
hdr() { tr -d '\r' <"$TB/hdr" | grep -i "^$1:" | head -n 1 | cut -d' ' -f2-; }
expect() {
	local want=$1 what=$2
	[ "$CODE" = "$want" ] || tb_fail "$what: HTTP $CODE, expected $want"
	[ "$CODE" = 000 ] && return 0
	[ "$(hdr Cache-Control)" = no-store ] ||
		tb_fail "$what: no Cache-Control: no-store"
	[ -n "$(hdr Content-Type)" ] || tb_fail "$what: no Content-Type"
	tb_ok "$what: $CODE"
}

# --- plain HTTP ---------------------------------------------------------------
start plain 127.0.0.1:0
U=http://127.0.0.1:$PORT
req "$U/healthz"; expect 200 "GET /healthz"
[ "$(cat "$TB/body")" = ok ] || tb_fail "/healthz body: $(cat "$TB/body")"
req "$U/metrics"; expect 200 "GET /metrics"
[ "$(hdr Content-Type)" = "text/plain; version=0.0.4; charset=utf-8" ] ||
	tb_fail "/metrics Content-Type: $(hdr Content-Type)"
grep -q '^sipcanary_probes_total{vantage="test",target="voice",frontend="127.0.0.1:5061",verdict="ok"} 41$' \
	"$TB/body" || tb_fail "/metrics: series missing: $(cat "$TB/body")"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$TB/body" >"$TB/promtool.log" 2>&1 ||
		tb_fail "promtool rejects /metrics: $(cat "$TB/promtool.log")"
	tb_ok "promtool check metrics: clean"
else
	tb_log "promtool not installed: exposition not linted"
fi
req "$U/metrics?x=1"; expect 200 "GET /metrics with a query"
req "$U/"; expect 200 "GET /"
case $(hdr Content-Type) in text/html*) ;; *) tb_fail "/ is not HTML" ;; esac
grep -q 'data-target="voice"' "$TB/body" || tb_fail "/ is not the status page"
grep -q 'http-equiv="refresh"' "$TB/body" || tb_fail "/ does not refresh"
req "$U/nope"; expect 404 "GET /nope"
req "$U/metrics/"; expect 404 "GET /metrics/"
req "$U/metrics" -X POST -d x=1; expect 405 "POST /metrics"
[ "$(hdr Allow)" = "GET, HEAD" ] || tb_fail "405 without Allow: GET, HEAD"
req "$U/" -X DELETE; expect 405 "DELETE /"
req "$U/metrics" -I; expect 200 "HEAD /metrics"
# Raw, to see that no body follows the head.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
timeout 5 cat <&3 >"$TB/head.raw" || true
exec 3<&-
head -n 1 "$TB/head.raw" | grep -q '^HTTP/1.1 200' || tb_fail "raw HEAD: $(cat "$TB/head.raw")"
[ "$(tail -c 4 "$TB/head.raw" | od -An -c | tr -d ' ')" = '\r\n\r\n' ] ||
	tb_fail "HEAD /metrics has a body: $(cat "$TB/head.raw")"
grep -q '^Content-Length: [1-9]' "$TB/head.raw" ||
	tb_fail "HEAD /metrics without the length of GET"
# Kept alive: HEAD then GET on one connection, both answered whole.
curl -s -m 10 -I "$U/metrics" -o /dev/null --next -s -m 10 "$U/healthz" \
	-o "$TB/body" || tb_fail "HEAD then GET on one connection failed"
[ "$(cat "$TB/body")" = ok ] || tb_fail "GET after HEAD: $(cat "$TB/body")"
tb_ok "HEAD: no body, Content-Length of GET, connection reusable"
# Oversized headers (limit 8 kB): refused, and the server lives on.
big=$(head -c 20000 /dev/zero | tr '\0' a)
req "$U/healthz" -H "X-Big: $big"
case $CODE in 200) tb_fail "a 20 kB header was accepted" ;; esac
tb_ok "20 kB of headers refused ($CODE)"
req "$U/healthz"; expect 200 "GET /healthz after the big request"

# The same port again is refused with the reason.
if "$TB/testd" "127.0.0.1:$PORT" "$TB/x.port" >"$TB/inuse.log" 2>&1; then
	tb_fail "a second server bound port $PORT"
fi
grep -q 'Address already in use' "$TB/inuse.log" ||
	tb_fail "port in use: $(cat "$TB/inuse.log")"
tb_ok "port in use: $(cat "$TB/inuse.log")"
stop plain

# --- listen forms -------------------------------------------------------------
for bad in localhost:9464 127.0.0.1 127.0.0.1:70000 '[::1]9464' ':9464' \
	'127.0.0.1:x'; do
	if "$TB/testd" "$bad" "$TB/x.port" >"$TB/bad.log" 2>&1; then
		tb_fail "listen \"$bad\" accepted"
	fi
	grep -q 'testd: listen' "$TB/bad.log" ||
		tb_fail "listen \"$bad\": $(cat "$TB/bad.log")"
done
tb_ok "bad listen forms refused, e.g. $(cat "$TB/bad.log")"
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	start v6 '[::1]:0'
	req "http://[::1]:$PORT/healthz"; expect 200 "GET /healthz on [::1]"
	stop v6
else
	tb_log "no ::1 on lo: IPv6 listen not tested"
fi

# --- basic auth ---------------------------------------------------------------
bcrypt=$("$TB/testd" --hash 'open sesame') || tb_fail "cannot hash"
sha=$(openssl passwd -5 -salt 0123456789abcdef 'hunter2:x')
printf '# users of the test\nalice:%s\n\nbob:%s\n' "$bcrypt" "$sha" >"$TB/auth"
chmod 600 "$TB/auth"
start auth 127.0.0.1:0 --auth "$TB/auth"
U=http://127.0.0.1:$PORT
req "$U/metrics"; expect 401 "no credentials"
[ "$(hdr WWW-Authenticate)" = 'Basic realm="sipcanary", charset="UTF-8"' ] ||
	tb_fail "401 without the right WWW-Authenticate: $(hdr WWW-Authenticate)"
req "$U/metrics" -u 'alice:open sesam'; expect 401 "alice, wrong password"
req "$U/metrics" -u 'mallory:open sesame'; expect 401 "unknown user"
req "$U/metrics" -u 'alice:open sesame'; expect 200 "alice (bcrypt)"
req "$U/" -u 'alice:open sesame'; expect 200 "alice again (cached)"
req "$U/metrics" -u 'bob:hunter2:x'; expect 200 "bob (SHA-256-crypt, ':' in the password)"
req "$U/metrics" -H 'Authorization: Basic !!!'; expect 401 "garbage credentials"
req "$U/metrics" -H 'Authorization: Bearer abc'; expect 401 "another scheme"
req "$U/healthz"; expect 200 "/healthz without credentials"
req "$U/nope"; expect 404 "unknown path"
req "$U/metrics" -X POST -u 'alice:open sesame'; expect 405 "POST with credentials"
# Guessing fast runs out of hash budget; verified clients still get in.
got429=0
for i in $(seq 1 30); do
	req "$U/metrics" -u "alice:guess$i"
	case $CODE in
	429) got429=1; break ;;
	401) ;;
	*) tb_fail "guess $i: HTTP $CODE" ;;
	esac
done
[ "$got429" = 1 ] || tb_fail "30 fast wrong guesses never got 429"
[ -n "$(hdr Retry-After)" ] || tb_fail "429 without Retry-After"
tb_ok "fast guessing: 429 after $i guesses"
req "$U/metrics" -u 'alice:open sesame'; expect 200 "alice during the 429s"
sleep 1.2
req "$U/metrics" -u 'alice:wrong'; expect 401 "a wrong guess after a pause"
stop auth

# Files the server must refuse to start with.
chmod 620 "$TB/auth"
if "$TB/testd" 127.0.0.1:0 "$TB/x.port" --auth "$TB/auth" >"$TB/authbad.log" 2>&1; then
	tb_fail "a group-writable auth file was accepted"
fi
grep -q 'writable by its group' "$TB/authbad.log" ||
	tb_fail "group-writable: $(cat "$TB/authbad.log")"
chmod 600 "$TB/auth"
printf 'alice:%s\ncarol:%s\n' "$bcrypt" "$(openssl passwd -1 -salt ab pw)" >"$TB/auth-md5"
chmod 600 "$TB/auth-md5"
if "$TB/testd" 127.0.0.1:0 "$TB/x.port" --auth "$TB/auth-md5" >"$TB/authbad.log" 2>&1; then
	tb_fail "an MD5-crypt hash was accepted"
fi
grep -q 'auth-md5:2: expected a bcrypt' "$TB/authbad.log" ||
	tb_fail "MD5-crypt: $(cat "$TB/authbad.log")"
tb_ok "unsafe or weak auth files refused: $(cat "$TB/authbad.log")"

# --- TLS ----------------------------------------------------------------------
tb_pki "$TB/pki"
start tls 127.0.0.1:0 --tls "$TB/pki/example.test.fullchain.pem" \
	"$TB/pki/example.test.key" --auth "$TB/auth"
R=(--resolve "example.test:$PORT:127.0.0.1" --cacert "$TB/pki/ca.pem")
req "https://example.test:$PORT/healthz" "${R[@]}"; expect 200 "TLS /healthz"
req "https://example.test:$PORT/metrics" "${R[@]}"; expect 401 "TLS, no credentials"
req "https://example.test:$PORT/metrics" "${R[@]}" -u 'alice:open sesame'
expect 200 "TLS /metrics, alice"
req "https://example.test:$PORT/metrics" "${R[@]}" --tls-max 1.1
[ "$CODE" = 000 ] || tb_fail "TLS 1.1 was accepted"
tb_ok "TLS 1.1 refused"
req "http://127.0.0.1:$PORT/healthz"
[ "$CODE" != 200 ] || tb_fail "plain HTTP answered on the TLS port"
tb_ok "plain HTTP on the TLS port: no answer ($CODE)"
req "https://example.test:$PORT/healthz" "${R[@]}"; expect 200 "TLS /healthz after that"
stop tls
if "$TB/testd" 127.0.0.1:0 "$TB/x.port" --tls "$TB/pki/example.test.pem" \
	"$TB/pki/other.test.key" >"$TB/tlsbad.log" 2>&1; then
	tb_fail "a key that does not match was accepted"
fi
tb_ok "mismatched key refused: $(cat "$TB/tlsbad.log")"

tb_pass "HTTP endpoint: routes, methods, limits, basic auth, TLS"
