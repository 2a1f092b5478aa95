/*
 * test_profile_conf.c - TLS client profiles in sipcanary.conf(5) (issue
 * 17): profile "NAME" { } sections load with every key, a target names
 * the profiles it is probed as, and each way a profile or a profiles
 * list can be wrong gets its exact "FILE:LINE: ..." message, with "did
 * you mean" for a mistyped name; the client key keeps the secret file
 * rule; profile_tls_opts() gives the library what the profile says; a
 * profile's revocation policy replaces its target's.
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
#include "unit.h"

#define TLS12	0x0303	/* TLS1_2_VERSION */
#define TLS13	0x0304	/* TLS1_3_VERSION */

static int
setup(void **state)
{
	(void)state;
	return unit_tmpdir_make("test_profile_conf");
}

static int
teardown(void **state)
{
	(void)state;
	unit_remove_file("pw");
	unit_remove_file("client.pem");
	return rmdir(unit_tmpdir);
}

UNIT_PARSER(conf_parser, config_load_string, config_load, config_free);

#define TARGET	"target \"voice\" { uri = \"sips:example.test\" }\n"

static void
test_profiles_load(void **state)
{
	struct sc_config *c;
	const struct profile_conf *m, *d;
	struct sc_tls_opts o;
	char		 pw[PATH_MAX], text[3 * PATH_MAX];

	(void)state;
	unit_write_file("pw", "s3cret\n", 0600, pw, sizeof(pw));
	snprintf(text, sizeof(text),
	    "profile \"modern\" { tls_min = 1.3 }\n"
	    "profile \"desk-2019\" {\n"
	    "  tls_max = 1.2\n"
	    "  ciphers = \"ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA\"\n"
	    "  ciphersuites = \"TLS_AES_128_GCM_SHA256\"\n"
	    "  groups = \"P-256\"\n"
	    "  sigalgs = \"RSA+SHA256:ECDSA+SHA256\"\n"
	    "  sni = no\n"
	    "  ca_file = \"roots.pem\"\n"
	    "  ca_dir = \"/etc/ssl/certs\"\n"
	    "  user = \"desk\"\n"
	    "  password_file = \"%s\"\n"
	    "}\n"
	    "target \"voice\" { uri = \"sips:example.test\"\n"
	    "  profiles = { \"modern\", \"desk-2019\" } ca_file = \"t.pem\" }\n"
	    "target \"plain\" { uri = \"sips:example.test\" }\n", pw);
	c = unit_expect_ok(&conf_parser, "/etc/sc/sc.conf", text);
	assert_int_equal(c->nprofiles, 2);
	m = config_profile(c, "modern");
	d = config_profile(c, "desk-2019");
	assert_non_null(m);
	assert_non_null(d);
	assert_null(config_profile(c, "nope"));
	assert_int_equal(m->tls_min, TLS13);
	assert_int_equal(m->tls_max, 0);
	assert_int_equal(d->tls_max, TLS12);
	assert_string_equal(d->ciphers,
	    "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA");
	assert_string_equal(d->groups, "P-256");
	assert_int_equal(d->no_sni, 1);
	assert_int_equal(m->no_sni, 0);
	assert_string_equal(d->ca_file, "/etc/sc/roots.pem");
	assert_string_equal(d->user, "desk");
	assert_string_equal(d->password, "s3cret");
	assert_int_equal(c->targets[0].nprofiles, 2);
	assert_string_equal(c->targets[0].profiles[0], "modern");
	assert_string_equal(c->targets[0].profiles[1], "desk-2019");
	assert_int_equal(c->targets[1].nprofiles, 0);
	/* The profile's trust store wins; the target's is the fallback. */
	profile_tls_opts(d, &c->targets[0], &o);
	assert_string_equal(o.ca_file, "/etc/sc/roots.pem");
	assert_int_equal(o.max_version, TLS12);
	assert_int_equal(o.no_sni, 1);
	profile_tls_opts(m, &c->targets[0], &o);
	assert_string_equal(o.ca_file, "/etc/sc/t.pem");
	assert_int_equal(o.min_version, TLS13);
	/* A reload that changes a target's profiles is a new target. */
	assert_false(target_conf_same(&c->targets[0], &c->targets[1]));
	config_free(c);
	unit_remove_file("pw");
}

