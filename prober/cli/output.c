/*
 * output.c - the commands' standard output, checked.  stdio keeps a
 * write error to itself until someone asks (ferror) and forgets why
 * after the next flush; a report on a full disk or a closed pipe must
 * end the command with an error that says why, not exit 0 with half of
 * it (or none) written.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int	cli_out_errno;	/* the first write error on stdout, or 0 */

void
cli_flush(void)
{
	errno = 0;
	if (fflush(stdout) == EOF && cli_out_errno == 0)
		cli_out_errno = errno != 0 ? errno : EIO;
}

int
cli_output_done(const char *cmd, int rc, int fail)
{
	cli_flush();
	if (cli_out_errno == 0 && !ferror(stdout))
		return rc;
	/* A flush that failed inside stdio, before ours: its cause is gone. */
	fprintf(stderr, "sipcanary %s: cannot write the output: %s\n", cmd,
	    cli_out_errno != 0 ? strerror(cli_out_errno) : "write error");
	return fail;
}
