/*
 * sipcanary.h - the public interface of the sip/ library: verdict codes,
 * a fresh SIP-over-TLS probe of one frontend, and the result it produces.
 *
 * Everything a probe learns is data in struct sc_result; nothing in the
 * library prints, exits, or reads the environment.
 *
 * Names: every symbol the library exports starts with sc_.  The public
 * interface is this header; what the library's files share among
 * themselves is named sc_<file>_ (sc_reg_new() in reg.c, declared in
 * reg.h; sc_client_ for the engine's client*.c files, declared in
 * engine.h) and is no part of the interface.  File-local names carry the
 * file's prefix without sc_.
 */
#ifndef SIPCANARY_H
#define SIPCANARY_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct event_base;
struct sc_scenario;
struct sc_step_event;

/*
 * Verdict codes.  The strings are stable: they become metric label values
 * and alert names.  Append new codes; never rename or reorder the strings.
 *
 * Two codes are never set by the library, only by its caller, which
 * compares probes or schedules them: SC_CERT_INCONSISTENT (frontends of
 * one domain serve different certificates) and SC_NOT_PROBED (a frontend
 * the caller had no time left to probe).  They are here so that every
 * verdict has one string, description and severity.
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
	SC_CERT_INCONSISTENT,		/* set by the caller */
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
	SC_NOT_PROBED,			/* set by the caller */
	SC_TLS_NO_SHARED_CIPHER,	/* TLS client profiles (tlsprofile.c) */
	SC_TLS_CLIENT_CERT_REJECTED,
	SC_CLIENT_CERT_EXPIRING,
	SC_WS_UPGRADE_FAILED,		/* WSS: no good 101 to the upgrade */
	SC_WS_PROTOCOL_ERROR,		/* WSS: a frame RFC 6455 forbids */
	SC_WS_CLOSED,			/* WSS: the server closed it */
	SC_CERT_REVOCATION_UNKNOWN,	/* no revocation source answered */
	SC_CERT_MUST_STAPLE_MISSING,	/* TLS Feature status_request, no staple */
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
/*
 * The frontend took the connection and the probe went on: ok, or a
 * certificate warning (cert_expiring, cert_revocation_unknown,
 * cert_must_staple_missing).
 */
int		 sc_verdict_up(enum sc_verdict);

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

/*
 * Revocation checking (revocation.c): where the library looks for the
 * status of each certificate of the verified chain but the trust anchor.
 * Every policy but off takes a verified staple for the leaf first.
 */
enum sc_revocation_policy {
	SC_REVOCATION_AUTO = 0,		/* staple, then OCSP, then CRL */
	SC_REVOCATION_STAPLE,		/* the staple only: nothing fetched */
	SC_REVOCATION_OCSP,		/* staple, then the AIA OCSP responder */
	SC_REVOCATION_CRL,		/* staple, then the CRL Distribution
					   Points */
	SC_REVOCATION_OFF		/* nothing checked, nothing fetched */
};

/* "auto", "staple", ... ; -1 from parse when unknown. */
const char	*sc_revocation_policy_str(enum sc_revocation_policy);
int		 sc_revocation_policy_parse(const char *);

#define SC_REVOCATION_MAX_CERTS		8

/* The revocation status of one certificate of the chain. */
struct sc_revcert {
	int		 depth;
	const char	*source;	/* "staple", "ocsp", "crl"; NULL: none */
	const char	*status;	/* "good", "revoked", "unknown" (no
					   source answered), "none" (the
					   certificate names no source) */
	const char	*reason;	/* CRL/OCSP reason code, or NULL */
	time_t		 revoked_at;	/* 0 if not revoked */
	time_t		 this_update;	/* of the data used; 0 if none */
	time_t		 next_update;	/* 0 if none */
	char		 error[384];	/* why no source answered */
};

/* What the revocation check of one connection found. */
struct sc_revocation {
	enum sc_revocation_policy policy;
	int		 must_staple;	/* the leaf has TLS Feature
					   status_request */
	size_t		 n;
	struct sc_revcert certs[SC_REVOCATION_MAX_CERTS];
	double		 data_age;	/* seconds since the oldest thisUpdate
					   used; -1 when none was used */
	double		 expires_in;	/* seconds to the earliest nextUpdate
					   (or cache expiry); -1: none */
	unsigned	 ocsp_failures;	/* fetches that failed, seen by it */
	unsigned	 crl_failures;
};

