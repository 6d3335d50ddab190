/* Time conditions (stdlib/time.sipi): $time(field) and $utime(field), and
 * check_time_rec() over core/timerec.h. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/log.h"
#include "core/worker.h"
#include "core/timerec.h"
#include "proxy/proxy.h"
#include "proxy/policy_fns.h"

/* A field of t's broken-down time as $time shows it; -1 for a name the
 * compiler would have refused. */
static int64_t time_field(const struct tm *t, const char *name, size_t len)
{
	static const char *const names[] = { "sec", "min", "hour", "mday", "mon", "year",
					     "wday", "yday", "isdst" };
	const int64_t v[] = { t->tm_sec, t->tm_min, t->tm_hour, t->tm_mday, t->tm_mon + 1,
			      (int64_t)t->tm_year + 1900, t->tm_wday + 1, t->tm_yday + 1,
			      t->tm_isdst > 0 };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return v[i];
	return -1;
}

int64_t sipcc_pv_time_get(struct sip_ctx *ctx, const char *name, size_t len)
{
	(void)ctx;
	time_t now = (time_t)sip_wall_now();
	struct tm t;
	return localtime_r(&now, &t) ? time_field(&t, name, len) : -1;
}

int64_t sipcc_pv_utime_get(struct sip_ctx *ctx, const char *name, size_t len)
{
	(void)ctx;
	time_t now = (time_t)sip_wall_now();
	struct tm t;
	return gmtime_r(&now, &t) ? time_field(&t, name, len) : -1;
}

/* Parsed recurrences: a policy has a few literals, each parsed once. The
 * text is compared, not only its address, so a define and a literal
 * with the same text share an entry. */
#define TIME_REC_CACHE 8
static SIP_PER_WORKER struct time_rec {
	char text[256];
	size_t len;
	bool ok;
	struct sip_timerec rec;
} time_rec[TIME_REC_CACHE];
static SIP_PER_WORKER unsigned time_rec_n, time_rec_next;

static const struct time_rec *time_rec_get(const char *s, size_t len)
{
	for (unsigned i = 0; i < time_rec_n; i++)
		if (time_rec[i].len == len && memcmp(time_rec[i].text, s, len) == 0)
			return &time_rec[i];
	if (len >= sizeof time_rec[0].text)
		return NULL;
	struct time_rec *e = &time_rec[time_rec_next++ % TIME_REC_CACHE];
	if (time_rec_n < TIME_REC_CACHE)
		time_rec_n++;
	char err[160];
	memcpy(e->text, s, len);
	e->len = len;
	e->ok = sip_timerec_parse(s, len, &e->rec, err, sizeof err);
	if (!e->ok)
		LOG_ERR("check_time_rec: \"%.*s\": %s", (int)len, s, err);
	return e;
}

int64_t sipcc_fn_check_time_rec(struct sip_ctx *ctx, const char *s, size_t len)
{
	(void)ctx;
	const struct time_rec *e = time_rec_get(s, len);
	return e && e->ok && sip_timerec_match(&e->rec, sip_wall_now());
}
