/*
 * tlsctx.c - client SSL_CTX setup: the verifying client context the
 * library offers its callers (sc_tls_client_ctx_new), and the probes'
 * context built on it, with the recording verify callback.
 *
 * The callback always lets the handshake finish: a prober must be able to
 * say *why* a chain is bad and show it, which an aborted handshake hides.
 * The caller then refuses to send any SIP over a connection whose
 * verification failed (RFC 5922 §7).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "certcache.h"
#include "sipcanary.h"
#include "tlsctx.h"

static int	tlsctx_ex_index = -1;
static int	tlsctx_cache_index = -1;	/* the SSL_CTX's certcache */

static void
tlsctx_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	free(ptr);
}

static void
tlsctx_cache_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	sc_certcache_free(ptr);
}

/* The certificate reports of ctx's chains live and die with it. */
static int
tlsctx_cache_attach(SSL_CTX *ctx)
{
	struct sc_certcache *cc;

	if (tlsctx_cache_index == -1 && (tlsctx_cache_index =
	    SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
	    tlsctx_cache_free)) == -1)
		return -1;
	if ((cc = sc_certcache_new(0)) == NULL)
		return -1;
	if (!SSL_CTX_set_ex_data(ctx, tlsctx_cache_index, cc)) {
		sc_certcache_free(cc);
		return -1;
	}
	return 0;
}

struct sc_certcache *
sc_tlsctx_certcache(SSL_CTX *ctx)
{
	if (ctx == NULL || tlsctx_cache_index == -1)
		return NULL;
	return SSL_CTX_get_ex_data(ctx, tlsctx_cache_index);
}

void
sc_tls_ctx_cert_cache_flush(void *ctx)
{
	sc_certcache_flush(sc_tlsctx_certcache(ctx));
}

static int
tlsctx_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	SSL			*ssl;
	struct tls_verify	*tv;

	ssl = X509_STORE_CTX_get_ex_data(ctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (tv = sc_tlsctx_verify(ssl)) == NULL)
		return ok;
	if (!ok) {
		if (tv->rec.errors++ == 0) {
			tv->rec.first_error = X509_STORE_CTX_get_error(ctx);
			tv->rec.first_depth = X509_STORE_CTX_get_error_depth(ctx);
			tv->rec.first_is_ca = X509_STORE_CTX_get_current_cert(ctx)
			    != NULL && X509_check_ca(
			    X509_STORE_CTX_get_current_cert(ctx)) > 0;
			/* Which path failed: the trust store's part included. */
			sc_tlsprofile_path(ctx, tv);
		}
	}
	return 1;
}

/*
 * libssl's chain verification, once per distinct chain (certcache.c): a
 * chain this context verified before against the same trust store gets
 * the same outcome without X509_verify_cert() (issuer lookups, the
 * chain's signatures, extensions), which was a fifth of a probe's CPU.
 * What libssl and cert.c read afterwards is put back as it was: the
 * store context's error, depth and built chain, and the callback's
 * record.  The key's store generation is read after a verification,
 * which may have loaded CAs from the hashed directory.
 */
static int
tlsctx_cert_verify(X509_STORE_CTX *x, void *arg)
{
	SSL			*ssl = X509_STORE_CTX_get_ex_data(x,
				    SSL_get_ex_data_X509_STORE_CTX_idx());
	STACK_OF(X509)		*sent = X509_STORE_CTX_get0_untrusted(x);
	struct tls_verify	*tv = ssl != NULL ? sc_tlsctx_verify(ssl) :
				    NULL;
	struct sc_certcache	*cc = ssl != NULL ?
				    sc_tlsctx_certcache(SSL_get_SSL_CTX(ssl)) :
				    NULL;
	struct sc_certcache_verify v;
	struct sc_certcache_key	 k;
	unsigned char		*der = NULL;

	(void)arg;
	memset(&k, 0, sizeof(k));
	if (tv == NULL || cc == NULL || sc_certcache_der_stack(sent, &der,
	    &k.derlen) == -1 || k.derlen == 0) {
		free(der);
		return X509_verify_cert(x);
	}
	k.kind = SC_CERTCACHE_VERIFY;
	k.der = der;
	k.domain = "";
	k.store = X509_STORE_CTX_get0_store(x);
	k.store_gen = sc_certcache_store_gen(X509_STORE_CTX_get0_store(x));
	if (sc_certcache_verify_get(cc, &k, time(NULL), &v) == 1) {
		X509_STORE_CTX_set0_verified_chain(x, v.chain);
		X509_STORE_CTX_set_error(x, v.error);
		X509_STORE_CTX_set_error_depth(x, v.depth);
		tv->rec = v.rec;
		free(der);
		return v.ret;
	}
	memset(&v, 0, sizeof(v));
	v.ret = X509_verify_cert(x);
	v.error = X509_STORE_CTX_get_error(x);
	v.depth = X509_STORE_CTX_get_error_depth(x);
	v.chain = X509_STORE_CTX_get0_chain(x);
	v.rec = tv->rec;
	k.store_gen = sc_certcache_store_gen(X509_STORE_CTX_get0_store(x));
	if (v.ret >= 0)		/* -1 is an internal error: not kept */
		(void)sc_certcache_verify_put(cc, &k, time(NULL), &v, sent);
	free(der);
	return v.ret;
}

