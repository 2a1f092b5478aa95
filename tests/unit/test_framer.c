/*
 * test_framer.c - SIP stream framing: every chunk size, several messages
 * per read, CRLF pongs between messages, oversized input, and messages
 * that a stream must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/msg.h>

#include "framer.h"

#define RESP_200 \
	"SIP/2.0 200 OK\r\n" \
	"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK1;rport=5061\r\n" \
	"From: <sips:alice@example.test>;tag=a\r\n" \
	"To: <sips:alice@example.test>;tag=b\r\n" \
	"Call-ID: c1@example\r\n" \
	"CSeq: 1 REGISTER\r\n" \
	"Contact: <sips:alice@127.0.0.1:5555;transport=tls>;expires=300\r\n" \
	"Content-Length: 0\r\n" \
	"\r\n"

#define RESP_BODY \
	"SIP/2.0 401 Unauthorized\r\n" \
	"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK2\r\n" \
	"From: <sips:alice@example.test>;tag=a\r\n" \
	"To: <sips:alice@example.test>;tag=c\r\n" \
	"Call-ID: c2@example\r\n" \
	"CSeq: 2 REGISTER\r\n" \
	"WWW-Authenticate: Digest realm=\"example.test\", nonce=\"n\"\r\n" \
	"Content-Type: text/plain\r\n" \
	"Content-Length: 10\r\n" \
	"\r\n" \
	"0123456789"

struct tally {
	int	 msgs;
	int	 pongs;
	int	 statuses[8];
	char	 error[128];
	int	 failed;
};

/* Feeds data in chunks of chunk bytes, as a socket reader would. */
static void
feed(const char *data, size_t len, size_t chunk, size_t maxsize,
    struct tally *t)
{
	struct framer	*fr = sc_framer_new(maxsize);
	char		*pend = NULL;
	size_t		 npend = 0, off = 0;

	assert_non_null(fr);
	memset(t, 0, sizeof(*t));
	while (off < len && !t->failed) {
		size_t k = len - off < chunk ? len - off : chunk;

		pend = realloc(pend, npend + k);
		memcpy(pend + npend, data + off, k);
		npend += k;
		off += k;
		for (;;) {
			size_t	 used;
			msg_t	*m;
			enum framer_status st;

			st = sc_framer_parse(fr, pend, npend, &used, &m);
			memmove(pend, pend + used, npend - used);
			npend -= used;
			if (st == FRAMER_MSG) {
				sip_t *sip = sip_object(m);

				if (t->msgs < 8)
					t->statuses[t->msgs] =
					    sip->sip_status->st_status;
				t->msgs++;
				msg_destroy(m);
				continue;
			}
			if (st == FRAMER_PONG) {
				t->pongs++;
				continue;
			}
			if (st == FRAMER_ERROR) {
				snprintf(t->error, sizeof(t->error), "%s",
				    sc_framer_error(fr));
				t->failed = 1;
			}
			break;
		}
	}
	free(pend);
	sc_framer_free(fr);
}

static void
test_every_chunk_size(void **state)
{
	const char	*m = RESP_BODY;
	size_t		 len = strlen(m), c;
	struct tally	 t;

	(void)state;
	for (c = 1; c <= len; c++) {
		feed(m, len, c, 65536, &t);
		assert_int_equal(t.failed, 0);
		assert_int_equal(t.msgs, 1);
		assert_int_equal(t.statuses[0], 401);
	}
}

static void
test_several_messages_and_pongs(void **state)
{
	const char	*stream = "\r\n" RESP_BODY "\r\n\r\n" RESP_200 RESP_BODY
			    "\r\n";
	size_t		 len = strlen(stream), c;
	struct tally	 t;

	(void)state;
	for (c = 1; c <= len; c++) {
		feed(stream, len, c, 65536, &t);
		assert_int_equal(t.failed, 0);
		assert_int_equal(t.msgs, 3);
		assert_int_equal(t.pongs, 4);
		assert_int_equal(t.statuses[0], 401);
		assert_int_equal(t.statuses[1], 200);
		assert_int_equal(t.statuses[2], 401);
	}
}

