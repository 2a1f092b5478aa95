/*
 * framer.c - SIP stream framing over Sofia-SIP's incremental parser.
 *
 * Bytes go into a msg_t with msg_recv_iovec()/msg_recv_commit() and
 * msg_extract() says whether a message is complete.  Sofia keeps the bytes
 * that follow a complete message in a successor msg_t (msg_next()); we do
 * not parse from that successor, because Sofia silently skips CRLFs at the
 * start of a message and a keep-alive pong would vanish.  Instead the
 * successor's byte count is handed back to the caller as "not used", and
 * the next call starts at a message boundary where CRLFs are ours to see.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "framer.h"

struct framer {
	size_t	 maxsize;
	msg_t	*msg;		/* message being received, or NULL */
	size_t	 fed;		/* bytes committed into msg */
	int	 start_ok;	/* START_*: what the first bytes can still be */
	char	 error[128];
};

/*
 * The first bytes of a message can only be "SIP/2.0 " (a response) or a
 * method token and a space (a request).  Bytes that can be neither are
 * refused as they arrive: Sofia would wait for a line end (or the whole
 * timeout) before it said the same.
 */
#define START_STATUS	0x1	/* still a prefix of "SIP/2.0 " */
#define START_REQUEST	0x2	/* still a method token */
#define START_DONE	0x4	/* checked: a start line began well */
#define START_TOKEN_MAX	32	/* no method is longer */

struct framer *
sc_framer_new(size_t maxsize)
{
	struct framer *fr;

	if ((fr = calloc(1, sizeof(*fr))) == NULL)
		return NULL;
	fr->maxsize = maxsize;
	return fr;
}

void
sc_framer_free(struct framer *fr)
{
	if (fr == NULL)
		return;
	if (fr->msg != NULL)
		msg_destroy(fr->msg);
	free(fr);
}

const char *
sc_framer_error(const struct framer *fr)
{
	return fr->error;
}

size_t
sc_framer_pending(const struct framer *fr)
{
	return fr->fed;
}

static enum framer_status
framer_fail(struct framer *fr, const char *why)
{
	snprintf(fr->error, sizeof(fr->error), "%s", why);
	if (fr->msg != NULL) {
		msg_destroy(fr->msg);
		fr->msg = NULL;
	}
	return FRAMER_ERROR;
}

static enum framer_status
framer_too_big(struct framer *fr)
{
	char why[96];

	snprintf(why, sizeof(why), "SIP message exceeds the maximum of %zu "
	    "bytes", fr->maxsize);
	return framer_fail(fr, why);
}

/* RFC 3261 token characters (25.1), which a method is made of. */
static int
framer_token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("-.!%*_+`'~", c) != NULL;
}

/*
 * Checks the bytes of buf that are the first of a message (fr->fed bytes
 * came before them): -1 once they can start no SIP message.
 */
static int
framer_start_check(struct framer *fr, const char *buf, size_t len)
{
	static const char	 status[] = "SIP/2.0 ";
	size_t			 i, pos;
	unsigned char		 c;

	for (i = 0; i < len && !(fr->start_ok & START_DONE); i++) {
		pos = fr->fed + i;
		c = (unsigned char)buf[i];
		if ((fr->start_ok & START_STATUS) && (pos >= sizeof(status) -
		    1 || c != (unsigned char)status[pos]))
			fr->start_ok &= ~START_STATUS;
		else if ((fr->start_ok & START_STATUS) &&
		    pos == sizeof(status) - 2)
			fr->start_ok |= START_DONE;
		if ((fr->start_ok & START_REQUEST) && c == ' ' && pos > 0)
			fr->start_ok |= START_DONE;
		else if ((fr->start_ok & START_REQUEST) &&
		    (!framer_token_char(c) || pos >= START_TOKEN_MAX))
			fr->start_ok &= ~START_REQUEST;
		if ((fr->start_ok & (START_STATUS | START_REQUEST)) == 0)
			return -1;
	}
	return 0;
}

/* Copies len bytes into the message's receive buffer. */
static int
framer_commit(struct framer *fr, const char *buf, size_t len)
{
	msg_iovec_t	 iov[msg_n_fragments];
	issize_t	 n;
	isize_t		 i;
	size_t		 off = 0;

	n = msg_recv_iovec(fr->msg, iov, msg_n_fragments, len, 1);
	if (n < 0)
		return -1;
	for (i = 0; i < n && off < len; i++) {
		size_t k = iov[i].mv_len;

		if (k > len - off)
			k = len - off;
		memcpy(iov[i].mv_base, buf + off, k);
		off += k;
	}
	if (off != len)
		return -1;
	if (msg_recv_commit(fr->msg, len, 0) < 0)
		return -1;
	fr->fed += len;
	return 0;
}

/*
 * Checks what Sofia accepted: a request or status line, and a
 * Content-Length, which RFC 3261 §18.3 requires on stream transports.
 */
