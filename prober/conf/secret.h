/*
 * secret.h - reading secrets (passwords, keys) from files or the
 * environment, never from argv.
 */
#ifndef SC_SECRET_H
#define SC_SECRET_H

#include <stddef.h>

/*
 * Reads the first line of path.  The file must not be readable by group
 * or others unless insecure is set.  Returns a malloc'ed string, or NULL
 * with a message that suggests the fix in err.
 */
char	*secret_read_file(const char *path, int insecure, char *err,
	    size_t errlen);

/* Wipes and frees a secret; accepts NULL. */
void	 secret_free(char *);

#endif /* SC_SECRET_H */
