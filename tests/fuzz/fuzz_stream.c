/*
 * fuzz_stream.c - the SIP stream receive path, from bytes to verdict.
 *
 * The input is what a registrar sends down one TLS connection.  It is cut
 * into reads at points the fuzzer chooses and handled exactly as
 * sip/flow.c's read callback does: the bytes pile up in a buffer,
 * sc_framer_parse() (sip/framer.c) is called on all of it until it wants
 * more, bytes it did not take stay for the next read, and every complete
 * message goes to sc_reg_response() (sip/reg.c) of the transaction in
 * flight, as sip/client_sip.c does.  The client side follows it too:
 * REGISTER, refresh, OPTIONS, unregister, round and round, resending
 * after a challenge or a 423 with sc_reg_build()/sc_reg_build_options(), so
 * that matching, status handling, digest challenges and the
 * Authorization of the retried request all run on server bytes.
 *
 * Input layout:
 *   byte 0  flags
 *           bits 0-1  how the stream is cut into reads: all at once,
 *                     1 byte, 1..16 bytes or 1..1024 bytes per read
 *           bit 2     no password (a challenge then ends the probe)
 *           bit 3     a contact token (persistent flows) in the Contact
 *           bit 4     an IPv6 local address
 *           bits 5-6  the framer's maximum message size: 65536 (the
 *                     engine's, twice as likely), 4096 or 300
 *           bit 7     start with OPTIONS instead of REGISTER
 *   byte 1  seed of the read sizes
 *   rest    the bytes the server sends
 *
 * The Call-ID, From tag and Via branch come from sc_util_token(), which is
 * random; the build wraps it (-Wl,--wrap=sc_util_token) to return the fixed
 * hex run "0123456789abcdef..." so that a response in the corpus can
 * match the request in flight:
 *   Call-ID  0123456789abcdef0123456789abcdef
 *   branch   z9hG4bK0123456789abcdef0123
 *   CSeq     1 REGISTER, 2 REGISTER, ... (per binding)
 *
 * Invariants checked besides ASan/UBSan/LSan: sc_framer_parse() never
 * takes more than it was given, never leaves bytes behind when it asks
 * for more (except a lone CR at a message boundary), never stalls; every
 * verdict is a known code; no request we build carries the password
 * (unless the server sent those very bytes, to be echoed), and
 * every request we build parses back without errors (a challenge must not
 * be able to inject headers or break our request).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "framer.h"
#include "reg.h"
#include "sipcanary.h"

#include "fuzz_common.h"

#define FUZZ_PASSWORD	"Pw-fuzz-7c1e"
#define ENGINE_MAXMSG	65536		/* as sip/client_conn.c */
#define ENGINE_EXPIRES	3600		/* a plausible step expiry */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
void	__wrap_sc_util_token(char *, size_t, size_t);

/* Fixed tokens instead of random ones: see the top of the file. */
void
__wrap_sc_util_token(char *buf, size_t len, size_t n)
{
	size_t	 i;

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = "0123456789abcdef"[i % 16];
	buf[n] = '\0';
}

enum step {
	STEP_REGISTER = 0,	/* a new binding */
	STEP_REREGISTER,	/* the same binding, CSeq + 1 */
	STEP_OPTIONS,		/* a new OPTIONS transaction */
	STEP_UNREGISTER,	/* Expires: 0 */
	STEP_COUNT
};

struct client {
	struct reg_params rp;
	struct reg	*reg;
	struct reg	*opt;
	enum step	 step;
};

/* FUZZ_VERBOSE=1 in the environment: say what each response did. */
static int
verbose(void)
{
	static int v = -1;

	if (v == -1)
		v = getenv("FUZZ_VERBOSE") != NULL;
	return v;
}

/*
 * Whether the server's bytes hold the password: then a request may echo
 * it (in a realm or nonce) without having leaked it.
 */
static int	 input_has_password;

