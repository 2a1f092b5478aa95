/*
 * test_duration.c - durations as the config and scenario files write
 * them: every accepted form, and the garbage, signs, locale tricks and
 * overflows that must be refused; sizes (crl_max_size) likewise.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf/duration.h"

static void
test_accepted(void **state)
{
	static const struct {
		const char	*s;
		double		 seconds;
	} ok[] = {
		{ "0", 0 }, { "30", 30 }, { "30s", 30 }, { "1.5s", 1.5 },
		{ "250ms", 0.25 }, { "1ms", 0.001 }, { "10m", 600 },
		{ "1h", 3600 }, { "1d", 86400 }, { "0.5m", 30 },
		{ "1.25h", 4500 }, { "007s", 7 }, { "0.1", 0.1 },
		{ "1.123456789s", 1.123456789 }, { "11574d", 999993600 },
		{ "1000000000", 1e9 },
	};
	size_t	 i;
	double	 d;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		d = -1;
		if (duration_parse(ok[i].s, &d) != 0)
			fail_msg("\"%s\" refused", ok[i].s);
		/* Exact: the parser rounds once, as the literal does. */
		if (d != ok[i].seconds)
			fail_msg("\"%s\" is %.17g, not %.17g", ok[i].s, d,
			    ok[i].seconds);
	}
}

static void
test_refused(void **state)
{
	static const char *bad[] = {
		"", "s", "ms", "-1", "-1s", "+1s", " 1s", "1s ", "1 s",
		"5 sec", "5sec", "1S", "1M", "1H", "1e3", "1e3s", "0x10",
		"inf", "nan", "1.", ".5", "1.5.5", "1,5s", "1..5", "1ss",
		"1msx", "1y", "1w", "10us", "1.0000000001s", "1000000001",
		"11575d", "16666667m", "277778h", "9999999999999999999999",
		"99999999999999999999999999999999999999999999999999d", "--1",
	};
	size_t	 i;
	double	 d = 42;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (duration_parse(bad[i], &d) != -1)
			fail_msg("\"%s\" accepted as %g", bad[i], d);
	assert_int_equal(duration_parse(NULL, &d), -1);
	/* A refused duration leaves the result alone. */
	assert_true(d == 42);
}

static void
test_decimal(void **state)
{
	double	 d;

	(void)state;
	assert_int_equal(duration_parse_decimal("1000", &d), 0);
	assert_true(d == 1000);
	assert_int_equal(duration_parse_decimal("0.5", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(duration_parse_decimal("0", &d), 0);
	assert_true(d == 0);
	assert_int_equal(duration_parse_decimal("5s", &d), -1);
	assert_int_equal(duration_parse_decimal("-5", &d), -1);
	assert_int_equal(duration_parse_decimal("", &d), -1);
	assert_int_equal(duration_parse_decimal("1e9", &d), -1);
	assert_int_equal(duration_parse_decimal("2000000000", &d), -1);
	assert_int_equal(duration_parse_decimal(NULL, &d), -1);
}

/* Sizes: bytes, KiB, MiB, GiB; whole bytes from 1 to the maximum. */
static void
test_size(void **state)
{
	static const struct {
		const char	*s;
		size_t		 bytes;
	} ok[] = {
		{ "1", 1 }, { "200", 200 }, { "1KiB", 1024 },
		{ "16MiB", 16 * 1024 * 1024 },
		{ "1.5KiB", 1536 }, { "1GiB", 1024 * 1024 * 1024 },
	};
	static const char *bad[] = {
		"", "0", "0KiB", "0.5", "0.3KiB", "1.5", "-1", "1 MiB",
		"16MB", "16M", "1k", "1KB", "1TiB", "2GiB", "1073741825",
		"1e3", "MiB", "1MiB ", "16MiBs", "16mib", "1kib",
	};
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = 0;
		if (size_parse(ok[i].s, 1024.0 * 1024 * 1024, &n) != 0)
			fail_msg("\"%s\" refused", ok[i].s);
		if (n != ok[i].bytes)
			fail_msg("\"%s\" is %zu, not %zu", ok[i].s, n,
			    ok[i].bytes);
	}
	n = 42;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (size_parse(bad[i], 1024.0 * 1024 * 1024, &n) != -1)
			fail_msg("\"%s\" accepted as %zu", bad[i], n);
	assert_int_equal(size_parse(NULL, 1e9, &n), -1);
	assert_true(n == 42);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
