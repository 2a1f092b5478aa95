/*
 * httpd_conn.h - the HTTP endpoint's connections (httpd_conn.c), as
 * httpd.c sees them: the caps, the request-head deadline and accept()
 * failures.  Internal to web/: the daemon uses web/httpd.h.
 */
#ifndef SC_HTTPD_CONN_H
#define SC_HTTPD_CONN_H

struct bufferevent;
struct event_base;
struct evconnlistener;
struct evhttp_request;
struct hconns;
struct httpd_limits;
struct httpd_stats;

/*
 * Watches the connections that listener (evhttp's, already bound)
 * accepts, with the default limits.  NULL without memory.
 */
struct hconns	*hconns_new(struct event_base *, struct evconnlistener *);
/*
 * Forgets every connection; call it before evhttp_free(), which then
 * closes them.  NULL is a no-op.
 */
void		 hconns_free(struct hconns *);

/* From evhttp's bufferevent callback: bev is a new connection's. */
void		 hconns_accepted(struct hconns *, struct bufferevent *);
/* A request head arrived complete (the dispatch): its deadline is off. */
void		 hconns_request(struct hconns *, struct evhttp_request *);

int		 hconns_set_limits(struct hconns *, const struct httpd_limits *);
void		 hconns_get_limits(const struct hconns *, struct httpd_limits *);
void		 hconns_get_stats(const struct hconns *, struct httpd_stats *);
void		 hconns_set_log(struct hconns *, void (*)(void *, const char *),
		    void *);

#endif /* SC_HTTPD_CONN_H */
