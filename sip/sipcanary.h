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

/* A list of strings (subjectAltNames, EKUs). */
struct sc_strlist {
	char		**v;
	size_t		  n;
};

/* One certificate, as the peer sent it or as the verified chain holds it. */
struct sc_cert {
	int		 depth;
	char		*subject;		/* RFC 2253 */
	char		*issuer;
	char		*serial;		/* hex */
	char		 fingerprint_sha256[65];
	time_t		 not_before;
	time_t		 not_after;
	double		 days_left;
	int		 self_signed;
	int		 is_ca;
	char		 sig_alg[48];		/* "ecdsa-with-SHA256" */
	char		 sig_hash[16];		/* "SHA256", "SHA1", "" */
	char		 key_type[16];		/* "RSA", "EC", "ED25519" */
	int		 key_bits;
	struct sc_strlist san_dns, san_uri, san_ip, san_email;
	struct sc_strlist eku;			/* "serverAuth", "sipDomain" */
	int		 sip_domain_eku;	/* id-kp-sipDomain present */
	int		 weak;			/* weak signature or key */
};

/* One RFC 5922 identity looked at. */
struct sc_identity {
	char		*name;
	const char	*source;		/* "uri_san", "dns_san", "cn" */
};

/* The chain verified again at a future time (now + days). */
struct sc_future {
	int		 days;
	int		 checked;
	int		 ok;
	char		 error[160];
	int		 depth;			/* of the failing certificate */
	char		 subject[256];
	time_t		 not_after;
};

/* A stapled OCSP response (RFC 6066 status_request). */
struct sc_ocsp {
	int		 requested;
	int		 stapled;
	const char	*status;		/* "good", "revoked", "unknown" */
	time_t		 this_update;		/* 0 if none */
	time_t		 next_update;
	time_t		 revoked_at;
	int		 verified;		/* 1, 0, or -1 not checked */
	char		 error[160];
};

/* Everything the certificate checks found about one frontend. */
struct sc_certreport {
	struct sc_cert	*chain;		/* as sent by the peer, leaf first */
	size_t		 nchain;
	struct sc_cert	*verified;	/* as OpenSSL built it, leaf..root */
	size_t		 nverified;
	long		 verify_error;	/* X509_V_* or 0 */
	int		 verify_depth;
	char		 identity[256];	/* the RFC 5922 identity that matched */
	const char	*identity_source; /* "uri_san", "dns_san", "cn" */
	struct sc_identity *checked;	/* every identity looked at */
	size_t		 nchecked;
	int		 has_expiry;	/* earliest notAfter of all certs: */
	struct sc_cert	 expiry;	/*   a shallow copy, names not owned */
	struct sc_future future_warn;
	struct sc_future future_crit;
	struct sc_ocsp	 ocsp;
	enum sc_verdict	 verdict;	/* the certificate verdict alone */
	char		 error[512];
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
	char		 error[512];	/* human detail, never a secret */
	char		 address[64];	/* "ip:port" or "[ip6]:port" */
	struct sc_timings t;

	enum sc_severity severity;	/* Nagios severity of the verdict */

	/* TLS */
	char		 tls_version[16];
	char		 tls_cipher[64];
	char		 tls_group[32];
	char		 tls_peer_sigalg[48];
	int		 tls_resumed;
	struct sc_certreport cert;	/* kept even when verification failed */

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
	int		 tls_only;	/* stop after the certificate checks */
	int		 warn_days;	/* cert_expiring WARNING window */
	int		 crit_days;	/* cert_expiring CRITICAL window */
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
	double		 dns_seconds;	/* start of location to this address */
	int		 has_srv;	/* found through an SRV record */
	char		 srv_target[256];
	unsigned	 srv_port;
	unsigned	 priority;
	unsigned	 weight;
};

struct sc_locate_opts {
	const char	*name;		/* domain, host name or IP literal */
	unsigned	 port;		/* 0: the default, 5061 */
	int		 explicit;	/* port or host given: no NAPTR/SRV */
	const char	*dns_servers;	/* "ip[:port],..." or NULL: system */
	double		 timeout;	/* seconds for the whole lookup */
};

struct sc_locate;
typedef void	(*sc_locate_cb)(enum sc_verdict, const char *why,
		    const struct sc_frontend *, size_t n, double seconds,
		    void *arg);

/*
 * Locates the frontends of name on base per RFC 3263: NAPTR SIPS+D2T, then
 * SRV _sips._tcp, then A and AAAA of every SRV target (or of the name on
 * port 5061 when there is no SRV).  The frontends come sorted by SRV
 * priority, then weight (heaviest first).  cb runs once, from the event
 * loop, with SC_OK and the frontends, or a dns_* verdict and the reason.
 * Returns NULL (with the reason in err) if the resolver cannot start.
 */
struct sc_locate *sc_locate_start(struct event_base *,
		    const struct sc_locate_opts *, sc_locate_cb, void *,
		    char *err, size_t errlen);
void		 sc_locate_free(struct sc_locate *);

const char	*sc_version_libs(void);

/* Seconds on the monotonic clock the library times with. */
double		 sc_clock_now(void);

#endif /* SIPCANARY_H */