/*
 * The system trust store.  The hashed directory is looked up lazily, one
 * CA per issuer actually needed; the bundle file would parse every CA on
 * every start (some 40 ms of CPU for Debian's 140 roots).  A bundle named
 * in SSL_CERT_FILE is OpenSSL's documented way to add CAs: then both are
 * loaded, as OpenSSL's own default does.
 */
static int
tlsctx_system_store(SSL_CTX *ctx)
{
	struct stat	 st;
	const char	*dir = getenv(X509_get_default_cert_dir_env());

	if (getenv(X509_get_default_cert_file_env()) != NULL)
		return SSL_CTX_set_default_verify_paths(ctx);
	if (dir == NULL)
		dir = X509_get_default_cert_dir();
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    SSL_CTX_set_default_verify_dir(ctx))
		return 1;
	return SSL_CTX_set_default_verify_paths(ctx);
}

static int
tlsctx_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_verify *tv = sc_tlsctx_verify(ssl);

	if (tv == NULL || tv->keep == NULL)
		return 0;	/* not kept: OpenSSL frees it */
	SSL_SESSION_free(*tv->keep);
	*tv->keep = sess;
	return 1;
}

int
sc_tlsctx_ssl_resume(SSL *ssl, SSL_SESSION **slot)
{
	struct tls_verify *tv = sc_tlsctx_verify(ssl);

	if (tv == NULL)
		return -1;
	tv->keep = slot;
	SSL_clear_options(ssl, SSL_OP_NO_TICKET);
	if (*slot != NULL && !SSL_set_session(ssl, *slot))
		return -1;
	return 0;
}

void *
sc_tls_client_ctx_new(const char *ca_file, int min_version,
    enum sc_tls_ctx_fail *why)
{
	struct sc_tls_opts o;

	memset(&o, 0, sizeof(o));
	o.ca_file = ca_file;
	o.min_version = min_version;
	return sc_tls_client_ctx_new_opts(&o, why);
}

void *
sc_tls_client_ctx_new_opts(const struct sc_tls_opts *o,
    enum sc_tls_ctx_fail *why)
{
	SSL_CTX *ctx;
	int	 min_version = o->min_version;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		*why = SC_TLS_CTX_NOMEM;
		goto fail;
	}
	if (min_version == 0)
		min_version = TLS1_2_VERSION;
	if (!SSL_CTX_set_min_proto_version(ctx, min_version)) {
		*why = SC_TLS_CTX_VERSION;
		goto fail;
	}
	if (o->ca_file != NULL || o->ca_dir != NULL) {
		if (o->ca_file != NULL &&
		    !SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL)) {
			*why = SC_TLS_CTX_CA_FILE;
			goto fail;
		}
		if (o->ca_dir != NULL &&
		    !SSL_CTX_load_verify_locations(ctx, NULL, o->ca_dir)) {
			*why = SC_TLS_CTX_CA_DIR;
			goto fail;
		}
	} else if (!tlsctx_system_store(ctx)) {
		*why = SC_TLS_CTX_SYSTEM_STORE;
		goto fail;
	}
	/* Versions, ciphers, groups, client certificate: tlsprofile.c. */
	if (sc_tlsprofile_apply(ctx, o, why) == -1)
		goto fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	sc_keylog_attach(ctx);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The probes' wording of what sc_tls_client_ctx_new() could not do. */
