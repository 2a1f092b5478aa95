/*
 * workq.c - one worker thread and its bounded queue (workq.h).
 *
 * Owns: the thread, the jobs waiting for it (todo) and those it finished
 * (finished), both under one mutex, and the self-pipe that wakes the loop
 * when a job is finished.  The thread starts with the first job, so a
 * daemon that never needs it never has it, and it blocks every signal:
 * they are the loop's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/workq.h"

TAILQ_HEAD(workq_jobs, workq_job);

struct workq {
	struct event_base	*base;
	size_t			 max;
	size_t			 njobs;		/* submitted, not handed back */
	int			 wake[2];	/* the self-pipe */
	struct event		*ev_wake;
	pthread_t		 thread;
	int			 running;
	/* Shared with the thread, under mtx. */
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	struct workq_jobs	 todo;
	struct workq_jobs	 finished;
	int			 stop;
};

static void *
workq_main(void *arg)
{
	struct workq		*q = arg;
	struct workq_job	*j;
	ssize_t			 n;

	pthread_mutex_lock(&q->mtx);
	for (;;) {
		while (!q->stop && TAILQ_EMPTY(&q->todo))
			pthread_cond_wait(&q->cv, &q->mtx);
		if (q->stop)
			break;
		j = TAILQ_FIRST(&q->todo);
		TAILQ_REMOVE(&q->todo, j, entry);
		pthread_mutex_unlock(&q->mtx);
		j->work(j);
		pthread_mutex_lock(&q->mtx);
		TAILQ_INSERT_TAIL(&q->finished, j, entry);
		/*
		 * One byte a job, at most max bytes in the pipe: it never
		 * fills, and the loop drains it whole on each wake-up.
		 */
		n = write(q->wake[1], "", 1);
		(void)n;
	}
	pthread_mutex_unlock(&q->mtx);
	return NULL;
}

/* On the loop: the finished jobs go back to their owners. */
static void
workq_wake(evutil_socket_t fd, short what, void *arg)
{
	struct workq		*q = arg;
	struct workq_jobs	 back = TAILQ_HEAD_INITIALIZER(back);
	struct workq_job	*j;
	char			 buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&q->mtx);
	TAILQ_CONCAT(&back, &q->finished, entry);
	pthread_mutex_unlock(&q->mtx);
	while ((j = TAILQ_FIRST(&back)) != NULL) {
		TAILQ_REMOVE(&back, j, entry);
		q->njobs--;
		j->done(j, 1);
	}
}

static int
workq_start(struct workq *q)
{
	sigset_t	all, old;
	int		e;

	if (event_add(q->ev_wake, NULL) == -1) {
		errno = ENOMEM;
		return -1;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&q->thread, NULL, workq_main, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		event_del(q->ev_wake);
		errno = e;
		return -1;
	}
	q->running = 1;
	return 0;
}

int
workq_submit(struct workq *q, struct workq_job *j)
{
	if (q->njobs >= q->max) {
		errno = EAGAIN;
		return -1;
	}
	if (!q->running && workq_start(q) == -1)
		return -1;
	pthread_mutex_lock(&q->mtx);
	TAILQ_INSERT_TAIL(&q->todo, j, entry);
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mtx);
	q->njobs++;
	return 0;
}

struct workq *
workq_new(struct event_base *base, size_t max, char *err, size_t errlen)
{
	struct workq	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->base = base;
	q->max = max;
	q->wake[0] = q->wake[1] = -1;
	TAILQ_INIT(&q->todo);
	TAILQ_INIT(&q->finished);
	pthread_mutex_init(&q->mtx, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (pipe2(q->wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "worker pipe: %s (raise the limit on "
		    "open files: ulimit -n)", strerror(errno));
		goto fail;
	}
	if ((q->ev_wake = event_new(base, q->wake[0], EV_READ | EV_PERSIST,
	    workq_wake, q)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return q;
fail:
	workq_free(q);
	return NULL;
}

/* Hands every job of jobs back as not run. */
static void
workq_drop(struct workq *q, struct workq_jobs *jobs)
{
	struct workq_job	*j;

	while ((j = TAILQ_FIRST(jobs)) != NULL) {
		TAILQ_REMOVE(jobs, j, entry);
		q->njobs--;
		j->done(j, 0);
	}
}

void
workq_free(struct workq *q)
{
	if (q == NULL)
		return;
	if (q->running) {
		pthread_mutex_lock(&q->mtx);
		q->stop = 1;
		pthread_cond_signal(&q->cv);
		pthread_mutex_unlock(&q->mtx);
		pthread_join(q->thread, NULL);
	}
	/* The thread is gone: no lock needed. */
	workq_drop(q, &q->finished);
	workq_drop(q, &q->todo);
	if (q->ev_wake != NULL)
		event_free(q->ev_wake);
	if (q->wake[0] != -1)
		close(q->wake[0]);
	if (q->wake[1] != -1)
		close(q->wake[1]);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mtx);
	free(q);
}
