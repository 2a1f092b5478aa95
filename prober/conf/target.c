/*
 * target.c - parsing what the user names: a SIP URI through Sofia-SIP's
 * URL parser (so that odd but legal URIs are handled as a SIP stack would),
 * and host:port pairs for --connect (common/hostport.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include "common/hostport.h"
#include "conf/defaults.h"
#include "conf/target.h"

int
target_parse_uri(struct target *t, const char *uri, char *err, size_t errlen)
{
	su_home_t	*home;
	url_t		*url;
	char		*buf = NULL, tparam[16];
	int		 rc = -1;

	memset(t, 0, sizeof(*t));
	if ((home = su_home_new(sizeof(*home))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A bare domain means its sips: URI. */
	if (strchr(uri, ':') == NULL || (strncasecmp(uri, "sips:", 5) != 0 &&
	    strncasecmp(uri, "sip:", 4) != 0)) {
		if (asprintf(&buf, "sips:%s", uri) == -1)
			buf = NULL;
	} else
		buf = strdup(uri);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if ((url = url_make(home, buf)) == NULL ||
	    url->url_host == NULL || url->url_host[0] == '\0') {
		snprintf(err, errlen, "\"%s\" is not a SIP URI (expected "
		    "sips:DOMAIN)", uri);
		goto done;
	}
	if (url->url_type == url_sip) {
		const char *tp = url->url_params != NULL ?
		    strcasestr(url->url_params, "transport=tls") : NULL;

		if (tp == NULL) {
			snprintf(err, errlen, "\"%s\" is not a SIP-over-TLS "
			    "URI: use sips:%s", uri, url->url_host);
			goto done;
		}
	} else if (url->url_type != url_sips) {
		snprintf(err, errlen, "\"%s\" is not a SIP URI (expected "
		    "sips:DOMAIN)", uri);
		goto done;
	}
	if (url->url_params != NULL && url_param(url->url_params,
	    "transport", tparam, sizeof(tparam)) > 0) {
		if (strcasecmp(tparam, "ws") == 0 && url->url_type == url_sips)
			t->ws = 1;
	}
	if (url->url_user != NULL) {
		snprintf(err, errlen, "\"%s\" names a user; give the domain "
		    "(sips:%s) and the user with --user", uri, url->url_host);
		goto done;
	}
	if (url->url_port != NULL && hostport_port(url->url_port,
	    strlen(url->url_port), 0, &t->uri_port) == -1) {
		snprintf(err, errlen, "bad port in \"%s\"", uri);
		goto done;
	}
	t->uri = strdup(uri);
	/* Sofia keeps IPv6 brackets in url_host; identity wants them off. */
	if (url->url_host[0] == '[')
		t->domain = strndup(url->url_host + 1,
		    strlen(url->url_host) - 2);
	else
		t->domain = strdup(url->url_host);
	if (t->uri == NULL || t->domain == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rc = 0;
done:
	free(buf);
	su_home_unref(home);
	if (rc == -1)
		target_clear(t);
	return rc;
}

int
target_parse_hostport(const char *s, char **host, unsigned *port, char *err,
    size_t errlen)
{
	struct hostport	 hp;
	enum hostport_err e;
	/* Bracketed, the messages have always shown it from the address. */
	const char	*shown = s[0] == '[' ? s + 1 : s;

	*host = NULL;
	*port = CF_CONNECT_PORT;
	e = hostport_parse(s, strlen(s), 0, &hp);
	if (e == HOSTPORT_NO_BRACKET) {
		snprintf(err, errlen, "bad address \"%s\": missing ]", s);
		return -1;
	}
	if (e == HOSTPORT_AFTER_BRACKET) {
		snprintf(err, errlen, "bad address \"%s\"", s);
		return -1;
	}
	if (e == HOSTPORT_BARE_V6) {
		snprintf(err, errlen, "bad address \"%s\": put an IPv6 "
		    "address in brackets, [::1]:5061", s);
		return -1;
	}
	if (hp.hostlen == 0) {
		snprintf(err, errlen, "bad address \"%s\": no host", shown);
		return -1;
	}
	if (e == HOSTPORT_BAD_PORT) {
		snprintf(err, errlen, "bad port in \"%s\" (1-65535)", shown);
		return -1;
	}
	if (hp.has_port)
		*port = hp.port;
	if ((*host = strndup(hp.host, hp.hostlen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
target_clear(struct target *t)
{
	free(t->uri);
	free(t->domain);
	free(t->connect_host);
	memset(t, 0, sizeof(*t));
}