static const char *
framer_validate(msg_t *msg)
{
	sip_t *sip = sip_object(msg);

	if (sip == NULL || msg_has_error(msg) || sip->sip_error != NULL)
		return "malformed SIP message";
	if (sip->sip_request == NULL && sip->sip_status == NULL)
		return "malformed SIP message: no request or status line";
	if (sip->sip_content_length == NULL)
		return "SIP message without Content-Length on a stream";
	if (sip->sip_call_id == NULL || sip->sip_cseq == NULL ||
	    sip->sip_via == NULL || sip->sip_from == NULL ||
	    sip->sip_to == NULL)
		return "SIP message lacks Via, From, To, Call-ID or CSeq";
	return NULL;
}

/* Before the empty line that ends the headers (Sofia has not seen it). */
static int
framer_in_headers(msg_t *msg)
{
	sip_t *sip = sip_object(msg);

	return sip == NULL || sip->sip_separator == NULL;
}

/*
 * At a message boundary a CRLF is an RFC 5626 pong, not a message.
 * Returns 1 with *st set when buf starts with a pong (or may: a lone CR),
 * 0 when it starts a message.
 */
static int
framer_pong(struct framer *fr, const char *buf, size_t len, size_t *used,
    enum framer_status *st)
{
	if (len == 0) {
		*st = FRAMER_MORE;
		return 1;
	}
	if (buf[0] != '\r' && buf[0] != '\n')
		return 0;
	if (buf[0] == '\n') {
		*used = 1;
		*st = FRAMER_PONG;
	} else if (len < 2)
		*st = FRAMER_MORE;
	else if (buf[1] != '\n')
		*st = framer_fail(fr, "stray CR between SIP messages");
	else {
		*used = 2;
		*st = FRAMER_PONG;
	}
	return 1;
}

/*
 * Sofia has not found the message's end in what it holds: feed more,
 * unless the message can never end well.
 */
static enum framer_status
framer_unfinished(struct framer *fr, size_t take, size_t *used)
{
	sip_t *sip = sip_object(fr->msg);

	/* Sofia would read a body without length until EOF. */
	if (sip != NULL && sip->sip_separator != NULL &&
	    sip->sip_content_length == NULL)
		return framer_fail(fr,
		    "SIP message without Content-Length on a stream");
	if (fr->fed > fr->maxsize)
		return framer_too_big(fr);
	*used = take;
	return FRAMER_MORE;
}

/*
 * The message is complete: give back the bytes Sofia moved to its
 * successor, validate it and hand it over.
 */
static enum framer_status
framer_complete(struct framer *fr, size_t take, size_t *used, msg_t **out)
{
	msg_t		*next;
	const char	*why;
	size_t		 left = 0;

	if ((next = msg_next(fr->msg)) != NULL) {
		left = msg_buf_committed(next);
		msg_destroy(next);
	}
	if (left > take)
		return framer_fail(fr, "internal framing error");
	*used = take - left;

	if ((why = framer_validate(fr->msg)) != NULL)
		return framer_fail(fr, why);

	*out = fr->msg;
	fr->msg = NULL;
	fr->fed = 0;
	return FRAMER_MSG;
}

enum framer_status
sc_framer_parse(struct framer *fr, const char *buf, size_t len, size_t *used,
    msg_t **out)
{
	enum framer_status	 st;
	size_t			 take;
	int			 rc;

	*used = 0;
	*out = NULL;
	if (fr->fed == 0 && framer_pong(fr, buf, len, used, &st))
		return st;
	if (len == 0)
		return FRAMER_MORE;

	if (fr->msg == NULL) {
		fr->msg = msg_create(sip_default_mclass(), 0);
		if (fr->msg == NULL)
			return framer_fail(fr, "out of memory");
		/* Our own count enforces the limit; Sofia gets slack so it never
		 * refuses the byte that tells us the limit was passed. */
		msg_maxsize(fr->msg, fr->maxsize + 64);
	}

	take = len;
	if (fr->fed + take > fr->maxsize + 1)
		take = fr->maxsize + 1 - fr->fed;
	if (fr->fed == 0)
		fr->start_ok = START_STATUS | START_REQUEST;
	if (framer_start_check(fr, buf, take) == -1)
		return framer_fail(fr, "malformed SIP message: the bytes "
		    "received cannot start a request or status line");
	if (framer_commit(fr, buf, take) == -1)
		return framer_too_big(fr);

	/*
	 * Sofia re-scans an unfinished header line from its start on every
	 * call: a line that comes a byte at a time (1-byte TLS records)
	 * would cost time quadratic in its length, ~0.1 s of CPU for a
	 * 60 kB line.  A chunk that ends no line cannot complete anything
	 * before the body, so the header scan waits for a line end.
	 */
	if (framer_in_headers(fr->msg) && memchr(buf, '\n', take) == NULL &&
	    memchr(buf, '\r', take) == NULL) {
		if (fr->fed > fr->maxsize)
			return framer_too_big(fr);
		*used = take;
		return FRAMER_MORE;
	}
	rc = msg_extract(fr->msg);
	if (rc < 0) {
		if (fr->fed > fr->maxsize ||
		    msg_get_flags(fr->msg, MSG_FLG_TOOLARGE))
			return framer_too_big(fr);
		return framer_fail(fr, "unparseable SIP message");
	}
	if (rc == 0)
		return framer_unfinished(fr, take, used);
	return framer_complete(fr, take, used, out);
}
