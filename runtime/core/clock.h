/* The clocks of the runtime. The wall clock the policy sees: $time, $utime, $Ts and check_time_rec()
 * read it. time(NULL) unless a test engine set a source of its own
 * (runtime/test), so a test case decides what time of day it runs at.
 * Timers and expiries keep the monotonic clock of the loop. */
#ifndef SIPCC_CORE_CLOCK_H
#define SIPCC_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* The monotonic clock in milliseconds: the real one, which a test engine
 * does not move (the loop's clock, net/loop.h sip_loop_clock_ms, is this
 * plus what a test skipped). */
uint64_t sip_mono_ms(void);
/* The CLOCK_REALTIME time us microseconds from now, the deadline
 * pthread_cond_timedwait() takes. */
struct timespec sip_realtime_after_us(uint64_t us);

/* Seconds since the epoch. */
int64_t sip_wall_now(void);
/* Read the wall clock through fn from now on (NULL: time(NULL) again). */
void sip_wall_set_source(int64_t (*fn)(void));

#endif