/*
 * Where each certificate's answer came from, leaf first, into buf:
 * "crl good, crl good", "ocsp revoked, none"; "" when r is NULL or
 * checked nothing.  Returns buf.
 */
const char	*sc_revocation_summary(const struct sc_revocation *r,
		    char *buf, size_t len);

/* Library defaults of revocation fetching (sc_revocation_configure). */
#define SC_REVOCATION_TIMEOUT_DEFAULT	5.0	/* seconds per fetch */
#define SC_REVOCATION_CRL_MAX_DEFAULT	(16 * 1024 * 1024)	/* bytes */
#define SC_REVOCATION_OCSP_MAX		(64 * 1024)		/* bytes */
#define SC_REVOCATION_FLOOR_DEFAULT	300.0	/* seconds a CRL or OCSP
						   answer is kept at least */
#define SC_REVOCATION_RETRY		60.0	/* seconds before a failed
						   fetch is tried again */

/*
 * Process-wide settings of the shared revocation cache: the largest CRL
 * accepted, and the least time an answer is kept before it is fetched
 * again (its nextUpdate, but never sooner than floor).  0 keeps a value.
 */
void		 sc_revocation_configure(size_t crl_max_bytes, double floor);
/* Frees the cache (at exit; fetches still running are cancelled). */
void		 sc_revocation_cache_free(void);
/*
 * Call before event_base_free() of a loop that ran probes: the fetches
 * still running on it are cancelled (their waiters told) and forgotten,
 * so that a later loop fetches again instead of waiting on a dead one.
 */
void		 sc_revocation_cache_detach(struct event_base *);
/*
 * Counts of the shared cache: answers held, and the fetches started
 * since the start of the process (for tests and the status page).
 */
void		 sc_revocation_cache_stats(size_t *entries,
		    unsigned long *fetches);

/* Where a certificate report came from; the strings are stable. */
enum sc_cert_cache {
	SC_CERT_CACHE_NONE = 0,		/* no cache, or no chain evaluated */
	SC_CERT_CACHE_MISS,		/* computed (and kept) */
	SC_CERT_CACHE_HIT		/* the chain was known */
};

/* "hit", "miss", or NULL for none. */
const char	*sc_cert_cache_str(enum sc_cert_cache);

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
	struct sc_revocation *revocation; /* NULL: not checked */
	enum sc_cert_cache cache;	/* whether the chain's report and
					   verdict came from the context's
					   cache (the dates, staple and
					   revocation are checked anew) */
};

/* Phase timings in seconds; a negative value means "not reached". */
struct sc_timings {
	double	 dns;
	double	 tcp_connect;
	double	 tls_handshake;
	double	 first_response;
	double	 registered;
	double	 ws_upgrade;	/* WSS: the upgrade request to its 101 */
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

	/* The probe's own client certificate (mutual TLS), if it had one. */
	int		 has_client_cert;
	char		 client_cert_subject[256];	/* RFC 2253 */
	time_t		 client_cert_not_after;
	double		 client_cert_days_left;
	/* WSS */
	int		 ws;		/* the probe went over WebSocket */
	int		 ws_status;	/* ws_upgrade_failed: the HTTP status;
					   ws_closed: the close code; 0 */
};

/*
 * A set of SIP final statuses (200 to 699): the answers to an OPTIONS
 * that count as "alive" for a target probed without an account.
 */
#define SC_STATUS_MIN	200
#define SC_STATUS_MAX	699
struct sc_statuses {
	unsigned char	 bits[(SC_STATUS_MAX - SC_STATUS_MIN) / 8 + 1];
};

/* Any final response but 503 (a server saying it is down). */
void		 sc_statuses_default(struct sc_statuses *);
/*
 * Parses a comma-separated list of "any" (the default set), classes
 * ("4xx") and statuses ("404", "503"); 2xx is always in the set.  -1
 * with a sentence in err.
 */
int		 sc_statuses_parse(struct sc_statuses *, const char *,
		    char *err, size_t errlen);
int		 sc_statuses_has(const struct sc_statuses *, int status);