/* The request is ours: it must parse back cleanly and hold no password. */
static void
check_request(const char *wire, size_t len, const char *red)
{
	msg_t	*m;
	sip_t	*sip;

	FUZZ_CHECK(strlen(wire) == len, "wire length %zu, strlen %zu", len,
	    strlen(wire));
	FUZZ_CHECK(input_has_password || memmem(wire, len, FUZZ_PASSWORD,
	    strlen(FUZZ_PASSWORD)) == NULL, "password on the wire:\n%s", wire);
	FUZZ_CHECK(red != NULL && strlen(red) == len, "redacted copy");
	m = msg_make(sip_default_mclass(), 0, wire, (issize_t)len);
	FUZZ_CHECK(m != NULL, "our request does not parse:\n%s", wire);
	sip = sip_object(m);
	FUZZ_CHECK(sip != NULL && !msg_has_error(m) && sip->sip_error == NULL &&
	    sip->sip_request != NULL && sip->sip_call_id != NULL &&
	    sip->sip_cseq != NULL && sip->sip_via != NULL &&
	    sip->sip_via->v_next == NULL,
	    "our request parses with errors:\n%s", wire);
	msg_destroy(m);
}

/* As client_sip.c's client_sip_send(). */
static void
client_send(struct client *c)
{
	char		*wire, *red = NULL, err[256];
	size_t		 len = 0;
	unsigned	 exp;

	err[0] = '\0';
	if (c->step == STEP_OPTIONS)
		wire = sc_reg_build_options(c->opt, &len, &red, err,
		    sizeof(err));
	else {
		exp = c->step == STEP_UNREGISTER ? 0 : ENGINE_EXPIRES;
		if (c->step != STEP_UNREGISTER && sc_reg_expires(c->reg) > exp)
			exp = sc_reg_expires(c->reg);
		wire = sc_reg_build(c->reg, exp, &len, &red, err, sizeof(err));
	}
	if (wire == NULL) {
		if (verbose())
			fprintf(stderr, "step %d: build failed: %s\n",
			    (int)c->step, err);
		/* client_sip.c ends the step with internal_error. */
		FUZZ_CHECK(err[0] != '\0', "build failed without a reason");
		FUZZ_CHECK(red == NULL, "redacted copy of nothing");
		return;
	}
	check_request(wire, len, red);
	free(red);
	free(wire);
}

/* The next step begins: new transactions as sc_client_sip_begin(). */
static void
client_begin(struct client *c, enum step s)
{
	c->step = s;
	if (s == STEP_OPTIONS) {
		sc_reg_free(c->opt);
		c->opt = sc_reg_new(&c->rp);
		FUZZ_CHECK(c->opt != NULL, "sc_reg_new");
	} else if (s == STEP_REGISTER) {
		sc_reg_free(c->reg);
		c->reg = sc_reg_new(&c->rp);
		FUZZ_CHECK(c->reg != NULL, "sc_reg_new");
	}
	client_send(c);
}

