/*
 * test_ws.c - SIP over secure WebSocket (sip/ws.c) without a network:
 * the Sec-WebSocket-Accept of RFC 6455's own example, the upgrade request
 * RFC 7118 asks for, a 101 with headers written as servers write them,
 * masked frames out (unmasked again here, byte for byte), a message in,
 * and the verdicts with their status: a 403, a close with 1008.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ws.h"

struct seen {
	char		 out[4096];	/* everything written */
	size_t		 outlen;
	int		 opened, msgs, pongs, errors;
	char		 msg[256];
	enum sc_verdict	 verdict;
	int		 status;
	char		 why[400];
};

static void
t_write(const void *p, size_t n, void *arg)
{
	struct seen *s = arg;

	assert_true(s->outlen + n <= sizeof(s->out));
	memcpy(s->out + s->outlen, p, n);
	s->outlen += n;
}

static int
t_open(void *arg)
{
	((struct seen *)arg)->opened++;
	return 0;
}

static int
t_msg(const char *p, size_t n, void *arg)
{
	struct seen *s = arg;

	assert_true(n < sizeof(s->msg));
	memcpy(s->msg, p, n);
	s->msg[n] = '\0';
	s->msgs++;
	return 0;
}

static int
t_pong(void *arg)
{
	((struct seen *)arg)->pongs++;
	return 0;
}

static void
t_error(enum sc_verdict v, int status, const char *why, void *arg)
{
	struct seen *s = arg;

	s->errors++;
	s->verdict = v;
	s->status = status;
	snprintf(s->why, sizeof(s->why), "%s", why);
}

static const struct ws_cbs cbs = { t_write, t_open, t_msg, t_pong, t_error };

/* A started ws whose 101 (with extra header text) has been fed. */
static struct ws *
opened(struct seen *s, const char *extra)
{
	struct ws	*ws;
	char		 accept[29], head[512];

	memset(s, 0, sizeof(*s));
	ws = sc_ws_new("example.test", "/ws", "https://phone.example.test",
	    65536, &cbs, s);
	assert_non_null(ws);
	assert_int_equal(sc_ws_start(ws), 0);
	sc_ws_accept_for(sc_ws_key(ws), accept);
	snprintf(head, sizeof(head), "HTTP/1.1 101 Switching Protocols\r\n"
	    "upgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n"
	    "sec-websocket-accept:%s \r\nSec-WebSocket-Protocol: sip\r\n%s"
	    "\r\n", accept, extra);
	s->outlen = 0;
	sc_ws_input(ws, head, strlen(head));
	return ws;
}

