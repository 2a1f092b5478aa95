/*
 * util.h - small helpers shared inside the sip/ library: random tokens and
 * formatting a socket address.
 */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stddef.h>
#include <sys/socket.h>

/* A random token of n hex characters (n < len). */
void	 sc_util_token(char *buf, size_t len, size_t n);
/* n bytes of the OpenSSL CSPRNG, from a pool; 0, or -1 if it failed. */
int	 sc_util_random(unsigned char *out, size_t n);

/* "1.2.3.4:5061" or "[::1]:5061". */
void	 sc_util_addr_str(const struct sockaddr *, char *buf, size_t len);

/* "1.2.3.4" or "[::1]" for use inside a SIP URI or Via. */
void	 sc_util_host_uri(const char *ip, char *buf, size_t len);



/*
 * A copy of a SIP message with the response= value of every Authorization
 * and Proxy-Authorization header replaced, for traces and logs.
 */
char	*sc_util_redact_auth(const char *wire, size_t len);
/*
 * A malloc'ed copy of s[0..len) that is valid UTF-8 and shows what it
 * holds: NUL and other control bytes, and bytes that are no valid UTF-8,
 * are written \xNN (and a backslash \\), so that a name with an embedded
 * NUL is not shown as the name it pretends to be and server text never
 * breaks a JSON or log writer.  NULL on allocation failure.
 */
char	*sc_util_printable(const char *s, size_t len);
/*
 * Cuts an incomplete UTF-8 sequence off the end of s, as snprintf() into
 * a fixed buffer can leave one.
 */
void	 sc_util_utf8_cut(char *s);

#endif /* SC_UTIL_H */
