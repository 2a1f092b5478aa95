/*
 * clock.h - the monotonic clock used for every phase timing.
 */
#ifndef SC_CLOCK_H
#define SC_CLOCK_H

#include <sys/time.h>

/* Seconds on CLOCK_MONOTONIC. */
double	 clock_now(void);

/* Seconds -> struct timeval, for libevent timers. */
struct timeval clock_tv(double);

#endif /* SC_CLOCK_H */
