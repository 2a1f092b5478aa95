/*
 * sink_format.h - inside prober/alert: the bodies sink.c queues and
 * sends, built by sink_format.c.
 */
#ifndef SC_SINK_FORMAT_H
#define SC_SINK_FORMAT_H

#include <stddef.h>
#include <time.h>

#include "alert/sink.h"

/*
 * The body of a for conf's sink as stored in the outbox: without the
 * routing key.  id is the notification id (webhooks carry it),
 * dedup_key the alert identity's.  A malloc'ed string; NULL if kind does
 * not apply to the type, or out of memory.
 */
char	*sink_build(const struct sink_conf *, const struct alert *,
	    enum notify_kind, const char *id, time_t now,
	    const char *dedup_key);

/*
 * The body as sent: for PagerDuty (type) with a secret, routing_key
 * first, then the stored object's members; else body as is.  A malloc'ed
 * copy (length in *outlen); NULL when out of memory.
 */
char	*sink_wire(int type, const char *secret, const char *body,
	    size_t len, size_t *outlen);

#endif /* SC_SINK_FORMAT_H */