/* As client_sip.c's sc_client_on_response(). */
static void
client_on_msg(struct client *c, msg_t *msg)
{
	static const char *const acts[] = {
		"ignore", "provisional", "resend", "done"
	};
	struct reg	*r = c->step == STEP_OPTIONS ? c->opt : c->reg;
	enum sc_verdict	 v = SC_INTERNAL_ERROR;
	enum reg_action	 act;
	char		 why[256];
	const char	*alg;

	memset(why, 'x', sizeof(why));
	act = sc_reg_response(r, msg, &v, why, sizeof(why));
	if (verbose())
		fprintf(stderr, "step %d: %d -> %s%s%s%s\n", (int)c->step,
		    sip_object(msg)->sip_status ?
		    sip_object(msg)->sip_status->st_status : 0,
		    (unsigned)act < 4 ? acts[act] : "?",
		    act == REG_DONE ? " " : "",
		    act == REG_DONE ? sc_verdict_str(v) : "",
		    act == REG_DONE && why[0] ? why : "");
	switch (act) {
	case REG_IGNORE:
	case REG_PROVISIONAL:
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL, "why");
		break;
	case REG_RESEND:
		client_send(c);
		break;
	case REG_DONE:
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL, "why");
		FUZZ_CHECK((unsigned)v < SC_VERDICT_COUNT, "verdict %d", v);
		FUZZ_CHECK(sc_verdict_parse(sc_verdict_str(v)) == (int)v,
		    "verdict string");
		FUZZ_CHECK(v != SC_OK || (sc_reg_final_status(r) >= 200 &&
		    sc_reg_final_status(r) < 300), "ok for status %d",
		    sc_reg_final_status(r));
		alg = sc_reg_auth_algorithm(r);
		FUZZ_CHECK(alg == NULL || alg[0] != '\0', "empty algorithm");
		(void)sc_reg_granted(r);
		(void)sc_reg_unmatched(r);
		client_begin(c, (enum step)((c->step + 1) % STEP_COUNT));
		break;
	default:
		FUZZ_CHECK(0, "unknown reg_action");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxsizes[4] = {
		ENGINE_MAXMSG, ENGINE_MAXMSG, 4096, 300
	};
	struct client	 c;
	struct framer	*fr;
	char		*in;
	size_t		 inlen = 0, off, n, used;
	unsigned	 flags, stalls;
	uint32_t	 seed;
	int		 dead = 0;

	if (size < 2)
		return 0;
	flags = data[0];
	seed = 0x01000193u * (data[1] + 1u);
	data += 2;
	size -= 2;
	input_has_password = memmem(data, size, FUZZ_PASSWORD,
	    strlen(FUZZ_PASSWORD)) != NULL;

	memset(&c, 0, sizeof(c));
	c.rp.domain = "example.test";
	c.rp.user = "alice";
	c.rp.password = (flags & 0x04) ? NULL : FUZZ_PASSWORD;
	c.rp.local_ip = (flags & 0x10) ? "::1" : "127.0.0.1";
	c.rp.local_port = 40000;
	c.rp.user_agent = "sipcanary/fuzz";
	c.rp.contact_token = (flags & 0x08) ? "0123456789ab" : NULL;
	c.reg = sc_reg_new(&c.rp);
	c.opt = sc_reg_new(&c.rp);
	FUZZ_CHECK(c.reg != NULL && c.opt != NULL, "sc_reg_new");
	c.step = (flags & 0x80) ? STEP_OPTIONS : STEP_REGISTER;
	client_send(&c);

	fr = sc_framer_new(maxsizes[(flags >> 5) & 3]);
	FUZZ_CHECK(fr != NULL, "sc_framer_new");
	/* Reads pile up here, as in the bufferevent's input buffer. */
	in = malloc(size + 1);
	FUZZ_CHECK(in != NULL, "malloc");

	for (off = 0; off < size && !dead; off += n) {
		n = fuzz_chunk(flags & 3, &seed, size - off);
		memcpy(in + inlen, data + off, n);
		inlen += n;
		/* flow_readcb(): parse until the framer wants more. */
		for (stalls = 0; inlen > 0 && !dead; ) {
			enum framer_status st;
			msg_t		*m = NULL;

			used = (size_t)-1;
			st = sc_framer_parse(fr, in, inlen, &used, &m);
			FUZZ_CHECK(used <= inlen, "used %zu of %zu", used,
			    inlen);
			memmove(in, in + used, inlen - used);
			inlen -= used;
			stalls = used == 0 ? stalls + 1 : 0;
			FUZZ_CHECK(stalls < 3, "no progress: status %d with "
			    "%zu bytes buffered", (int)st, inlen);
			if (st == FRAMER_MORE) {
				FUZZ_CHECK(m == NULL, "message with MORE");
				/* Only a lone CR may wait for its LF. */
				FUZZ_CHECK(inlen == 0 || (inlen == 1 &&
				    in[0] == '\r' &&
				    sc_framer_pending(fr) == 0),
				    "MORE left %zu bytes unparsed", inlen);
				break;
			}
			if (st == FRAMER_PONG) {
				FUZZ_CHECK(m == NULL && used > 0, "pong");
				continue;
			}
			if (st == FRAMER_ERROR) {
				FUZZ_CHECK(m == NULL, "message with ERROR");
				FUZZ_CHECK(sc_framer_error(fr)[0] != '\0',
				    "error without a reason");
				/* flow.c: sip_malformed, connection closed. */
				dead = 1;
				break;
			}
			FUZZ_CHECK(st == FRAMER_MSG && m != NULL,
			    "status %d", (int)st);
			FUZZ_CHECK(sip_object(m) != NULL, "message without sip");
			client_on_msg(&c, m);
			msg_destroy(m);
		}
	}

	/* The connection closes: everything is let go. */
	free(in);
	sc_framer_free(fr);
	sc_reg_free(c.reg);
	sc_reg_free(c.opt);
	return 0;
}