/* RFC 6455 §1.3: the example key and its accept value. */
static void
test_accept_vector(void **state)
{
	char out[29];

	(void)state;
	sc_ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void
test_upgrade_request(void **state)
{
	struct seen	 s;
	struct ws	*ws;

	(void)state;
	memset(&s, 0, sizeof(s));
	ws = sc_ws_new("example.test", "/sip", "https://phone.example.test",
	    65536, &cbs, &s);
	assert_int_equal(sc_ws_start(ws), 0);
	s.out[s.outlen] = '\0';
	assert_non_null(strstr(s.out, "GET /sip HTTP/1.1\r\n"));
	assert_non_null(strstr(s.out, "\r\nHost: example.test\r\n"));
	assert_non_null(strstr(s.out, "\r\nUpgrade: websocket\r\n"));
	assert_non_null(strstr(s.out, "\r\nConnection: Upgrade\r\n"));
	assert_non_null(strstr(s.out, "\r\nSec-WebSocket-Version: 13\r\n"));
	assert_non_null(strstr(s.out, "\r\nSec-WebSocket-Protocol: sip\r\n"));
	assert_non_null(strstr(s.out,
	    "\r\nOrigin: https://phone.example.test\r\n"));
	assert_int_equal(strlen(sc_ws_key(ws)), 24);
	assert_non_null(strstr(s.out, sc_ws_key(ws)));
	assert_int_equal(memcmp(s.out + s.outlen - 4, "\r\n\r\n", 4), 0);
	sc_ws_free(ws);
}

/* A 101 and a frame in one read; a masked frame out, unmasked here. */
static void
test_open_and_frames(void **state)
{
	static const char sip[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct seen	 s;
	struct ws	*ws;
	char		 frame[128];
	const unsigned char *o;
	size_t		 i;

	(void)state;
	frame[0] = (char)0x81;
	frame[1] = (char)(sizeof(sip) - 1);
	memcpy(frame + 2, sip, sizeof(sip) - 1);
	ws = opened(&s, "");
	assert_int_equal(s.opened, 1);
	assert_int_equal(s.errors, 0);
	sc_ws_input(ws, frame, 2 + sizeof(sip) - 1);
	assert_int_equal(s.msgs, 1);
	assert_string_equal(s.msg, sip);

	s.outlen = 0;
	assert_int_equal(sc_ws_send(ws, "REGISTER", 8), 0);
	o = (const unsigned char *)s.out;
	assert_int_equal(s.outlen, 2 + 4 + 8);
	assert_int_equal(o[0], 0x81);			/* FIN, text */
	assert_int_equal(o[1], 0x80 | 8);		/* masked, 8 bytes */
	for (i = 0; i < 8; i++)
		assert_int_equal(o[6 + i] ^ o[2 + i % 4], "REGISTER"[i]);

	s.outlen = 0;
	assert_int_equal(sc_ws_ping(ws), 0);
	assert_int_equal(((const unsigned char *)s.out)[0], 0x89);
	sc_ws_input(ws, "\x8a\x00", 2);
	assert_int_equal(s.pongs, 1);
	assert_int_equal(s.errors, 0);
	sc_ws_free(ws);
}

static void
test_refused(void **state)
{
	struct seen	 s;
	struct ws	*ws;
	static const char r[] = "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Length: 0\r\n\r\n";

	(void)state;
	memset(&s, 0, sizeof(s));
	ws = sc_ws_new("example.test", NULL, NULL, 65536, &cbs, &s);
	assert_int_equal(sc_ws_start(ws), 0);
	sc_ws_input(ws, r, sizeof(r) - 1);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.verdict, SC_WS_UPGRADE_FAILED);
	assert_int_equal(s.status, 403);
	assert_string_equal(s.why,
	    "the WebSocket upgrade was refused: HTTP 403 Forbidden");
	assert_int_equal(sc_ws_send(ws, "x", 1), -1);
	sc_ws_free(ws);
}

static void
test_closed_1008(void **state)
{
	struct seen	 s;
	struct ws	*ws;
	static const char close[] = "\x88\x05\x03\xf0" "bye";

	(void)state;
	ws = opened(&s, "");
	sc_ws_input(ws, close, sizeof(close) - 1);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.verdict, SC_WS_CLOSED);
	assert_int_equal(s.status, 1008);
	assert_string_equal(s.why,
	    "the server closed the WebSocket with code 1008 (\"bye\")");
	sc_ws_free(ws);
}

static void
test_no_subprotocol(void **state)
{
	struct seen	 s;
	struct ws	*ws;
	char		 accept[29], head[300];

	(void)state;
	memset(&s, 0, sizeof(s));
	ws = sc_ws_new("example.test", NULL, NULL, 65536, &cbs, &s);
	assert_int_equal(sc_ws_start(ws), 0);
	sc_ws_accept_for(sc_ws_key(ws), accept);
	snprintf(head, sizeof(head), "HTTP/1.1 101 OK\r\nUpgrade: websocket"
	    "\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
	    "Sec-WebSocket-Protocol: sipx\r\n\r\n", accept);
	sc_ws_input(ws, head, strlen(head));
	assert_int_equal(s.opened, 0);
	assert_int_equal(s.verdict, SC_WS_UPGRADE_FAILED);
	assert_int_equal(s.status, 101);
	assert_non_null(strstr(s.why, "sip subprotocol"));
	sc_ws_free(ws);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_vector),
		cmocka_unit_test(test_upgrade_request),
		cmocka_unit_test(test_open_and_frames),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_closed_1008),
		cmocka_unit_test(test_no_subprotocol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
