/*
 * cmd_check.c - `sipcanary check`: one fresh probe of every frontend of a
 * target, reported as a table, JSON or Nagios plugin output.  The exit
 * code is always a Nagios code, usage errors included (UNKNOWN).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "cli.h"
#include "report.h"
#include "secret.h"
#include "sipcanary.h"
#include "target.h"

enum check_format { FMT_TEXT, FMT_JSON, FMT_NAGIOS };

struct check {
	struct event_base	*base;
	struct target		 target;
	struct sc_probe_opts	 popts;
	void			*tls_ctx;
	char			*password;
	struct sc_locate	*locate;
	struct check_slot	*slots;
	struct check_report	 report;
	size_t			 pending;
};

static void
check_usage(FILE *fp)
{
	fprintf(fp,
"usage: sipcanary check [OPTIONS] sips:DOMAIN\n"
"\n"
"Probes a SIP-over-TLS service once: TCP connect, TLS handshake with the\n"
"certificate checked against DOMAIN (RFC 5922), REGISTER, 401 challenge,\n"
"REGISTER with digest credentials, 200 OK, then unregister.\n"
"\n"
"options:\n"
"  --connect HOST[:PORT]   connect here instead of locating DOMAIN\n"
"  --ca-file FILE          trust these CAs (default: the system store)\n"
"  --user USER             digest user name (and AOR user)\n"
"  --password-file FILE    the password, first line (mode 0600); or set\n"
"                          SIPCANARY_PASSWORD in the environment\n"
"  --insecure-password-file  accept a password file others can read\n"
"  --timeout SECONDS       bound on the whole probe (default 10)\n"
"  --expires SECONDS       registration lifetime to ask for (default 300)\n"
"  --no-unregister         leave the registration in place\n"
"  --tls-min 1.2|1.3       lowest TLS version to offer (default 1.2)\n"
"  --json                  print JSON\n"
"  --nagios                print Nagios plugin output\n"
"  -v, --verbose           trace SIP messages on stderr (secrets redacted)\n"
"  -h, --help              this help\n"
"\n"
"Exit status (Nagios): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"\n"
"examples:\n"
"  sipcanary check --user alice --password-file alice.pw sips:example.com\n"
"  SIPCANARY_PASSWORD=... sipcanary check --nagios --user alice \\\n"
"      --connect 192.0.2.10:5061 --ca-file ca.pem sips:example.com\n");
}

static int check_bad(const char *, ...)
    __attribute__((format(printf, 1, 2)));

static int
check_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sipcanary check: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: sipcanary check [OPTIONS] sips:DOMAIN "
	    "(try 'sipcanary check --help')\n");
	return NAGIOS_UNKNOWN;
}

static int
check_seconds(const char *s, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400)
		return -1;
	*out = v;
	return 0;
}

static void
check_summarize(struct check *c)
{
	struct check_report	*cr = &c->report;
	size_t			 i;
	enum sc_verdict		 worst = SC_OK;

	if (cr->nresults == 0)
		return;		/* a target-level failure was already set */
	for (i = 0; i < cr->nresults; i++)
		if (cr->results[i].verdict != SC_OK && worst == SC_OK)
			worst = cr->results[i].verdict;
	cr->verdict = worst;
	cr->severity = sc_verdict_severity(worst);
}

/* One probe's place in the report. */
struct check_slot {
	struct check	*c;
	size_t		 i;
	struct sc_probe	*probe;
};

static void
check_probe_done(struct sc_result *r, void *arg)
{
	struct check_slot	*slot = arg;
	struct check		*c = slot->c;

	/* Take the result over; the probe's copy dies with the probe. */
	c->report.results[slot->i] = *r;
	r->chain = NULL;
	r->nchain = 0;
	if (--c->pending == 0)
		event_base_loopbreak(c->base);
}

