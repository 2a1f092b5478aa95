/*
 * digest.h - HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616,
 * RFC 8760): choosing a challenge, and answering it.  MD5 and MD5-sess go
 * through Sofia-SIP's auth_client; SHA-256 and SHA-512-256 (and their -sess
 * forms) are computed with OpenSSL EVP.  Internal to the sip/ library.
 */
#ifndef SC_DIGEST_H
#define SC_DIGEST_H

#include <stddef.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/msg.h>

enum digest_alg {
	DIGEST_ALG_MD5 = 0,
	DIGEST_ALG_MD5_SESS,
	DIGEST_ALG_SHA256,
	DIGEST_ALG_SHA256_SESS,
	DIGEST_ALG_SHA512_256,
	DIGEST_ALG_SHA512_256_SESS,
	DIGEST_ALG_UNSUPPORTED
};

/* "MD5", "SHA-256-sess", ...; NULL or "" parses as MD5 (RFC 7616 §3.3). */
const char	*sc_digest_alg_name(enum digest_alg);
enum digest_alg	 sc_digest_alg_parse(const char *);

/*
 * The RFC 7616 §3.4.1 response for qop "auth" (or no qop when qop is NULL
 * or "").  Writes lowercase hex into out (outlen >= 129).  Returns 0, or -1
 * for an unsupported algorithm or a short buffer.
 */
int	 sc_digest_response(enum digest_alg alg, const char *user,
	    const char *realm, const char *password, const char *method,
	    const char *uri, const char *nonce, const char *nc,
	    const char *cnonce, const char *qop, char *out, size_t outlen);

struct digest;

struct digest	*sc_digest_new(void);
void		 sc_digest_free(struct digest *);

/*
 * Reads the WWW-Authenticate and Proxy-Authenticate challenges of a 401/407
 * response, in order, and keeps the first Digest challenge whose algorithm
 * is supported.  Returns 0, or -1 with a reason in err when there is none.
 */
int	 sc_digest_challenge(struct digest *, const sip_t *resp,
	    char *err, size_t errlen);

/*
 * Adds the matching Authorization or Proxy-Authorization header to req for
 * the request line method/uri.  Returns 0, or -1 with a reason in err.
 */
int	 sc_digest_authorize(struct digest *, msg_t *req, sip_t *reqsip,
	    const char *user, const char *password, const char *method,
	    const char *uri, char *err, size_t errlen);

/* The chosen algorithm's name, or NULL before a challenge was taken. */
const char	*sc_digest_algorithm(const struct digest *);

#endif /* SC_DIGEST_H */
