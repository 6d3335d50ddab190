/* The runtime's clocks (core/clock.h). */
#include <stddef.h>
#include <time.h>
#include "core/clock.h"

static int64_t (*wall_source)(void);

uint64_t sip_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct timespec sip_realtime_after_us(uint64_t us)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(us / 1000000u);
	ts.tv_nsec += (long)(us % 1000000u) * 1000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int64_t sip_wall_now(void)
{
	if (__builtin_expect(wall_source != NULL, 0))
		return wall_source();
	return (int64_t)time(NULL);
}

void sip_wall_set_source(int64_t (*fn)(void))
{
	wall_source = fn;
}