static void
check_located(enum sc_verdict v, const char *why,
    const struct sc_frontend *fe, size_t n, double seconds, void *arg)
{
	struct check	*c = arg;
	size_t		 i;

	c->report.dns_seconds = seconds;
	if (v != SC_OK) {
		c->report.verdict = v;
		c->report.severity = sc_verdict_severity(v);
		snprintf(c->report.error, sizeof(c->report.error), "%s", why);
		event_base_loopbreak(c->base);
		return;
	}
	c->slots = calloc(n, sizeof(*c->slots));
	c->report.results = calloc(n, sizeof(*c->report.results));
	if (c->slots == NULL || c->report.results == NULL) {
		c->report.verdict = SC_INTERNAL_ERROR;
		snprintf(c->report.error, sizeof(c->report.error),
		    "out of memory");
		event_base_loopbreak(c->base);
		return;
	}
	c->report.nresults = n;
	for (i = 0; i < n; i++) {
		struct sc_probe_opts o = c->popts;

		o.host = fe[i].host;
		o.port = fe[i].port;
		sc_result_init(&c->report.results[i]);
		c->slots[i].c = c;
		c->slots[i].i = i;
		c->pending++;
		c->slots[i].probe = sc_probe_start(c->base, &o,
		    check_probe_done, &c->slots[i]);
		if (c->slots[i].probe == NULL) {
			c->pending--;
			snprintf(c->report.results[i].error,
			    sizeof(c->report.results[i].error),
			    "out of memory");
		}
	}
	if (c->pending == 0)
		event_base_loopbreak(c->base);
}

static const struct option check_longopts[] = {
	{ "connect",		required_argument,	NULL, 'c' },
	{ "ca-file",		required_argument,	NULL, 'C' },
	{ "user",		required_argument,	NULL, 'u' },
	{ "password-file",	required_argument,	NULL, 'p' },
	{ "insecure-password-file", no_argument,	NULL, 'I' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "expires",		required_argument,	NULL, 'e' },
	{ "no-unregister",	no_argument,		NULL, 'N' },
	{ "tls-min",		required_argument,	NULL, 'm' },
	{ "json",		no_argument,		NULL, 'j' },
	{ "nagios",		no_argument,		NULL, 'n' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "password",		required_argument,	NULL, 'P' },
	{ NULL, 0, NULL, 0 }
};

static void
check_free(struct check *c)
{
	size_t i;

	for (i = 0; c->slots != NULL && i < c->report.nresults; i++)
		sc_probe_free(c->slots[i].probe);
	free(c->slots);
	for (i = 0; c->report.results != NULL && i < c->report.nresults; i++)
		sc_result_clear(&c->report.results[i]);
	free(c->report.results);
	sc_locate_free(c->locate);
	sc_tls_ctx_free(c->tls_ctx);
	secret_free(c->password);
	target_clear(&c->target);
	if (c->base != NULL)
		event_base_free(c->base);
}