static const struct unit_error_case profile_errors[] = {
	{ TARGET "profile \"a\" { tls_max = 1.4 }\n",
	  "sc.conf:2: tls_max: expected \"1.2\" or \"1.3\", not \"1.4\"" },
	{ TARGET "profile \"a\" {\n  tls_min = 1.3\n  tls_max = 1.2\n}\n",
	  "sc.conf:4: tls_max must not be below tls_min" },
	{ TARGET "profile \"a\" {\n  ciphers = \"FOO-BAR\"\n}\n",
	  "sc.conf:3: ciphers: no usable cipher in \"FOO-BAR\" (OpenSSL "
	  "names, as in ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA)" },
	{ TARGET "profile \"a\" { groups = \"P-257\" }\n",
	  "sc.conf:2: groups: unknown group in \"P-257\" (as in "
	  "X25519:P-256)" },
	{ TARGET "profile \"a\" {\n  snii = no\n}\n",
	  "sc.conf:3: profile \"a\": unknown key \"snii\" (did you mean "
	  "sni?)" },
	{ TARGET "profile \"a\" { sni = maybe }\n",
	  "sc.conf:2: sni: expected yes or no, not \"maybe\"" },
	{ TARGET "profile \"a\" { interval = 10s }\n",
	  "sc.conf:2: profile \"a\": interval cannot be set in a profile (it "
	  "takes tls_min, tls_max, ciphers, ciphersuites, groups, sigalgs, "
	  "sni, ca_file, ca_dir, client_cert, client_key, user, "
	  "password_file and revocation)" },
	{ TARGET "profile \"a\" { revocation = sometimes }\n",
	  "sc.conf:2: revocation: expected auto, staple, ocsp, crl or off, "
	  "not \"sometimes\"" },
	{ TARGET "profile \"a\" {\n  revocation = off\n  revocation = crl\n}\n",
	  "sc.conf:4: revocation: set twice (first on line 3)" },
	{ "tls_max = 1.2\n" TARGET,
	  "sc.conf:1: tls_max: set it in a profile" },
	{ "target \"v\" { uri = \"sips:example.test\"  ciphers = \"x\" }\n",
	  "sc.conf:1: target \"v\": ciphers can only be set in a profile" },
	{ TARGET "profile \"a\" { client_key = \"k.pem\" }\n",
	  "sc.conf:2: client_key: set without client_cert (the certificate "
	  "the key belongs to)" },
	{ TARGET "profile \"a\" { user = \"desk\" }\n",
	  "sc.conf:2: user: a profile's user needs password_file = FILE" },
	{ TARGET "profile \"a\" { }\nprofile \"a\" { }\n",
	  "sc.conf:3: profile \"a\": defined twice (first on line 2)" },
	{ "profile \"desk-2019\" { }\n"
	  "target \"v\" {\n  uri = \"sips:example.test\"\n"
	  "  profiles = { \"desk-2091\" }\n}\n",
	  "sc.conf:4: profiles: no profile \"desk-2091\" (did you mean "
	  "desk-2019?)" },
	{ "profile \"modern\" { }\n"
	  "target \"v\" { uri = \"sips:example.test\" profiles = { \"x\" } }\n",
	  "sc.conf:2: profiles: no profile \"x\" (the profiles are modern)" },
	{ "target \"v\" { uri = \"sips:example.test\" profiles = { \"x\" } }\n",
	  "sc.conf:1: profiles: no profile \"x\" (define it, as in profile "
	  "\"x\" { tls_max = 1.2 })" },
	{ "profile \"a\" { }\ntarget \"v\" { uri = \"sips:example.test\"\n"
	  "  profiles = { \"a\", \"a\" } }\n",
	  "sc.conf:3: profiles: \"a\" given twice" },
	{ "profile \"a\" { }\ntarget \"v\" { uri = \"sips:example.test\"\n"
	  "  profiles = { \"a\" }\n  profiles = { \"a\" } }\n",
	  "sc.conf:4: profiles: set twice (first on line 3)" },
	{ TARGET "profile { }\n",
	  "sc.conf:2: profile: expected a name, as in profile \"desk-2019\" "
	  "{ tls_max = 1.2 }" },
};

static void
test_profile_errors(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(profile_errors) / sizeof(profile_errors[0]);
	    i++)
		unit_expect_error(&conf_parser, "sc.conf", profile_errors[i].text,
		    profile_errors[i].want);
}

/* The client key (here in the certificate file) is a secret file. */
static void
test_client_key_mode(void **state)
{
	char	 path[PATH_MAX], text[2 * PATH_MAX], want[3 * PATH_MAX];

	(void)state;
	unit_write_file("client.pem", "x\n", 0644, path, sizeof(path));
	snprintf(text, sizeof(text), TARGET "profile \"c\" {\n"
	    "  client_cert = \"%s\"\n}\n", path);
	snprintf(want, sizeof(want), "sc.conf:3: client_cert: client key %s "
	    "is readable by others: chmod 600 %s", path, path);
	unit_expect_error(&conf_parser, "sc.conf", text, want);
	unit_remove_file("client.pem");
}

