/*
 * ws.c - SIP over secure WebSocket (RFC 7118) on one connection: the
 * HTTP/1.1 upgrade with Sec-WebSocket-Protocol: sip, the 101 checked
 * (Upgrade, Connection, Sec-WebSocket-Accept, the sip subprotocol), then
 * RFC 6455 frames through Debian's libwslay, which frames only and
 * leaves the I/O to us: sc_ws_input() is what arrived, cbs.write is what
 * goes out.
 *
 * Each data message holds one SIP message (RFC 7118 §5); fragmented
 * messages are reassembled by wslay.  Pings from the server are answered
 * by wslay; our pings are the flow's keep-alives.  What the server does
 * wrong becomes a verdict with the detail: ws_upgrade_failed with the
 * HTTP status, ws_protocol_error with what was wrong (and the close code
 * wslay sent for it), ws_closed with the server's close code.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <wslay/wslay.h>

#include "util.h"
#include "ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_HEAD_MAX	8192	/* the 101 and its headers */

enum ws_state { WS_IDLE = 0, WS_UPGRADING, WS_OPEN, WS_DEAD };

struct ws {
	struct ws_cbs		 cbs;
	void			*arg;
	char			*host, *path, *origin;
	size_t			 maxmsg;
	enum ws_state		 state;
	char			 key[25];
	char			 *head;		/* the 101 until it is checked:
						   not kept by open WebSockets
						   (drills hold thousands) */
	size_t			 headlen;
	wslay_event_context_ptr	 ctx;
	const unsigned char	*in;		/* what sc_ws_input() holds */
	size_t			 inlen;
	int			 stop;		/* a callback said -1 */
};

static void	ws_fail(struct ws *, enum sc_verdict, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

struct ws *
sc_ws_new(const char *host, const char *path, const char *origin,
    size_t maxmsg, const struct ws_cbs *cbs, void *arg)
{
	struct ws *ws;

	if ((ws = calloc(1, sizeof(*ws))) == NULL)
		goto fail;
	ws->cbs = *cbs;
	ws->arg = arg;
	ws->maxmsg = maxmsg;
	if ((ws->host = strdup(host)) == NULL ||
	    (ws->path = strdup(path != NULL ? path : "/")) == NULL ||
	    (origin != NULL && (ws->origin = strdup(origin)) == NULL))
		goto fail;
	return ws;
fail:
	sc_ws_free(ws);
	return NULL;
}

void
sc_ws_free(struct ws *ws)
{
	if (ws == NULL)
		return;
	if (ws->ctx != NULL)
		wslay_event_context_free(ws->ctx);
	free(ws->head);
	free(ws->host);
	free(ws->path);
	free(ws->origin);
	free(ws);
}

void
sc_ws_accept_for(const char *key, char out[29])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	char		buf[64];

	snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
	out[0] = '\0';
	if (EVP_Digest(buf, strlen(buf), md, &mdlen, EVP_sha1(), NULL) == 1 &&
	    mdlen == 20)
		(void)EVP_EncodeBlock((unsigned char *)out, md, 20);
}

const char *
sc_ws_key(const struct ws *ws)
{
	return ws->key;
}

int
sc_ws_open(const struct ws *ws)
{
	return ws->state == WS_OPEN;
}

static void
ws_fail(struct ws *ws, enum sc_verdict v, int status, const char *fmt, ...)
{
	char	why[400];
	va_list	ap;

	if (ws->state == WS_DEAD)
		return;
	ws->state = WS_DEAD;
	ws->stop = 1;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sc_util_utf8_cut(why);
	ws->cbs.on_error(v, status, why, ws->arg);
}

int
sc_ws_start(struct ws *ws)
{
	unsigned char	 nonce[16];
	char		 req[2048];
	int		 n;

	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return -1;
	(void)EVP_EncodeBlock((unsigned char *)ws->key, nonce, sizeof(nonce));
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Protocol: sip\r\n%s%s%s"
	    "User-Agent: sipcanary/" PACKAGE_VERSION "\r\n\r\n", ws->path,
	    ws->host, ws->key, ws->origin != NULL ? "Origin: " : "",
	    ws->origin != NULL ? ws->origin : "",
	    ws->origin != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(req) ||
	    (ws->head == NULL && (ws->head = malloc(WS_HEAD_MAX)) == NULL))
		return -1;
	ws->headlen = 0;
	ws->state = WS_UPGRADING;
	ws->cbs.write(req, (size_t)n, ws->arg);
	return 0;
}

/* The value of header name in the head (lines end in CRLF), or NULL. */
static const char *
ws_header(char *head, const char *name, size_t *len)
{
	size_t	 nl = strlen(name);
	char	*p = strstr(head, "\r\n");

	while (p != NULL && p[2] != '\r') {
		char *line = p + 2, *end = strstr(line, "\r\n");

		if (end == NULL)
			return NULL;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			line += nl + 1;
			while (*line == ' ' || *line == '\t')
				line++;
			*len = (size_t)(end - line);
			while (*len > 0 && (line[*len - 1] == ' ' ||
			    line[*len - 1] == '\t'))
				(*len)--;
			return line;
		}
		p = end;
	}
	return NULL;
}