static void
test_body_parsed(void **state)
{
	struct framer	*fr = sc_framer_new(65536);
	size_t		 used;
	msg_t		*m;
	sip_t		*sip;

	(void)state;
	assert_int_equal(sc_framer_parse(fr, RESP_BODY, strlen(RESP_BODY),
	    &used, &m), FRAMER_MSG);
	assert_int_equal(used, strlen(RESP_BODY));
	sip = sip_object(m);
	assert_non_null(sip->sip_payload);
	assert_int_equal(sip->sip_payload->pl_len, 10);
	assert_memory_equal(sip->sip_payload->pl_data, "0123456789", 10);
	msg_destroy(m);
	sc_framer_free(fr);
}

static void
test_oversized(void **state)
{
	char		*big;
	size_t		 n = 200000, i, c;
	struct tally	 t;
	static const size_t chunks[] = { 1000, 4096, 200000 };

	(void)state;
	big = malloc(n + 1);
	strcpy(big, "SIP/2.0 200 OK\r\nX-Long: ");
	for (i = strlen(big); i < n; i++)
		big[i] = 'a';
	big[n] = '\0';
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		feed(big, n, chunks[c], 65536, &t);
		assert_int_equal(t.failed, 1);
		assert_int_equal(t.msgs, 0);
		assert_non_null(strstr(t.error, "exceeds"));
	}
	free(big);
}

static void
test_oversized_body(void **state)
{
	const char *m = "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK1\r\n"
	    "From: <sips:a@b>;tag=a\r\nTo: <sips:a@b>\r\n"
	    "Call-ID: x\r\nCSeq: 1 REGISTER\r\n"
	    "Content-Length: 99999999\r\n\r\nabc";
	struct tally t;

	(void)state;
	feed(m, strlen(m), strlen(m), 65536, &t);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.msgs, 0);
}

static void
test_missing_content_length(void **state)
{
	const char *m = "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK1\r\n"
	    "From: <sips:a@b>;tag=a\r\nTo: <sips:a@b>\r\n"
	    "Call-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n";
	struct tally t;
	size_t c;

	(void)state;
	for (c = 1; c <= strlen(m); c++) {
		feed(m, strlen(m), c, 65536, &t);
		assert_int_equal(t.msgs, 0);
		assert_int_equal(t.failed, 1);
		assert_non_null(strstr(t.error, "Content-Length"));
	}
}

static void
test_garbage(void **state)
{
	const char *m = "\x16\x03\x01\x02\x01garbage\r\n\r\n";
	struct tally t;

	(void)state;
	feed(m, strlen(m), strlen(m), 65536, &t);
	assert_int_equal(t.msgs, 0);
	assert_int_equal(t.failed, 1);
}

/*
 * Bytes that can start no request or status line are refused as they
 * arrive, before any line end: 4 KiB of noise without one used to wait
 * for the whole timeout.  Requests and responses still pass, a byte at
 * a time too (test_every_chunk_size).
 */
static void
test_cannot_start(void **state)
{
	static const char *const bad[] = {
		"\x8f\x02zz", "SIP/3.0 200", "REGISTER\x01", "sip/2.0 200",
		" SIP/2.0", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ sip:x",
	};
	struct framer	*fr;
	char		 noise[4096];
	size_t		 i, used;
	msg_t		*m;

	(void)state;
	srand(20261206);
	for (i = 0; i < sizeof(noise); i++)
		do
			noise[i] = (char)(rand() & 0xff);
		while (noise[i] == '\r' || noise[i] == '\n' ||
		    noise[i] == 'S' || (i == 0 && noise[i] >= 'A' &&
		    noise[i] <= 'z'));
	assert_non_null(fr = sc_framer_new(65536));
	assert_int_equal(sc_framer_parse(fr, noise, sizeof(noise), &used, &m),
	    FRAMER_ERROR);
	assert_non_null(strstr(sc_framer_error(fr), "cannot start"));
	sc_framer_free(fr);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tally t;

		feed(bad[i], strlen(bad[i]), 1, 65536, &t);
		assert_int_equal(t.msgs, 0);
		assert_int_equal(t.failed, 1);
		assert_non_null(strstr(t.error, "cannot start"));
	}
}

static void
test_stray_cr(void **state)
{
	struct tally t;

	(void)state;
	feed("\rX", 2, 2, 65536, &t);
	assert_int_equal(t.failed, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_chunk_size),
		cmocka_unit_test(test_several_messages_and_pongs),
		cmocka_unit_test(test_body_parsed),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_oversized_body),
		cmocka_unit_test(test_missing_content_length),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_stray_cr),
		cmocka_unit_test(test_cannot_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
