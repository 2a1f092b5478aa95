/*
 * report.h - rendering the outcome of a check for people (a table), for
 * programs (JSON) and for Nagios/Icinga (plugin output with perfdata).
 */
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include <stdio.h>

#include "sipcanary.h"

struct check_report {
	const char		*target;	/* the URI as given */
	enum sc_verdict		 verdict;	/* overall */
	enum sc_severity	 severity;
	char			 error[256];	/* target-level reason */
	double			 dns_seconds;	/* -1: no lookup made */
	struct sc_result	*results;
	size_t			 nresults;
};

void	report_json(FILE *, const struct check_report *);
void	report_text(FILE *, const struct check_report *);
void	report_nagios(FILE *, const struct check_report *);

/* "2027-11-28T00:00:00Z" */
void	report_time_iso(time_t, char *, size_t);

#endif /* SC_REPORT_H */
