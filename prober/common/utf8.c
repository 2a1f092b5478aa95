/*
 * utf8.c - validating UTF-8 (see utf8.h): what the metrics exposition
 * and the alert bodies accept as text.
 */
#include "config.h"

#include "common/utf8.h"

size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;		/* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0;		/* surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;		/* overlong */
		if (s[0] == 0xf4 && s[1] >= 0x90)
			return 0;		/* above U+10FFFF */
		return 4;
	}
	return 0;
}

int
utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (*p != '\0') {
		if ((n = utf8_len(p)) == 0)
			return 0;
		p += n;
	}
	return 1;
}
