/*
 * conf_files.c - the files a loaded config names that the daemon reads
 * only later: each CA file must hold at least one certificate.  `run -n`,
 * start-up and SIGHUP check them here, so that a target whose trust store
 * is missing is a FILE:LINE error, not a target that vanishes at run time
 * while everything looks green.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf/conf.h"

/*
 * How many PEM certificates file holds, or -1 with the reason in why.
 * Opened non-blocking, and only a regular file: a FIFO must not hang the
 * check.
 */
static int
conf_count_certs(const char *file, char *why, size_t whylen)
{
	struct stat	 st;
	FILE		*fp;
	X509		*x;
	int		 fd, n = 0;

	if ((fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "cannot read %s: %s", file,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file", file);
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(why, whylen, "cannot read %s: %s", file,
		    strerror(errno));
		close(fd);
		return -1;
	}
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	ERR_clear_error();	/* the end of the file reads as an error */
	fclose(fp);
	return n;
}

int
config_check_files(const struct sc_config *c, char *err, size_t errlen)
{
	const struct target_conf	*t;
	char				 why[600];
	size_t				 i;
	int				 n;

	for (i = 0; i < c->ntargets; i++) {
		t = &c->targets[i];
		if (t->ca_file == NULL)
			continue;
		if ((n = conf_count_certs(t->ca_file, why, sizeof(why))) == 0)
			snprintf(why, sizeof(why), "%s holds no PEM "
			    "certificate", t->ca_file);
		if (n <= 0) {
			snprintf(err, errlen, "%s:%d: target \"%s\": ca_file: "
			    "%s", c->path, t->ca_file_line, t->name, why);
			return -1;
		}
	}
	return config_check_profiles(c, err, errlen);
}
