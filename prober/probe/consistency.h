/*
 * consistency.h - do the frontends of one target look the same from
 * outside?  Different leaf certificates, TLS versions or identity outcomes
 * across frontends are the mark of a partial rollout.
 */
#ifndef SC_CONSISTENCY_H
#define SC_CONSISTENCY_H

#include <stddef.h>
#include <time.h>

#include "sipcanary.h"

/* One distinct value and the frontends (indexes into results) showing it. */
struct cons_group {
	const char	*value;		/* fingerprint, version or identity */
	time_t		 not_after;	/* leaf groups only */
	size_t		*members;
	size_t		 nmembers;
};

struct cons_dim {
	struct cons_group	*groups;
	size_t			 ngroups;
};

struct consistency {
	int		 ok;
	struct cons_dim	 leaf;		/* by leaf SHA-256 fingerprint */
	struct cons_dim	 version;	/* by negotiated TLS version */
	struct cons_dim	 identity;	/* by RFC 5922 identity matched */
	char		 why[256];
};

/*
 * Compares the frontends that completed a handshake.  With allow_mixed,
 * different leaf certificates alone are not an inconsistency.  Returns -1
 * on allocation failure.
 */
int	 consistency_check(const struct sc_result *, size_t n,
	    int allow_mixed, struct consistency *);
void	 consistency_clear(struct consistency *);

#endif /* SC_CONSISTENCY_H */
