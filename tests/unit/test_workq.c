/*
 * test_workq.c - the worker queue of the endpoint's password checks:
 * jobs run on the thread and come back on the loop, the bound refuses
 * at once (EAGAIN, no done), and workq_free() hands back every job not
 * yet handed back, run or not, exactly once.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "common/workq.h"

struct job {
	struct workq_job	 job;		/* first */
	struct event_base	*base;
	int			 worked, done, ran;
	int			*ndone;
};

static void
job_work(struct workq_job *wj)
{
	((struct job *)wj)->worked++;
}

static void
job_done(struct workq_job *wj, int ran)
{
	struct job	*j = (struct job *)wj;

	j->done++;
	j->ran = ran;
	if (++*j->ndone == 2)
		event_base_loopbreak(j->base);
}

static void
job_init(struct job *j, struct event_base *base, int *ndone)
{
	memset(j, 0, sizeof(*j));
	j->job.work = job_work;
	j->job.done = job_done;
	j->base = base;
	j->ndone = ndone;
}

static void
test_run_and_bound(void **state)
{
	struct event_base	*base = event_base_new();
	struct workq		*q;
	struct job		 j[3];
	char			 err[256];
	int			 i, ndone = 0;

	(void)state;
	assert_non_null(base);
	assert_non_null(q = workq_new(base, 2, err, sizeof(err)));
	for (i = 0; i < 3; i++)
		job_init(&j[i], base, &ndone);
	assert_int_equal(workq_submit(q, &j[0].job), 0);
	assert_int_equal(workq_submit(q, &j[1].job), 0);
	errno = 0;
	assert_int_equal(workq_submit(q, &j[2].job), -1);
	assert_int_equal(errno, EAGAIN);
	/* Both come back on the loop, which the second one breaks. */
	assert_int_equal(event_base_dispatch(base), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(j[i].worked, 1);
		assert_int_equal(j[i].done, 1);
		assert_int_equal(j[i].ran, 1);
	}
	assert_int_equal(j[2].done, 0);
	/* Room again. */
	ndone = 0;
	assert_int_equal(workq_submit(q, &j[2].job), 0);
	workq_free(q);
	assert_int_equal(j[2].done, 1);
	assert_int_equal(j[2].ran, 0);
	event_base_free(base);
}

static void
test_free_hands_back(void **state)
{
	struct event_base	*base = event_base_new();
	char			 err[256];
	struct workq		*q;
	struct job		 j[2];
	int			 ndone = 0;

	(void)state;
	workq_free(NULL);
	/* Never started: no thread to join. */
	assert_non_null(q = workq_new(base, 4, err, sizeof(err)));
	workq_free(q);
	/* Freed at once: each job back once, as not run. */
	assert_non_null(q = workq_new(base, 4, err, sizeof(err)));
	job_init(&j[0], base, &ndone);
	job_init(&j[1], base, &ndone);
	assert_int_equal(workq_submit(q, &j[0].job), 0);
	assert_int_equal(workq_submit(q, &j[1].job), 0);
	workq_free(q);
	assert_int_equal(j[0].done, 1);
	assert_int_equal(j[1].done, 1);
	assert_int_equal(j[0].ran + j[1].ran, 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_and_bound),
		cmocka_unit_test(test_free_hands_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
