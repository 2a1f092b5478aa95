/*
 * report.h - rendering the outcome of a check for people (a table), for
 * programs (JSON) and for Nagios/Icinga (plugin output with perfdata).
 */
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include <stdio.h>

#include "probe/consistency.h"
#include "sipcanary.h"

struct check_report {
	char			*target;	/* the URI as given */
	char			*owner;		/* who owns it, or NULL */
	char			*profile;	/* the TLS client profile probed
						   as (--profile), or NULL */
	int			 sip;		/* SIP was probed (check) */
	enum sc_verdict		 verdict;	/* overall */
	enum sc_severity	 severity;
	char			 error[256];	/* target-level reason */
	double			 dns_seconds;	/* -1: no lookup made */
	struct sc_result	*results;
	size_t			 nresults;
	struct sc_frontend	*frontends;	/* where each result came from */
	struct consistency	 consistency;
};

#include <jansson.h>

/* The JSON document of one target. */
json_t	*report_json_doc(const struct check_report *);
/* One frontend's object in it (f may be NULL); the daemon's too. */
json_t	*report_json_frontend(const struct sc_result *,
	    const struct sc_frontend *, int sip);
void	 report_json(FILE *, const struct check_report *);
void	 report_text(FILE *, const struct check_report *);
void	 report_nagios(FILE *, const struct check_report *);
/*
 * certs --nagios: one status line for one target, the earliest expiry,
 * and days_left with the warn and crit thresholds in its perfdata.
 */
void	 report_certs_nagios(FILE *, const struct check_report *,
	    int warn_days, int crit_days);
void	 report_certs_text(FILE *, const struct check_report *);
void	 report_text_cert(FILE *, const struct sc_result *);
void	 report_csv_header(FILE *);
void	 report_csv(FILE *, const struct check_report *);

/* "2027-11-28T00:00:00Z" */
void	report_time_iso(time_t, char *, size_t);

#endif /* SC_REPORT_H */
