/*
 * test_config.c - sipcanary.conf(5): a full config comes out exactly as
 * written, with defaults inherited and overridden key by key; each way a
 * config can be wrong gets its exact "FILE:LINE: ..." message; password
 * files are refused unless private; the environment can hold a password;
 * target_conf_same() tells what a reload may keep; and the shipped
 * docs/sipcanary.conf.example loads.  Issue 7: the alert rule settings,
 * and sinks (every key, their errors, their secret files, and
 * sink_conf_same()).
 *
 * The example is found in $SRCDIR/docs, or else in the SRCDIR the test
 * was compiled with (-DSRCDIR="..."), or else in ./docs.  Temporary files
 * go into a fresh directory under $TMPDIR or /tmp.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sipcanary.h"
#include "conf/conf.h"
#include "conf/defaults.h"
#include "unit.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define TLS12	0x0303	/* TLS1_2_VERSION */
#define TLS13	0x0304	/* TLS1_3_VERSION */

static int
setup(void **state)
{
	(void)state;
	if (unit_tmpdir_make("test_config") == -1)
		return -1;
	/* Tests set these; one inherited from the shell must not count. */
	unsetenv("SIPCANARY_PASSWORD_A");
	unsetenv("SIPCANARY_PASSWORD_VOICE_PROD");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(unit_tmpdir);
}

/* The parser under test: the one place that names its API. */
UNIT_PARSER(conf_parser, config_load_string, config_load, config_free);

/* Loads text (named sc.conf) that must fail, and checks the whole message. */
static void
expect_error(const char *text, const char *want)
{
	unit_expect_error(&conf_parser, "sc.conf", text, want);
}

/* The same, the message formatted (a path in it). */
static void expect_errorf(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
expect_errorf(const char *text, const char *fmt, ...)
{
	va_list	 ap;
	char	 want[3 * PATH_MAX];

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	expect_error(text, want);
}

static struct sc_config *
expect_ok(const char *name, const char *text)
{
	return unit_expect_ok(&conf_parser, name, text);
}

/* How a target probes: the keys that defaults { } can set. */
struct probe_keys {
	double		 interval, timeout, keepalive, reconnect_every;
	unsigned	 flows, expires;
	int		 warn_days, crit_days, tls_min, allow_mixed_certs;
	int		 enabled;
};

static void
assert_probe_keys(const struct target_conf *t, const struct probe_keys *k)
{
	assert_true(t->interval == k->interval);
	assert_true(t->timeout == k->timeout);
	assert_true(t->keepalive == k->keepalive);
	assert_true(t->reconnect_every == k->reconnect_every);
	assert_int_equal(t->flows, k->flows);
	assert_int_equal(t->expires, k->expires);
	assert_int_equal(t->warn_days, k->warn_days);
	assert_int_equal(t->crit_days, k->crit_days);
	assert_int_equal(t->tls_min, k->tls_min);
	assert_int_equal(t->allow_mixed_certs, k->allow_mixed_certs);
	assert_int_equal(t->enabled, k->enabled);
}

/* The config of issue 6, with every key set somewhere. */
static void
test_full(void **state)
{
	struct sc_config *c;
	const struct target_conf *t;
	char		 pw[PATH_MAX], conf[PATH_MAX], text[4096];

	(void)state;
	unit_write_file("probe1.secret", "s3cret\nignored\n", 0600, pw,
	    sizeof(pw));
	snprintf(text, sizeof(text),
	    "vantage   = \"lab-1\"                 # label on every metric\n"
	    "listen    = \"127.0.0.1:9464\"        # /metrics, /, /healthz\n"
	    "state_dir = \"/var/lib/sipcanary\"\n"
	    "log_format = logfmt\n"
	    "defaults {\n"
	    "  interval = 30s      # fresh probe per frontend\n"
	    "  timeout = 10s\n"
	    "  flows = 1           // persistent flows\n"
	    "  keepalive = 30s     /* RFC 5626 */\n"
	    "  reconnect_every = 10m\n"
	    "  expires = 300\n"
	    "  warn_days = 30\n"
	    "  crit_days = 7\n"
	    "  ca_file = \"/etc/ssl/certs/ca-certificates.crt\"\n"
	    "  tls_min = \"1.3\"\n"
	    "  allow_mixed_certs = yes\n"
	    "  enabled = yes\n"
	    "}\n"
	    "target \"voice-prod\" {\n"
	    "  uri = \"sips:voice.example.com\"\n"
	    "  user = \"probe1\"\n"
	    "  password_file = \"probe1.secret\"\n"
	    "  owner = \"voice-sre\"\n"
	    "  connect = \"127.0.0.1:5061\"; dns_server = \"127.0.0.1:5353\"\n"
	    "  interval = 15s\n"
	    "}\n"
	    "\n"
	    "target \"voice-dr\" {\n"
	    "  uri = voice-dr.example.com\n"
	    "  dns_server = \"[::1]\"\n"
	    "  interval = 1m; timeout = 59s; flows = 0; keepalive = 5s\n"
	    "  reconnect_every = 0; expires = 1h; warn_days = 60\n"
	    "  crit_days = 60; ca_file = \"ca/dr.pem\"; tls_min = 1.2\n"
	    "  revocation = crl\n"
	    "  allow_mixed_certs = no; enabled = false\n"
	    "}\n"
	    "metrics_series_limit = 50000\n"
	    "http_max_connections = 200; http_max_connections_per_source = 20\n"
	    "http_header_timeout = 2500ms\n"
	    "metrics_detail = yes\n"
	    "revocation_cache_min = 1h\n"
	    "crl_max_size = 1.5MiB\n");
	/* Relative paths are taken from the config file's directory. */
	snprintf(conf, sizeof(conf), "%s/sipcanary.conf", unit_tmpdir);
	c = expect_ok(conf, text);
	assert_string_equal(c->path, conf);
	assert_string_equal(c->vantage, "lab-1");
	assert_string_equal(c->listen, "127.0.0.1:9464");
	assert_string_equal(c->state_dir, "/var/lib/sipcanary");
	assert_int_equal(c->log_format, CONFIG_LOG_LOGFMT);
	assert_int_equal(c->metrics_series_limit, 50000);
	assert_int_equal(c->http_max_conns, 200);
	assert_int_equal(c->http_max_per_source, 20);
	assert_true(c->http_header_timeout == 2.5);
	assert_int_equal(c->metrics_detail, 1);
	assert_true(c->revocation_cache_min == 3600);
	assert_int_equal(c->crl_max_size, 1536 * 1024);
	assert_int_equal(c->ntargets, 2);

	t = &c->targets[0];
	assert_ptr_equal(config_target(c, "voice-prod"), t);
	assert_string_equal(t->name, "voice-prod");
	assert_int_equal(t->line, 19);
	assert_string_equal(t->uri, "sips:voice.example.com");
	assert_string_equal(t->user, "probe1");
	assert_string_equal(t->password, "s3cret");
	assert_string_equal(t->password_file, pw);
	assert_string_equal(t->owner, "voice-sre");
	assert_string_equal(t->connect, "127.0.0.1:5061");
	assert_string_equal(t->dns_server, "127.0.0.1:5353");
	assert_string_equal(t->ca_file, "/etc/ssl/certs/ca-certificates.crt");
	/* Its own interval; the rest from defaults. */
	assert_probe_keys(t, &(struct probe_keys){ 15, 10, 30, 600, 1, 300,
	    30, 7, TLS13, 1, 1 });
	assert_int_equal(t->revocation, SC_REVOCATION_AUTO);	/* built in */

	/* Every key of defaults overridden. */
	t = &c->targets[1];
	assert_ptr_equal(config_target(c, "voice-dr"), t);
	assert_string_equal(t->name, "voice-dr");
	assert_int_equal(t->line, 28);
	assert_string_equal(t->uri, "voice-dr.example.com");
	assert_null(t->user);
	assert_null(t->password);
	assert_null(t->password_file);
	assert_null(t->owner);
	assert_null(t->connect);
	assert_string_equal(t->dns_server, "[::1]");
	snprintf(pw, sizeof(pw), "%s/ca/dr.pem", unit_tmpdir);
	assert_string_equal(t->ca_file, pw);
	assert_probe_keys(t, &(struct probe_keys){ 60, 59, 5, 0, 0, 3600,
	    60, 60, TLS12, 0, 0 });
	assert_int_equal(t->revocation, SC_REVOCATION_CRL);

	assert_null(config_target(c, "voice"));
	assert_null(config_target(c, NULL));
	assert_null(config_target(NULL, "voice-prod"));
	config_free(c);
	unit_remove_file("probe1.secret");
}

/* Without defaults, and without the top-level keys: the built-in values. */
static void
test_builtin_defaults(void **state)
{
	struct sc_config *c;
	const struct target_conf *t;
	char		 host[256];

	(void)state;
	c = expect_ok("sc.conf", "target \"a\" { uri = \"sips:a.example\" }\n");
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	assert_string_equal(c->vantage, host);
	assert_string_equal(c->listen, "127.0.0.1:9464");
	assert_string_equal(c->state_dir, "/var/lib/sipcanary");
	assert_int_equal(c->log_format, CONFIG_LOG_JSON);
	assert_int_equal(c->metrics_series_limit, 0);	/* the default */
	assert_int_equal(c->metrics_detail, 0);
	assert_int_equal(c->http_max_conns, CF_HTTP_MAX_CONNECTIONS);
	assert_int_equal(c->http_max_per_source, CF_HTTP_MAX_PER_SOURCE);
	assert_true(c->http_header_timeout == CF_HTTP_HEADER_TIMEOUT);
	assert_true(c->revocation_cache_min == CF_REVOCATION_CACHE_MIN);
	assert_int_equal(c->crl_max_size, CF_CRL_MAX_SIZE);
	assert_int_equal(c->ntargets, 1);
	t = &c->targets[0];
	assert_int_equal(t->line, 1);
	assert_null(t->ca_file);	/* the system trust store */
	assert_null(t->dns_server);
	assert_probe_keys(t, &(struct probe_keys){ 30, 10, 30, 600, 1, 300,
	    30, 7, TLS12, 0, 1 });
	config_free(c);
}

/*
 * defaults apply to the targets before them too, key by key: a target
 * that sets one key keeps the defaults of the others.
 */
static void
test_inheritance(void **state)
{
	struct sc_config *c;
	const struct target_conf *a, *b;

	(void)state;
	c = expect_ok("sc.conf",
	    "target \"a\" { uri = \"a.example\"; timeout = 2s; flows = 3 }\n"
	    "target \"b\" { uri = \"b.example\"; enabled = yes }\n"
	    "defaults {\n"
	    "  interval = 5s; timeout = 4s; flows = 2; keepalive = 1m\n"
	    "  reconnect_every = 1h; expires = 60; warn_days = 10\n"
	    "  crit_days = 3; ca_file = \"/ca.pem\"; tls_min = \"1.3\"\n"
	    "  allow_mixed_certs = true; enabled = no\n"
	    "}\n");
	a = config_target(c, "a");
	b = config_target(c, "b");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a->timeout == 2);
	assert_int_equal(a->flows, 3);
	assert_true(b->timeout == 4);
	assert_int_equal(b->flows, 2);
	assert_int_equal(a->enabled, 0);
	assert_int_equal(b->enabled, 1);
	assert_true(a->interval == 5 && b->interval == 5);
	assert_true(a->keepalive == 60 && b->keepalive == 60);
	assert_true(a->reconnect_every == 3600 && b->reconnect_every == 3600);
	assert_int_equal(b->expires, 60);
	assert_int_equal(b->warn_days, 10);
	assert_int_equal(b->crit_days, 3);
	assert_string_equal(a->ca_file, "/ca.pem");
	assert_string_equal(b->ca_file, "/ca.pem");
	assert_ptr_not_equal(a->ca_file, b->ca_file);	/* each its own */
	assert_int_equal(b->tls_min, TLS13);
	assert_int_equal(b->allow_mixed_certs, 1);
	config_free(c);
}