static void
tlsctx_why(enum sc_tls_ctx_fail why, const struct sc_tls_opts *o, char *err,
    size_t errlen)
{
	unsigned long	 e;
	const char	*reason, *ca_file = o->ca_file;

	if (sc_tlsprofile_why(why, o, err, errlen) == 0)
		return;
	switch (why) {
	case SC_TLS_CTX_NOMEM:
		snprintf(err, errlen, "SSL_CTX_new failed");
		break;
	case SC_TLS_CTX_VERSION:
		snprintf(err, errlen, "unsupported TLS version bounds");
		break;
	case SC_TLS_CTX_CA_FILE:
		e = ERR_peek_last_error();
		reason = ERR_reason_error_string(e);
		snprintf(err, errlen, "cannot load CA file %s: %s", ca_file,
		    reason != NULL ? reason : "unreadable");
		ERR_clear_error();
		break;
	case SC_TLS_CTX_SYSTEM_STORE:
		snprintf(err, errlen, "cannot load the system trust store");
		break;
	default:
		snprintf(err, errlen, "cannot build the TLS context");
		break;
	}
}

SSL_CTX *
sc_tlsctx_new(const char *ca_file, int min_version, int max_version,
    char *err, size_t errlen)
{
	struct sc_tls_opts o;

	memset(&o, 0, sizeof(o));
	o.ca_file = ca_file;
	o.min_version = min_version;
	o.max_version = max_version;
	return sc_tlsctx_new_opts(&o, err, errlen);
}

SSL_CTX *
sc_tlsctx_new_opts(const struct sc_tls_opts *o, char *err, size_t errlen)
{
	SSL_CTX			*ctx;
	enum sc_tls_ctx_fail	 why;

	if (tlsctx_ex_index == -1)
		tlsctx_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    tlsctx_ex_free);
	if ((ctx = sc_tls_client_ctx_new_opts(o, &why)) == NULL) {
		tlsctx_why(why, o, err, errlen);
		return NULL;
	}
	if (tlsctx_cache_attach(ctx) == -1) {
		snprintf(err, errlen, "out of memory");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Verify errors are recorded, never fatal: see the top comment. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tlsctx_verify_cb);
	SSL_CTX_set_cert_verify_callback(ctx, tlsctx_cert_verify, NULL);
	/*
	 * No session is ever offered unless a connection asks for it with
	 * sc_tlsctx_ssl_resume(): fresh probes must do full handshakes.  Those
	 * that ask keep their sessions themselves, never in a shared cache.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, tlsctx_new_session);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	/* Idle flows hold no 16 kB buffers (GUIDE: ~15 kB per connection). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

SSL *
sc_tlsctx_ssl_new(SSL_CTX *ctx, const char *sni)
{
	SSL			*ssl;
	struct tls_verify	*tv = NULL;

	if ((ssl = SSL_new(ctx)) == NULL)
		goto fail;
	if ((tv = calloc(1, sizeof(*tv))) == NULL)
		goto fail;
	tv->rec.first_error = X509_V_OK;
	tv->alert = -1;
	if (!SSL_set_ex_data(ssl, tlsctx_ex_index, tv))
		goto fail;
	tv = NULL;
	/* What the server asks and answers: see sc_tlsprofile_classify(). */
	SSL_set_msg_callback(ssl, sc_tlsprofile_msg_cb);
	if (sni != NULL && !sc_tlsprofile_no_sni(ctx) &&
	    !SSL_set_tlsext_host_name(ssl, sni))
		goto fail;
	/* Ask for a staple; ocsp.c reads whatever comes, never aborts. */
	if (!SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp))
		goto fail;
	return ssl;
fail:
	free(tv);
	SSL_free(ssl);
	return NULL;
}

struct tls_verify *
sc_tlsctx_verify(SSL *ssl)
{
	if (tlsctx_ex_index == -1)
		return NULL;
	return SSL_get_ex_data(ssl, tlsctx_ex_index);
}

int
sc_tls_parse_version(const char *s)
{
	if (s == NULL)
		return 0;
	if (strcmp(s, "1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(s, "1.3") == 0)
		return TLS1_3_VERSION;
	return 0;
}

void *
sc_tls_ctx_new(const char *ca_file, int tls_min, int tls_max, char *err,
    size_t errlen)
{
	return sc_tlsctx_new(ca_file, tls_min, tls_max, err, errlen);
}

void *
sc_tls_ctx_new_opts(const struct sc_tls_opts *o, char *err, size_t errlen)
{
	return sc_tlsctx_new_opts(o, err, errlen);
}

void *
sc_tls_ctx_ref(void *ctx)
{
	if (ctx != NULL)
		SSL_CTX_up_ref(ctx);
	return ctx;
}

void
sc_tls_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx);
}