/*
 * revocation = in a profile replaces the target's for that profile's
 * probes (the daemon's expanded targets); a profile without it keeps
 * the target's, and a reload that changes it restarts the target.
 */
static void
test_revocation(void **state)
{
	struct sc_config *c, *c2;
	const struct profile_conf *m;
	char		 err[512];

	(void)state;
	c = unit_expect_ok(&conf_parser, "sc.conf",
	    "profile \"modern\" { revocation = off }\n"
	    "profile \"desk\" { tls_max = 1.2 }\n"
	    "target \"voice\" { uri = \"sips:example.test\"  revocation = crl\n"
	    "  profiles = { \"modern\", \"desk\" } }\n");
	m = config_profile(c, "modern");
	assert_int_equal(m->has_revocation, 1);
	assert_int_equal(m->revocation, SC_REVOCATION_OFF);
	assert_int_equal(config_profile(c, "desk")->has_revocation, 0);
	assert_int_equal(config_expand_profiles(c, err, sizeof(err)), 0);
	assert_string_equal(c->targets[0].name, "voice/modern");
	assert_int_equal(c->targets[0].revocation, SC_REVOCATION_OFF);
	assert_string_equal(c->targets[1].name, "voice/desk");
	assert_int_equal(c->targets[1].revocation, SC_REVOCATION_CRL);
	c2 = unit_expect_ok(&conf_parser, "sc.conf",
	    "profile \"modern\" { revocation = staple }\n"
	    "profile \"desk\" { tls_max = 1.2 }\n"
	    "target \"voice\" { uri = \"sips:example.test\"  revocation = crl\n"
	    "  profiles = { \"modern\", \"desk\" } }\n");
	assert_int_equal(config_expand_profiles(c2, err, sizeof(err)), 0);
	assert_false(target_conf_same(&c->targets[0], &c2->targets[0]));
	assert_true(target_conf_same(&c->targets[1], &c2->targets[1]));
	config_free(c2);
	config_free(c);
}

/* The daemon's view: one target per (target, profile). */
static void
test_expand(void **state)
{
	struct sc_config *c;
	char		 pw[PATH_MAX], text[3 * PATH_MAX], err[512];

	(void)state;
	unit_write_file("pw", "fleet\n", 0600, pw, sizeof(pw));
	snprintf(text, sizeof(text),
	    "profile \"modern\" { tls_min = 1.3 }\n"
	    "profile \"desk\" { tls_max = 1.2  user = \"desk\"  "
	    "password_file = \"%s\" }\n"
	    "target \"voice\" { uri = \"sips:example.test\"\n"
	    "  profiles = { \"modern\", \"desk\" } }\n"
	    "target \"plain\" { uri = \"sips:example.test\" }\n", pw);
	c = unit_expect_ok(&conf_parser, "sc.conf", text);
	assert_int_equal(config_expand_profiles(c, err, sizeof(err)), 0);
	assert_int_equal(c->ntargets, 3);
	assert_string_equal(c->targets[0].name, "voice/modern");
	assert_string_equal(c->targets[0].pf->name, "modern");
	assert_null(c->targets[0].user);
	assert_string_equal(c->targets[1].name, "voice/desk");
	assert_string_equal(c->targets[1].user, "desk");
	assert_string_equal(c->targets[1].password, "fleet");
	assert_string_equal(c->targets[2].name, "plain");
	assert_null(c->targets[2].pf);
	/* A reload that changes a profile restarts its target. */
	assert_false(target_conf_same(&c->targets[0], &c->targets[1]));
	assert_true(target_conf_same(&c->targets[0], &c->targets[0]));
	config_free(c);

	c = unit_expect_ok(&conf_parser, "sc.conf",
	    "profile \"m\" { }\n"
	    "target \"v\" { uri = \"sips:example.test\" profiles = { \"m\" } }\n"
	    "target \"v/m\" { uri = \"sips:example.test\" }\n");
	assert_int_equal(config_expand_profiles_check(c, err, sizeof(err)), -1);
	assert_string_equal(err, "sc.conf:3: target \"v/m\": the name of "
	    "another target and of a target's profile (TARGET/PROFILE): "
	    "rename one");
	assert_int_equal(c->ntargets, 2);
	assert_int_equal(config_expand_profiles(c, err, sizeof(err)), -1);
	assert_int_equal(c->ntargets, 2);	/* left as it was */
	assert_string_equal(c->targets[0].name, "v");
	config_free(c);
	unit_remove_file("pw");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profiles_load),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_client_key_mode),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_revocation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