/* 1 if the header's value is v, or a comma list holding token v. */
static int
ws_header_has(char *head, const char *name, const char *v)
{
	const char	*s;
	size_t		 len, vl = strlen(v), i = 0;

	if ((s = ws_header(head, name, &len)) == NULL)
		return 0;
	while (i < len) {
		size_t j;

		while (i < len && (s[i] == ' ' || s[i] == ',' || s[i] == '\t'))
			i++;
		for (j = i; j < len && s[j] != ',' && s[j] != ' '; j++)
			;
		if (j - i == vl && strncasecmp(s + i, v, vl) == 0)
			return 1;
		i = j;
	}
	return 0;
}

/* Server text for a message: printable, bounded. */
static void
ws_show(const char *s, size_t len, char *out, size_t outlen)
{
	char *p = sc_util_printable(s, len > 120 ? 120 : len);

	snprintf(out, outlen, "%s", p != NULL ? p : "");
	free(p);
}

static int	ws_frames_init(struct ws *);

/* Three digits, as an HTTP status is written. */
static int
ws_digits(const char *s, int *status)
{
	if (s[0] < '1' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9')
		return 0;
	*status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	return 1;
}

/* The whole response head is in ws->head: check it (RFC 6455 §4.1). */
static int
ws_check_head(struct ws *ws)
{
	char		 want[29], shown[160];
	const char	*v;
	size_t		 len;
	int		 status;
	char		*eol = strstr(ws->head, "\r\n");

	if (eol == NULL || eol - ws->head < 12 ||
	    strncmp(ws->head, "HTTP/1.", 7) != 0 || ws->head[8] != ' ' ||
	    !ws_digits(ws->head + 9, &status)) {
		ws_show(ws->head, eol != NULL ? (size_t)(eol - ws->head) :
		    ws->headlen, shown, sizeof(shown));
		ws_fail(ws, SC_WS_UPGRADE_FAILED, 0, "the answer to the "
		    "WebSocket upgrade is not HTTP: \"%s\"", shown);
		return -1;
	}
	if (status != 101) {
		ws_show(ws->head + 9, (size_t)(eol - ws->head) - 9, shown,
		    sizeof(shown));
		ws_fail(ws, SC_WS_UPGRADE_FAILED, status, "the WebSocket "
		    "upgrade was refused: HTTP %s", shown);
		return -1;
	}
	if (!ws_header_has(ws->head, "Upgrade", "websocket") ||
	    !ws_header_has(ws->head, "Connection", "upgrade")) {
		ws_fail(ws, SC_WS_UPGRADE_FAILED, 101, "the 101 lacks "
		    "Upgrade: websocket or Connection: Upgrade");
		return -1;
	}
	sc_ws_accept_for(ws->key, want);
	if ((v = ws_header(ws->head, "Sec-WebSocket-Accept", &len)) == NULL ||
	    len != strlen(want) || memcmp(v, want, len) != 0) {
		ws_show(v != NULL ? v : "", v != NULL ? len : 0, shown,
		    sizeof(shown));
		ws_fail(ws, SC_WS_UPGRADE_FAILED, 101, "the 101 has a wrong "
		    "Sec-WebSocket-Accept: \"%s\", expected \"%s\"", shown,
		    want);
		return -1;
	}
	if (!ws_header_has(ws->head, "Sec-WebSocket-Protocol", "sip")) {
		ws_fail(ws, SC_WS_UPGRADE_FAILED, 101, "the 101 does not "
		    "accept the sip subprotocol (Sec-WebSocket-Protocol: sip, "
		    "RFC 7118)");
		return -1;
	}
	if (ws_frames_init(ws) == -1) {
		ws_fail(ws, SC_INTERNAL_ERROR, 0, "out of memory");
		return -1;
	}
	ws->state = WS_OPEN;
	return ws->cbs.on_open(ws->arg);
}

/* Gathers the response head; what follows it goes to the frames. */
static size_t
ws_upgrade_input(struct ws *ws, const unsigned char *p, size_t n)
{
	size_t	 take = 0;
	char	*end;

	while (take < n && ws->state == WS_UPGRADING) {
		if (ws->headlen == WS_HEAD_MAX - 1) {
			ws_fail(ws, SC_WS_UPGRADE_FAILED, 0, "the answer to "
			    "the WebSocket upgrade has no end of head within "
			    "%d bytes", WS_HEAD_MAX);
			return n;
		}
		ws->head[ws->headlen++] = (char)p[take++];
		ws->head[ws->headlen] = '\0';
		if (ws->headlen >= 4 && (end = strstr(ws->head + ws->headlen -
		    4, "\r\n\r\n")) != NULL) {
			if (memchr(ws->head, '\0', ws->headlen) != NULL) {
				ws_fail(ws, SC_WS_UPGRADE_FAILED, 0, "a NUL in "
				    "the answer to the WebSocket upgrade");
				return n;
			}
			(void)ws_check_head(ws);
			free(ws->head);
			ws->head = NULL;
		}
	}
	return take;
}

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct ws *ws = arg;

	(void)flags;
	if (ws->inlen == 0 || ws->stop) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (len > ws->inlen)
		len = ws->inlen;
	memcpy(buf, ws->in, len);
	ws->in += len;
	ws->inlen -= len;
	return (ssize_t)len;
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct ws *ws = arg;

	(void)ctx; (void)flags;
	ws->cbs.write(data, len, ws->arg);	/* the connection buffers all */
	return (ssize_t)len;
}

