/* libFuzzer target for the time recurrence parser (core/timerec.h), which
 * the compiler runs on policy text. Beyond memory safety: a recurrence it
 * accepts has a positive duration and interval and lists within bounds,
 * the matcher runs on it at times around dtstart, and a one-time UTC
 * window holds exactly [dtstart, dtstart + duration). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timerec.h"

#define FUZZ_ASSERT(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_timerec r;
	char err[200];
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (!sip_timerec_parse(buf, size, &r, err, sizeof err)) {
		FUZZ_ASSERT(memchr(err, '\0', sizeof err) && err[0]);
		free(buf);
		return 0;
	}
	FUZZ_ASSERT(r.duration > 0 && r.interval >= 1);
	FUZZ_ASSERT(r.n_byday <= SIP_TIMEREC_MAXLIST && r.n_bymday <= SIP_TIMEREC_MAXLIST &&
		    r.n_byyearday <= SIP_TIMEREC_MAXLIST && r.n_byweekno <= SIP_TIMEREC_MAXLIST &&
		    r.n_bymonth <= SIP_TIMEREC_MAXLIST);
	FUZZ_ASSERT(!r.has_until || r.until >= r.dtstart);
	static const int64_t offs[] = { -1, 0, 1, 3599, 86399, 86400, 604800, 31622400 };
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
		(void)sip_timerec_match(&r, r.dtstart + offs[i] + r.duration);
	if (r.utc && r.freq == SIP_TR_NONE) {
		FUZZ_ASSERT(sip_timerec_match(&r, r.dtstart));
		FUZZ_ASSERT(sip_timerec_match(&r, r.dtstart + r.duration - 1));
		FUZZ_ASSERT(!sip_timerec_match(&r, r.dtstart + r.duration));
		FUZZ_ASSERT(!sip_timerec_match(&r, r.dtstart - 1));
	}
	free(buf);
	return 0;
}
