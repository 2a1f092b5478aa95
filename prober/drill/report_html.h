/*
 * report_html.h - the drill report as one self-contained HTML page.
 */
#ifndef SC_REPORT_HTML_H
#define SC_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Writes the HTML page of a drill report (version 1 JSON, one shard or
 * merged) to out.  Returns 0, or -1 with a message in err when the
 * report is not readable or writing failed.
 */
int	report_html_write(FILE *out, json_t *report, char *err,
	    size_t errlen);

#endif /* SC_REPORT_HTML_H */