struct sc_probe_opts {
	const char	*uri;		/* "sips:example.test" */
	const char	*domain;	/* identity checked and sent as SNI */
	const char	*host;		/* address to connect to (IP literal) */
	unsigned	 port;
	const char	*user;		/* NULL: no credentials: an OPTIONS
					   probe (see alive) */
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
	int		 insecure;	/* insecure_skip_verify: a failed
					   certificate check is reported, and
					   the probe goes on */
	int		 warn_days;	/* cert_expiring WARNING window;
					   0: SC_CERT_WARN_DAYS_DEFAULT */
	int		 crit_days;	/* cert_expiring CRITICAL window;
					   0: SC_CERT_CRIT_DAYS_DEFAULT */
	struct sc_ws_opts {		/* SIP over secure WebSocket */
		int		 on;	/* RFC 7118 WSS instead of TLS */
		const char	*path;	/* request target; NULL: "/" */
		const char	*origin; /* Origin header; NULL: none */
	}		 ws;
	/*
	 * Without a user, the probe sends an OPTIONS instead of REGISTER;
	 * these final statuses count as alive (verdict ok).  NULL: the
	 * default set, sc_statuses_default().
	 */
	const struct sc_statuses *alive;
	/*
	 * The steps to run instead of the built-in ones (a target's own
	 * scenario), with one client; it must outlive the probe.  NULL:
	 * connect; register; unregister (or options without a user).
	 */
	const struct sc_scenario *scenario;
	/* Called after each step, with the cb's arg; may be NULL. */
	void		(*on_step)(const struct sc_step_event *, void *arg);
	enum sc_revocation_policy revocation;
};

/* The certificate expiry windows, in days, when the caller names none. */
#define SC_CERT_WARN_DAYS_DEFAULT	30
#define SC_CERT_CRIT_DAYS_DEFAULT	7

/* What sc_tls_client_ctx_new() could not do; each caller words it. */
enum sc_tls_ctx_fail {
	SC_TLS_CTX_NOMEM = 1,		/* no context */
	SC_TLS_CTX_VERSION,		/* min_version unsupported */
	SC_TLS_CTX_CA_FILE,		/* ca_file unreadable, or no PEM */
	SC_TLS_CTX_SYSTEM_STORE,	/* the system trust store */
	SC_TLS_CTX_MAX_VERSION,		/* max_version unsupported, or below
					   min_version */
	SC_TLS_CTX_CIPHERS,		/* no cipher of the TLS 1.2 list */
	SC_TLS_CTX_CIPHERSUITES,	/* a bad TLS 1.3 suite list */
	SC_TLS_CTX_GROUPS,		/* an unknown group */
	SC_TLS_CTX_SIGALGS,		/* an unknown signature algorithm */
	SC_TLS_CTX_CA_DIR,		/* ca_dir unusable */
	SC_TLS_CTX_CLIENT_CERT,		/* client_cert unreadable, no PEM */
	SC_TLS_CTX_CLIENT_KEY		/* client_key unreadable, or not the
					   key of client_cert */
};

/*
 * How a client speaks TLS: one client population ("profile") of the
 * fleet.  Every field may be 0/NULL for OpenSSL's or the library's
 * default.
 */
struct sc_tls_opts {
	const char	*ca_file;	/* trust store file; with ca_dir NULL */
	const char	*ca_dir;	/*   too: the system trust store */
	int		 min_version;	/* TLS1_2_VERSION, TLS1_3_VERSION */
	int		 max_version;
	const char	*ciphers;	/* TLS 1.2 list (OpenSSL syntax) */
	const char	*ciphersuites;	/* TLS 1.3 suites */
	const char	*groups;	/* "P-256:X25519" */
	const char	*sigalgs;	/* "RSA+SHA256:ECDSA+SHA256" */
	int		 no_sni;	/* send no server_name extension */
	const char	*client_cert;	/* PEM: certificate, then its chain */
	const char	*client_key;	/* PEM; NULL: in client_cert */
};

/*
 * sc_tls_client_ctx_new() with every knob of a client profile: versions,
 * cipher lists, groups, signature algorithms, trust store (file and/or
 * directory), client certificate and key, and SNI (kept in the context,
 * applied by each probe connection made on it).
 */
void		*sc_tls_client_ctx_new_opts(const struct sc_tls_opts *,
		    enum sc_tls_ctx_fail *why);

/* sc_tls_ctx_new() for a profile: NULL with a reason in err. */
void		*sc_tls_ctx_new_opts(const struct sc_tls_opts *, char *err,
		    size_t errlen);

/*
 * A client SSL_CTX that verifies servers (SSL_VERIFY_PEER) against
 * ca_file, or the system trust store when ca_file is NULL, and speaks TLS
 * min_version at least (0: TLS 1.2).  The caller adds its own policy: a
 * verify callback, session caching, the name each connection checks.
 * NULL on failure, with *why set and OpenSSL's error queue holding the
 * detail, for the caller to read and clear.  Freed with SSL_CTX_free().
 */
