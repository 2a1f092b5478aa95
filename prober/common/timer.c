/*
 * timer.c - a delay in seconds (a double, as configurations and backoffs
 * count it) turned into libevent's struct timeval (see timer.h).
 */
#include "config.h"

#include <sys/time.h>

#include <event2/event.h>

#include "common/timer.h"

void
timer_arm(struct event *ev, double seconds)
{
	struct timeval	 tv;

	if (seconds < 0)
		seconds = 0;
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	evtimer_add(ev, &tv);
}
