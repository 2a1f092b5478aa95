/*
 * reg.h - a REGISTER client binding (RFC 3261 §10): builds each REGISTER
 * and interprets each response, with digest challenges and 423
 * Min-Expires handled.  No I/O and no timers: the caller sends what
 * sc_reg_build() returns and feeds back what arrives, which keeps this state
 * machine testable on its own.  Internal to the sip/ library.
 */
#ifndef SC_REG_H
#define SC_REG_H

#include <stddef.h>
#include <sofia-sip/msg.h>

#include "sipcanary.h"

struct reg_params {
	const char	*domain;	/* registrar domain (request-URI, AOR) */
	const char	*user;		/* AOR user and digest username */
	const char	*password;	/* NULL or "" if no credentials */
	const char	*local_ip;	/* for Via and Contact */
	unsigned	 local_port;
	const char	*user_agent;
	/*
	 * A token that names this client's binding across connections:
	 * the Contact becomes <sip:USER@HOST;transport=tls;sc=TOKEN>, the
	 * same after a reconnect, so that re-registering replaces the
	 * binding instead of leaving one per connection behind (RFC 3261
	 * §10.2.4).  NULL: the Contact names this connection's address.
	 */
	const char	*contact_token;
	int		 ws;		/* WSS: Via SIP/2.0/WSS, transport=ws */
};

enum reg_action {
	REG_IGNORE = 0,		/* not ours: discard (RFC 3261 §8.1.3.3) */
	REG_PROVISIONAL,	/* 1xx for the current request */
	REG_RESEND,		/* send sc_reg_build() again (auth, 423) */
	REG_DONE		/* final: see *verdict */
};

struct reg;

struct reg	*sc_reg_new(const struct reg_params *);
void		 sc_reg_free(struct reg *);

/*
 * The next REGISTER for expires seconds: a new branch, CSeq + 1, and
 * credentials for the last challenge.  Returns a malloc'ed wire form and,
 * when redacted is not NULL, a copy safe to trace (digest response and
 * nonce-derived values blanked).  NULL with a reason in err.
 */
char		*sc_reg_build(struct reg *, unsigned expires, size_t *len,
		    char **redacted, char *err, size_t errlen);

/*
 * REGISTER with Contact: * and Expires: 0: removes every binding of the
 * AOR, including those other connections left (RFC 3261 §10.2.2).
 */
char		*sc_reg_build_remove_all(struct reg *, size_t *len,
		    char **redacted, char *err, size_t errlen);

/*
 * An OPTIONS with the binding's AOR in From and To, answered through
 * sc_reg_response() like a REGISTER (credentials included when challenged).
 */
char		*sc_reg_build_options(struct reg *, size_t *len,
		    char **redacted, char *err, size_t errlen);

/*
 * Interprets a response.  For REG_DONE, *verdict and why say how the
 * registration ended.  The message stays the caller's.
 */
enum reg_action	 sc_reg_response(struct reg *, msg_t *,
		    enum sc_verdict *verdict, char *why, size_t whylen);

/* The expiry the current request asks for (after any 423 raise). */
unsigned	 sc_reg_expires(const struct reg *);
int		 sc_reg_final_status(const struct reg *);
unsigned	 sc_reg_granted(const struct reg *);	/* seconds granted */
const char	*sc_reg_auth_algorithm(const struct reg *);
unsigned	 sc_reg_unmatched(const struct reg *);	/* responses ignored */

#endif /* SC_REG_H */
