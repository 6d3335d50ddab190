/* Tables cached from the database (see db_cache.h). */
#include "db/db_cache.h"

#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/qsbr.h"
#include "core/stats.h"
#include "core/status.h"

/* Most caches whose statistics are registered at once. The names and
 * counters live here, in static storage, because the statistics registry
 * keeps pointers to both for the life of the process, longer than a cache
 * that a test or a restart destroys. */
#define DB_CACHE_STAT_SLOTS 32

struct db_cache_stat_slot {
	char reloads_name[SIP_STAT_NAME_MAX];
	char failures_name[SIP_STAT_NAME_MAX];
	db_cache_stats v;
};

static struct db_cache_stat_slot db_cache_slots[DB_CACHE_STAT_SLOTS];

/* A request waiting for a load. */
struct db_cache_waiter {
	db_cache_done_fn done;
	void *arg;
	struct db_cache_waiter *next;
};

/* One load in flight: the worker fills snap. Separate from the cache so
 * that a cache destroyed meanwhile leaves the job something to free. */
struct db_cache_job {
	db_cache *c;                /* NULL once the cache is gone */
	const db_cache_def *def;
	void *snap;
	char err[200];              /* the handle's error text after a failure */
};

struct db_cache {
	const db_cache_def *def;
	void *snap;
	db_cache_submit_fn submit;
	sip_timer_wheel *w;
	sip_timer tm;
	unsigned interval_ms;
	struct db_cache_job *job;           /* the load running, or NULL */
	struct db_cache_waiter *cur;        /* complete with the running load */
	struct db_cache_waiter *next;       /* complete with the load after it */
	bool again;                         /* one more load after this one */
	bool failing;                       /* last load failed (logged once) */
	char err[240];                      /* why the last load failed */
	db_cache_stats own;                 /* before db_cache_start */
	db_cache_stats *st;
};

int db_cache_create(const db_cache_def *def, db_cache **out)
{
	db_cache *c = sip_mem_alloc(sizeof *c);

	*out = NULL;
	if (!c)
		return SIP_NOMEM;
	memset(c, 0, sizeof *c);
	c->def = def;
	c->st = &c->own;
	*out = c;
	return SIP_OK;
}

/* Call and free a list of waiters. */
static void db_cache_complete(db_cache *c, struct db_cache_waiter *list, int status)
{
	while (list) {
		struct db_cache_waiter *wt = list;
		list = wt->next;
		if (wt->done)
			wt->done(c, status, wt->arg);
		sip_mem_free(wt);
	}
}

void db_cache_destroy(db_cache *c)
{
	if (!c)
		return;
	if (c->w)
		sip_timer_cancel(c->w, &c->tm);
	if (c->job)
		c->job->c = NULL;
	struct db_cache_waiter *cur = c->cur, *next = c->next;
	c->cur = c->next = NULL;
	db_cache_complete(c, cur, SIP_ESTATE);
	db_cache_complete(c, next, SIP_ESTATE);
	if (c->snap)
		c->def->free(c->snap);
	sip_mem_free(c);
}

const void *db_cache_get(const db_cache *c)
{
	return c ? __atomic_load_n(&c->snap, __ATOMIC_SEQ_CST) : NULL;
}

bool db_cache_watches(const db_cache *c, const char *tbl)
{
	const char *const *t = c->def->tables;
	for (; t && *t; t++)
		if (strcmp(*t, tbl) == 0)
			return true;
	return false;
}

const char *db_cache_name(const db_cache *c)
{
	return c->def->name;
}

const char *db_cache_reload_cmd(const db_cache *c)
{
	return c->def->reload_cmd;
}

const char *db_cache_error(const db_cache *c)
{
	return c->err;
}

void db_cache_get_stats(const db_cache *c, db_cache_stats *out)
{
	*out = *c->st;
}

bool db_cache_loading(const db_cache *c)
{
	return c->job != NULL;
}

/* A new snapshot takes over; the old one is freed once no worker can hold
 * it (at once with one worker), which is safe because nothing keeps a
 * snapshot beyond the event it runs (see the header; core/qsbr.h). */
static void db_cache_swap(db_cache *c, void *snap)
{
	void *old = c->snap;

	__atomic_store_n(&c->snap, snap, __ATOMIC_SEQ_CST);
	c->st->reloads++;
	if (c->failing)
		LOG_NOTICE("%s: tables loaded again", c->def->name);
	c->failing = false;
	if (old)
		sip_qsbr_retire(c->def->free, old);
	if (c->def->loaded)
		c->def->loaded(c, snap);
}

static void db_cache_failed(db_cache *c, int status, const char *why)
{
	c->st->failures++;
	snprintf(c->err, sizeof c->err, "%s%s%s", sip_strerror(status), why && why[0] ? ": " : "",
		 why ? why : "");
	if (!c->failing)
		LOG_WARN("%s: cannot load the tables (%s); %s", c->def->name, c->err,
			 c->snap ? "the last loaded copy stays in use" : "nothing is loaded yet");
	c->failing = true;
}

int db_cache_load_now(db_cache *c, db *d)
{
	void *snap = NULL;
	int rc = c->def->load(d, &snap);

	if (rc == SIP_OK && snap) {
		db_cache_swap(c, snap);
		return SIP_OK;
	}
	if (snap)
		c->def->free(snap);
	if (rc == SIP_OK)
		rc = SIP_NOMEM;
	db_cache_failed(c, rc, db_error(d));
	return rc;
}

