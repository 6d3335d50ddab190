/* A module's jobs on the shared store (proxy/store_sync.h). */
#include "proxy/store_sync.h"

#include "core/log.h"
#include "core/status.h"
#include "proxy/modules.h"

int proxy_store_stmt_sql(struct proxy_store_stmt *c, db *d, const char *sql)
{
	if (c->d != d) {
		c->d = d;
		c->st = NULL;
	}
	return c->st ? SIP_OK : db_prepare_sql(d, sql, &c->st);
}

void proxy_store_outage_failed(struct proxy_store_outage *o, int status)
{
	__atomic_fetch_add(&o->errors, 1, __ATOMIC_RELAXED);
	if (!atomic_exchange(&o->down, true))
		LOG_WARN("%s%s%s", o->down_pre, sip_strerror(status), o->down_post);
	if (o->forget)
		o->forget();
}

void proxy_store_outage_ok(struct proxy_store_outage *o)
{
	if (atomic_exchange(&o->down, false))
		LOG_NOTICE("%s", o->back);
}

static void proxy_store_sync_tick(sip_timer *t, void *arg)
{
	struct proxy_store_sync *s = arg;
	if (!s->busy)
		s->round();
	sip_timer_add(s->w, t, s->ms);
}

void proxy_store_sync_start(struct proxy_store_sync *s, sip_timer_wheel *w, uint32_t ms)
{
	s->w = w;
	s->ms = ms;
	s->busy = false;
	atomic_store(&s->outage.down, false);
	sip_timer_init(&s->tm, proxy_store_sync_tick, s);
	sip_timer_add(w, &s->tm, ms);
	s->armed = true;
}

void proxy_store_sync_stop(struct proxy_store_sync *s)
{
	if (s->armed)
		sip_timer_cancel(s->w, &s->tm);
	s->armed = false;
}

bool proxy_store_sync_submit(struct proxy_store_sync *s, int rc, db_job_run run, db_job_done done,
			     void *arg)
{
	if (rc == SIP_OK && (rc = proxy_store_submit(run, done, arg)) == SIP_OK) {
		s->busy = true;
		return true;
	}
	proxy_store_outage_failed(&s->outage, rc);
	return false;
}

bool proxy_store_sync_done(struct proxy_store_sync *s, int status, bool ready)
{
	s->busy = false;
	if (proxy_db_stopping() || !ready)
		return false;
	if (status != SIP_OK) {
		proxy_store_outage_failed(&s->outage, status);
		return false;
	}
	proxy_store_outage_ok(&s->outage);
	return true;
}
