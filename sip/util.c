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

#include <openssl/rand.h>

#include "util.h"

void
sc_util_token(char *buf, size_t len, size_t n)
{
	unsigned char	raw[64];
	size_t		i;

	if (n >= len)
		n = len - 1;
	if (n > 2 * sizeof(raw))
		n = 2 * sizeof(raw);
	if (RAND_bytes(raw, (int)sizeof(raw)) != 1)
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

char *
sc_util_printable(const char *s, size_t len)
{
	char	*out, *p;
	size_t	 i;

	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	for (p = out, i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			p += snprintf(p, 5, c == '\\' ? "\\\\" : "\\x%02x", c);
		else
			*p++ = (char)c;
	}
	*p = '\0';
	return out;
}
