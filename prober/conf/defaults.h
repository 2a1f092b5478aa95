/*
 * defaults.h - every built-in default of the program, in one place: the
 * config file (sipcanary.conf(5)), scenario files
 * (sipcanary-scenario(5)) and the command line (sipcanary(1)) take
 * theirs from here, and the man pages document these values.  The
 * certificate windows are the library's own (sipcanary.h), so that a
 * probe without options and a configured one agree.
 */
#ifndef SC_DEFAULTS_H
#define SC_DEFAULTS_H

#include "sipcanary.h"

#define CF_LISTEN		"127.0.0.1:9464"
#define CF_HTTP_MAX_CONNECTIONS	64	/* the endpoint's, at once */
#define CF_HTTP_MAX_PER_SOURCE	16	/* from one address */
#define CF_HTTP_HEADER_TIMEOUT	10	/* s: a request head, whole */
#define CF_STATE_DIR		"/var/lib/sipcanary"
#define CF_INTERVAL		30
#define CF_TIMEOUT		10
#define CF_FLOWS		1
#define CF_KEEPALIVE		30
#define CF_RECONNECT_EVERY	600
#define CF_EXPIRES		300
#define CF_WARN_DAYS		SC_CERT_WARN_DAYS_DEFAULT
#define CF_CRIT_DAYS		SC_CERT_CRIT_DAYS_DEFAULT
#define CF_TLS_MIN		"1.2"
#define CF_REVOCATION		"auto"	/* staple, then OCSP, then CRL */
#define CF_REVOCATION_CACHE_MIN	SC_REVOCATION_FLOOR_DEFAULT /* s */
#define CF_CRL_MAX_SIZE		SC_REVOCATION_CRL_MAX_DEFAULT /* bytes,
					   16 MiB; crl_max_size and
					   --crl-max-size */
#define CF_DNS_PORT		53
#define CF_HEP_PORT		9060	/* Homer's collectors */
#define CF_ALERT_FOR		2
#define CF_RESOLVE_AFTER	2
#define CF_FLAP_WINDOW		600
#define CF_RECONNECT_MIN_RATIO	0.9
#define CF_RECONNECT_WINDOW	600
#define CF_SINK_TIMEOUT		5
#define CF_SINK_TIMEOUT_MAX	300
#define CF_OUTBOX_MAX		1000
#define CF_RESEND_INTERVAL	60
#define CF_RETRY_MIN		1
#define CF_RETRY_MAX		300
#define CF_RETRY_LIMIT		86400	/* the longest retry_max */
#define CF_CONNECT_PORT		5061	/* connect = and --connect without
					   a port: SIP over TLS */

/* Probes on demand: GET /probe, POST /api/v1/targets/NAME/probe. */
#define CF_PROBE_CONCURRENCY	4	/* /probe requests at once */
#define CF_PROBE_FRONTENDS	16	/* frontends one /probe probes */
#define CF_PROBE_MARGIN		0.5	/* s kept from the scrape timeout */
#define CF_PROBE_MIN_BUDGET	0.5	/* s: the least a /probe may take */
#define CF_ONDEMAND_EVERY	5	/* s between on-demand probes of one
					   target */

/* Scenario files (sipcanary-scenario(5)). */
#define CF_SCN_CLIENTS		1
#define CF_SCN_USER_FIRST	1
#define CF_SCN_BACKOFF_BASE	30	/* RFC 5626 section 4.5 base-time */
#define CF_SCN_BACKOFF_MAX	1800	/* RFC 5626 section 4.5 max-time */

#endif /* SC_DEFAULTS_H */
