/*
 * utf8.h - strict UTF-8, as Go's utf8.ValidString (and so Prometheus)
 * and JSON take it: no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
#ifndef SC_UTF8_H
#define SC_UTF8_H

#include <stddef.h>

/*
 * The length (1 to 4) of the valid UTF-8 sequence at s, or 0.  s is
 * NUL-terminated: a sequence cut short by the NUL is not valid, and no
 * byte past the NUL is read.
 */
size_t	utf8_len(const unsigned char *s);

/* 1 if all of s is valid UTF-8. */
int	utf8_valid(const char *s);

#endif /* SC_UTF8_H */
