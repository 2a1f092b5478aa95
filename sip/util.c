/*
 * util.c - random tokens (branches, tags, Call-IDs, cnonces) and address
 * formatting.  Tokens come from the OpenSSL CSPRNG: a branch or Call-ID
 * that an attacker can predict lets a forged response match.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "util.h"

/*
 * Random bytes for tokens (tags, branches, Call-IDs, cnonces), drawn from
 * OpenSSL a pool at a time: one RAND_bytes per token was 2% of a fresh
 * registration's CPU.  The probe path has one thread; a forked child
 * draws a pool of its own (pthread_atfork, not a getpid() per token), so
 * that parent and child never hand out the same bytes.
 */
static unsigned char	token_pool[1024];
static size_t		token_left;
static int		token_atfork;

static void
util_forked(void)
{
	OPENSSL_cleanse(token_pool, sizeof(token_pool));
	token_left = 0;
}

int
sc_util_random(unsigned char *out, size_t n)
{
	size_t	 take;

	if (!token_atfork && pthread_atfork(NULL, NULL, util_forked) == 0)
		token_atfork = 1;
	while (n > 0) {
		if (token_left == 0) {
			if (RAND_bytes(token_pool, (int)sizeof(token_pool)) !=
			    1)
				return -1;
			token_left = sizeof(token_pool);
		}
		take = n < token_left ? n : token_left;
		memcpy(out, token_pool + sizeof(token_pool) - token_left,
		    take);
		/* Used bytes never serve twice. */
		OPENSSL_cleanse(token_pool + sizeof(token_pool) - token_left,
		    take);
		token_left -= take;
		out += take;
		n -= take;
	}
	return 0;
}

void
sc_util_token(char *buf, size_t len, size_t n)
{
	unsigned char	raw[64];
	size_t		i;

	if (n >= len)
		n = len - 1;
	if (n > 2 * sizeof(raw))
		n = 2 * sizeof(raw);
	if (sc_util_random(raw, (n + 1) / 2) == -1)
		memset(raw, 0x5a, sizeof(raw));
	for (i = 0; i < n; i++)
		buf[i] = "0123456789abcdef"[(raw[i / 2] >> (i % 2 ? 0 : 4)) &
		    0xf];
	buf[n] = '\0';
}

void
sc_util_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
	} else
		snprintf(buf, len, "?");
}

void
sc_util_host_uri(const char *ip, char *buf, size_t len)
{
	if (strchr(ip, ':') != NULL)
		snprintf(buf, len, "[%s]", ip);
	else
		snprintf(buf, len, "%s", ip);
}

char *
sc_util_redact_auth(const char *wire, size_t len)
{
	char	*out, *line, *end, *p, *q;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(out, wire, len);
	out[len] = '\0';
	for (line = out; line != NULL && *line != '\0'; line = end) {
		end = strstr(line, "\r\n");
		if (end != NULL)
			end += 2;
		if (strncasecmp(line, "Authorization:", 14) != 0 &&
		    strncasecmp(line, "Proxy-Authorization:", 20) != 0)
			continue;
		/* Blank the value inside response="..." with 'x'. */
		for (p = line; (p = strcasestr(p, "response=")) != NULL &&
		    (end == NULL || p < end); p = q) {
			p += 9;
			if (*p == '"')
				p++;
			for (q = p; *q != '\0' && *q != '"' && *q != ',' &&
			    *q != '\r'; q++)
				*q = 'x';
		}
	}
	return out;
}

/*
 * The length of the valid UTF-8 sequence at s[0..len), or 0: no overlong
 * forms, no surrogates, nothing above U+10FFFF.
 */
static size_t
util_utf8_seq(const unsigned char *s, size_t len)
{
	size_t		 n, i;
	unsigned	 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

char *
sc_util_printable(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out, *p;
	size_t			 i, n;

	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	for (p = out, i = 0; i < len; i += n) {
		unsigned char c = u[i];

		n = util_utf8_seq(u + i, len - i);
		if (n == 0 || c < 0x20 || c == 0x7f || c == '\\') {
			p += snprintf(p, 5, c == '\\' ? "\\\\" : "\\x%02x", c);
			n = 1;
		} else {
			memcpy(p, s + i, n);
			p += n;
		}
	}
	*p = '\0';
	return out;
}

void
sc_util_utf8_cut(char *s)
{
	size_t	 len = strlen(s), start = len;

	/* Back to the start of the last sequence: at most 3 bytes back. */
	while (start > 0 && len - start < 4 &&
	    ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start > 0 && ((unsigned char)s[start - 1] & 0x80) != 0)
		start--;
	else if (start == len)
		return;
	if (util_utf8_seq((const unsigned char *)s + start, len - start) !=
	    len - start)
		s[start] = '\0';
}
