/*
 * keylog.c - the TLS key log: the secrets of every handshake, in the NSS
 * key log format that Wireshark and tshark read, so that on-call can
 * decrypt a capture of a failing probe.
 *
 * One file per process: the callers (check, certs, drill, the daemon)
 * open it before they build their contexts, and every context that
 * sc_tls_client_ctx_new() builds writes to it while it is open.  The
 * file holds session keys, so it is created 0600, never through a
 * symbolic link, and only appended to.  OpenSSL hands each line over
 * whole; one write() per line keeps lines whole in an O_APPEND file even
 * when two processes share it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "sipcanary.h"
#include "tlsctx.h"

static int		keylog_fd = -1;
static unsigned long	keylog_lines;

static void
keylog_line(const SSL *ssl, const char *line)
{
	char	buf[1024];
	size_t	n;

	(void)ssl;
	if (keylog_fd == -1)
		return;
	n = strlen(line);
	if (n + 1 > sizeof(buf))
		return;		/* no NSS line is this long */
	memcpy(buf, line, n);
	buf[n++] = '\n';
	/* A short or failed write loses a line, never a probe. */
	if (write(keylog_fd, buf, n) == (ssize_t)n)
		keylog_lines++;
}

int
sc_tls_keylog_open(const char *path, char *err, size_t errlen)
{
	struct stat	st;
	int		fd;

	sc_tls_keylog_close();
	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open the TLS key log %s: %s%s",
		    path, strerror(errno), errno == ELOOP ?
		    " (a symbolic link: name the file itself)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the TLS key log %s is not a regular "
		    "file", path);
		close(fd);
		return -1;
	}
	/* An existing file keeps its owner, but nobody else reads keys. */
	if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) == -1) {
		snprintf(err, errlen, "the TLS key log %s is readable by "
		    "others and cannot be made private (%s): chmod 600 it",
		    path, strerror(errno));
		close(fd);
		return -1;
	}
	keylog_fd = fd;
	return 0;
}

void
sc_tls_keylog_close(void)
{
	if (keylog_fd != -1)
		close(keylog_fd);
	keylog_fd = -1;
}

unsigned long
sc_tls_keylog_lines(void)
{
	return keylog_lines;
}

void
sc_keylog_attach(SSL_CTX *ctx)
{
	SSL_CTX_set_keylog_callback(ctx, keylog_line);
}
