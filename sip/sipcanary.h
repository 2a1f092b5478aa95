/*
 * sipcanary.h - the public interface of the sip/ library: verdict codes,
 * a fresh SIP-over-TLS probe of one frontend, and the result it produces.
 *
 * Everything a probe learns is data in struct sc_result; nothing in the
 * library prints, exits, or reads the environment.
 */
#ifndef SIPCANARY_H
#define SIPCANARY_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct event_base;

/*
 * Verdict codes.  The strings are stable: they become metric label values
 * and alert names.  Append new codes; never rename or reorder the strings.
 */
enum sc_verdict {
	SC_OK = 0,
	SC_DNS_NXDOMAIN,
	SC_DNS_SERVFAIL,
	SC_DNS_TIMEOUT,
	SC_DNS_NO_RECORDS,
	SC_TCP_REFUSED,
	SC_TCP_TIMEOUT,
	SC_TCP_RESET,
	SC_TLS_TIMEOUT,
	SC_TLS_HANDSHAKE_FAILED,
	SC_TLS_PROTOCOL_MISMATCH,
	SC_CERT_EXPIRED,
	SC_CERT_NOT_YET_VALID,
	SC_CERT_NAME_MISMATCH,
	SC_CERT_UNTRUSTED,
	SC_CERT_CHAIN_INCOMPLETE,
	SC_CERT_WEAK,
	SC_CERT_REVOKED,
	SC_CERT_EXPIRING,
	SC_CERT_INCONSISTENT,
	SC_SIP_TIMEOUT,
	SC_SIP_CONNECTION_CLOSED,
	SC_SIP_MALFORMED,
	SC_SIP_AUTH_REJECTED,
	SC_SIP_3XX,
	SC_SIP_4XX,
	SC_SIP_5XX,
	SC_SIP_6XX,
	SC_FLOW_DEAD,
	SC_INTERNAL_ERROR,
	SC_VERDICT_COUNT
};

/* Nagios-style severity of a verdict. */
enum sc_severity {
	SC_SEV_OK = 0,
	SC_SEV_WARNING = 1,
	SC_SEV_CRITICAL = 2,
	SC_SEV_UNKNOWN = 3
};

const char	*sc_verdict_str(enum sc_verdict);
int		 sc_verdict_parse(const char *);	/* -1 if unknown */
const char	*sc_verdict_describe(enum sc_verdict);
enum sc_severity sc_verdict_severity(enum sc_verdict);
enum sc_verdict	 sc_verdict_from_status(int status);

/* One certificate as the peer presented it. */
struct sc_cert {
	int	 depth;
	char	*subject;
	char	*issuer;
	char	*serial;
	char	 fingerprint_sha256[65];
	time_t	 not_before;
	time_t	 not_after;
	double	 days_left;
	int	 self_signed;
};

/* Phase timings in seconds; a negative value means "not reached". */
struct sc_timings {
	double	 dns;
	double	 tcp_connect;
	double	 tls_handshake;
	double	 first_response;
	double	 registered;
};

struct sc_result {
	enum sc_verdict	 verdict;
	char		 error[256];	/* human detail, never a secret */
	char		 address[64];	/* "ip:port" or "[ip6]:port" */
	struct sc_timings t;

	/* TLS */
	char		 tls_version[16];
	char		 tls_cipher[64];
	int		 tls_resumed;
	long		 verify_error;	/* X509_V_* or 0 */
	int		 verify_depth;
	struct sc_cert	*chain;		/* as sent by the peer, leaf first */
	size_t		 nchain;
	char		 identity[256];	/* the RFC 5922 identity that matched */
	const char	*identity_source; /* "uri_san", "dns_san", "cn" */

	/* SIP */
	int		 final_status;	/* 0 if none */
	char		 auth_algorithm[24];
	unsigned	 expires;	/* granted by the registrar */
	unsigned	 requests_sent;
};

struct sc_probe_opts {
	const char	*uri;		/* "sips:example.test" */
	const char	*domain;	/* identity checked and sent as SNI */
	const char	*host;		/* address to connect to (IP literal) */
	unsigned	 port;
	const char	*user;		/* NULL: no credentials */
	const char	*password;
	const char	*ca_file;	/* NULL: system trust store */
	int		 tls_min;	/* 0, or TLS1_2_VERSION / TLS1_3_VERSION */
	int		 tls_max;	/* 0, or a TLS*_VERSION */
	double		 timeout;	/* whole probe, seconds */
	unsigned	 expires;	/* requested registration lifetime */
	int		 unregister;	/* send Expires: 0 after success */
	FILE		*trace;		/* protocol trace, secrets redacted */
	void		*tls_ctx;	/* shared SSL_CTX (from sc_tls_ctx_new) */
};

/*
 * A client TLS context for probes that share one trust store: loading a
 * CA bundle per probe would dominate a probe's CPU.  NULL with a reason in
 * err.  Freed with sc_tls_ctx_free().
 */
void		*sc_tls_ctx_new(const char *ca_file, int tls_min, int tls_max,
		    char *err, size_t errlen);
void		 sc_tls_ctx_free(void *);

/* "1.2" or "1.3" -> the OpenSSL version constant; 0 if unknown. */
int		 sc_tls_parse_version(const char *);

struct sc_probe;
typedef void	(*sc_probe_cb)(struct sc_result *, void *);

/*
 * Starts a fresh probe of one frontend on base.  cb runs exactly once, from
 * the event loop, with the result; the result is owned by the probe and is
 * valid until sc_probe_free().  Returns NULL only on allocation failure.
 */
struct sc_probe	*sc_probe_start(struct event_base *, const struct sc_probe_opts *,
		    sc_probe_cb, void *);
void		 sc_probe_free(struct sc_probe *);

void		 sc_result_init(struct sc_result *);
void		 sc_result_clear(struct sc_result *);

/* One address that server location (RFC 3263) yielded. */
struct sc_frontend {
	char		 host[64];	/* IP literal */
	unsigned	 port;
	int		 family;	/* 4 or 6 */
	unsigned	 ttl;		/* of the address record */
};

struct sc_locate_opts {
	const char	*name;		/* domain, host name or IP literal */
	unsigned	 port;		/* 0: the default, 5061 */
	const char	*dns_servers;	/* "ip[:port],..." or NULL: system */
	double		 timeout;	/* seconds for the whole lookup */
};

struct sc_locate;
typedef void	(*sc_locate_cb)(enum sc_verdict, const char *why,
		    const struct sc_frontend *, size_t n, double seconds,
		    void *arg);

/*
 * Locates the frontends of name on base.  cb runs once, from the event
 * loop, with SC_OK and the frontends, or a dns_* verdict and the reason.
 * Returns NULL (with the reason in err) if the resolver cannot start.
 */
struct sc_locate *sc_locate_start(struct event_base *,
		    const struct sc_locate_opts *, sc_locate_cb, void *,
		    char *err, size_t errlen);
void		 sc_locate_free(struct sc_locate *);

const char	*sc_version_libs(void);

#endif /* SIPCANARY_H */