/* Each way a config can be wrong, with its exact message. */
static const struct unit_error_case config_errors[] = {
	/* unknown keys and sections */
	{ "vantage = \"x\"\n\nvantgae = \"y\"\n",
	  "sc.conf:3: unknown key \"vantgae\" (did you mean vantage?)" },
	{ "sinks \"am\" { type = \"alertmanager\" }\n",
	  "sc.conf:1: unknown key \"sinks\" (did you mean sink?)" },
	{ "zzzzzz = 1\n",
	  "sc.conf:1: unknown key \"zzzzzz\" (expected vantage, listen, "
	  "state_dir, log_format, user, http_auth_file, http_tls_cert, "
	  "http_tls_key, metrics_series_limit, http_max_connections, "
	  "http_max_connections_per_source, http_header_timeout, "
	  "keylog_file, hep, hep_id, hep_password_file, http_probe_open, "
	  "metrics_detail, revocation_cache_min, crl_max_size, defaults, "
	  "target, sink or profile)" },
	{ "target \"voice-prod\" {\n  uri = \"sips:a.example\"\n"
	  "  urii = \"x\"\n}\n",
	  "sc.conf:3: target \"voice-prod\": unknown key \"urii\" (did "
	  "you mean uri?)" },
	{ "target \"voice-prod\" {\n  uri = \"sips:a.example\"\n"
	  "  zzzzzz = \"x\"\n}\n",
	  "sc.conf:3: target \"voice-prod\": unknown key \"zzzzzz\" (a "
	  "target takes uri, user, password_file, owner, connect, "
	  "dns_server, interval, timeout, flows, keepalive, "
	  "reconnect_every, expires, warn_days, crit_days, ca_file, "
	  "tls_min, allow_mixed_certs, enabled, runbook_url, for, "
	  "resolve_after, flap_window, reconnect_min_ratio, "
	  "reconnect_window, insecure_skip_verify, profiles, transport, "
	  "ws_path, origin, alive_statuses, scenario, flow_scenario, "
	  "revocation)" },
	{ "defaults {\n  intervall = 10s\n}\n",
	  "sc.conf:2: defaults: unknown key \"intervall\" (did you mean "
	  "interval?)" },
	{ "defaults {\n  interval = 10 s\n}\n",
	  "sc.conf:2: defaults: \"s\" after a value: a duration is written "
	  "without a space before its unit, as 10s, not 10 s" },
	{ "defaults {\n  jitter = 10%\n}\n",
	  "sc.conf:2: defaults: unknown key \"jitter\" (defaults takes "
	  "interval, timeout, flows, keepalive, reconnect_every, "
	  "expires, warn_days, crit_days, ca_file, tls_min, "
	  "allow_mixed_certs, enabled, runbook_url, for, resolve_after, "
	  "flap_window, reconnect_min_ratio, reconnect_window, "
	  "insecure_skip_verify, transport, ws_path, origin, alive_statuses, "
	  "revocation)" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  alive_statuses = \"2xx,40\"\n}\n",
	  "sc.conf:3: alive_statuses: expected a list of final statuses "
	  "such as \"any\", \"2xx,404\" or \"any,503\" (200 to 699), not "
	  "\"40\"" },
	{ "target \"a\" {\n  uri = \"a.example\"\n  user = \"alice\"\n"
	  "  alive_statuses = \"any\"\n}\n",
	  "sc.conf:4: alive_statuses: only for a target without user "
	  "(probed with OPTIONS); a target with a user is probed by "
	  "registering" },
	{ "defaults {\n  uri = \"sips:a.example\"\n}\n",
	  "sc.conf:2: defaults: uri can only be set in a target" },
	{ "target \"a\" {\n  listen = \"127.0.0.1:1\"\n}\n",
	  "sc.conf:2: target \"a\": listen can only be set at the top "
	  "level" },
	{ "target \"a\" { uri = \"a.example\" }\ninterval = 5s\n",
	  "sc.conf:2: interval: set it in defaults { } or in a "
	  "target" },
	{ "owner = \"x\"\n",
	  "sc.conf:1: owner: set it in a target" },
	{ "target \"a\" {\n  target \"b\" { }\n}\n",
	  "sc.conf:2: target \"a\": target { } can only be at the top "
	  "level" },
	{ "target \"a\" { uri = \"a.example\" __at { } }\n",
	  "sc.conf:1: unknown key \"__at\"" },
	/* sections */
	{ "target {\n  uri = \"a.example\"\n}\n",
	  "sc.conf:1: target: expected a name, as in target "
	  "\"voice-prod\" { }" },
	{ "target \"a\"\n  uri = \"a.example\"\n",
	  "sc.conf:2: target: expected \"{\" after the name, as in "
	  "target \"voice-prod\" { }" },
	{ "defaults = 30s\n",
	  "sc.conf:1: defaults: expected \"{\", as in defaults { "
	  "interval = 30s }" },
	{ "target \"a\" { uri = \"a.example\" }\n\n"
	  "target \"a\" { uri = \"b.example\" }\n",
	  "sc.conf:3: target \"a\": defined twice (first on line 1)" },
	{ "defaults { flows = 1 }\n"
	  "target \"a\" { uri = \"a.example\" }\n"
	  "defaults {\n  keepalive = 5s\n}\n",
	  "sc.conf:3: defaults: given twice (first on line 1); put all "
	  "the defaults in one section" },
	{ "target \"a\" {\n  flows = 2\n}\n",
	  "sc.conf:1: target \"a\": needs uri = \"sips:DOMAIN\"" },
	{ "target \"a\" {\n  uri = \"a.example\"\n  flows = 2\n"
	  "  flows = 3\n}\n",
	  "sc.conf:4: flows: set twice (first on line 3)" },
	{ "vantage = \"a\"\nvantage = \"b\"\n",
	  "sc.conf:2: vantage: set twice (first on line 1)" },
	/* nothing to probe */
	{ "",
	  "sc.conf:1: no targets: nothing to probe (add one, as in "
	  "target \"voice-prod\" { uri = "
	  "\"sips:voice.example.com\" })" },
	{ "vantage = \"lab-1\"\n# just this\n",
	  "sc.conf:2: no targets: nothing to probe (add one, as in "
	  "target \"voice-prod\" { uri = "
	  "\"sips:voice.example.com\" })" },
	/* durations */
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  interval = 30x\n}\n",
	  "sc.conf:3: interval: bad duration \"30x\" (examples: 30, "
	  "30s, 250ms, 10m)" },
	{ "defaults {\n  keepalive = \"5 s\"\n}\n",
	  "sc.conf:2: keepalive: bad duration \"5 s\" (examples: 30, "
	  "30s, 250ms, 10m)" },
	{ "defaults {\n  timeout = -5s\n}\n",
	  "sc.conf:2: timeout: must be more than 0, not \"-5s\"" },
	{ "defaults {\n  timeout = 0\n}\n",
	  "sc.conf:2: timeout: must be more than 0, not \"0\" (leave "
	  "it out for the default)" },
	{ "defaults {\n  reconnect_every = -1\n}\n",
	  "sc.conf:2: reconnect_every: must be 0 or more, not \"-1\"" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  interval = 500ms\n}\n",
	  "sc.conf:3: interval: must be at least 1s, not \"500ms\"" },
	/* timeout against interval, on the line that broke the rule */
	{ "target \"a\" {\n  uri = \"a.example\"\n  interval = 5s\n}\n",
	  "sc.conf:3: timeout (10s) must be shorter than interval "
	  "(5s)" },
	{ "defaults {\n  timeout = 40s\n}\n"
	  "target \"a\" { uri = \"a.example\" }\n",
	  "sc.conf:2: timeout (40s) must be shorter than interval "
	  "(30s)" },
	{ "defaults {\n  interval = 1m\n  timeout = 20s\n}\n"
	  "target \"a\" {\n  uri = \"a.example\"\n"
	  "  interval = 20s\n}\n",
	  "sc.conf:7: timeout (20s) must be shorter than interval "
	  "(20s)" },
	/* whole numbers */
	{ "defaults {\n  flows = 65\n}\n",
	  "sc.conf:2: flows: must be at most 64, not \"65\"" },
	{ "defaults {\n  flows = -1\n}\n",
	  "sc.conf:2: flows: must be at least 0, not \"-1\"" },
	{ "defaults {\n  flows = many\n}\n",
	  "sc.conf:2: flows: expected a whole number, not \"many\"" },
	{ "defaults {\n  expires = 5\n}\n",
	  "sc.conf:2: expires: must be from 10 to 86400 seconds, not "
	  "\"5\"" },
	{ "defaults {\n  expires = 2d\n}\n",
	  "sc.conf:2: expires: must be from 10 to 86400 seconds, not "
	  "\"2d\"" },
	{ "defaults {\n  expires = 10.5\n}\n",
	  "sc.conf:2: expires: must be whole seconds, not \"10.5\"" },
	{ "defaults {\n  crit_days = 0\n}\n",
	  "sc.conf:2: crit_days: must be at least 1, not \"0\"" },
	{ "defaults {\n  warn_days = 5\n}\n"
	  "target \"a\" { uri = \"a.example\" }\n",
	  "sc.conf:2: crit_days (7) must not exceed warn_days (5)" },
	{ "target \"a\" {\n  uri = \"a.example\"\n  warn_days = 10\n"
	  "  crit_days = 14\n}\n",
	  "sc.conf:4: crit_days (14) must not exceed warn_days (10)" },
	/* words */
	{ "defaults {\n  revocation = ocps\n}\n",
	  "sc.conf:2: revocation: expected auto, staple, ocsp, crl or off, "
	  "not \"ocps\"" },
	{ "defaults {\n  tls_min = 1.1\n}\n",
	  "sc.conf:2: tls_min: expected \"1.2\" or \"1.3\", not "
	  "\"1.1\"" },
	{ "defaults {\n  enabled = maybe\n}\n",
	  "sc.conf:2: enabled: expected yes or no, not \"maybe\"" },
	{ "defaults {\n  allow_mixed_certs = 1\n}\n",
	  "sc.conf:2: allow_mixed_certs: expected yes or no, not "
	  "\"1\"" },
	{ "log_format = \"xml\"\n",
	  "sc.conf:1: log_format: expected json or logfmt, not "
	  "\"xml\"" },
	/* URIs and addresses */
	{ "target \"a\" {\n  uri = \"https://voice.example.com\"\n}\n",
	  "sc.conf:2: uri: \"https://voice.example.com\" is not a SIP "
	  "URI (expected sips:DOMAIN)" },
	{ "target \"a\" {\n  uri = \"sips:probe1@voice.example.com\"\n"
	  "}\n",
	  "sc.conf:2: uri: \"sips:probe1@voice.example.com\" names a "
	  "user; give the domain alone (sips:DOMAIN) and the user with "
	  "user =" },
	{ "target \"a\" {\n  uri = \"sip:voice.example.com\"\n}\n",
	  "sc.conf:2: uri: \"sip:voice.example.com\" is not a "
	  "SIP-over-TLS URI: use sips:voice.example.com" },
	{ "target \"a\" {\n  uri = \"sips:voice.example.com:99999\"\n"
	  "}\n",
	  "sc.conf:2: uri: bad port in "
	  "\"sips:voice.example.com:99999\"" },
	{ "target \"a\" {\n  uri = \"\"\n}\n",
	  "sc.conf:2: uri: \"\" is not a SIP URI (expected "
	  "sips:DOMAIN)" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  connect = \"10.0.0.1:http\"\n}\n",
	  "sc.conf:3: connect: bad port in \"10.0.0.1:http\" "
	  "(1-65535)" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  connect = \"::1\"\n}\n",
	  "sc.conf:3: connect: bad address \"::1\": put an IPv6 "
	  "address in brackets, [::1]:5061" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  dns_server = \"ns1.example.com\"\n}\n",
	  "sc.conf:3: dns_server: expected an IP address and an "
	  "optional port (as in 127.0.0.1:5353 or [::1]), not "
	  "\"ns1.example.com\"" },
	{ "listen = \"localhost:9464\"\n",
	  "sc.conf:1: listen: expected IP:PORT (as in 127.0.0.1:9464 "
	  "or [::1]:9464), not \"localhost:9464\"" },
	{ "listen = \"127.0.0.1\"\n",
	  "sc.conf:1: listen: expected IP:PORT (as in 127.0.0.1:9464 "
	  "or [::1]:9464), not \"127.0.0.1\"" },
	{ "listen = \"::1:9464\"\n",
	  "sc.conf:1: listen: expected IP:PORT (as in 127.0.0.1:9464 "
	  "or [::1]:9464), not \"::1:9464\"" },
	{ "listen = \"127.0.0.1:65536\"\n",
	  "sc.conf:1: listen: expected IP:PORT (as in 127.0.0.1:9464 "
	  "or [::1]:9464), not \"127.0.0.1:65536\"" },
	/* credentials */
	{ "target \"a\" {\n  uri = \"a.example\"\n  user = \"probe1\"\n"
	  "}\n",
	  "sc.conf:3: user: needs a password: set password_file = "
	  "FILE, or SIPCANARY_PASSWORD_A in the environment" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  password_file = \"/etc/sipcanary/a.secret\"\n}\n",
	  "sc.conf:3: password_file: set without user (the user name "
	  "to register as)" },
	{ "target \"a\" {\n  uri = \"a.example\"\n  user = \"pro be\"\n"
	  "}\n",
	  "sc.conf:3: user: \"pro be\" has a character a SIP user name "
	  "cannot carry (allowed: letters, digits and "
	  "-_.!~*'()&=+$,;?/)" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  password_file = \"\"\n}\n",
	  "sc.conf:3: password_file: must not be empty" },
	/* names that become label values */
	{ "vantage = \"\"\n",
	  "sc.conf:1: vantage: must not be empty" },
	{ "vantage = \"lab\\t1\"\n",
	  "sc.conf:1: vantage: \"lab\\x091\" contains a control "
	  "character" },
	{ "target \"\" { uri = \"a.example\" }\n",
	  "sc.conf:1: target name: must not be empty" },
	{ "\ntarget \"voice\\033[2Jprod\" { uri = \"a.example\" }\n",
	  "sc.conf:2: target name: \"voice\\x1b[2Jprod\" contains a "
	  "control character" },
	{ "target \"a\\302\\205b\" { uri = \"a.example\" }\n",
	  "sc.conf:1: target name: \"a\\xc2\\x85b\" contains a control "
	  "character" },
	{ "target \"a\\377\" { uri = \"a.example\" }\n",
	  "sc.conf:1: target name: \"a\\xff\" is not valid UTF-8" },
	{ "target \"a\\300\\201\" { uri = \"a.example\" }\n",
	  "sc.conf:1: target name: \"a\\xc0\\x81\" is not valid "
	  "UTF-8" },
	{ "target \"0123456789012345678901234567890123456789"
	  "0123456789012345678901234\" { uri = \"a.example\" }\n",
	  "sc.conf:1: target name: \"0123456789012345678901234567890123"
	  "4567890123456789012345678901234\" is longer than 64 "
	  "characters" },
	{ "target \"a\" {\n  uri = \"a.example\"\n"
	  "  owner = \"x\\001\"\n}\n",
	  "sc.conf:3: owner: \"x\\x01\" contains a control character" },
	/* paths */
	{ "state_dir = \"var/lib/sipcanary\"\n",
	  "sc.conf:1: state_dir: must be an absolute path, not "
	  "\"var/lib/sipcanary\"" },
	/* syntax, and what libconfuse would get wrong */
	{ "# one\n## two\n// three\n/* four\n   five */ vantage = x\n"
	  "vantgae = y\n",
	  "sc.conf:6: unknown key \"vantgae\" (did you mean vantage?)" },
	{ "target \"a\" {\n  uri = \"a.example\"\n",
	  "sc.conf:1: this \"{\" is never closed (a \"}\" is "
	  "missing)" },
	{ "target \"a\" { uri = \"a.example\" }\n}\n",
	  "sc.conf:2: unexpected \"}\"" },
	{ "vantage \"x\"\n",
	  "sc.conf:1: expected \"=\" after vantage" },
	{ "vantage =\n",
	  "sc.conf:1: unexpected end of file" },
	{ "target \"a\" { uri = }\n",
	  "sc.conf:1: unexpected \"}\"" },
	{ "vantage = \"open\nlisten = x\n",
	  "sc.conf:1: unterminated string (no closing \")" },
	{ "vantage = x /* open\n",
	  "sc.conf:1: unterminated comment (no closing */)" },
	{ "defaults {\n  flows = 2*2\n}\n",
	  "sc.conf:2: unexpected \"*\"" },
	{ "target \"a\" {\n  uri = \"${DOMAIN}\"\n}\n",
	  "sc.conf:2: ${...}: environment variables are not expanded "
	  "in the config (a password can come from "
	  "SIPCANARY_PASSWORD_<TARGET>)" },
};

