/*
 * statuses.c - sets of SIP final statuses: which answers to an OPTIONS
 * count as "alive" for a target probed without an account.
 *
 * Trunks and peering SBCs answer OPTIONS from accounts they do not know
 * with 403, 404 or 405 and are perfectly alive, so by default any final
 * response counts; 503 is the exception, since a server says "down" with
 * it, unless the set names 503 itself (a peer that answers 503 while it
 * is declared in maintenance).  2xx always counts.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipcanary.h"

static void
statuses_add(struct sc_statuses *s, int from, int to)
{
	int i;

	for (i = from; i <= to; i++)
		if (i >= SC_STATUS_MIN && i <= SC_STATUS_MAX)
			s->bits[(i - SC_STATUS_MIN) / 8] |=
			    (unsigned char)(1u << ((i - SC_STATUS_MIN) % 8));
}

int
sc_statuses_has(const struct sc_statuses *s, int status)
{
	if (s == NULL || status < SC_STATUS_MIN || status > SC_STATUS_MAX)
		return 0;
	return (s->bits[(status - SC_STATUS_MIN) / 8] >>
	    ((status - SC_STATUS_MIN) % 8)) & 1;
}

void
sc_statuses_default(struct sc_statuses *s)
{
	memset(s, 0, sizeof(*s));
	statuses_add(s, 200, 502);
	statuses_add(s, 504, 699);
}

/* One item: "any", "4xx" or "404".  -1 if it is none of them. */
static int
statuses_item(struct sc_statuses *s, const char *w, size_t n)
{
	int d;

	if (n == 3 && strncasecmp(w, "any", 3) == 0) {
		statuses_add(s, 200, 502);
		statuses_add(s, 504, 699);
		return 0;
	}
	if (n != 3 || w[0] < '2' || w[0] > '6')
		return -1;
	if (tolower((unsigned char)w[1]) == 'x' &&
	    tolower((unsigned char)w[2]) == 'x') {
		d = (w[0] - '0') * 100;
		statuses_add(s, d, d + 99);
		return 0;
	}
	if (!isdigit((unsigned char)w[1]) || !isdigit((unsigned char)w[2]))
		return -1;
	d = atoi(w);
	statuses_add(s, d, d);
	return 0;
}

int
sc_statuses_parse(struct sc_statuses *s, const char *text, char *err,
    size_t errlen)
{
	const char	*p = text, *w;
	size_t		 n, items = 0;

	memset(s, 0, sizeof(*s));
	statuses_add(s, 200, 299);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		w = p;
		while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		n = (size_t)(p - w);
		if (statuses_item(s, w, n) == -1) {
			snprintf(err, errlen, "expected a list of final "
			    "statuses such as \"any\", \"2xx,404\" or "
			    "\"any,503\" (200 to 699), not \"%.*s\"",
			    (int)(n > 32 ? 32 : n), w);
			return -1;
		}
		items++;
	}
	if (items == 0) {
		snprintf(err, errlen, "expected at least one final status, "
		    "such as \"any\" or \"2xx,404\"");
		return -1;
	}
	return 0;
}
