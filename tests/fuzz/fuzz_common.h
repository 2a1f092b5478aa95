/*
 * fuzz_common.h - helpers shared by the libFuzzer harnesses in tests/fuzz:
 * a tiny deterministic PRNG for fuzzer-chosen split points, and FUZZ_CHECK,
 * which turns a broken invariant into a crash that libFuzzer records.
 *
 * Header-only so that each harness stays one translation unit.
 */
#ifndef SC_FUZZ_COMMON_H
#define SC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An invariant of the code under test failed: report and abort. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* xorshift32: split points are a function of the input alone. */
static inline uint32_t
fuzz_rand(uint32_t *s)
{
	uint32_t x = *s != 0 ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/*
 * The length of the next chunk of a stream with left bytes left, for
 * split mode 0 (all at once), 1 (one byte at a time), 2 (1..16 bytes) or
 * 3 (1..1024 bytes).
 */
static inline size_t
fuzz_chunk(unsigned mode, uint32_t *seed, size_t left)
{
	size_t n;

	switch (mode & 3) {
	case 0:
		n = left;
		break;
	case 1:
		n = 1;
		break;
	case 2:
		n = 1 + fuzz_rand(seed) % 16;
		break;
	default:
		n = 1 + fuzz_rand(seed) % 1024;
		break;
	}
	return n < left ? n : left;
}

/*
 * The input as a C string for a text parser (a NUL byte ends it early,
 * as it would a file read into a string); NULL if longer than max.
 */
static inline char *
fuzz_text(const uint8_t *data, size_t size, size_t max)
{
	char *text;

	if (size > max || (text = malloc(size + 1)) == NULL)
		return NULL;
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

#endif /* SC_FUZZ_COMMON_H */