/* What test_error_table() runs, as the state of a test. */
struct error_table {
	const struct unit_error_case *cases;
	size_t		 n;
};

#define ERROR_TABLE(t)	{ (t), sizeof(t) / sizeof((t)[0]) }

static const struct error_table config_error_table =
    ERROR_TABLE(config_errors);

/* test_errors, test_sink_errors: each case of a table. */
static void
test_error_table(void **state)
{
	const struct error_table *t = *state;

	unit_expect_errors(&conf_parser, "sc.conf", t->cases, t->n);
}

/* Semicolons separate settings; in quotes they are text. */
static void
test_semicolons(void **state)
{
	struct sc_config *c;

	(void)state;
	c = expect_ok("sc.conf", "vantage = \"a;b\"; listen = "
	    "\"[::1]:9464\";\ntarget \"x;y\" { uri = 'x.example'; flows = 2; }"
	    "\n");
	assert_string_equal(c->vantage, "a;b");
	assert_string_equal(c->listen, "[::1]:9464");
	assert_string_equal(c->targets[0].name, "x;y");
	assert_int_equal(c->targets[0].flows, 2);
	config_free(c);
}

/* UTF-8 names: legal label values, counted in characters. */
static void
test_names(void **state)
{
	struct sc_config *c;
	char		 text[512], name[256], var[256];
	size_t		 i;

	(void)state;
	/* 64 two-byte characters: 128 bytes. */
	name[0] = '\0';
	for (i = 0; i < 64; i++)
		strcat(name, "\xc3\xa9");
	snprintf(text, sizeof(text), "target \"%s\" { uri = \"a.example\" }\n"
	    "target \"voz-\xc3\xa1rea \xe2\x98\x8e\" { uri = \"b.example\" }\n",
	    name);
	c = expect_ok("sc.conf", text);
	assert_string_equal(c->targets[0].name, name);
	assert_string_equal(c->targets[1].name,
	    "voz-\xc3\xa1rea \xe2\x98\x8e");
	config_free(c);

	assert_int_equal(config_password_env("voice-prod", var, sizeof(var)),
	    0);
	assert_string_equal(var, "SIPCANARY_PASSWORD_VOICE_PROD");
	assert_int_equal(config_password_env("Lab.1 b", var, sizeof(var)), 0);
	assert_string_equal(var, "SIPCANARY_PASSWORD_LAB_1_B");
	assert_int_equal(config_password_env("voz-\xc3\xa1rea \xe2\x98\x8e",
	    var, sizeof(var)), 0);
	assert_string_equal(var, "SIPCANARY_PASSWORD_VOZ__REA__");
	assert_int_equal(config_password_env("a", var, 21), 0);
	assert_string_equal(var, "SIPCANARY_PASSWORD_A");
	assert_int_equal(config_password_env("ab", var, 21), -1);
	assert_int_equal(config_password_env("", var, 20), 0);
	assert_string_equal(var, "SIPCANARY_PASSWORD_");
	assert_int_equal(config_password_env("", var, 19), -1);
}

