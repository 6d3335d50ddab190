/* The policy's wall clock (core/clock.h). */
#include <stddef.h>
#include <time.h>
#include "core/clock.h"

static int64_t (*wall_source)(void);

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