void		*sc_tls_client_ctx_new(const char *ca_file, int min_version,
		    enum sc_tls_ctx_fail *why);

/*
 * The TLS key log (NSS key log format, for Wireshark): from a successful
 * open until sc_tls_keylog_close(), every context sc_tls_client_ctx_new()
 * built appends the secrets of its handshakes to path.  The file is
 * created 0600 and never followed through a symbolic link; an existing
 * one is appended to and made 0600.  path NULL closes.  -1 with the reason
 * in err.  The caller warns loudly while it is open: the file decrypts
 * every connection it covers.
 */
int		 sc_tls_keylog_open(const char *path, char *err, size_t errlen);
void		 sc_tls_keylog_close(void);
unsigned long	 sc_tls_keylog_lines(void);	/* lines written so far */

/*
 * HEP: from a successful open until sc_hep_close(), every SIP message any
 * flow sends or receives is copied as HEPv3 over UDP to the collector at
 * sa, with capture agent id and, when not NULL, password (HEP's auth
 * key).  The copies never delay a probe: one that cannot be sent at once
 * is counted in sc_hep_dropped().  -1 with the reason in err.
 */
struct sockaddr;
int		 sc_hep_open(const struct sockaddr *sa, unsigned salen,
		    unsigned id, const char *password, char *err,
		    size_t errlen);
void		 sc_hep_close(void);
unsigned long long sc_hep_sent(void);
unsigned long long sc_hep_dropped(void);

/*
 * A client TLS context for probes that share one trust store: loading a
 * CA bundle per probe would dominate a probe's CPU.  NULL with a reason in
 * err.  Built on sc_tls_client_ctx_new(); a failed certificate check
 * does not abort the handshake, but is recorded for the probe's report.
 * Freed with sc_tls_ctx_free().
 */
void		*sc_tls_ctx_new(const char *ca_file, int tls_min, int tls_max,
		    char *err, size_t errlen);
/* One more holder of a context: each one calls sc_tls_ctx_free(). */
void		*sc_tls_ctx_ref(void *);
void		 sc_tls_ctx_free(void *);
/*
 * A context keeps the certificate report of each distinct chain it saw
 * (struct sc_certreport's cache says whether a probe's came from there);
 * this forgets them all, as a reload must.  NULL is a no-op.
 */
void		 sc_tls_ctx_cert_cache_flush(void *);

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
/*
 * Cuts a probe short (its caller stopping or reloading): a binding it
 * holds, or is being granted, is removed first (REGISTER with Expires: 0,
 * bounded by the probe's timeout).  cb still runs once, later.
 */
void		 sc_probe_shutdown(struct sc_probe *);
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
	int		 ws;		/* WSS: NAPTR SIPS+D2W, SRV _sips._ws,
					   port 443 (see sc_locate_start) */
};

struct sc_locate;
typedef void	(*sc_locate_cb)(enum sc_verdict, const char *why,
		    const struct sc_frontend *, size_t n, double seconds,
		    void *arg);

/*
 * Locates the frontends of name on base per RFC 3263: NAPTR SIPS+D2T, then
 * SRV _sips._tcp, then A and AAAA of every SRV target (or of the name on
 * port 5061 when there is no SRV).  The frontends come sorted by SRV
 * priority, then weight (heaviest first).  With ws (RFC 7118 WSS):
 * NAPTR SIPS+D2W, then SRV _sips._ws, then A and AAAA on port 443.  cb runs once, from the event
 * loop, with SC_OK and the frontends, or a dns_* verdict and the reason;
 * the frontends are valid during cb only, and cb may free the lookup.
 * Returns NULL (with the reason in err) if the resolver cannot start.
 */
struct sc_locate *sc_locate_start(struct event_base *,
		    const struct sc_locate_opts *, sc_locate_cb, void *,
		    char *err, size_t errlen);
void		 sc_locate_free(struct sc_locate *);

/*
 * Scenarios: what one simulated client does, step by step.  A scenario
 * file (sipcanary-scenario(5)) parses into this; the engine runs it.
 */