static int
ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return 0;
}

static void
ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg
    *m, void *arg)
{
	struct ws	*ws = arg;
	char		 reason[160];

	(void)ctx;
	if (ws->stop)
		return;
	switch (m->opcode) {
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (ws->cbs.on_msg((const char *)m->msg, m->msg_length,
		    ws->arg) == -1)
			ws->stop = 1;
		break;
	case WSLAY_PONG:
		if (ws->cbs.on_pong(ws->arg) == -1)
			ws->stop = 1;
		break;
	case WSLAY_CONNECTION_CLOSE:
		ws_show(m->msg_length > 2 ? (const char *)m->msg + 2 : "",
		    m->msg_length > 2 ? m->msg_length - 2 : 0, reason,
		    sizeof(reason));
		ws_fail(ws, SC_WS_CLOSED, m->status_code, "the server closed "
		    "the WebSocket with code %u%s%s%s", m->status_code,
		    reason[0] != '\0' ? " (\"" : "", reason,
		    reason[0] != '\0' ? "\")" : "");
		break;
	default:
		break;	/* pings: wslay answers them */
	}
}

static int
ws_frames_init(struct ws *ws)
{
	struct wslay_event_callbacks cb = {
		ws_recv_cb, ws_send_cb, ws_genmask_cb, NULL, NULL, NULL,
		ws_msg_cb
	};

	if (wslay_event_context_client_init(&ws->ctx, &cb, ws) != 0)
		return -1;
	wslay_event_config_set_max_recv_msg_length(ws->ctx, ws->maxmsg);
	return 0;
}

/* What wslay refused, after it refused it. */
static void
ws_frames_failed(struct ws *ws, int rv)
{
	uint16_t sent;

	if (rv == WSLAY_ERR_NOMEM) {
		ws_fail(ws, SC_INTERNAL_ERROR, 0, "out of memory");
		return;
	}
	/*
	 * wslay queues a close itself for an oversized message or bad
	 * UTF-8; for a frame it cannot parse it only returns: say why.
	 */
	if (!wslay_event_get_close_sent(ws->ctx) &&
	    wslay_event_get_queued_msg_count(ws->ctx) == 0)
		(void)wslay_event_queue_close(ws->ctx,
		    WSLAY_CODE_PROTOCOL_ERROR, NULL, 0);
	(void)wslay_event_send(ws->ctx);
	sent = wslay_event_get_status_code_sent(ws->ctx);
	ws_fail(ws, SC_WS_PROTOCOL_ERROR, sent, "the server broke the "
	    "WebSocket protocol: %s (closed with %u)",
	    sent == WSLAY_CODE_MESSAGE_TOO_BIG ? "a message over the size "
	    "limit" : sent == WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA ?
	    "a text message that is not UTF-8" : "a frame RFC 6455 forbids "
	    "(a masked server frame, reserved bits or opcodes, a bad "
	    "length or fragment)", sent);
}

void
sc_ws_input(struct ws *ws, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	size_t			 used;
	int			 rv;

	ws->stop = 0;
	if (ws->state == WS_UPGRADING) {
		used = ws_upgrade_input(ws, p, len);
		if (ws->stop || ws->state != WS_OPEN)
			return;
		p += used;
		len -= used;
	}
	if (ws->state != WS_OPEN || len == 0)
		return;
	ws->in = p;
	ws->inlen = len;
	rv = wslay_event_recv(ws->ctx);
	ws->inlen = 0;
	if (ws->stop)
		return;
	if (rv != 0 || !wslay_event_get_read_enabled(ws->ctx)) {
		ws_frames_failed(ws, rv);
		return;
	}
	/* Pongs to the server's pings. */
	if (wslay_event_want_write(ws->ctx))
		(void)wslay_event_send(ws->ctx);
}

static int
ws_queue(struct ws *ws, uint8_t opcode, const void *buf, size_t len)
{
	struct wslay_event_msg m = { opcode, buf, len };

	if (ws->state != WS_OPEN || wslay_event_queue_msg(ws->ctx, &m) != 0 ||
	    wslay_event_send(ws->ctx) != 0)
		return -1;
	return 0;
}

int
sc_ws_send(struct ws *ws, const void *buf, size_t len)
{
	return ws_queue(ws, WSLAY_TEXT_FRAME, buf, len);
}

int
sc_ws_ping(struct ws *ws)
{
	return ws_queue(ws, WSLAY_PING, "sipcanary", 9);
}
