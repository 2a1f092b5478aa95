/*
 * timer.h - arming libevent timers with a delay in seconds, as the
 * program's configuration and backoffs count time.
 */
#ifndef SC_TIMER_H
#define SC_TIMER_H

struct event;

/*
 * (Re)arms ev to fire after seconds (a negative delay counts as 0: the
 * next turn of the loop).  Microsecond precision.
 */
void	timer_arm(struct event *ev, double seconds);

#endif /* SC_TIMER_H */