/* A mode of a secret file, and who else it lets read (NULL: none). */
struct secret_mode {
	mode_t		 mode;
	const char	*by;
};

/* What a check looks at: a config's first target, or its first sink. */
enum first_of { FIRST_TARGET, FIRST_SINK };

/*
 * Writes content into the file name with each mode in turn, and loads
 * the config head "PATH"\n}\n (the text stays in text): a
 * private file's secret is want; another file is refused with "refused
 * PATH is readable by BY: chmod 600 PATH", and a sink's secret is not
 * in that message.
 */
static void
expect_secret_modes(const struct secret_mode *modes, size_t n,
    const char *name, const char *content, const char *head,
    enum first_of of, const char *want, const char *refused, char *text,
    size_t textlen, char *path, size_t pathlen)
{
	struct sc_config *c;
	char		 err[3 * PATH_MAX], msg[3 * PATH_MAX];
	size_t		 i;

	for (i = 0; i < n; i++) {
		unit_write_file(name, content, modes[i].mode, path, pathlen);
		snprintf(text, textlen, "%s\"%s\"\n}\n", head, path);
		c = config_load_string("sc.conf", text, err, sizeof(err));
		if (modes[i].by == NULL) {
			if (c == NULL)
				fail_msg("mode %o: %s", (unsigned)modes[i].mode,
				    err);
			assert_string_equal(of == FIRST_SINK ?
			    c->sinks[0].secret : c->targets[0].password, want);
			config_free(c);
			continue;
		}
		snprintf(msg, sizeof(msg), "%s %s is readable by %s: chmod "
		    "600 %s", refused, path, modes[i].by, path);
		assert_null(c);
		assert_string_equal(err, msg);
		if (of == FIRST_SINK)
			assert_null(strstr(err, want));
	}
	unit_remove_file(name);
}

/* A password file is refused unless only its owner can read it. */
static void
test_password_file_modes(void **state)
{
	static const struct secret_mode modes[] = {
		{ 0600, NULL }, { 0400, NULL }, { 0700, NULL },
		{ 0640, "its group" }, { 0644, "others" }, { 0604, "others" },
		{ 0660, "its group" }, { 0610, "its group" },
	};
	char		 pw[PATH_MAX], text[PATH_MAX + 256];

	(void)state;
	expect_secret_modes(modes, sizeof(modes) / sizeof(modes[0]), "pw",
	    "hunter2\n", "target \"a\" {\n  uri = \"a.example\"\n"
	    "  user = \"probe1\"\n  password_file = ",
	    FIRST_TARGET, "hunter2", "sc.conf:4: password_file: password file",
	    text, sizeof(text), pw, sizeof(pw));
	expect_errorf(text, "sc.conf:4: password_file: cannot open password "
	    "file %s: No such file or directory", pw);

	/* Empty. */
	unit_write_file("pw", "\n", 0600, pw, sizeof(pw));
	expect_errorf(text, "sc.conf:4: password_file: password file %s is "
	    "empty", pw);
	unit_remove_file("pw");

	/* A disabled target's password is read and checked all the same. */
	snprintf(text, sizeof(text), "target \"a\" {\n"
	    "  uri = \"a.example\"\n  enabled = no\n  user = \"probe1\"\n"
	    "  password_file = \"%s\"\n}\n", pw);
	expect_errorf(text, "sc.conf:5: password_file: cannot open password "
	    "file %s: No such file or directory", pw);
}

/* SIPCANARY_PASSWORD_<NAME>, when the target has no password_file. */
static void
test_env_password(void **state)
{
	static const char text[] =
	    "target \"voice-prod\" {\n"
	    "  uri = \"sips:voice.example.com\"\n"
	    "  user = \"probe1\"\n"
	    "}\n";
	struct sc_config *c;
	char		 pw[PATH_MAX], with_file[PATH_MAX + 256], err[1024];

	(void)state;
	expect_error(text, "sc.conf:3: user: needs a password: set "
	    "password_file = FILE, or SIPCANARY_PASSWORD_VOICE_PROD in the "
	    "environment");
	assert_int_equal(setenv("SIPCANARY_PASSWORD_VOICE_PROD", "", 1), 0);
	expect_error(text, "sc.conf:3: user: needs a password: "
	    "SIPCANARY_PASSWORD_VOICE_PROD is empty");
	assert_int_equal(setenv("SIPCANARY_PASSWORD_VOICE_PROD", "from env",
	    1), 0);
	c = expect_ok("sc.conf", text);
	assert_string_equal(c->targets[0].password, "from env");
	assert_null(c->targets[0].password_file);
	config_free(c);

	/* A password_file wins over the environment. */
	unit_write_file("pw", "from file\n", 0600, pw, sizeof(pw));
	snprintf(with_file, sizeof(with_file), "target \"voice-prod\" {\n"
	    "  uri = \"sips:voice.example.com\"\n  user = \"probe1\"\n"
	    "  password_file = \"%s\"\n}\n", pw);
	c = expect_ok("sc.conf", with_file);
	assert_string_equal(c->targets[0].password, "from file");
	config_free(c);

	/* ... even when the file is refused. */
	assert_int_equal(chmod(pw, 0644), 0);
	assert_null(config_load_string("sc.conf", with_file, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "chmod 600"));
	unit_remove_file("pw");

	/* Without a user, the variable is not used. */
	c = expect_ok("sc.conf", "target \"voice-prod\" { uri = \"a.example\" "
	    "}\n");
	assert_null(c->targets[0].user);
	assert_null(c->targets[0].password);
	config_free(c);
	unsetenv("SIPCANARY_PASSWORD_VOICE_PROD");
}

/*
 * The text of a target for test_same(): set ("  key = value\n") replaces
 * the base line of its key, or is added; pre comes before everything.
 */
static void
same_text(char *buf, size_t len, const char *pw, const char *set,
    const char *pre)
{
	char		 base[5][PATH_MAX + 64];
	size_t		 i, o;

	snprintf(base[0], sizeof(base[0]), "  uri = \"sips:a.example\"\n");
	snprintf(base[1], sizeof(base[1]), "  user = \"probe1\"\n");
	snprintf(base[2], sizeof(base[2]), "  password_file = \"%s\"\n", pw);
	snprintf(base[3], sizeof(base[3]), "  owner = \"voice-sre\"\n");
	snprintf(base[4], sizeof(base[4]), "  connect = \"127.0.0.1:5061\"\n");
	o = (size_t)snprintf(buf, len, "%sdefaults { ca_file = \"/ca.pem\" }\n"
	    "target \"a\" {\n", pre);
	for (i = 0; i < 5; i++) {
		if (strncmp(base[i], set, strcspn(base[i], "=")) == 0) {
			o += (size_t)snprintf(buf + o, len - o, "%s", set);
			set = "";
		} else
			o += (size_t)snprintf(buf + o, len - o, "%s", base[i]);
	}
	snprintf(buf + o, len - o, "%s}\n", set);
}