/* On the worker's thread. */
static int db_cache_job_run(db *d, void *arg)
{
	struct db_cache_job *j = arg;
	void *snap = NULL;
	int rc = j->def->load(d, &snap);

	if (rc != SIP_OK && snap) {
		j->def->free(snap);
		snap = NULL;
	}
	if (rc == SIP_OK && !snap)
		rc = SIP_NOMEM;
	if (rc != SIP_OK)
		snprintf(j->err, sizeof j->err, "%s", db_error(d));
	j->snap = snap;
	return rc;
}

static int db_cache_start_load(db_cache *c);

/* On the loop's thread: swap the snapshot in (or keep the old one), tell
 * the requests of this load, and start the next one when asked for. */
static void db_cache_job_done(int status, void *arg)
{
	struct db_cache_job *j = arg;
	db_cache *c = j->c;

	if (!c) {
		if (j->snap)
			j->def->free(j->snap);
		sip_mem_free(j);
		return;
	}
	c->job = NULL;
	if (status == SIP_OK)
		db_cache_swap(c, j->snap);
	else
		db_cache_failed(c, status, j->err);
	sip_mem_free(j);
	struct db_cache_waiter *done = c->cur;
	c->cur = NULL;
	if (c->again) {
		c->again = false;
		c->cur = c->next;
		c->next = NULL;
		int rc = db_cache_start_load(c);
		if (rc != SIP_OK) {
			struct db_cache_waiter *failed = c->cur;
			c->cur = NULL;
			db_cache_failed(c, rc, NULL);
			db_cache_complete(c, failed, rc);
		}
	}
	db_cache_complete(c, done, status);
}

/* Submit a load; c->job is set before submit, which may complete the job
 * before it returns. */
static int db_cache_start_load(db_cache *c)
{
	struct db_cache_job *j;
	int rc;

	if (!c->submit)
		return SIP_ESTATE;
	j = sip_mem_alloc(sizeof *j);
	if (!j)
		return SIP_NOMEM;
	*j = (struct db_cache_job){ .c = c, .def = c->def };
	c->job = j;
	LOG_DEBUG("%s: loading the tables", c->def->name);
	rc = c->submit(db_cache_job_run, db_cache_job_done, j);
	if (rc != SIP_OK) {
		c->job = NULL;
		sip_mem_free(j);
	}
	return rc;
}

int db_cache_reload(db_cache *c, db_cache_done_fn done, void *arg)
{
	struct db_cache_waiter *wt = NULL;

	if (done) {
		wt = sip_mem_alloc(sizeof *wt);
		if (!wt)
			return SIP_NOMEM;
		*wt = (struct db_cache_waiter){ done, arg, NULL };
	}
	if (c->job) {
		/* After the running load: it may have read the tables before
		 * the change that prompted this request. */
		c->again = true;
		if (wt) {
			struct db_cache_waiter **pp = &c->next;
			while (*pp)
				pp = &(*pp)->next;
			*pp = wt;
		}
		return SIP_OK;
	}
	c->cur = wt;
	int rc = db_cache_start_load(c);
	if (rc != SIP_OK) {
		c->cur = NULL;
		sip_mem_free(wt);
		db_cache_failed(c, rc, NULL);
	}
	return rc;
}

static void db_cache_on_timer(sip_timer *tm, void *arg)
{
	db_cache *c = arg;

	db_cache_reload(c, NULL, NULL);
	if (c->interval_ms)
		sip_timer_add(c->w, tm, c->interval_ms);
}

/* The statistics slot of a name: the one it had before, or a free one. */
static struct db_cache_stat_slot *db_cache_slot(const char *name)
{
	char want[SIP_STAT_NAME_MAX];
	struct db_cache_stat_slot *free_slot = NULL;

	snprintf(want, sizeof want, "%s.reloads", name);
	for (unsigned i = 0; i < DB_CACHE_STAT_SLOTS; i++) {
		struct db_cache_stat_slot *s = &db_cache_slots[i];
		if (strcmp(s->reloads_name, want) == 0)
			return s;
		if (!s->reloads_name[0] && !free_slot)
			free_slot = s;
	}
	if (free_slot) {
		snprintf(free_slot->reloads_name, sizeof free_slot->reloads_name, "%s", want);
		snprintf(free_slot->failures_name, sizeof free_slot->failures_name,
			 "%s.reload_failures", name);
	}
	return free_slot;
}

void db_cache_start(db_cache *c, db_cache_submit_fn submit, sip_timer_wheel *w,
		    unsigned interval_ms)
{
	struct db_cache_stat_slot *s = db_cache_slot(c->def->name);

	c->submit = submit;
	if (s) {
		s->v = *c->st;
		c->st = &s->v;
		sip_stat_counter(s->reloads_name, &s->v.reloads);
		sip_stat_counter(s->failures_name, &s->v.failures);
	}
	if (c->w)
		sip_timer_cancel(c->w, &c->tm);
	c->w = w;
	c->interval_ms = interval_ms;
	sip_timer_init(&c->tm, db_cache_on_timer, c);
	if (w && interval_ms)
		sip_timer_add(w, &c->tm, interval_ms);
}
