/*
 * suggest.c - the nearest known name to a mistyped one (see suggest.h):
 * a bounded Levenshtein distance, small enough for option and key names.
 */
#include "config.h"

#include <string.h>

#include "common/suggest.h"

#define SUGGEST_MAX	64	/* longer names are never near */

int
suggest_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j;
	int	 d[SUGGEST_MAX + 1], diag, up;

	if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
		return SUGGEST_FAR;
	for (j = 0; j <= lb; j++)
		d[j] = (int)j;
	for (i = 1; i <= la; i++) {
		diag = d[0];
		d[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			up = d[j];
			d[j] = diag + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (up + 1 < d[j])
				d[j] = up + 1;
			diag = up;
		}
	}
	return d[lb] < SUGGEST_FAR ? d[lb] : SUGGEST_FAR;
}

int
suggest_near(const char *word, const char *name)
{
	int	 d = suggest_distance(word, name);

	return d < SUGGEST_FAR && (size_t)d < strlen(word);
}

const char *
suggest_from_list(const char *word, const char *list, char *buf, size_t len)
{
	const char	*p = list, *best = NULL;
	char		 name[SUGGEST_MAX + 1];
	size_t		 n, bestn = 0;
	int		 d, bestd = SUGGEST_FAR;

	while (*p != '\0') {
		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n > 0 && n <= SUGGEST_MAX && !(n == 2 &&
		    strncmp(p, "or", 2) == 0)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (suggest_near(word, name) &&
			    (d = suggest_distance(word, name)) < bestd) {
				bestd = d;
				best = p;
				bestn = n;
			}
		}
		p += n;
	}
	if (best == NULL || bestn >= len)
		return NULL;
	memcpy(buf, best, bestn);
	buf[bestn] = '\0';
	return buf;
}
