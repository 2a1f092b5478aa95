/*
 * workq.h - one thread that runs slow, self-contained work (password
 * hashing) off the event loop, and hands each job back on the loop.
 *
 * The loop must never wait for such work: the probes share it, and a
 * probe's timings are only as good as the loop's latency.  libevent is
 * not thread safe here (no evthread_use_pthreads()), so the thread
 * touches nothing but its job: it wakes the loop through a pipe, and
 * every libevent call stays on the loop.
 */
#ifndef SC_WORKQ_H
#define SC_WORKQ_H

#include <sys/queue.h>
#include <stddef.h>

struct event_base;
struct workq;

/*
 * A job, embedded in the caller's own structure.  work() runs on the
 * thread and may touch only the job; done() runs on the loop, once per
 * submitted job: ran is 1 after work(), 0 when workq_free() dropped the
 * job before it ran (or before it was handed back).
 */
struct workq_job {
	TAILQ_ENTRY(workq_job)	 entry;
	void			(*work)(struct workq_job *);
	void			(*done)(struct workq_job *, int ran);
};

/* A queue of at most max jobs on base.  NULL with err. */
struct workq	*workq_new(struct event_base *, size_t max, char *err,
		    size_t errlen);
/*
 * Queues job; the thread starts with the first.  0, or -1 with errno
 * (EAGAIN: max jobs are waiting or unfinished; else the thread could
 * not start), in which case done() is never called.
 */
int		 workq_submit(struct workq *, struct workq_job *);
/*
 * Stops the thread after its current job and joins it, then calls
 * done(job, 0) for every job not yet handed back.  NULL is a no-op.
 */
void		 workq_free(struct workq *);

#endif /* SC_WORKQ_H */