int
cmd_check(int argc, char **argv)
{
	struct check		 c;
	struct sc_locate_opts	 lo;
	enum check_format	 fmt = FMT_TEXT;
	const char		*connect = NULL, *pwfile = NULL, *env;
	char			 err[256];
	double			 expires = 300;
	int			 ch, insecure = 0, rc = NAGIOS_UNKNOWN;

	memset(&c, 0, sizeof(c));
	c.popts.timeout = 10;
	c.popts.unregister = 1;
	c.report.dns_seconds = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", check_longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'c':
			connect = optarg;
			break;
		case 'C':
			c.popts.ca_file = optarg;
			break;
		case 'u':
			c.popts.user = optarg;
			break;
		case 'p':
			pwfile = optarg;
			break;
		case 'I':
			insecure = 1;
			break;
		case 't':
			if (check_seconds(optarg, &c.popts.timeout) == -1)
				return check_bad("--timeout takes seconds "
				    "between 0 and 86400, not \"%s\"", optarg);
			break;
		case 'e':
			if (check_seconds(optarg, &expires) == -1 ||
			    expires != (unsigned)expires)
				return check_bad("--expires takes whole "
				    "seconds, not \"%s\"", optarg);
			break;
		case 'N':
			c.popts.unregister = 0;
			break;
		case 'm':
			if ((c.popts.tls_min = sc_tls_parse_version(optarg))
			    == 0)
				return check_bad("--tls-min takes 1.2 or 1.3, "
				    "not \"%s\"", optarg);
			break;
		case 'j':
			fmt = FMT_JSON;
			break;
		case 'n':
			fmt = FMT_NAGIOS;
			break;
		case 'v':
			c.popts.trace = stderr;
			break;
		case 'h':
			check_usage(stdout);
			return NAGIOS_OK;
		case 'P':
			return check_bad("%s", "passwords are not accepted on "
			    "the command line (other users can read it); use "
			    "--password-file FILE or SIPCANARY_PASSWORD");
		default:
			return check_bad("%s", "bad option");
		}
	}
	if (optind != argc - 1)
		return check_bad("%s", optind >= argc ? "no target given "
		    "(expected sips:DOMAIN)" : "give exactly one target");
	c.popts.expires = (unsigned)expires;
	if (target_parse_uri(&c.target, argv[optind], err, sizeof(err)) == -1)
		return check_bad("%s", err);
	if (connect != NULL && target_parse_hostport(connect,
	    &c.target.connect_host, &c.target.connect_port, err,
	    sizeof(err)) == -1) {
		target_clear(&c.target);
		return check_bad("--connect: %s", err);
	}

	if (pwfile != NULL) {
		c.password = secret_read_file(pwfile, insecure, err,
		    sizeof(err));
		if (c.password == NULL) {
			check_free(&c);
			return check_bad("%s", err);
		}
	} else if ((env = getenv("SIPCANARY_PASSWORD")) != NULL &&
	    env[0] != '\0') {
		if ((c.password = strdup(env)) == NULL) {
			check_free(&c);
			return check_bad("%s", "out of memory");
		}
	}
	if (c.popts.user != NULL && c.password == NULL) {
		check_free(&c);
		return check_bad("%s", "--user needs a password: "
		    "--password-file FILE or SIPCANARY_PASSWORD");
	}
	if (c.password != NULL && c.popts.user == NULL) {
		check_free(&c);
		return check_bad("%s", "a password was given without --user");
	}

	c.popts.uri = c.target.uri;
	c.popts.domain = c.target.domain;
	c.popts.password = c.password;
	if ((c.tls_ctx = sc_tls_ctx_new(c.popts.ca_file, c.popts.tls_min, 0,
	    err, sizeof(err))) == NULL) {
		check_free(&c);
		return check_bad("%s", err);
	}
	c.popts.tls_ctx = c.tls_ctx;
	if ((c.base = event_base_new()) == NULL) {
		check_free(&c);
		return check_bad("%s", "cannot create the event loop");
	}

	memset(&lo, 0, sizeof(lo));
	lo.name = c.target.connect_host != NULL ? c.target.connect_host :
	    c.target.domain;
	lo.port = c.target.connect_host != NULL ? c.target.connect_port :
	    c.target.uri_port;
	lo.timeout = c.popts.timeout;
	c.report.target = c.target.uri;
	c.report.verdict = SC_INTERNAL_ERROR;
	c.locate = sc_locate_start(c.base, &lo, check_located, &c, err,
	    sizeof(err));
	if (c.locate == NULL) {
		check_free(&c);
		return check_bad("%s", err);
	}
	event_base_dispatch(c.base);
	check_summarize(&c);

	switch (fmt) {
	case FMT_JSON:
		report_json(stdout, &c.report);
		break;
	case FMT_NAGIOS:
		report_nagios(stdout, &c.report);
		break;
	case FMT_TEXT:
		report_text(stdout, &c.report);
		break;
	}
	fflush(stdout);
	rc = (int)c.report.severity;
	check_free(&c);
	return rc;
}
