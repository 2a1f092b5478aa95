/*
 * clock.h - the monotonic clock used for every phase timing.
 */
#ifndef SC_CLOCK_H
#define SC_CLOCK_H

#include <sys/time.h>

/* sc_clock_now(), in sipcanary.h: seconds on CLOCK_MONOTONIC. */

/* Seconds -> struct timeval, for libevent timers. */
struct timeval sc_clock_tv(double);

#endif /* SC_CLOCK_H */