enum sc_step_kind {
	SC_STEP_CONNECT = 0,	/* fresh TCP + TLS */
	SC_STEP_REGISTER,	/* REGISTER (new binding: new Call-ID) */
	SC_STEP_REREGISTER,	/* refresh: same Call-ID, CSeq + 1 */
	SC_STEP_UNREGISTER,	/* Expires: 0 */
	SC_STEP_OPTIONS,	/* OPTIONS to the domain */
	SC_STEP_KEEPALIVE,	/* RFC 5626 CRLFCRLF ping, CRLF pong */
	SC_STEP_HOLD,		/* stay idle, keep-alives running */
	SC_STEP_BREAK,		/* break the connection */
	SC_STEP_RECONNECT,	/* connect again, with a backoff policy */
	SC_STEP_WAIT,		/* do nothing for a while */
	SC_STEP_REPEAT,		/* run body count times */
	SC_STEP_MAINTAIN,	/* stay registered: keep-alives, refreshes */
	SC_STEP_KIND_COUNT
};

enum sc_break_how {
	SC_BREAK_RST = 0,	/* SO_LINGER 0: the peer sees a reset */
	SC_BREAK_CLOSE_NOTIFY,	/* TLS close_notify, then FIN */
	SC_BREAK_SILENT_DROP	/* stop using it, as a dead NAT would */
};

enum sc_backoff {
	SC_BACKOFF_IMMEDIATE = 0,
	SC_BACKOFF_FIXED,	/* backoff_base seconds */
	SC_BACKOFF_RFC5626	/* RFC 5626 §4.5: base * 2^n, capped, jitter */
};

struct sc_step {
	enum sc_step_kind kind;
	char		*label;		/* for reports; defaults to the kind */
	int		 line;		/* in the scenario file, for errors */
	int		 expect_status;	/* 0: any 2xx for SIP steps */
	int		 expect_verdict; /* -1: none; else an enum sc_verdict */
	double		 within;	/* deadline in seconds; 0: default */
	int		 resume;	/* connect/reconnect: TLS resumption */
	int		 all;		/* unregister: Contact: *, every binding */
	unsigned	 expires;	/* register/reregister; 0: default */
	double		 every;		/* keepalive/hold: ping interval */
	double		 duration;	/* keepalive/hold "for", wait */
	enum sc_break_how how;		/* break */
	enum sc_backoff	 backoff;	/* reconnect */
	double		 backoff_base;	/* seconds (fixed delay, or base) */
	double		 backoff_max;	/* seconds, rfc5626 cap */
	unsigned	 count;		/* repeat */
	struct sc_step	*body;		/* repeat */
	size_t		 nbody;
};

struct sc_scenario {
	char		*name;		/* file name without .scn */
	char		*description;
	unsigned	 clients;	/* default number of clients */
	double		 ramp;		/* new clients per second; 0: all */
	double		 duration;	/* bound on the run; 0: until done */
	char		*user;		/* one user for every client, or */
	char		*user_template;	/* "probe%04d", the client index */
	unsigned	 user_first;	/* first index for the template */
	char		*password_file;	/* NULL: from the command line */
	struct sc_step	*steps;
	size_t		 nsteps;
};

const char	*sc_step_kind_str(enum sc_step_kind);

/*
 * The scenario engine: M simulated clients run a scenario concurrently on
 * one event loop.  Fresh probes (check, certs) are built-in scenarios run
 * by the same engine.
 */
struct sc_step_event {
	unsigned		 client;	/* index, shard offset included */
	const struct sc_step	*step;
	enum sc_verdict		 verdict;	/* what happened */
	int			 status;	/* final SIP status, 0 if none */
	double			 seconds;	/* the step's latency */
	double			 at;		/* when it ended (sc_clock_now) */
	int			 held;		/* its expectation held */
	const char		*error;		/* reason when not ok */
};

struct sc_engine_cbs {
	void	(*on_step)(const struct sc_step_event *, void *arg);
	/*
	 * A break (deliberate: a break step) or a lost flow, until
	 * registered again.
	 */
	void	(*on_reconnect)(unsigned client, double seconds,
		    int deliberate, void *arg);
	/*
	 * The client's flow became registered (up) or stopped being so: a
	 * lost connection, a missing pong, a failed refresh, or a break.
	 */
	void	(*on_flow)(unsigned client, int up, enum sc_verdict why,
		    void *arg);
	/*
	 * A keep-alive answered after rtt seconds.  kind says how it went:
	 * "crlf" (RFC 5626 CRLFCRLF and its CRLF on the TLS stream),
	 * "ws_crlf" (the same inside WebSocket text frames: a WSS server
	 * that answers them) or "ws_ping" (a WebSocket ping and its pong:
	 * one that does not); a static string.
	 */
	void	(*on_keepalive)(unsigned client, double rtt, const char *kind,
		    void *arg);
	/*
	 * A client finished (ok: every expectation held).  r holds the
	 * timings of its first connect and register, its last certificate
	 * report and its first failure; it is the callee's to take over
	 * (sc_result_clear) and is valid only during the call.  r is NULL
	 * when the engine keeps no results (sc_engine_opts.no_results).
	 */
	void	(*on_client)(unsigned client, int ok, struct sc_result *r,
		    void *arg);
	void	(*on_done)(void *arg);		/* every client finished */
	void	(*on_start)(unsigned client, void *arg); /* a client began */
};