/*
 * Loads text: its first target (or sink) is the same as a's for a
 * reload, or not, as same says; after names what changed.
 */
static void
expect_same(const struct sc_config *a, const char *text, enum first_of of,
    int same, const char *after)
{
	struct sc_config *b = expect_ok("sc.conf", text);
	int		 got;

	got = of == FIRST_SINK ? sink_conf_same(&a->sinks[0], &b->sinks[0]) :
	    target_conf_same(&a->targets[0], &b->targets[0]);
	if (!got != !same)
		fail_msg("%sthe same after %s", same ? "not " : "", after);
	config_free(b);
}

/* What a reload may keep: a target that probes the same way. */
static void
test_same(void **state)
{
	static const char *changed[] = {
		"  uri = \"sips:b.example\"\n",
		"  user = \"probe2\"\n",
		"  connect = \"127.0.0.1:5062\"\n",
		"  dns_server = \"127.0.0.1:5353\"\n",
		"  ca_file = \"/other.pem\"\n",
		"  interval = 31s\n",
		"  timeout = 9s\n",
		"  keepalive = 29s\n",
		"  reconnect_every = 0\n",
		"  flows = 2\n",
		"  expires = 301\n",
		"  warn_days = 31\n",
		"  crit_days = 6\n",
		"  tls_min = \"1.3\"\n",
		"  allow_mixed_certs = yes\n",
		"  enabled = no\n",
	};
	static const char *kept[] = {
		"  owner = \"other-team\"\n",
		"  runbook_url = \"https://wiki.example/r\"\n",
		"  for = 5\n",
		"  resolve_after = 3\n",
		"  flap_window = 1h\n",
		"  reconnect_min_ratio = 0.5\n",
		"  reconnect_window = 1h\n",
		"  interval = 30s\n",		/* the values it inherited */
		"  ca_file = \"/ca.pem\"\n",
		"  tls_min = 1.2\n",
	};
	struct sc_config *a, *b;
	char		 p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
	char		 text[4 * PATH_MAX];
	size_t		 i;

	(void)state;
	unit_write_file("p1", "one\n", 0600, p1, sizeof(p1));
	unit_write_file("p2", "one\n", 0600, p2, sizeof(p2));
	unit_write_file("p3", "two\n", 0600, p3, sizeof(p3));
	same_text(text, sizeof(text), p1, "", "");
	a = expect_ok("sc.conf", text);
	assert_true(target_conf_same(&a->targets[0], &a->targets[0]));
	assert_false(target_conf_same(&a->targets[0], NULL));
	assert_false(target_conf_same(NULL, &a->targets[0]));

	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		same_text(text, sizeof(text), p1, changed[i], "");
		expect_same(a, text, FIRST_TARGET, 0, changed[i]);
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		same_text(text, sizeof(text), p1, kept[i], "");
		expect_same(a, text, FIRST_TARGET, 1, kept[i]);
	}

	/* Moved down the file, after a new target: the same. */
	same_text(text, sizeof(text), p1, "",
	    "target \"new\" { uri = \"sips:n.example\" }\n\n");
	b = expect_ok("sc.conf", text);
	assert_int_not_equal(a->targets[0].line, config_target(b, "a")->line);
	assert_true(target_conf_same(&a->targets[0], config_target(b, "a")));
	assert_false(target_conf_same(&a->targets[0],
	    config_target(b, "new")));
	config_free(b);

	/* Another file, same password: the same; another password: not. */
	same_text(text, sizeof(text), p2, "", "");
	expect_same(a, text, FIRST_TARGET, 1, "another file");
	same_text(text, sizeof(text), p3, "", "");
	expect_same(a, text, FIRST_TARGET, 0, "another password");

	config_free(a);
	unit_remove_file("p1");
	unit_remove_file("p2");
	unit_remove_file("p3");
}

/*
 * docs/sipcanary.conf.example loads once its password files exist: each
 * "/etc/sipcanary/FILE" in quotes is moved into the temporary directory.
 */
