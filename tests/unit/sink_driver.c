/*
 * sink_driver.c - a test driver for the alert sinks (tests/integration/
 * sink_*.sh): it loads a sipcanary.conf, makes every sink in it on its
 * own event_base, queues the notifications named on the command line,
 * and runs the loop until every outbox is empty.  It is what the daemon
 * does with sinks, without the probes, so that a test can kill it at
 * any moment and start it again.
 *
 *   sink_driver -c CONF [-w SECONDS] [-r SECONDS] [EVENT...]
 *
 *   EVENT	KIND,ALERTNAME,TARGET[,FRONTEND[,SEVERITY]], KIND one of
 *		trigger, resolve, refresh
 *   -w	run until every outbox is empty (exit 0) or SECONDS pass (exit
 *		1); 0: run until killed.  Default 30.
 *   -r	before exiting, send a refresh of every alert still firing
 *		every SECONDS (Alertmanager re-sends); 0: none (default).
 *
 * Each queued notification is written to stdout, once durable, as
 * "queued KIND ALERTNAME N" (N: 1 if queued, 0 if not for the sinks,
 * -1 on error), then "drained" or "timeout", and a line per sink with
 * its counters.  The sinks' log goes to stderr through log.c, as in the
 * daemon.  Exit 2: a usage or config error.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf/conf.h"
#include "common/log.h"
#include "alert/sink.h"

#define DRIVER_EVENTS	64

struct driver {
	struct event_base *base;
	struct sc_config *conf;
	struct sink	**sinks;
	size_t		 nsinks;
	struct alert	 firing[DRIVER_EVENTS];
	int		 nfiring;
	char		*blocks[DRIVER_EVENTS];	/* the events, split */
	int		 nblocks;
	double		 refresh;
	double		 wait;
	struct event	*tick;
	struct event	*stop;
};

static void
driver_log(void *arg, int level, const char *target, const char *frontend,
    const char *verdict, const char *msg)
{
	(void)arg;
	log_event((enum log_level)level, target, frontend, verdict, "%s", msg);
}

static int
driver_depth(const struct driver *d)
{
	size_t	 i, n = 0;

	for (i = 0; i < d->nsinks; i++)
		n += sink_depth(d->sinks[i]);
	return (int)n;
}

static void
driver_tick(evutil_socket_t fd, short what, void *arg)
{
	struct driver	*d = arg;
	size_t		 i;
	int		 j;

	(void)fd;
	(void)what;
	if (d->refresh > 0)
		for (j = 0; j < d->nfiring; j++)
			for (i = 0; i < d->nsinks; i++)
				sink_notify(d->sinks[i], &d->firing[j],
				    NOTIFY_REFRESH);
	if (driver_depth(d) == 0 && d->refresh <= 0)
		event_base_loopexit(d->base, NULL);
}

static void
driver_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static void
usage(void)
{
	fprintf(stderr, "usage: sink_driver -c CONF [-w SECONDS] "
	    "[-r SECONDS] [KIND,ALERTNAME,TARGET[,FRONTEND[,SEVERITY]]...]\n");
}

/* The options: the config's path, or NULL after a usage message. */
static const char *
driver_args(struct driver *d, int argc, char *argv[])
{
	const char	*conf = NULL;
	int		 ch;

	d->wait = 30;
	while ((ch = getopt(argc, argv, "c:r:w:")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'r':
			d->refresh = atof(optarg);
			break;
		case 'w':
			d->wait = atof(optarg);
			break;
		default:
			usage();
			return NULL;
		}
	}
	if (conf == NULL || argc - optind > DRIVER_EVENTS) {
		usage();
		return NULL;
	}
	return conf;
}

/* The event loop and a sink for each of the config's: 0, or -1. */
static int
driver_open(struct driver *d)
{
	char	 err[1024];
	size_t	 i;

	if ((d->base = event_base_new()) == NULL ||
	    (d->sinks = calloc(d->conf->nsinks + 1, sizeof(*d->sinks))) ==
	    NULL)
		return -1;
	for (i = 0; i < d->conf->nsinks; i++) {
		if ((d->sinks[i] = sink_new(d->base, &d->conf->sinks[i],
		    d->conf->state_dir, err, sizeof(err))) == NULL) {
			fprintf(stderr, "sink_driver: %s\n", err);
			return -1;
		}
		d->nsinks++;
	}
	return 0;
}

/*
 * Queues the event arg, KIND,ALERTNAME,TARGET[,FRONTEND[,SEVERITY]], on
 * every sink, and says so on stdout: 0, or -1 when it is bad.
 */