struct sc_engine_opts {
	const struct sc_scenario *scenario;
	const char		*uri;
	const char		*domain;	/* identity and SNI */
	const struct sc_frontend *frontends;	/* clients spread over them */
	size_t			 nfrontends;
	const char		*password;	/* for every user; may be NULL */
	unsigned		 clients;	/* 0: the scenario's */
	unsigned		 first_client;	/* index of client 0 (shards) */
	double			 ramp;		/* < 0: the scenario's */
	double			 duration;	/* hard stop; 0: the scenario's */
	double			 timeout;	/* default step deadline */
	void			*tls_ctx;	/* shared SSL_CTX (required) */
	int			 warn_days;
	int			 crit_days;
	int			 tls_only;	/* connect checks certificates only */
	int			 keep_certs;	/* keep the certificate report */
	/*
	 * Keep no sc_result per client (3.4 kB each, held for the client's
	 * life): on_client gets NULL.  Without on_client none is kept
	 * either.
	 */
	int			 no_results;
	int			 insecure;	/* a failed certificate check does
						   not stop the client (reported) */
	/*
	 * Persistent flows: a client whose scenario ends, or whose step
	 * fails, starts its scenario again (the failure is reported first);
	 * its connect/reconnect steps then wait per their backoff.
	 */
	int			 loop;
	/*
	 * Asked before a break step of a client that is registered: 1
	 * postpones the break, and the client runs the step before it (a
	 * maintain or hold) again, then asks again.  It lets the caller hold
	 * deliberate breaks back while it judges a break unwise; NULL never
	 * postpones.
	 */
	int			(*defer_break)(unsigned client, void *arg);
	void			*defer_arg;
	/* Client index -> user name (users templates); NULL: scenario user. */
	int			(*user_name)(const struct sc_scenario *,
				    unsigned index, char *buf, size_t len);
	const struct sockaddr_storage *sources;	/* local addresses to use */
	/*
	 * Clients without an account (trunks, peering SBCs): an OPTIONS
	 * answered with one of these statuses is ok whatever its class, is
	 * the client's first response, and brings its flow up (on_flow) as
	 * a registration would; maintain then refreshes with OPTIONS, and
	 * sends CRLF keep-alives only while the peer answers them.  NULL:
	 * OPTIONS steps keep their expectation and never bring a flow up.
	 */
	const struct sc_statuses *options_alive;
	size_t			 nsources;
	FILE			*trace;
	struct sc_ws_opts	 ws;		/* WSS (RFC 7118) when ws.on */
	enum sc_revocation_policy revocation;
};

struct sc_engine_counts {
	unsigned	 started;
	unsigned	 active;
	unsigned	 finished;
	unsigned	 ok;
	unsigned	 failed;
};

struct sc_engine;

/* NULL with a reason in err if the engine cannot start. */
struct sc_engine *sc_engine_start(struct event_base *,
		    const struct sc_engine_opts *, const struct sc_engine_cbs *,
		    void *arg, char *err, size_t errlen);
/* Stops starting clients and ends the running ones now; on_done follows. */
void		 sc_engine_stop(struct sc_engine *);
/*
 * Stops as a phone being switched off does: every registered client
 * sends REGISTER with Expires: 0 (bounded by the step deadline) before it
 * closes; on_done follows.
 */
void		 sc_engine_shutdown(struct sc_engine *);
void		 sc_engine_counts(const struct sc_engine *,
		    struct sc_engine_counts *);
void		 sc_engine_free(struct sc_engine *);

const char	*sc_version_libs(void);

/*
 * An event base with precise timers: libevent's default coarse clock can
 * fire a timer milliseconds early, and a timed step must never be short.
 */
struct event_base *sc_event_base_new(void);

/* Seconds on the monotonic clock the library times with. */
double		 sc_clock_now(void);

#endif /* SIPCANARY_H */
