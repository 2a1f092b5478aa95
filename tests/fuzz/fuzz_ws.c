/*
 * fuzz_ws.c - the WebSocket receive path of SIP over secure WebSocket
 * (sip/ws.c): the answer to the upgrade and the frames that follow, from
 * bytes to callbacks, as sip/flow.c drives it.
 *
 * The input is what a server sends down one TLS connection after the
 * client's upgrade request.  It is cut into reads at points the fuzzer
 * chooses and each read goes to sc_ws_input(), as flow.c's read callback
 * does.  Half the time the harness first feeds a correct 101 (with the
 * Sec-WebSocket-Accept due for this connection's key), so that the
 * fuzzer's bytes reach wslay's frame parser at once; otherwise its bytes
 * are the HTTP answer themselves.  When the WebSocket opens, the client
 * sends a SIP message and a ping, so that the send path runs too.
 *
 * Input layout:
 *   byte 0  flags
 *           bit 0     feed a correct 101 first
 *           bits 1-2  how the bytes are cut into reads: all at once,
 *                     1 byte, 1..16 bytes or 1..1024 bytes per read
 *           bits 3-4  the maximum message size: 65536 (the engine's,
 *                     twice as likely), 4096 or 300
 *   byte 1  seed of the read sizes
 *   rest    the bytes the server sends
 *
 * Invariants checked besides ASan/UBSan/LSan: no callback after on_error
 * (exactly one on_error at most), on_open at most once and before any
 * message, no message larger than the limit, a ws_* (or internal_error)
 * verdict on error, and every frame the client writes after the upgrade
 * has its mask bit set (RFC 6455 §5.3).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipcanary.h"
#include "ws.h"

#include "fuzz_common.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fz {
	struct ws	*ws;
	size_t		 maxmsg;
	int		 opened, failed, msgs;
	int		 upgrade_sent;	/* the request was written */
	unsigned char	*out;		/* what the client wrote after it */
	size_t		 outlen;
};

#define FZ_OUT_MAX	(1 << 20)

static void
fz_write(const void *buf, size_t len, void *arg)
{
	struct fz		*f = arg;
	const unsigned char	*p = buf;

	if (!f->upgrade_sent) {
		FUZZ_CHECK(len > 4 && memcmp(p, "GET ", 4) == 0,
		    "the first bytes written are not the upgrade request");
		f->upgrade_sent = 1;
		return;
	}
	/* Kept, and parsed frame by frame at the end (fz_frames). */
	if (f->outlen + len > FZ_OUT_MAX)
		return;
	f->out = realloc(f->out, f->outlen + len);
	FUZZ_CHECK(f->out != NULL, "out of memory");
	memcpy(f->out + f->outlen, p, len);
	f->outlen += len;
}

/* Every frame the client wrote is whole and masked (RFC 6455 §5.3). */
static void
fz_frames(const struct fz *f)
{
	size_t	 off = 0;

	while (off < f->outlen && f->outlen < FZ_OUT_MAX) {
		const unsigned char *p = f->out + off;
		size_t	 left = f->outlen - off, hl = 2, n;

		FUZZ_CHECK(left >= 2, "a partial frame header");
		FUZZ_CHECK(p[1] & 0x80, "an unmasked client frame (opcode %u)",
		    p[0] & 0x0fu);
		n = p[1] & 0x7f;
		if (n == 126) {
			FUZZ_CHECK(left >= 4, "a partial frame header");
			n = (size_t)p[2] << 8 | p[3];
			hl = 4;
		} else if (n == 127) {
			FUZZ_CHECK(left >= 10, "a partial frame header");
			n = (size_t)p[6] << 24 | (size_t)p[7] << 16 |
			    (size_t)p[8] << 8 | p[9];
			hl = 10;
		}
		FUZZ_CHECK(left >= hl + 4 + n, "a partial frame");
		off += hl + 4 + n;
	}
}

static int
fz_open(void *arg)
{
	struct fz	*f = arg;
	static const char reg[] = "REGISTER sips:example.test SIP/2.0\r\n"
	    "Content-Length: 0\r\n\r\n";

	FUZZ_CHECK(!f->failed && !f->opened, "on_open twice or after on_error");
	f->opened = 1;
	FUZZ_CHECK(sc_ws_open(f->ws), "open but sc_ws_open() says no");
	(void)sc_ws_send(f->ws, reg, sizeof(reg) - 1);
	(void)sc_ws_ping(f->ws);
	return 0;
}

static int
fz_msg(const char *p, size_t len, void *arg)
{
	struct fz *f = arg;

	(void)p;
	FUZZ_CHECK(f->opened && !f->failed, "a message before on_open or "
	    "after on_error");
	FUZZ_CHECK(len <= f->maxmsg, "a message of %zu bytes, limit %zu", len,
	    f->maxmsg);
	f->msgs++;
	return 0;
}

static int
fz_pong(void *arg)
{
	struct fz *f = arg;

	FUZZ_CHECK(f->opened && !f->failed, "a pong before on_open or after "
	    "on_error");
	return 0;
}

static void
fz_error(enum sc_verdict v, int status, const char *why, void *arg)
{
	struct fz *f = arg;

	FUZZ_CHECK(!f->failed, "on_error twice");
	FUZZ_CHECK(v == SC_WS_UPGRADE_FAILED || v == SC_WS_PROTOCOL_ERROR ||
	    v == SC_WS_CLOSED || v == SC_INTERNAL_ERROR, "verdict %s",
	    sc_verdict_str(v));
	FUZZ_CHECK(status >= 0 && status <= 65535, "status %d", status);
	FUZZ_CHECK(why != NULL && why[0] != '\0', "no reason");
	f->failed = 1;
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s %d: %s\n", sc_verdict_str(v), status, why);
}

static const struct ws_cbs fz_cbs = {
	fz_write, fz_open, fz_msg, fz_pong, fz_error
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 maxes[] = { 65536, 65536, 4096, 300 };
	struct fz		 f;
	uint32_t		 seed;
	char			 accept[29], head[256];
	size_t			 off = 2;

	if (size < 2)
		return 0;
	memset(&f, 0, sizeof(f));
	f.maxmsg = maxes[(data[0] >> 3) & 3];
	seed = data[1];
	f.ws = sc_ws_new("example.test", "/ws", "https://example.test",
	    f.maxmsg, &fz_cbs, &f);
	FUZZ_CHECK(f.ws != NULL, "sc_ws_new failed");
	FUZZ_CHECK(sc_ws_start(f.ws) == 0 && f.upgrade_sent,
	    "no upgrade request");
	if (data[0] & 1) {
		sc_ws_accept_for(sc_ws_key(f.ws), accept);
		snprintf(head, sizeof(head), "HTTP/1.1 101 Switching Protocols"
		    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: sip"
		    "\r\n\r\n", accept);
		sc_ws_input(f.ws, head, strlen(head));
		FUZZ_CHECK(f.opened, "a correct 101 did not open the WebSocket");
	}
	while (off < size && !f.failed) {
		size_t n = fuzz_chunk((data[0] >> 1) & 3, &seed, size - off);

		sc_ws_input(f.ws, data + off, n);
		off += n;
	}
	fz_frames(&f);
	sc_ws_free(f.ws);
	free(f.out);
	return 0;
}
