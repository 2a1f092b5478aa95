/*
 * html.h - the one HTML escaper of the program: the status page, the
 * daemon's alert table and the drill report all escape through it.
 */
#ifndef SC_HTML_H
#define SC_HTML_H

#include <stddef.h>
#include <stdio.h>

struct evbuffer;

/*
 * The Content-Security-Policy of every page the program writes: inline
 * CSS and inline SVG, nothing fetched, no script.  The endpoint sends it
 * as a header (with frame-ancestors, which a meta tag cannot carry); the
 * drill report, a file, carries it in a meta tag.
 */
#define HTML_CSP	"default-src 'none'; style-src 'unsafe-inline'"

/* Receives each run of escaped output. */
typedef void	(*html_put_fn)(const char *, size_t, void *arg);

/*
 * Writes s (NULL: nothing) with the five HTML specials (& < > " ')
 * escaped, so that it is safe in text and in quoted attribute values.
 */
void	html_escape(const char *s, html_put_fn put, void *arg);
void	html_escape_evbuffer(struct evbuffer *, const char *s);
void	html_escape_file(FILE *, const char *s);

#endif /* SC_HTML_H */