static int
driver_event(struct driver *d, const char *arg, time_t now)
{
	struct alert	 a;
	char		 summary[256], *f[5], *s;
	size_t		 i;
	int		 n, k;

	if ((s = strdup(arg)) == NULL)
		return -1;
	memset(f, 0, sizeof(f));
	for (n = 0; n < 5 && (f[n] = strsep(&s, ",")) != NULL; n++)
		;
	d->blocks[d->nblocks++] = f[0];
	if (n < 3 || (strcmp(f[0], "trigger") != 0 &&
	    strcmp(f[0], "resolve") != 0 && strcmp(f[0], "refresh") != 0)) {
		fprintf(stderr, "sink_driver: bad event %s\n", arg);
		return -1;
	}
	a = (struct alert){
		.alertname = f[1], .target = f[2],
		.frontend = f[3] != NULL ? f[3] : "",
		.severity = f[4] != NULL ? f[4] : "critical",
		.vantage = d->conf->vantage, .owner = "voice-sre",
		.summary = summary,
		.description = "raised by tests/unit/sink_driver",
		.verdict = "cert_expired", .fingerprint = "AB:CD:EF",
		.not_after = "2025-11-24T15:00:00Z",
		.runbook_url = "https://wiki.example/runbooks/sipcanary",
		.starts_at = now, .firing = strcmp(f[0], "resolve") != 0,
	};
	snprintf(summary, sizeof(summary), "%s on %s %s (test driver)", f[1],
	    f[2], a.frontend);
	a.ends_at = a.firing ? 0 : time(NULL);
	for (i = 0, k = 0; i < d->nsinks; i++) {
		n = sink_notify(d->sinks[i], &a, strcmp(f[0], "trigger") == 0 ?
		    NOTIFY_TRIGGER : strcmp(f[0], "resolve") == 0 ?
		    NOTIFY_RESOLVE : NOTIFY_REFRESH);
		if (n != 0)
			k = n;
	}
	printf("queued %s %s %d\n", f[0], f[1], k);
	fflush(stdout);
	/* The strings stay until the end: refreshes use them. */
	if (a.firing && d->nfiring < DRIVER_EVENTS) {
		a.summary = strdup(summary);
		d->firing[d->nfiring++] = a;
	}
	return 0;
}

static struct timeval
driver_tv(double secs)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	return tv;
}

/*
 * Runs the loop until every outbox is empty (and no refreshes are due)
 * or d->wait passes, and prints the outcome: 0 drained, 1 not, 2 when
 * the loop could not be set up.
 */
static int
driver_run(struct driver *d)
{
	struct timeval	 tv;
	size_t		 i;
	int		 rc;

	if ((d->tick = event_new(d->base, -1, EV_PERSIST, driver_tick, d)) ==
	    NULL || (d->stop = evtimer_new(d->base, driver_timeout,
	    d->base)) == NULL)
		return 2;
	tv.tv_sec = 0;
	tv.tv_usec = 100000;
	if (d->refresh > 0)
		tv = driver_tv(d->refresh);
	event_add(d->tick, &tv);
	if (d->wait > 0) {
		tv = driver_tv(d->wait);
		evtimer_add(d->stop, &tv);
	}
	event_base_dispatch(d->base);
	rc = driver_depth(d) == 0 ? 0 : 1;
	printf("%s\n", rc == 0 ? "drained" : "timeout");
	for (i = 0; i < d->nsinks; i++)
		printf("sink %s sent=%llu failed=%llu dropped=%llu depth=%zu\n",
		    sink_name(d->sinks[i]), (unsigned long long)
		    sink_notifications(d->sinks[i], SINK_SENT),
		    (unsigned long long)sink_notifications(d->sinks[i],
		    SINK_FAILED), (unsigned long long)sink_dropped(d->sinks[i]),
		    sink_depth(d->sinks[i]));
	return rc;
}

static void
driver_free(struct driver *d)
{
	size_t	 i;
	int	 j;

	for (j = 0; j < d->nfiring; j++)
		free((char *)d->firing[j].summary);
	for (j = 0; j < d->nblocks; j++)
		free(d->blocks[j]);
	for (i = 0; i < d->nsinks; i++)
		sink_free(d->sinks[i]);
	free(d->sinks);
	if (d->tick != NULL)
		event_free(d->tick);
	if (d->stop != NULL)
		event_free(d->stop);
	if (d->base != NULL)
		event_base_free(d->base);
	config_free(d->conf);
}

int
main(int argc, char *argv[])
{
	struct driver	 d;
	char		 err[1024];
	const char	*conf;
	time_t		 now = time(NULL);
	int		 j, rc = 2;

	memset(&d, 0, sizeof(d));
	if ((conf = driver_args(&d, argc, argv)) == NULL)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_LOGFMT, LOG_DEBUG);
	sink_set_log(driver_log, NULL);
	if ((d.conf = config_load(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sink_driver: %s\n", err);
		return 2;
	}
	if (driver_open(&d) == -1)
		goto done;
	for (j = optind; j < argc; j++)
		if (driver_event(&d, argv[j], now) == -1)
			goto done;
	rc = driver_run(&d);
done:
	driver_free(&d);
	return rc;
}
