/*
 * html.c - escaping text for HTML (see html.h).  One rule for every page
 * the program writes, whatever it writes into.
 */
#include "config.h"

#include <string.h>

#include <event2/buffer.h>

#include "common/html.h"

void
html_escape(const char *s, html_put_fn put, void *arg)
{
	const char	*p, *rep;

	if (s == NULL)
		return;
	for (p = s; *p != '\0'; p++) {
		switch (*p) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&#39;"; break;
		default:	continue;
		}
		if (p > s)
			put(s, (size_t)(p - s), arg);
		put(rep, strlen(rep), arg);
		s = p + 1;
	}
	if (p > s)
		put(s, (size_t)(p - s), arg);
}

static void
html_put_evbuffer(const char *p, size_t n, void *arg)
{
	evbuffer_add(arg, p, n);
}

static void
html_put_file(const char *p, size_t n, void *arg)
{
	fwrite(p, 1, n, arg);
}

void
html_escape_evbuffer(struct evbuffer *b, const char *s)
{
	html_escape(s, html_put_evbuffer, b);
}

void
html_escape_file(FILE *out, const char *s)
{
	html_escape(s, html_put_file, out);
}