static void
test_example(void **state)
{
	static const char placeholder[] = "\"/etc/sipcanary/";
	struct sc_config *c;
	FILE		*fp;
	char		 path[PATH_MAX], pw[PATH_MAX], name[128];
	char		 err[1024], *text, *out, *s, *e;
	size_t		 len, o = 0, n = 0, i;
	long		 size;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/sipcanary.conf.example",
	    unit_srcdir(SRCDIR));
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("no example at %s (set SRCDIR)", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((size = ftell(fp)) > 0);
	rewind(fp);
	assert_non_null(text = calloc(1, (size_t)size + 1));
	assert_int_equal(fread(text, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);

	/* As shipped, it parses up to its (absent) password files. */
	c = config_load(path, err, sizeof(err));
	if (c == NULL && strstr(err, "password_file: cannot open password "
	    "file /etc/sipcanary/") == NULL)
		fail_msg("%s", err);
	config_free(c);

	len = strlen(unit_tmpdir) + 1;
	assert_non_null(out = calloc(1, (size_t)size * 4 + 1));
	for (s = text; (e = strstr(s, placeholder)) != NULL;
	    s = e + sizeof(placeholder) - 1) {
		memcpy(out + o, s, (size_t)(e - s));
		o += (size_t)(e - s);
		out[o++] = '"';
		memcpy(out + o, unit_tmpdir, len - 1);
		o += len - 1;
		out[o++] = '/';
		/* Each file named once is a password file to create. */
		i = strcspn(e + sizeof(placeholder) - 1, "\"");
		snprintf(name, sizeof(name), "%.*s", (int)i,
		    e + sizeof(placeholder) - 1);
		unit_write_file(name, "example password\n", 0600, pw,
		    sizeof(pw));
		n++;
	}
	strcpy(out + o, s);
	assert_true(n >= 1);

	c = config_load_string(path, out, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_true(c->ntargets >= 1);
	for (i = 0; i < c->ntargets; i++)
		if (c->targets[i].user != NULL)
			assert_string_equal(c->targets[i].password,
			    "example password");
	/* What sipcanary.conf(5) says of it. */
	assert_string_equal(c->vantage, "lab-1");
	assert_non_null(config_target(c, "voice-prod"));
	assert_true(config_target(c, "voice-prod")->interval == 15);
	config_free(c);

	for (s = out; (e = strstr(s, unit_tmpdir)) != NULL; s = e + len) {
		i = strcspn(e + len, "\"");
		snprintf(name, sizeof(name), "%.*s", (int)i, e + len);
		unit_remove_file(name);
	}
	free(out);
	free(text);
}

/* config_load(): files, and what is wrong with them as files. */
static void
test_load_file(void **state)
{
	static const char withnul[] = "vantage = \"a\"\n\0target \"a\" { }\n";
	struct sc_config *c;
	char		 path[PATH_MAX], err[PATH_MAX + 256];
	char		 want[PATH_MAX + 256];

	(void)state;
	unit_write_file("sc.conf", "vantage = \"v\"\n\ntarget \"a\" {\n"
	    "  uri = \"a.example\"\n  flows = 99\n}\n", 0644, path,
	    sizeof(path));
	assert_null(config_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:5: flows: must be at most 64, not "
	    "\"99\"", path);
	assert_string_equal(err, want);

	unit_write_file("sc.conf", "target \"a\" { uri = \"a.example\" }\n",
	    0644, path, sizeof(path));
	assert_non_null(c = config_load(path, err, sizeof(err)));
	assert_string_equal(c->path, path);
	config_free(c);

	/* A NUL byte, too big, missing, and a directory. */
	unit_expect_file_errors(&conf_parser, path, withnul,
	    sizeof(withnul) - 1, CONFIG_MAX_FILE, unit_tmpdir);
}

static void
test_small_err_buffer(void **state)
{
	char	 err[8];

	(void)state;
	assert_null(config_load_string("sc.conf", "vantgae = 1", err,
	    sizeof(err)));
	assert_string_equal(err, "sc.conf");
	assert_null(config_load_string("sc.conf", "vantgae = 1", NULL, 0));
	assert_null(config_load_string("sc.conf", NULL, err, sizeof(err)));
	assert_null(config_load_string(NULL, "", err, sizeof(err)));
	config_free(NULL);
}

/*
 * The alert rule settings of issue 7: built-in defaults, defaults { }
 * and a target's own, key by key.
 */
static void
test_alert_keys(void **state)
{
	struct sc_config *c;
	const struct target_conf *a, *b, *d;

	(void)state;
	c = expect_ok("sc.conf",
	    "defaults {\n"
	    "  runbook_url = \"https://wiki.example/runbooks/sip\"\n"
	    "  for = 3; resolve_after = 4; flap_window = 30m\n"
	    "}\n"
	    "target \"a\" { uri = \"a.example\" }\n"
	    "target \"b\" {\n  uri = \"b.example\"\n"
	    "  runbook_url = \"http://wiki/b#down\"; for = 1\n"
	    "  reconnect_min_ratio = 0.75; reconnect_window = 5m\n"
	    "  flap_window = 0\n}\n");
	a = config_target(c, "a");
	b = config_target(c, "b");
	assert_string_equal(a->runbook_url, "https://wiki.example/runbooks/sip");
	assert_int_equal(a->alert_for, 3);
	assert_int_equal(a->resolve_after, 4);
	assert_true(a->flap_window == 1800);
	assert_true(a->reconnect_min_ratio == 0.9);	/* built-in */
	assert_true(a->reconnect_window == 600);
	assert_string_equal(b->runbook_url, "http://wiki/b#down");
	assert_int_equal(b->alert_for, 1);
	assert_int_equal(b->resolve_after, 4);		/* from defaults */
	assert_true(b->flap_window == 0);		/* no damping */
	assert_true(b->reconnect_min_ratio == 0.75);
	assert_true(b->reconnect_window == 300);
	config_free(c);

	c = expect_ok("sc.conf", "target \"d\" { uri = \"d.example\" }\n");
	d = &c->targets[0];
	assert_null(d->runbook_url);
	assert_int_equal(d->alert_for, 2);
	assert_int_equal(d->resolve_after, 2);
	assert_true(d->flap_window == 600);
	assert_true(d->reconnect_min_ratio == 0.9);
	assert_true(d->reconnect_window == 600);
	assert_int_equal(c->nsinks, 0);
	assert_null(c->sinks);
	config_free(c);
}

/* Sinks: every key, the built-in defaults, and their secrets. */
static void
test_sinks(void **state)
{
	struct sc_config *c;
	const struct sink_conf *am, *pd, *chat, *hook;
	char		 key[PATH_MAX], tok[PATH_MAX], conf[PATH_MAX];
	char		 text[PATH_MAX + 1024];

	(void)state;
	unit_write_file("pd.key", "0123456789abcdef0123456789abcdef\n", 0600,
	    key, sizeof(key));
	unit_write_file("chat.token", "xoxb-token\n", 0400, tok, sizeof(tok));
	snprintf(text, sizeof(text),
	    "target \"voice-prod\" { uri = \"sips:voice.example.com\" }\n"
	    "sink \"am\" { type = \"alertmanager\"; url = "
	    "\"http://127.0.0.1:9093\" }\n"
	    "sink \"pd\" {\n"
	    "  type = pagerduty\n"
	    "  routing_key_file = \"pd.key\"\n"
	    "  match = \"severity=critical, target=voice-prod\"\n"
	    "}\n"
	    "sink \"chat\" {\n"
	    "  type = webhook; url = \"https://hooks.example/T0/B0/xyz?a=1\"\n"
	    "  format = slack; token_file = \"%s\"\n"
	    "  timeout = 2s; ca_file = \"ca/hooks.pem\"; outbox_max = 10\n"
	    "  retry_min = 250ms; retry_max = 10s; enabled = no\n"
	    "  match = \"frontend=\"\n"
	    "}\n"
	    "sink \"hook-2.x_y\" {\n"
	    "  type = alertmanager; url = \"http://[::1]:9093/am/\"\n"
	    "  resend_interval = 5m\n"
	    "}\n", tok);
	snprintf(conf, sizeof(conf), "%s/sipcanary.conf", unit_tmpdir);
	c = expect_ok(conf, text);
	assert_int_equal(c->nsinks, 4);

	am = config_sink(c, "am");
	assert_ptr_equal(am, &c->sinks[0]);
	assert_int_equal(am->line, 2);
	assert_int_equal(am->type, SINK_ALERTMANAGER);
	assert_string_equal(sink_type_str(am->type), "alertmanager");
	assert_string_equal(am->url, "http://127.0.0.1:9093");
	assert_null(am->secret_file);
	assert_null(am->secret);
	assert_int_equal(am->nmatch, 0);
	assert_true(am->timeout == 5);
	assert_null(am->ca_file);
	assert_int_equal(am->outbox_max, 1000);
	assert_true(am->resend_interval == 60);
	assert_true(am->retry_min == 1);
	assert_true(am->retry_max == 300);
	assert_int_equal(am->enabled, 1);

	pd = config_sink(c, "pd");
	assert_int_equal(pd->line, 3);
	assert_int_equal(pd->type, SINK_PAGERDUTY);
	assert_string_equal(pd->url, "https://events.pagerduty.com");
	assert_string_equal(pd->secret_file, key);	/* relative */
	assert_string_equal(pd->secret, "0123456789abcdef0123456789abcdef");
	assert_int_equal(pd->nmatch, 2);
	assert_string_equal(pd->match[0].label, "severity");
	assert_string_equal(pd->match[0].value, "critical");
	assert_string_equal(pd->match[1].label, "target");
	assert_string_equal(pd->match[1].value, "voice-prod");

	chat = config_sink(c, "chat");
	assert_int_equal(chat->type, SINK_WEBHOOK);
	assert_int_equal(chat->format, SINK_FORMAT_SLACK);
	assert_string_equal(chat->secret, "xoxb-token");
	assert_true(chat->timeout == 2);
	snprintf(conf, sizeof(conf), "%s/ca/hooks.pem", unit_tmpdir);
	assert_string_equal(chat->ca_file, conf);
	assert_int_equal(chat->outbox_max, 10);
	assert_true(chat->retry_min == 0.25);
	assert_true(chat->retry_max == 10);
	assert_int_equal(chat->enabled, 0);
	assert_int_equal(chat->nmatch, 1);
	assert_string_equal(chat->match[0].label, "frontend");
	assert_string_equal(chat->match[0].value, "");

	hook = config_sink(c, "hook-2.x_y");
	assert_non_null(hook);
	assert_true(hook->resend_interval == 300);
	assert_null(config_sink(c, "nope"));
	assert_null(config_sink(NULL, "am"));

	/* What a reload may keep. */
	assert_true(sink_conf_same(am, am));
	assert_false(sink_conf_same(am, pd));
	assert_false(sink_conf_same(NULL, am));
	config_free(c);
	unit_remove_file("pd.key");
	unit_remove_file("chat.token");
}

/* Each way a sink can be wrong, with its exact message. */
static const struct unit_error_case sink_errors[] = {
	{ "sink \"am\" {\n  type = alertmanager\n  urll = \"x\"\n}\n",
	  "sc.conf:3: sink \"am\": unknown key \"urll\" (did you mean "
	  "url?)" },
	{ "sink \"am\" {\n  type = alertmanager\n  zzzzzz = \"x\"\n}\n",
	  "sc.conf:3: sink \"am\": unknown key \"zzzzzz\" (a sink takes "
	  "type, url, routing_key_file, token_file, format, match, "
	  "timeout, ca_file, outbox_max, resend_interval, retry_min, "
	  "retry_max, enabled)" },
	{ "sink {\n  type = alertmanager\n}\n",
	  "sc.conf:1: sink: expected a name, as in sink \"am\" { type "
	  "= \"alertmanager\" }" },
	{ "sink \"am\"\n  type = alertmanager\n",
	  "sc.conf:2: sink: expected \"{\" after the name, as in sink "
	  "\"am\" { type = \"alertmanager\" }" },
	{ "sink \"am\" { type = alertmanager; url = \"http://a\" }\n\n"
	  "sink \"am\" { type = alertmanager; url = \"http://b\" }\n",
	  "sc.conf:3: sink \"am\": defined twice (first on line 1)" },
	{ "sink \"a/b\" { type = alertmanager }\n",
	  "sc.conf:1: sink name: \"a/b\": only letters, digits, '_', "
	  "'.' and '-', not first '.' or '-' (it names a file in "
	  "state_dir)" },
	{ "sink \"..\" { type = alertmanager }\n",
	  "sc.conf:1: sink name: \"..\": only letters, digits, '_', "
	  "'.' and '-', not first '.' or '-' (it names a file in "
	  "state_dir)" },
	{ "sink \"\" { type = alertmanager }\n",
	  "sc.conf:1: sink name: must not be empty" },
	{ "target \"a\" { uri = \"a.example\"; sink \"x\" { } }\n",
	  "sc.conf:1: target \"a\": sink { } can only be at the top "
	  "level" },
	{ "type = alertmanager\n",
	  "sc.conf:1: type: set it in a sink" },
	{ "timeout = 5s\n",
	  "sc.conf:1: timeout: set it in defaults { }, in a target or "
	  "in a sink" },
	{ "target \"a\" {\n  uri = \"a.example\"\n  url = \"x\"\n}\n",
	  "sc.conf:3: target \"a\": url can only be set in a sink" },
	{ "defaults {\n  match = \"x=y\"\n}\n",
	  "sc.conf:2: defaults: match can only be set in a sink" },
	{ "sink \"am\" {\n  uri = \"sips:a.example\"\n}\n",
	  "sc.conf:2: sink \"am\": uri can only be set in a target" },
	{ "sink \"am\" {\n  interval = 5s\n}\n",
	  "sc.conf:2: sink \"am\": interval can only be set in "
	  "defaults { } or in a target" },
	{ "sink \"am\" {\n  vantage = \"x\"\n}\n",
	  "sc.conf:2: sink \"am\": vantage can only be set at the top "
	  "level" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"am\" {\n  url = \"http://127.0.0.1:9093\"\n}\n",
	  "sc.conf:2: sink \"am\": needs type = alertmanager, "
	  "pagerduty or webhook" },
	{ "sink \"am\" {\n  type = prometheus\n}\n",
	  "sc.conf:2: type: expected alertmanager, pagerduty or "
	  "webhook, not \"prometheus\"" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"am\" {\n  type = alertmanager\n}\n",
	  "sc.conf:2: sink \"am\": needs url = "
	  "\"http://127.0.0.1:9093\"" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"w\" {\n  type = webhook\n}\n",
	  "sc.conf:2: sink \"w\": needs url = \"https://...\"" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"pd\" {\n  type = pagerduty\n}\n",
	  "sc.conf:2: sink \"pd\": needs routing_key_file = FILE (the "
	  "integration's routing key)" },
	{ "sink \"am\" {\n  url = \"ftp://x\"\n}\n",
	  "sc.conf:2: url: expected an http:// or https:// URL" },
	{ "sink \"w\" {\n  url = \"https://user:pw@hooks.example/x\"\n"
	  "}\n",
	  "sc.conf:2: url: must not hold credentials (user:password@): "
	  "URLs are logged; use a token file" },
	{ "sink \"w\" {\n  url = \"https://hooks.example:0/x\"\n}\n",
	  "sc.conf:2: url: bad port (1-65535)" },
	{ "sink \"w\" {\n  url = \"https://hooks example/x\"\n}\n",
	  "sc.conf:2: url: a URL is printable ASCII without spaces "
	  "(percent-encode the rest)" },
	{ "sink \"w\" {\n  url = \"http://::1:9093/\"\n}\n",
	  "sc.conf:2: url: IPv6 addresses go in brackets, as in "
	  "http://[::1]:9093" },
	{ "sink \"w\" {\n  url = \"http://ex_ample.com/\"\n}\n",
	  "sc.conf:2: url: bad host name (IPv6 addresses go in "
	  "brackets)" },
	{ "sink \"w\" {\n  url = \"http://[::1/\"\n}\n",
	  "sc.conf:2: url: no \"]\" after the IPv6 address" },
	{ "sink \"w\" {\n  url = \"http://a/#x\"\n}\n",
	  "sc.conf:2: url: must not have a fragment (#...)" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"am\" {\n  type = alertmanager\n"
	  "  url = \"http://127.0.0.1:9093/?x=1\"\n}\n",
	  "sc.conf:4: url: no query (?...) for alertmanager sinks: "
	  "give the base URL; the API path is appended" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"w\" {\n  type = webhook\n  url = \"http://a\"\n"
	  "  format = xml\n}\n",
	  "sc.conf:5: format: expected json or slack, not \"xml\"" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"am\" {\n  type = alertmanager\n  url = \"http://a\"\n"
	  "  format = slack\n}\n",
	  "sc.conf:5: format: only for webhook sinks, not "
	  "alertmanager" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"w\" {\n  type = webhook\n  url = \"http://a\"\n"
	  "  resend_interval = 1m\n}\n",
	  "sc.conf:5: resend_interval: only for alertmanager sinks, "
	  "not webhook" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"w\" {\n  type = webhook\n  url = \"http://a\"\n"
	  "  routing_key_file = \"/k\"\n}\n",
	  "sc.conf:5: routing_key_file: only for pagerduty sinks, not "
	  "webhook" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"pd\" {\n  type = pagerduty\n"
	  "  routing_key_file = \"/k\"\n  token_file = \"/t\"\n}\n",
	  "sc.conf:5: token_file: only for webhook sinks, not "
	  "pagerduty" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"pd\" {\n  type = pagerduty\n"
	  "  routing_key_file = \"/k\"\n"
	  "  url = \"http://pd.example\"\n}\n",
	  "sc.conf:5: url: http:// would send the routing key in clear "
	  "text: use https:// (http:// is for loopback only)" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"w\" {\n  type = webhook\n"
	  "  url = \"http://10.0.0.1/hook\"\n"
	  "  token_file = \"/t\"\n}\n",
	  "sc.conf:4: url: http:// would send the token in clear text: "
	  "use https:// (http:// is for loopback only)" },
	{ "sink \"am\" {\n  match = \"severity\"\n}\n",
	  "sc.conf:2: match: expected LABEL=VALUE, ... (as in "
	  "\"severity=critical,target=voice-prod\"), not "
	  "\"severity\"" },
	{ "sink \"am\" {\n  match = \"team=voice\"\n}\n",
	  "sc.conf:2: match: unknown label \"team\" (expected "
	  "alertname, severity, target, frontend, vantage or owner)" },
	{ "sink \"am\" {\n  match = \"target=a,target=b\"\n}\n",
	  "sc.conf:2: match: target given twice" },
	{ "sink \"am\" {\n  match = \",\"\n}\n",
	  "sc.conf:2: match: expected LABEL=VALUE, ... (as in "
	  "\"severity=critical,target=voice-prod\")" },
	{ "sink \"am\" {\n  match = \"\"\n}\n",
	  "sc.conf:2: match: must not be empty" },
	{ "sink \"am\" {\n  timeout = 10m\n}\n",
	  "sc.conf:2: timeout: must be at most 300s, not \"10m\"" },
	{ "sink \"am\" {\n  timeout = 0\n}\n",
	  "sc.conf:2: timeout: must be more than 0, not \"0\" (leave "
	  "it out for the default)" },
	{ "sink \"am\" {\n  outbox_max = 0\n}\n",
	  "sc.conf:2: outbox_max: must be at least 1, not \"0\"" },
	{ "metrics_series_limit = 99\n",
	  "sc.conf:1: metrics_series_limit: must be at least 100, not "
	  "\"99\"" },
	{ "metrics_series_limit = 10000001\n",
	  "sc.conf:1: metrics_series_limit: must be at most 10000000, "
	  "not \"10000001\"" },
	{ "metrics_detail = some\n",
	  "sc.conf:1: metrics_detail: expected yes or no, not \"some\"" },
	{ "metrics_series_limit = \"lots\"\n",
	  "sc.conf:1: metrics_series_limit: expected a whole number, "
	  "not \"lots\"" },
	{ "http_max_connections = 0\n",
	  "sc.conf:1: http_max_connections: must be at least 1, not \"0\"" },
	{ "http_max_connections_per_source = 65537\n",
	  "sc.conf:1: http_max_connections_per_source: must be at most 65536, "
	  "not \"65537\"" },
	{ "crl_max_size = 16MB\n",
	  "sc.conf:1: crl_max_size: expected a size in bytes, KiB, MiB or "
	  "GiB (as in 16MiB), up to 1GiB, not \"16MB\"" },
	{ "crl_max_size = 2GiB\n",
	  "sc.conf:1: crl_max_size: expected a size in bytes, KiB, MiB or "
	  "GiB (as in 16MiB), up to 1GiB, not \"2GiB\"" },
	{ "target \"v\" {\n  uri = \"sips:a.example\"\n"
	  "  crl_max_size = 1MiB\n}\n",
	  "sc.conf:3: target \"v\": crl_max_size can only be set at the top "
	  "level" },
	{ "revocation_cache_min = 500ms\n",
	  "sc.conf:1: revocation_cache_min: expected 1s to 1d, not "
	  "\"500ms\"" },
	{ "http_header_timeout = 10m\n",
	  "sc.conf:1: http_header_timeout: expected 100ms to 300s, not "
	  "\"10m\"" },
	{ "defaults {\n  http_header_timeout = 5s\n}\n",
	  "sc.conf:2: defaults: http_header_timeout can only be set at the top "
	  "level" },
	{ "defaults {\n  metrics_series_limit = 500\n}\n",
	  "sc.conf:2: defaults: metrics_series_limit can only be set at the top "
	  "level" },
	{ "sink \"am\" {\n  outbox_max = 1000001\n}\n",
	  "sc.conf:2: outbox_max: must be at most 1000000, not "
	  "\"1000001\"" },
	{ "sink \"am\" {\n  resend_interval = 500ms\n}\n",
	  "sc.conf:2: resend_interval: must be at least 1s, not "
	  "\"500ms\"" },
	{ "sink \"am\" {\n  retry_max = 2d\n}\n",
	  "sc.conf:2: retry_max: must be at most 1d, not \"2d\"" },
	{ "target \"a\" { uri = \"a.example\" }\n"
	  "sink \"am\" {\n  type = alertmanager; url = \"http://a\"\n"
	  "  retry_min = 1m\n  retry_max = 30s\n}\n",
	  "sc.conf:5: retry_min (60s) must not exceed retry_max "
	  "(30s)" },
	{ "sink \"am\" {\n  enabled = maybe\n}\n",
	  "sc.conf:2: enabled: expected yes or no, not \"maybe\"" },
	{ "sink \"am\" {\n  type = alertmanager\n"
	  "  type = webhook\n}\n",
	  "sc.conf:3: type: set twice (first on line 2)" },
	/* the alert rule keys */
	{ "defaults {\n  runbook_url = \"wiki/runbook\"\n}\n",
	  "sc.conf:2: runbook_url: expected an http:// or https:// "
	  "URL, not \"wiki/runbook\"" },
	{ "defaults {\n  for = 0\n}\n",
	  "sc.conf:2: for: must be at least 1, not \"0\"" },
	{ "defaults {\n  resolve_after = 101\n}\n",
	  "sc.conf:2: resolve_after: must be at most 100, not "
	  "\"101\"" },
	{ "defaults {\n  flap_window = -1m\n}\n",
	  "sc.conf:2: flap_window: must be 0 or more, not \"-1m\"" },
	{ "defaults {\n  reconnect_window = 0\n}\n",
	  "sc.conf:2: reconnect_window: must be more than 0, not \"0\" "
	  "(leave it out for the default)" },
	{ "defaults {\n  reconnect_min_ratio = 1.5\n}\n",
	  "sc.conf:2: reconnect_min_ratio: expected a number from 0 to "
	  "1 (as in 0.9), not \"1.5\"" },
	{ "defaults {\n  reconnect_min_ratio = 90%\n}\n",
	  "sc.conf:2: reconnect_min_ratio: expected a number from 0 to "
	  "1 (as in 0.9), not \"90%\"" },
	{ "runbook_url = \"https://x\"\n",
	  "sc.conf:1: runbook_url: set it in defaults { } or in a "
	  "target" },
};

static const struct error_table sink_error_table = ERROR_TABLE(sink_errors);

/*
 * Routing keys and tokens: private files only, worded for what they
 * are, and read for disabled sinks too.  Never in a message.
 */
static void
test_sink_secret_modes(void **state)
{
	static const struct secret_mode modes[] = {
		{ 0600, NULL }, { 0400, NULL },
		{ 0640, "its group" }, { 0644, "others" },
	};
	char		 k[PATH_MAX], text[PATH_MAX + 256];

	(void)state;
	expect_secret_modes(modes, sizeof(modes) / sizeof(modes[0]),
	    "pd.key", "R0UT1NGK3Y\n", "target \"a\" { uri = \"a.example\" }\n"
	    "sink \"pd\" {\n  type = pagerduty\n  enabled = no\n"
	    "  routing_key_file = ", FIRST_SINK, "R0UT1NGK3Y",
	    "sc.conf:5: routing_key_file: routing key file", text,
	    sizeof(text), k, sizeof(k));
	expect_errorf(text, "sc.conf:5: routing_key_file: cannot open "
	    "routing key file %s: No such file or directory", k);

	unit_write_file("tok", "\n", 0600, k, sizeof(k));
	snprintf(text, sizeof(text), "target \"a\" { uri = \"a.example\" }\n"
	    "sink \"w\" {\n  type = webhook\n  url = \"https://h.example/x\"\n"
	    "  token_file = \"%s\"\n}\n", k);
	expect_errorf(text, "sc.conf:5: token_file: token file %s is empty",
	    k);
	unit_remove_file("tok");
}

/* sink_conf_same(): every setting counts but the line. */
static void
test_sink_same(void **state)
{
	static const char *changed[] = {
		"url = \"http://127.0.0.1:9094\"",
		"match = \"severity=critical\"",
		"timeout = 6s",
		"ca_file = \"/ca.pem\"",
		"outbox_max = 999",
		"resend_interval = 2m",
		"retry_min = 2s",
		"retry_max = 1m",
		"enabled = no",
	};
	struct sc_config *a, *b;
	char		 text[1024];
	size_t		 i;

	(void)state;
	a = expect_ok("sc.conf", "target \"t\" { uri = \"t.example\" }\n"
	    "sink \"am\" { type = alertmanager; url = "
	    "\"http://127.0.0.1:9093\" }\n");
	b = expect_ok("sc.conf", "target \"t\" { uri = \"t.example\" }\n\n\n"
	    "sink \"am\" { type = alertmanager; url = "
	    "\"http://127.0.0.1:9093\"; timeout = 5s }\n");
	assert_true(sink_conf_same(&a->sinks[0], &b->sinks[0]));
	config_free(b);
	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		snprintf(text, sizeof(text), "target \"t\" { uri = "
		    "\"t.example\" }\nsink \"am\" { type = alertmanager; url = "
		    "\"http://127.0.0.1:9093\"\n%s }\n", changed[i]);
		if (strncmp(changed[i], "url", 3) == 0)
			snprintf(text, sizeof(text), "target \"t\" { uri = "
			    "\"t.example\" }\nsink \"am\" { type = "
			    "alertmanager\n%s }\n", changed[i]);
		expect_same(a, text, FIRST_SINK, 0, changed[i]);
	}
	config_free(a);
}

static void
test_parse_ipport(void **state)
{
	static const struct {
		const char	*s;
		unsigned	 defport;
		const char	*host;		/* NULL: refused */
		unsigned	 port;
	} cases[] = {
		{ "127.0.0.1:9464", 0, "127.0.0.1", 9464 },
		{ "[::1]:9464", 0, "::1", 9464 },
		{ "[2001:db8::53]:5353", 53, "2001:db8::53", 5353 },
		{ "192.0.2.1", 53, "192.0.2.1", 53 },
		{ "[::1]", 53, "::1", 53 },
		{ "192.0.2.1", 0, NULL, 0 },
		{ "[::1]", 0, NULL, 0 },
		{ "::1", 53, NULL, 0 },
		{ "::1:53", 0, NULL, 0 },
		{ "localhost:53", 0, NULL, 0 },
		{ "[127.0.0.1]:53", 0, NULL, 0 },
		{ "127.0.0.1:0", 0, NULL, 0 },
		{ "127.0.0.1:65535", 0, "127.0.0.1", 65535 },
		{ "127.0.0.1:65536", 0, NULL, 0 },
		{ "127.0.0.1:+53", 0, NULL, 0 },
		{ "127.0.0.1: 53", 0, NULL, 0 },
		{ "127.0.0.1:", 53, NULL, 0 },
		{ "[::1]x", 53, NULL, 0 },
		{ "[::1", 53, NULL, 0 },
		{ ":53", 0, NULL, 0 },
		{ "", 53, NULL, 0 },
		{ "1.2.3:53", 0, NULL, 0 },
	};
	char		 host[64];
	unsigned	 port;
	size_t		 i;
	int		 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = 0;
		rc = config_parse_ipport(cases[i].s, cases[i].defport, host,
		    sizeof(host), &port);
		if (cases[i].host == NULL) {
			if (rc != -1)
				fail_msg("accepted \"%s\"", cases[i].s);
			continue;
		}
		if (rc != 0)
			fail_msg("refused \"%s\"", cases[i].s);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
	/* The address does not fit. */
	assert_int_equal(config_parse_ipport("127.0.0.1:1", 0, host, 9, &port),
	    -1);
	assert_int_equal(config_parse_ipport("127.0.0.1:1", 0, host, 10,
	    &port), 0);
}

/* Issue 20: keylog_file, hep, hep_id; their errors name the fix. */
static void
test_debug_aids(void **state)
{
	static const char target[] = "target \"a\" {\n"
	    "  uri = \"sips:a.example\"\n}\n";
	struct sc_config *c;
	char		 text[512];

	(void)state;
	snprintf(text, sizeof(text), "keylog_file = \"/tmp/k.log\"\n"
	    "hep = \"udp://[::1]\"\nhep_id = 4294967295\n%s", target);
	c = expect_ok("sc.conf", text);
	assert_string_equal(c->keylog_file, "/tmp/k.log");
	assert_string_equal(c->hep, "udp://[::1]");
	assert_int_equal(c->hep_id, 4294967295U);
	assert_null(c->hep_password);
	config_free(c);
	snprintf(text, sizeof(text), "hep = \"udp://homer.example:9060\"\n"
	    "%s", target);
	expect_error(text, "sc.conf:1: hep: expected udp://IP[:PORT] (as in "
	    "udp://192.0.2.10:9060 or udp://[2001:db8::10]), an address: HEP "
	    "goes over UDP, and the collector is never looked up in DNS, not "
	    "\"udp://homer.example:9060\"");
	snprintf(text, sizeof(text), "hep = \"tcp://192.0.2.1:9060\"\n%s",
	    target);
	expect_error(text, "sc.conf:1: hep: expected udp://IP[:PORT] (as in "
	    "udp://192.0.2.10:9060 or udp://[2001:db8::10]), an address: HEP "
	    "goes over UDP, and the collector is never looked up in DNS, not "
	    "\"tcp://192.0.2.1:9060\"");
	snprintf(text, sizeof(text), "hep_password_file = \"/nonexistent\"\n"
	    "%s", target);
	expect_error(text, "sc.conf:1: hep_password_file: there is no hep = "
	    "collector to send to (hep = \"udp://IP:9060\")");
}

/* alive_statuses: the list, its default, its inheritance (issue 19). */
static void
test_alive_statuses(void **state)
{
	struct sc_config	*c;
	struct sc_statuses	 st;
	char			 err[256];

	(void)state;
	sc_statuses_default(&st);
	assert_true(sc_statuses_has(&st, 200) && sc_statuses_has(&st, 404) &&
	    sc_statuses_has(&st, 699) && !sc_statuses_has(&st, 503) &&
	    !sc_statuses_has(&st, 199) && !sc_statuses_has(&st, 700));
	assert_int_equal(sc_statuses_parse(&st, "404, 6xx", err, sizeof(err)),
	    0);
	assert_true(sc_statuses_has(&st, 200) && sc_statuses_has(&st, 299) &&
	    sc_statuses_has(&st, 404) && sc_statuses_has(&st, 603) &&
	    !sc_statuses_has(&st, 403) && !sc_statuses_has(&st, 503));
	assert_int_equal(sc_statuses_parse(&st, "any,503", err, sizeof(err)),
	    0);
	assert_true(sc_statuses_has(&st, 503) && sc_statuses_has(&st, 302));
	assert_int_equal(sc_statuses_parse(&st, "7xx", err, sizeof(err)), -1);
	assert_int_equal(sc_statuses_parse(&st, "1xx", err, sizeof(err)), -1);
	assert_int_equal(sc_statuses_parse(&st, ",", err, sizeof(err)), -1);
	assert_int_equal(sc_statuses_parse(&st, "2000", err, sizeof(err)), -1);
	c = expect_ok("alive", "defaults {\n  alive_statuses = \"2xx,404\"\n}\n"
	    "target \"a\" { uri = \"a.example\" }\n"
	    "target \"b\" { uri = \"b.example\"  alive_statuses = \"any\" }\n");
	assert_true(sc_statuses_has(&c->targets[0].alive_statuses, 404) &&
	    !sc_statuses_has(&c->targets[0].alive_statuses, 403));
	assert_true(sc_statuses_has(&c->targets[1].alive_statuses, 403) &&
	    !sc_statuses_has(&c->targets[1].alive_statuses, 503));
	config_free(c);
	c = expect_ok("alive default", "target \"a\" { uri = \"a.example\" }\n");
	assert_true(sc_statuses_has(&c->targets[0].alive_statuses, 403) &&
	    !sc_statuses_has(&c->targets[0].alive_statuses, 503));
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_alive_statuses),
		cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_inheritance),
		{ "test_errors", test_error_table, NULL, NULL,
		    (void *)&config_error_table },
		cmocka_unit_test(test_semicolons),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_password_file_modes),
		cmocka_unit_test(test_env_password),
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_parse_ipport),
		cmocka_unit_test(test_alert_keys),
		cmocka_unit_test(test_sinks),
		{ "test_sink_errors", test_error_table, NULL, NULL,
		    (void *)&sink_error_table },
		cmocka_unit_test(test_sink_secret_modes),
		cmocka_unit_test(test_sink_same),
		cmocka_unit_test(test_debug_aids),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
