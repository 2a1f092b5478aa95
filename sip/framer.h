/*
 * framer.h - splits a SIP byte stream (TCP/TLS) into messages with
 * Sofia-SIP's parser, and recognises RFC 5626 CRLF keep-alive pongs that
 * arrive between messages.  Internal to the sip/ library.
 */
#ifndef SC_FRAMER_H
#define SC_FRAMER_H

#include <stddef.h>
#include <sofia-sip/msg.h>

enum framer_status {
	FRAMER_MORE = 0,	/* every byte taken; feed more */
	FRAMER_MSG,		/* *out holds a complete message */
	FRAMER_PONG,		/* a CRLF keep-alive pong was taken */
	FRAMER_ERROR		/* the stream is unusable: sc_framer_error() */
};

struct framer;

struct framer	*sc_framer_new(size_t maxsize);
void		 sc_framer_free(struct framer *);

/*
 * Parses from buf[0..len) and sets *used to the bytes taken.  Bytes not
 * taken belong to the next call: the caller keeps them and calls again.
 * A returned message belongs to the caller (msg_destroy()).  After
 * FRAMER_ERROR the framer must not be fed again.
 */
enum framer_status sc_framer_parse(struct framer *, const char *buf, size_t len,
		    size_t *used, msg_t **out);

const char	*sc_framer_error(const struct framer *);

/* Bytes of a message received so far but not yet complete. */
size_t		 sc_framer_pending(const struct framer *);

#endif /* SC_FRAMER_H */
