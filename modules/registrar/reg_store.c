/* The location rows in the database: loaded into memory at start, and
 * kept equal to memory by one write path. A write makes the rows of one
 * address-of-record what its bindings are (delete them, insert the
 * bindings, in one transaction), so it is correct whatever the rows held
 * before and needs no backend's upsert syntax. The same job runs on the
 * database worker, queued in order behind the other writes, or, without a
 * worker, at once on the caller's handle.
 *
 * Proxies sharing the location (reg_set_share) write the same way, to a
 * store several of them use: a SQL store's location table, with a
 * pg_notify in the write's transaction, or Redis hashes written by one
 * script that also publishes the change. reg_sync_async() reads an
 * address-of-record back (or all of them) when another proxy announced a
 * change, and makes memory what the store holds. */
#include "registrar/reg_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"

/* The handle of the synchronous writes, and the worker when there is one;
 * set on worker 0 when the database is ready, read by every worker. */
static _Atomic(db *) reg_db_at;
static _Atomic(const struct reg_writer *) reg_writer_at;

static db *reg_db_get(void)
{
	return atomic_load_explicit(&reg_db_at, memory_order_acquire);
}

static const struct reg_writer *reg_writer_get(void)
{
	return atomic_load_explicit(&reg_writer_at, memory_order_acquire);
}

/* One job: the bindings of aor as memory holds them once the change that
 * queued it is made (none: the rows go), or with sweep set, the removal
 * of rows expired at that time. It owns copies of the bindings, so a
 * queued job does not see later changes to memory. */
struct reg_snap {
	int64_t sweep;
	int status;                    /* in a batch: how its write went */
	unsigned n;
	size_t aor_len;
	reg_contact **c;
	/* A REGISTER waiting for the write (reg_store_write_wait): the
	 * table, the bindings before the change (copies, to put back when
	 * the write fails) and whom to tell. */
	reg_table *t;
	unsigned nb;
	reg_contact **before;
	reg_store_done done;
	void *done_arg;
	struct reg_snap *tnext;        /* in a reg_txn */
	char aor[];
};

/* Addresses-of-record whose last write failed, under mu (taken after a
 * table's lock, never before): jobs end on the worker that queued them. */
struct reg_dirty {
	struct reg_dirty *next;
	size_t len;
	char aor[];
};
#define REG_DIRTY_MAX 4096
static struct {
	pthread_mutex_t mu;
	struct reg_dirty *head;
	unsigned n;
	bool overflow_logged;
} reg_dirty = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Where the bindings go (reg_set_share): set at start-up, before the
 * writer and the workers, read by every worker after. */
static struct {
	enum reg_share how;
	bool notify;
	size_t node_len;
	char node[128];
} reg_share;

void reg_set_share(enum reg_share how, bool notify, const char *node)
{
	reg_share.how = how;
	reg_share.notify = notify && how == REG_SHARE_SQL;
	size_t n = how != REG_SHARE_NONE && node ? strlen(node) : 0;
	if (n >= sizeof reg_share.node)
		n = sizeof reg_share.node - 1;
	memcpy(reg_share.node, node ? node : "", n);
	reg_share.node[n] = '\0';
	reg_share.node_len = n;
}

sip_str reg_own_node(void)
{
	return sip_str_make(reg_share.node, reg_share.node_len);
}

bool reg_contact_mine(const reg_contact *c)
{
	sip_str n = reg_field(c, REG_NODE);
	return reg_share.how == REG_SHARE_NONE || !n.len || sip_str_eq(n, reg_own_node());
}

/* The statements of the jobs, prepared on the handle they last ran on:
 * the worker's (only its thread touches them then) or reg_db. Forgotten
 * at reg_set_writer() and, without a worker, at reg_set_db(), which are
 * called while no job runs. */
static struct {
	db *d;
	db_stmt *del_aor, *ins, *del_expired, *notify;
	db_stmt *ups, *del_others;      /* one binding: upsert, delete the rest */
} reg_st;

static void reg_st_forget(void)
{
	memset(&reg_st, 0, sizeof reg_st);
}

void reg_set_db(db *d)
{
	atomic_store_explicit(&reg_db_at, d, memory_order_release);
	if (!reg_writer_get())
		reg_st_forget();
}

void reg_set_writer(const struct reg_writer *w)
{
	atomic_store_explicit(&reg_writer_at, w, memory_order_release);
	reg_st_forget();
}

unsigned reg_dirty_count(void)
{
	pthread_mutex_lock(&reg_dirty.mu);
	unsigned n = reg_dirty.n;
	pthread_mutex_unlock(&reg_dirty.mu);
	return n;
}

bool reg_store_on(const reg_table *t)
{
	return t->persist && (reg_writer_get() || reg_db_get());
}

/* Without a writer the job would run on the caller's thread, on the
 * loop's handle, under the table's lock: with several workers that handle
 * is not the caller's to use, so the registrar answers as when the
 * database is down (only when the database worker could not start). */
int reg_store_ready(void)
{
	const struct reg_writer *w = reg_writer_get();
	if (!w && sip_workers_n > 1)
		return SIP_EDBDOWN;
	return !w || w->ready() ? SIP_OK : SIP_EDBDOWN;
}

/* One location row. instance and reg_id repeat what params holds, for
 * whoever reads the table; a restart reads params back. The job carries
 * what memory holds, not what changed, so the rows of bindings memory
 * dropped (expired, removed with "Contact: *" or Expires 0, replaced by
 * the same +sip.instance under another URI) must go without the job
 * knowing them, and a retried or reordered job still leaves the rows
 * equal to memory. An address-of-record with one binding (the common
 * case: a phone refreshing its registration) is an upsert of that row
 * (db_prepare_upsert on the unique (aor, contact)) and a delete of its
 * other rows: the row is updated in place, which on SQLite writes about
 * two thirds of the pages a delete and a new row write (the row gets no
 * new id, the unique index is not touched). Several bindings are a
 * delete of the address-of-record's rows and an insert of each, in one
 * transaction. node is the proxy the binding was registered through. */
static const char *const reg_cols[] = {
	"aor", "contact", "expires", "q", "callid", "cseq", "path", "received",
	"user_agent", "flags", "params", "instance", "reg_id", "node",
};
/* The columns of REG_INSERT in its order, (aor, contact) the key. */
static const db_upsert reg_upsert = { "location", reg_cols, 14, 2 };

#define REG_INSERT \
	"INSERT INTO location (aor, contact, expires, q, callid, cseq, path, received," \
	" user_agent, flags, params, instance, reg_id, node)" \
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"

/* Redis (db/db.h): the write of an address-of-record, $1 the aor, $2
 * when its hash expires (Unix time), $3 its bindings as netstring pairs
 * (the Contact URI, reg_redis_encode's value). The hash is replaced
 * whole, as the SQL write replaces the rows, the index follows it, and
 * the change is published, in one script: atomic. */
#define REG_REDIS_WRITE \
	"EVAL 'local k = \"" REG_REDIS_PREFIX "\" .. ARGV[1] " \
	"redis.call(\"DEL\", k) " \
	"local p, i, n = ARGV[3], 1, 0 " \
	"local function ns() local c = string.find(p, \":\", i, true) " \
	"local l = tonumber(string.sub(p, i, c - 1)) local v = string.sub(p, c + 1, c + l) " \
	"i = c + l + 2 return v end " \
	"while i <= #p do local f = ns() local v = ns() redis.call(\"HSET\", k, f, v) n = n + 1 end " \
	"if n > 0 then redis.call(\"EXPIREAT\", k, ARGV[2]) " \
	"redis.call(\"ZADD\", \"" REG_REDIS_INDEX "\", ARGV[2], ARGV[1]) " \
	"else redis.call(\"ZREM\", \"" REG_REDIS_INDEX "\", ARGV[1]) end " \
	"redis.call(\"PUBLISH\", \"" REG_SHARE_CHANNEL_REDIS "\", ARGV[1]) " \
	"return n' 0 $1 $2 $3"
/* The bindings of one address-of-record ($1) as rows (aor, contact,
 * value), and of all of them (expired entries of the index dropped
 * first, $1 the time now). */
#define REG_REDIS_READ_AOR \
	"EVAL 'local h = redis.call(\"HGETALL\", \"" REG_REDIS_PREFIX "\" .. ARGV[1]) " \
	"local r = {} for j = 1, #h, 2 do r[#r + 1] = {ARGV[1], h[j], h[j + 1]} end " \
	"return r' 0 $1"
#define REG_REDIS_READ_ALL \
	"EVAL 'redis.call(\"ZREMRANGEBYSCORE\", \"" REG_REDIS_INDEX "\", \"-inf\", ARGV[1]) " \
	"local a = redis.call(\"ZRANGE\", \"" REG_REDIS_INDEX "\", 0, -1) local r = {} " \
	"for _, x in ipairs(a) do local h = redis.call(\"HGETALL\", \"" REG_REDIS_PREFIX "\" .. x) " \
	"for j = 1, #h, 2 do r[#r + 1] = {x, h[j], h[j + 1]} end end " \
	"return r' 0 $1"
/* The sweep's part in Redis: the hashes expire by themselves. */
#define REG_REDIS_EXPIRE "ZREMRANGEBYSCORE " REG_REDIS_INDEX " -inf $1"

#define REG_SELECT \
	"SELECT aor, contact, expires, q, callid, cseq, path, received," \
	" user_agent, flags, params, node FROM location WHERE expires > $1"

static int reg_prepare(db *d)
{
	if (reg_st.d == d && reg_st.ins)
		return SIP_OK;
	reg_st_forget();
	int rc;
	if (reg_share.how == REG_SHARE_REDIS) {
		rc = db_prepare(d, REG_REDIS_WRITE, &reg_st.ins);
		if (rc == SIP_OK)
			rc = db_prepare(d, REG_REDIS_EXPIRE, &reg_st.del_expired);
		if (rc == SIP_OK)
			reg_st.d = d;
		return rc;
	}
	rc = db_prepare(d, REG_INSERT, &reg_st.ins);
	if (rc == SIP_OK)
		rc = db_prepare_upsert(d, &reg_upsert, &reg_st.ups);
	if (rc == SIP_OK)
		rc = db_prepare(d, "DELETE FROM location WHERE aor = $1 AND contact <> $2",
				&reg_st.del_others);
	if (rc == SIP_OK)
		rc = db_prepare(d, "DELETE FROM location WHERE aor = $1", &reg_st.del_aor);
	if (rc == SIP_OK)
		rc = db_prepare(d, "DELETE FROM location WHERE expires <= $1", &reg_st.del_expired);
	if (rc == SIP_OK && reg_share.notify)
		rc = db_prepare(d, "SELECT pg_notify('" REG_SHARE_CHANNEL_SQL "', $1)", &reg_st.notify);
	if (rc == SIP_OK)
		reg_st.d = d;
	return rc;
}

void reg_netstring(char *buf, size_t size, size_t *len, sip_str s)
{
	char head[24];
	int h = snprintf(head, sizeof head, "%zu:", s.len);
	size_t need = (size_t)h + s.len + 1;
	if (buf && *len + need <= size) {
		memcpy(buf + *len, head, (size_t)h);
		if (s.len)
			memcpy(buf + *len + (size_t)h, s.s, s.len);
		buf[*len + need - 1] = ',';
	}
	*len += need;
}

/* The fields of a binding's value after its numbers, in their order. */
static const enum reg_field reg_redis_fields[] = {
	REG_CALLID, REG_PATH, REG_RECEIVED, REG_UA, REG_PARAMS, REG_NODE
};

size_t reg_redis_encode(const reg_contact *c, char *buf, size_t size)
{
	size_t len = 0;
	char num[4][24];
	int64_t v[4] = { c->expires, c->q, c->cseq, (int64_t)c->flags };
	for (int i = 0; i < 4; i++) {
		int n = snprintf(num[i], sizeof num[i], "%lld", (long long)v[i]);
		reg_netstring(buf, size, &len, sip_str_make(num[i], (size_t)n));
	}
	for (size_t i = 0; i < sizeof reg_redis_fields / sizeof reg_redis_fields[0]; i++)
		reg_netstring(buf, size, &len, reg_field(c, reg_redis_fields[i]));
	return len;
}

/* The next netstring of v from *pos into *out. */
static bool reg_netstring_next(sip_str v, size_t *pos, sip_str *out)
{
	size_t i = *pos, n = 0, digits = 0;
	while (i < v.len && v.s[i] >= '0' && v.s[i] <= '9' && digits < 6) {
		n = n * 10 + (size_t)(v.s[i++] - '0');
		digits++;
	}
	if (!digits || i >= v.len || v.s[i] != ':' || v.len - i - 1 < n + 1 || v.s[i + 1 + n] != ',')
		return false;
	*out = sip_str_make(v.s + i + 1, n);
	*pos = i + 2 + n;
	return true;
}

static bool reg_int_of(sip_str s, int64_t *out)
{
	bool neg = s.len && s.s[0] == '-';
	uint64_t u;
	if (!reg_parse_uint(neg ? sip_str_make(s.s + 1, s.len - 1) : s, &u) || u > INT64_MAX)
		return false;
	*out = neg ? -(int64_t)u : (int64_t)u;
	return true;
}

bool reg_redis_decode(sip_str v, struct reg_row *r)
{
	size_t pos = 0;
	sip_str f;
	int64_t *num[4] = { &r->expires, &r->q, &r->cseq, &r->flags };
	for (int i = 0; i < 4; i++)
		if (!reg_netstring_next(v, &pos, &f) || !reg_int_of(f, num[i]))
			return false;
	for (size_t i = 0; i < sizeof reg_redis_fields / sizeof reg_redis_fields[0]; i++) {
		if (!reg_netstring_next(v, &pos, &f))
			return false;
		r->f[reg_redis_fields[i]] = f;
	}
	return pos == v.len;
}

static int reg_bind_opt(db_stmt *st, int idx, sip_str v)
{
	return v.len ? db_bind_text(st, idx, v) : db_bind_null(st, idx);
}

/* Bind binding c of aor to the parameters of REG_INSERT (or of the
 * upsert, in the same order) and run st. */
static int reg_db_insert(db_stmt *st, sip_str aor, const reg_contact *c)
{
	int rc;
	if ((rc = db_bind_text(st, 1, aor)) || (rc = db_bind_text(st, 2, reg_field(c, REG_CONTACT)))
	    || (rc = db_bind_int(st, 3, c->expires)) || (rc = db_bind_int(st, 4, c->q))
	    || (rc = db_bind_text(st, 5, reg_field(c, REG_CALLID)))
	    || (rc = db_bind_int(st, 6, c->cseq))
	    || (rc = reg_bind_opt(st, 7, reg_field(c, REG_PATH)))
	    || (rc = reg_bind_opt(st, 8, reg_field(c, REG_RECEIVED)))
	    || (rc = db_bind_text(st, 9, reg_field(c, REG_UA)))
	    || (rc = db_bind_int(st, 10, (int32_t)c->flags))
	    || (rc = reg_bind_opt(st, 11, reg_field(c, REG_PARAMS)))
	    || (rc = reg_bind_opt(st, 12, reg_instance(c)))
	    || (rc = db_bind_int(st, 13, (int32_t)reg_reg_id(c)))
	    || (rc = reg_bind_opt(st, 14, reg_field(c, REG_NODE))))
		return rc;
	rc = db_step(st);
	db_reset(st);
	return rc;
}

/* Run st with its one parameter bound to text, or to num when text is
 * null. */
static int reg_db_run1(db_stmt *st, sip_str text, int64_t num)
{
	int rc = text.s ? db_bind_text(st, 1, text) : db_bind_int(st, 1, num);
	if (rc == SIP_OK)
		rc = db_step(st);
	db_reset(st);
	return rc;
}

/* The write of s to Redis: its bindings not expired yet, one script. */
static int reg_redis_write(struct reg_snap *s)
{
	int64_t now = (int64_t)time(NULL), last = 0;
	size_t n = 0, vmax = 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->c[i]->expires <= now)
			continue;
		size_t v = reg_redis_encode(s->c[i], NULL, 0);
		reg_netstring(NULL, 0, &n, reg_field(s->c[i], REG_CONTACT));
		reg_netstring(NULL, 0, &n, sip_str_make(NULL, v));
		vmax = v > vmax ? v : vmax;
		if (s->c[i]->expires > last)
			last = s->c[i]->expires;
	}
	/* The pairs, then room for one value. */
	char *buf = sip_mem_alloc(n + vmax + 1);
	if (!buf)
		return SIP_NOMEM;
	char *val = buf + n;
	size_t len = 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->c[i]->expires <= now)
			continue;
		size_t v = reg_redis_encode(s->c[i], val, vmax);
		reg_netstring(buf, n, &len, reg_field(s->c[i], REG_CONTACT));
		reg_netstring(buf, n, &len, sip_str_make(val, v));
	}
	db_stmt *st = reg_st.ins;
	int rc;
	if ((rc = db_bind_text(st, 1, sip_str_make(s->aor, s->aor_len))) == SIP_OK &&
	    (rc = db_bind_int(st, 2, last + REG_REDIS_MARGIN_S)) == SIP_OK &&
	    (rc = db_bind_text(st, 3, sip_str_make(buf, len))) == SIP_OK)
		rc = db_step(st);
	db_reset(st);
	sip_mem_free(buf);
	return rc == DB_ROW ? SIP_OK : rc;
}

/* The job, on the worker's thread or the caller's: touches only d and
 * s. Every backend takes BEGIN/COMMIT and the statements as written; the
 * notification of a shared SQL store is sent at the COMMIT, so whoever
 * reads the rows when it arrives finds the change. */
static int reg_job_run(db *d, void *arg);

/* The statements of write s in a SQL store, inside a transaction. */
static int reg_sql_write(struct reg_snap *s)
{
	sip_str aor = sip_str_make(s->aor, s->aor_len);
	int rc;
	if (s->n == 1) {
		db_stmt *st = reg_st.del_others;
		rc = reg_db_insert(reg_st.ups, aor, s->c[0]);
		if (rc == SIP_OK && !(rc = db_bind_text(st, 1, aor)) &&
		    !(rc = db_bind_text(st, 2, reg_field(s->c[0], REG_CONTACT))))
			rc = db_step(st);
		db_reset(st);
	} else {
		rc = reg_db_run1(reg_st.del_aor, aor, 0);
		for (unsigned i = 0; i < s->n && rc == SIP_OK; i++)
			rc = reg_db_insert(reg_st.ins, aor, s->c[i]);
	}
	if (rc == SIP_OK && reg_st.notify) {
		rc = reg_db_run1(reg_st.notify, aor, 0);
		if (rc == DB_ROW)
			rc = SIP_OK;
	}
	return rc;
}

static int reg_job_run(db *d, void *arg)
{
	struct reg_snap *s = arg;
	int rc = reg_prepare(d);
	if (rc != SIP_OK)
		return rc;
	if (s->sweep) {
		rc = reg_db_run1(reg_st.del_expired, SIP_STR_NULL, s->sweep);
		return rc == DB_ROW ? SIP_OK : rc;
	}
	if (reg_share.how == REG_SHARE_REDIS)
		return reg_redis_write(s);
	if ((rc = db_exec(d, "BEGIN")) != SIP_OK)
		return rc;
	rc = reg_sql_write(s);
	if (rc == SIP_OK)
		rc = db_exec(d, "COMMIT");
	if (rc != SIP_OK && rc != SIP_EDBDOWN)
		db_exec(d, "ROLLBACK");
	return rc;
}

static void reg_snap_free(struct reg_snap *s)
{
	for (unsigned i = 0; s && i < s->n; i++)
		sip_mem_free(s->c[i]);
	for (unsigned i = 0; s && i < s->nb; i++)
		sip_mem_free(s->before[i]);
	if (s) {
		sip_mem_free(s->c);
		sip_mem_free(s->before);
	}
	sip_mem_free(s);
}

static reg_contact *reg_contact_copy(const reg_contact *c)
{
	size_t sz = reg_contact_size(c);
	reg_contact *d = sip_mem_alloc(sz);
	if (d) {
		memcpy(d, c, sz);
		d->next = NULL;
	}
	return d;
}

/* A job writing copies of the n bindings c of aor. */
static struct reg_snap *reg_snap_make(sip_str aor, const reg_contact *const *c, unsigned n)
{
	struct reg_snap *s = sip_mem_alloc(sizeof *s + aor.len + 1);
	if (!s)
		return NULL;
	memset(s, 0, sizeof *s);
	if (aor.len)
		memcpy(s->aor, aor.s, aor.len);
	s->aor[aor.len] = '\0';
	s->aor_len = aor.len;
	s->c = sip_mem_alloc((n ? n : 1) * sizeof *s->c);
	if (!s->c) {
		sip_mem_free(s);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		reg_contact *d = reg_contact_copy(c[i]);
		if (!d) {
			reg_snap_free(s);
			return NULL;
		}
		s->c[s->n++] = d;
	}
	return s;
}

static void reg_dirty_add_locked(sip_str aor)
{
	for (struct reg_dirty *e = reg_dirty.head; e; e = e->next)
		if (e->len == aor.len && memcmp(e->aor, aor.s, aor.len) == 0)
			return;
	if (reg_dirty.n >= REG_DIRTY_MAX) {
		if (!reg_dirty.overflow_logged)
			LOG_ERR("registrar: more than %u registrations not stored; the rest are stored"
				" at their next REGISTER", REG_DIRTY_MAX);
		reg_dirty.overflow_logged = true;
		return;
	}
	struct reg_dirty *e = sip_mem_alloc(sizeof *e + aor.len);
	if (!e)
		return;
	e->len = aor.len;
	memcpy(e->aor, aor.s, aor.len);
	e->next = reg_dirty.head;
	reg_dirty.head = e;
	reg_dirty.n++;
}

static void reg_dirty_add(sip_str aor)
{
	pthread_mutex_lock(&reg_dirty.mu);
	reg_dirty_add_locked(aor);
	pthread_mutex_unlock(&reg_dirty.mu);
}

/* Whether aor waits to be written again (memory holds what the store
 * should). */
static bool reg_dirty_has(sip_str aor)
{
	bool found = false;
	pthread_mutex_lock(&reg_dirty.mu);
	for (struct reg_dirty *e = reg_dirty.head; e && !found; e = e->next)
		found = e->len == aor.len && memcmp(e->aor, aor.s, aor.len) == 0;
	pthread_mutex_unlock(&reg_dirty.mu);
	return found;
}

void reg_store_forget(void)
{
	pthread_mutex_lock(&reg_dirty.mu);
	while (reg_dirty.head) {
		struct reg_dirty *e = reg_dirty.head;
		reg_dirty.head = e->next;
		sip_mem_free(e);
	}
	reg_dirty.n = 0;
	reg_dirty.overflow_logged = false;
	pthread_mutex_unlock(&reg_dirty.mu);
}

static bool reg_contact_same(const reg_contact *x, const reg_contact *y)
{
	size_t sz = reg_contact_size(x);
	return sz == reg_contact_size(y)
	       && memcmp((const char *)x + sizeof x->next, (const char *)y + sizeof y->next,
			 sz - sizeof x->next) == 0;
}

/* Whether the bindings of a are the n bindings c (in any order), field
 * for field. */
static bool reg_aor_holds(const reg_aor *a, reg_contact *const *c, unsigned n)
{
	unsigned k = 0;
	for (const reg_contact *x = a ? a->contacts : NULL; x; x = x->next, k++) {
		unsigned i = 0;
		while (i < n && !reg_contact_same(x, c[i]))
			i++;
		if (i == n)
			return false;
	}
	return k == n;
}

/* The write a REGISTER waits for failed: the store kept the rows it had
 * (the write is one transaction, or one script), so memory goes back to
 * the bindings before the change, unless a later change of the same
 * address-of-record was made on top of it meanwhile: then memory stays
 * and is written again (reg_store_retry). Under t's exclusive lock. */
static void reg_job_undo(struct reg_snap *s)
{
	sip_str aor = sip_str_make(s->aor, s->aor_len);
	reg_table_wrlock(s->t);
	reg_aor *a = reg_aor_find(s->t, aor);
	if (!reg_aor_holds(a, s->c, s->n)) {
		reg_table_unlock(s->t);
		LOG_WARN("registrar: cannot store the bindings of " SIP_STR_FMT
			 "; changed again since, will retry", SIP_STR_ARG(aor));
		reg_dirty_add(aor);
		return;
	}
	if (!a && s->nb && !(a = reg_aor_add(s->t, aor))) {
		reg_table_unlock(s->t);
		reg_dirty_add(aor);
		return;
	}
	if (a)
		reg_aor_clear(s->t, a);
	/* In reverse: each goes first, so they end in their order. */
	for (unsigned i = s->nb; i--;) {
		reg_contact *c = s->before[i];
		s->before[i] = NULL;
		c->next = a->contacts;
		a->contacts = c;
		s->t->n_contacts++;
	}
	if (a && !a->contacts)
		reg_aor_prune(s->t, a);
	reg_table_unlock(s->t);
	LOG_WARN("registrar: cannot store the bindings of " SIP_STR_FMT "; not changing them",
		 SIP_STR_ARG(aor));
}

/* The loop of the worker that queued it, when a job ends: a failed
 * write marks its address-of-record, to be written again from memory;
 * one a REGISTER waits for is undone in memory, and the REGISTER told. */
static void reg_job_done(int status, void *arg)
{
	struct reg_snap *s = arg;
	if (s->done) {
		if (status != SIP_OK)
			reg_job_undo(s);
		s->done(status, s->done_arg);
	} else if (status != SIP_OK && !s->sweep) {
		sip_str aor = sip_str_make(s->aor, s->aor_len);
		LOG_WARN("registrar: cannot store the bindings of " SIP_STR_FMT ": %s; will retry",
			 SIP_STR_ARG(aor), sip_strerror(status));
		reg_dirty_add(aor);
	}
	reg_snap_free(s);
}

/* Writes to a SQL store queued one after the other join one job and run
 * in one transaction (on SQLite one commit, one sync to disk, for all):
 * a write joins the job queued last while the worker has not started it,
 * when that job is the registrar's last one and was queued by the same
 * thread (its completions must run on that thread's loop). So the writes
 * still reach the store in the order they were queued. When one of them
 * fails, the transaction is rolled back and each runs alone, so each is
 * told its own result. */
#define REG_TXN_MAX 64
/* Group commit: while writes come fast (the previous transaction began
 * less than REG_TXN_BUSY_MS ago), the worker lets the job wait up to
 * REG_TXN_GATHER_US, or until REG_TXN_MAX writes joined, before it
 * begins: a commit costs about the same for one write as for many (the
 * pages written to the WAL, the locks), and at a few thousand
 * registrations a second a transaction then carries several times more
 * of them (bench/register at 3,000/s, alternating with the proxy without
 * it: 105-121 us of CPU a registration against 132-138; a 2 ms wait
 * joined 9 writes a transaction instead of 4 and saved about half of
 * that). A REGISTER waits that much longer for its 200 then, and only
 * then: a write after a quiet moment begins at once. */
#define REG_TXN_GATHER_US 5000
#define REG_TXN_BUSY_MS 10

struct reg_txn {
	struct reg_snap *head, **tail;
	unsigned n;
	bool started;
	pthread_t owner;
};

/* The job writes may still join, under reg_txn_mu; reg_txn_cv is
 * signalled when it is full or closed. */
static pthread_mutex_t reg_txn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_txn_cv = PTHREAD_COND_INITIALIZER;
static struct reg_txn *reg_txn_open;
/* When the worker last began a transaction (CLOCK_MONOTONIC, ms); the
 * worker's thread only. */
static uint64_t reg_txn_began_ms;

/* Nothing queued after this joins a job queued before (another job of
 * the registrar was queued in between). */
static void reg_txn_close(void)
{
	pthread_mutex_lock(&reg_txn_mu);
	reg_txn_open = NULL;
	pthread_cond_broadcast(&reg_txn_cv);
	pthread_mutex_unlock(&reg_txn_mu);
}

/* Under reg_txn_mu: give writes coming fast REG_TXN_GATHER_US to join x
 * (see REG_TXN_GATHER_US). */
static void reg_txn_gather(struct reg_txn *x)
{
	uint64_t now = sip_mono_ms(), last = reg_txn_began_ms;
	reg_txn_began_ms = now;
	if (now - last >= REG_TXN_BUSY_MS)
		return;
	struct timespec until = sip_realtime_after_us(REG_TXN_GATHER_US);
	while (reg_txn_open == x && x->n < REG_TXN_MAX &&
	       pthread_cond_timedwait(&reg_txn_cv, &reg_txn_mu, &until) == 0)
		;
}

static int reg_txn_run(db *d, void *arg)
{
	struct reg_txn *x = arg;
	pthread_mutex_lock(&reg_txn_mu);
	reg_txn_gather(x);
	x->started = true;
	if (reg_txn_open == x)
		reg_txn_open = NULL;
	pthread_mutex_unlock(&reg_txn_mu);
	if (x->n == 1) {
		x->head->status = reg_job_run(d, x->head);
		return x->head->status;
	}
	int rc = reg_prepare(d);
	bool began = false;
	if (rc == SIP_OK && (rc = db_exec(d, "BEGIN")) == SIP_OK)
		began = true;
	for (struct reg_snap *s = x->head; s && rc == SIP_OK; s = s->tnext)
		rc = reg_sql_write(s);
	if (rc == SIP_OK)
		rc = db_exec(d, "COMMIT");
	if (rc != SIP_OK && began && rc != SIP_EDBDOWN)
		db_exec(d, "ROLLBACK");
	if (rc == SIP_OK || rc == SIP_EDBDOWN || !began) {
		for (struct reg_snap *s = x->head; s; s = s->tnext)
			s->status = rc;
		return rc;
	}
	/* One failed: each alone, for its own result. */
	for (struct reg_snap *s = x->head; s; s = s->tnext)
		s->status = reg_job_run(d, s);
	return SIP_OK;
}

static void reg_txn_done(int status, void *arg)
{
	struct reg_txn *x = arg;
	(void)status;
	for (struct reg_snap *s = x->head, *sn; s; s = sn) {
		sn = s->tnext;
		reg_job_done(s->status, s);
	}
	sip_mem_free(x);
}

/* Queue write s of a SQL store (s consumed): joined to the open job, or
 * in a new one. SIP_OK, or the worker's refusal (s not consumed then). */
static int reg_txn_add(const struct reg_writer *w, struct reg_snap *s)
{
	s->status = SIP_EDBDOWN;        /* until it ran */
	s->tnext = NULL;
	pthread_mutex_lock(&reg_txn_mu);
	struct reg_txn *x = reg_txn_open;
	if (x && !x->started && x->n < REG_TXN_MAX && pthread_equal(x->owner, pthread_self())) {
		*x->tail = s;
		x->tail = &s->tnext;
		if (++x->n == REG_TXN_MAX)
			pthread_cond_broadcast(&reg_txn_cv);
		pthread_mutex_unlock(&reg_txn_mu);
		return SIP_OK;
	}
	if (reg_txn_open)
		pthread_cond_broadcast(&reg_txn_cv);
	reg_txn_open = NULL;
	if (!(x = sip_mem_alloc(sizeof *x))) {
		pthread_mutex_unlock(&reg_txn_mu);
		return SIP_NOMEM;
	}
	*x = (struct reg_txn){ .head = s, .tail = &s->tnext, .n = 1, .owner = pthread_self() };
	/* Under the mutex: what is queued after it cannot join an older job. */
	int rc = w->submit(reg_txn_run, reg_txn_done, x);
	if (rc == SIP_OK)
		reg_txn_open = x;
	pthread_mutex_unlock(&reg_txn_mu);
	if (rc != SIP_OK)
		sip_mem_free(x);
	return rc;
}

/* Queue job s, or without a worker run it now; s is consumed. The run's
 * status, or SIP_OK once queued; a job the worker refuses because the
 * database is down or its queue full (the state changed since ready()
 * said yes) is SIP_EDBDOWN, so the change is refused too (503) rather
 * than kept by this proxy alone; another refusal counts as a failed
 * write. */
static int reg_job_start(struct reg_snap *s)
{
	const struct reg_writer *w = reg_writer_get();
	if (w) {
		int rc;
		if (!s->sweep && reg_share.how != REG_SHARE_REDIS) {
			rc = reg_txn_add(w, s);
		} else {
			reg_txn_close();
			rc = w->submit(reg_job_run, reg_job_done, s);
		}
		if (rc == SIP_EDBDOWN || rc == SIP_ELIMIT) {
			reg_snap_free(s);
			return SIP_EDBDOWN;
		}
		if (rc != SIP_OK && s->done) {
			reg_snap_free(s);
			return rc;
		}
		if (rc != SIP_OK)
			reg_job_done(rc, s);
		return s->done && rc == SIP_OK ? SIP_AGAIN : SIP_OK;
	}
	int rc = reg_job_run(reg_db_get(), s);
	reg_snap_free(s);
	return rc;
}

int reg_store_write(sip_str aor, const reg_contact *const *c, unsigned n)
{
	struct reg_snap *s = reg_snap_make(aor, c, n);
	if (!s) {
		if (reg_writer_get())
			reg_dirty_add(aor);
		return reg_writer_get() ? SIP_OK : SIP_NOMEM;
	}
	return reg_job_start(s);
}

int reg_store_write_wait(reg_table *t, sip_str aor, const reg_contact *const *before, unsigned nb,
			 const reg_contact *const *c, unsigned n, reg_store_done done, void *arg)
{
	if (!reg_writer_get() || !done)
		return reg_store_write(aor, c, n);
	struct reg_snap *s = reg_snap_make(aor, c, n);
	if (s && nb && !(s->before = sip_mem_alloc(nb * sizeof *s->before))) {
		reg_snap_free(s);
		s = NULL;
	}
	for (unsigned i = 0; s && i < nb; i++)
		if (!(s->before[s->nb++] = reg_contact_copy(before[i]))) {
			s->nb--;
			reg_snap_free(s);
			s = NULL;
		}
	if (!s)
		return SIP_NOMEM;
	s->t = t;
	s->done = done;
	s->done_arg = arg;
	return reg_job_start(s);
}

void reg_store_expire(reg_table *t, int64_t now)
{
	if (!reg_store_on(t) || reg_store_ready() != SIP_OK)
		return;
	struct reg_snap *s = reg_snap_make(SIP_STR_NULL, NULL, 0);
	if (s) {
		s->sweep = now;
		reg_job_start(s);
	}
}

/* Write a's bindings (a may be NULL: none) as aor's rows; the caller
 * holds the table's lock. */
static int reg_store_aor(sip_str aor, const reg_aor *a)
{
	unsigned n = 0;
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next)
		n++;
	const reg_contact **v = sip_mem_alloc((n ? n : 1) * sizeof *v);
	if (!v)
		return SIP_NOMEM;
	n = 0;
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next)
		v[n++] = c;
	int rc = reg_store_write(aor, v, n);
	sip_mem_free(v);
	return rc;
}

/* Each entry is taken off the list, then written from memory under the
 * table's shared lock (the snapshot and the queueing, as a REGISTER's). */
void reg_store_retry(reg_table *t)
{
	if (!reg_store_on(t))
		return;
	pthread_mutex_lock(&reg_dirty.mu);
	unsigned k = reg_dirty.n;
	pthread_mutex_unlock(&reg_dirty.mu);
	/* At most one try each: a write refused again goes back to the list. */
	for (; k && reg_store_ready() == SIP_OK; k--) {
		pthread_mutex_lock(&reg_dirty.mu);
		struct reg_dirty *e = reg_dirty.head;
		if (e) {
			reg_dirty.head = e->next;
			reg_dirty.n--;
		}
		pthread_mutex_unlock(&reg_dirty.mu);
		if (!e)
			break;
		sip_str aor = sip_str_make(e->aor, e->len);
		reg_table_rdlock(t);
		if (reg_store_aor(aor, reg_aor_find(t, aor)) != SIP_OK)
			reg_dirty_add(aor);
		reg_table_unlock(t);
		sip_mem_free(e);
	}
	pthread_mutex_lock(&reg_dirty.mu);
	if (!reg_dirty.head)
		reg_dirty.overflow_logged = false;
	pthread_mutex_unlock(&reg_dirty.mu);
}

/* Call each for every row of a Redis read (aor, contact, value) that has
 * not expired at now; a malformed value is skipped. */
static int reg_redis_rows(db_stmt *st, int64_t now, int (*each)(const struct reg_row *r, void *arg),
			  void *arg)
{
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct reg_row r = { .aor = db_column_text(st, 0) };
		if (!reg_redis_decode(db_column_text(st, 2), &r)) {
			LOG_WARN("registrar: a malformed binding of " SIP_STR_FMT " in the store; skipped",
				 SIP_STR_ARG(r.aor));
			continue;
		}
		r.f[REG_CONTACT] = db_column_text(st, 1);
		if (r.expires <= now)
			continue;
		if ((rc = each(&r, arg)) < 0)
			break;
	}
	return rc;
}

/* Call each for every unexpired binding in the store (aor NULL) or of
 * aor; stops at the first negative return of each. SIP_OK or a negative
 * status. */
static int reg_rows_read(db *d, int64_t now, const sip_str *aor,
			 int (*each)(const struct reg_row *r, void *arg), void *arg)
{
	db_stmt *st;
	bool redis = reg_share.how == REG_SHARE_REDIS;
	int rc;
	if (redis && aor)
		rc = db_prepare(d, REG_REDIS_READ_AOR, &st);
	else if (redis)
		rc = db_prepare(d, REG_REDIS_READ_ALL, &st);
	else if (aor)
		rc = db_prepare(d, REG_SELECT " AND aor = $2", &st);
	else
		rc = db_prepare(d, REG_SELECT, &st);
	if (rc != SIP_OK)
		return rc;
	if (redis)
		rc = aor ? db_bind_text(st, 1, *aor) : db_bind_int(st, 1, now);
	else if ((rc = db_bind_int(st, 1, now)) == SIP_OK && aor)
		rc = db_bind_text(st, 2, *aor);
	if (rc != SIP_OK) {
		db_finalize(st);
		return rc;
	}
	if (redis) {
		rc = reg_redis_rows(st, now, each, arg);
		db_finalize(st);
		return rc < 0 ? rc : SIP_OK;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		struct reg_row r = {
			.aor = db_column_text(st, 0),
			.f = {
				[REG_CONTACT] = db_column_text(st, 1),
				[REG_CALLID] = db_column_text(st, 4),
				[REG_PATH] = db_column_text(st, 6),
				[REG_RECEIVED] = db_column_text(st, 7),
				[REG_UA] = db_column_text(st, 8),
				[REG_PARAMS] = db_column_text(st, 10),
				[REG_NODE] = db_column_text(st, 11),
			},
			.expires = db_column_int(st, 2),
			.q = db_column_int(st, 3),
			.cseq = db_column_int(st, 5),
			.flags = db_column_int(st, 9),
		};
		if ((rc = each(&r, arg)) < 0)
			break;
	}
	db_finalize(st);
	return rc < 0 ? rc : SIP_OK;
}

/* Put row r in table t (its lock held exclusive) unless its binding is
 * there already: 1 when added, 0 when not, SIP_NOMEM. */
static int reg_row_insert(reg_table *t, const struct reg_row *r)
{
	reg_aor *a = reg_aor_find(t, r->aor);
	if (a) {
		for (reg_contact *c = a->contacts; c; c = c->next)
			if (sip_str_eq(reg_field(c, REG_CONTACT), r->f[REG_CONTACT]))
				return 0;
	} else if (!(a = reg_aor_add(t, r->aor))) {
		return SIP_NOMEM;
	}
	reg_contact *c = reg_contact_new(r->f);
	if (!c) {
		reg_aor_prune(t, a);
		return SIP_NOMEM;
	}
	c->expires = r->expires;
	c->q = (int16_t)(r->q < -1 ? -1 : r->q > 1000 ? 1000 : r->q);
	c->cseq = (uint32_t)r->cseq;
	c->flags = (uint32_t)r->flags;
	reg_contact_insert(t, a, c);
	return 1;
}

struct reg_load_sync {
	reg_table *t;
	long n;
};

static int reg_load_each(const struct reg_row *r, void *arg)
{
	struct reg_load_sync *l = arg;
	reg_table_wrlock(l->t);
	int rc = reg_row_insert(l->t, r);
	reg_table_unlock(l->t);
	if (rc > 0)
		l->n++;
	return rc;
}

long reg_load(db *d, int64_t now)
{
	struct reg_load_sync l = { reg_table_get(SIP_STR_LIT("location"), true), 0 };
	if (!l.t)
		return SIP_NOMEM;
	int rc = reg_rows_read(d, now, NULL, reg_load_each, &l);
	return rc == SIP_OK ? l.n : rc;
}

/* ---- the load on the database worker ---- */

/* A row copied off the statement by the worker, for the loop to insert. */
struct reg_row_copy {
	struct reg_row_copy *next;
	struct reg_row r;
	char data[];
};

struct reg_load_job {
	int64_t now;
	int status;
	struct reg_row_copy *head, **tail;
	void (*done)(long n, void *arg);
	void *arg;
};

static sip_str reg_copy_str(char **p, sip_str s)
{
	sip_str out = sip_str_make(*p, s.len);
	if (s.len)
		memcpy(*p, s.s, s.len);
	*p += s.len;
	return out;
}

/* Worker thread: copy a row at the end of the list whose tail arg points
 * to; the table is the loop's. */
static int reg_load_copy(const struct reg_row *r, void *arg)
{
	struct reg_row_copy ***tail = arg;
	size_t n = r->aor.len;
	for (int i = 0; i < REG_NFIELDS; i++)
		n += r->f[i].len;
	struct reg_row_copy *c = sip_mem_alloc(sizeof *c + n + 1);
	if (!c)
		return SIP_NOMEM;
	char *p = c->data;
	c->next = NULL;
	c->r = *r;
	c->r.aor = reg_copy_str(&p, r->aor);
	for (int i = 0; i < REG_NFIELDS; i++)
		c->r.f[i] = reg_copy_str(&p, r->f[i]);
	**tail = c;
	*tail = &c->next;
	return SIP_OK;
}

static int reg_load_run(db *d, void *arg)
{
	struct reg_load_job *j = arg;
	j->status = reg_rows_read(d, j->now, NULL, reg_load_copy, &j->tail);
	return j->status;
}

/* Loop thread: the rows are in; insert them and tell the caller. */
static void reg_load_done(int status, void *arg)
{
	struct reg_load_job *j = arg;
	long n = status == SIP_OK ? j->status : status;
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	if (n == SIP_OK && !t)
		n = SIP_NOMEM;
	if (t)
		reg_table_wrlock(t);
	for (struct reg_row_copy *c = j->head, *next; c; c = next) {
		next = c->next;
		if (n >= 0) {
			int rc = reg_row_insert(t, &c->r);
			n = rc < 0 ? rc : n + rc;
		}
		sip_mem_free(c);
	}
	if (t)
		reg_table_unlock(t);
	if (j->done)
		j->done(n, j->arg);
	sip_mem_free(j);
}

int reg_load_async(int64_t now, void (*done)(long n, void *arg), void *arg)
{
	const struct reg_writer *w = reg_writer_get();
	if (!w || !w->ready())
		return SIP_ESTATE;
	struct reg_load_job *j = sip_mem_alloc(sizeof *j);
	if (!j)
		return SIP_NOMEM;
	*j = (struct reg_load_job){ .now = now, .done = done, .arg = arg };
	j->tail = &j->head;
	reg_txn_close();
	int rc = w->submit(reg_load_run, reg_load_done, j);
	if (rc != SIP_OK)
		sip_mem_free(j);
	return rc;
}

/* ---- memory made what the store holds (proxies sharing it) ---- */

struct reg_sync_job {
	int64_t now;
	int status;
	unsigned n;                    /* addresses-of-record; 0: all */
	sip_str *aors;                 /* copies, in the job's block */
	struct reg_row_copy *head, **tail;
	void (*done)(long n, void *arg);
	void *arg;
};

/* Worker thread: the rows of the job's addresses-of-record, copied. */
static int reg_sync_run(db *d, void *arg)
{
	struct reg_sync_job *j = arg;
	if (!j->n)
		return j->status = reg_rows_read(d, j->now, NULL, reg_load_copy, &j->tail);
	j->status = SIP_OK;
	for (unsigned i = 0; i < j->n && j->status == SIP_OK; i++)
		j->status = reg_rows_read(d, j->now, &j->aors[i], reg_load_copy, &j->tail);
	return j->status;
}

/* Drop the bindings of a from memory unless it waits to be written. */
static void reg_sync_clear(reg_table *t, reg_aor *a)
{
	if (reg_dirty_has(sip_str_make(a->aor, a->len)))
		return;
	reg_aor_clear(t, a);
	reg_aor_prune(t, a);
}

/* Loop thread: what memory held of the job's addresses-of-record goes,
 * what the store holds comes in, under one exclusive lock, so a lookup
 * sees the bindings before or after, never none in between. */
static void reg_sync_done(int status, void *arg)
{
	struct reg_sync_job *j = arg;
	long n = status == SIP_OK ? j->status : status;
	reg_table *t = n == SIP_OK ? reg_table_get(SIP_STR_LIT("location"), true) : NULL;
	if (n == SIP_OK && !t)
		n = SIP_NOMEM;
	if (t) {
		reg_table_wrlock(t);
		if (!j->n) {
			sip_hiter it;
			sip_hiter_init(&it, &t->aors);
			for (sip_hlink *l; (l = sip_hiter_next(&it));)
				reg_sync_clear(t, SIP_HTABLE_ENTRY(l, reg_aor, hlink));
		}
		for (unsigned i = 0; i < j->n; i++) {
			reg_aor *a = reg_aor_find(t, j->aors[i]);
			if (a)
				reg_sync_clear(t, a);
		}
	}
	for (struct reg_row_copy *c = j->head, *next; c; c = next) {
		next = c->next;
		if (n >= 0 && !reg_dirty_has(c->r.aor)) {
			int rc = reg_row_insert(t, &c->r);
			n = rc < 0 ? rc : n + rc;
		}
		sip_mem_free(c);
	}
	if (t)
		reg_table_unlock(t);
	if (j->done)
		j->done(n, j->arg);
	sip_mem_free(j);
}

int reg_sync_async(const sip_str *aors, unsigned n, int64_t now,
		   void (*done)(long n, void *arg), void *arg)
{
	const struct reg_writer *w = reg_writer_get();
	if (!w || !w->ready())
		return SIP_ESTATE;
	size_t sz = sizeof(struct reg_sync_job) + (aors ? n : 0) * sizeof(sip_str);
	for (unsigned i = 0; aors && i < n; i++)
		sz += aors[i].len + 1;
	struct reg_sync_job *j = sip_mem_alloc(sz);
	if (!j)
		return SIP_NOMEM;
	*j = (struct reg_sync_job){ .now = now, .done = done, .arg = arg };
	j->tail = &j->head;
	if (aors && n) {
		j->aors = (sip_str *)(j + 1);
		char *p = (char *)(j->aors + n);
		for (unsigned i = 0; i < n; i++) {
			memcpy(p, aors[i].s, aors[i].len);
			p[aors[i].len] = '\0';
			j->aors[i] = sip_str_make(p, aors[i].len);
			p += aors[i].len + 1;
		}
		j->n = n;
	}
	reg_txn_close();
	int rc = w->submit(reg_sync_run, reg_sync_done, j);
	if (rc != SIP_OK)
		sip_mem_free(j);
	return rc;
}

/* ---- a Redis that lost the location ---- */

/* Set by the first proxy to use a Redis store: a Redis that comes back
 * without it restarted empty (no persistence) and lost every binding. */
#define REG_REDIS_MARK \
	"EVAL 'if redis.call(\"SET\", \"" REG_REDIS_EPOCH "\", ARGV[1], \"NX\") then return 1 end " \
	"return 0' 0 $1"

/* Addresses-of-record written back per job. */
#define REG_BATCH 128

struct reg_batch {
	unsigned n;
	struct reg_snap *s[REG_BATCH];
};

static int reg_batch_run(db *d, void *arg)
{
	struct reg_batch *b = arg;
	int rc = SIP_OK;
	for (unsigned i = 0; i < b->n; i++)
		if ((b->s[i]->status = reg_job_run(d, b->s[i])) != SIP_OK)
			rc = b->s[i]->status;
	return rc;
}

static void reg_batch_done(int status, void *arg)
{
	struct reg_batch *b = arg;
	for (unsigned i = 0; i < b->n; i++) {
		if (status != SIP_OK && b->s[i]->status == SIP_OK)
			b->s[i]->status = status;
		reg_job_done(b->s[i]->status, b->s[i]);
	}
	sip_mem_free(b);
}

struct reg_republish {
	const struct reg_writer *w;
	struct reg_batch *b;
	unsigned long n;
};

static void reg_republish_flush(struct reg_republish *r)
{
	if (!r->b)
		return;
	reg_txn_close();
	if (r->w->submit(reg_batch_run, reg_batch_done, r->b) != SIP_OK)
		reg_batch_done(SIP_ELIMIT, r->b);
	r->b = NULL;
}

/* Under the table's shared lock: queue a copy of a's bindings. */
static void reg_republish_aor(const reg_aor *a, void *arg)
{
	struct reg_republish *r = arg;
	unsigned n = 0;
	for (const reg_contact *c = a->contacts; c; c = c->next)
		n++;
	const reg_contact **v = sip_mem_alloc((n ? n : 1) * sizeof *v);
	if (!r->b && (r->b = sip_mem_alloc(sizeof *r->b)))
		r->b->n = 0;
	struct reg_snap *s = NULL;
	if (v && r->b) {
		n = 0;
		for (const reg_contact *c = a->contacts; c; c = c->next)
			v[n++] = c;
		s = reg_snap_make(sip_str_make(a->aor, a->len), v, n);
	}
	sip_mem_free(v);
	if (!s) {
		reg_dirty_add(sip_str_make(a->aor, a->len));
		return;
	}
	r->b->s[r->b->n++] = s;
	r->n++;
	if (r->b->n == REG_BATCH)
		reg_republish_flush(r);
}

struct reg_mark_job {
	int64_t result;
	void (*done)(long r, void *arg);
	void *arg;
};

static int reg_mark_run(db *d, void *arg)
{
	struct reg_mark_job *j = arg;
	db_stmt *st;
	int rc = db_prepare(d, REG_REDIS_MARK, &st);
	if (rc != SIP_OK)
		return rc;
	if ((rc = db_bind_int(st, 1, (int64_t)time(NULL))) == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		j->result = db_column_int(st, 0);
		rc = SIP_OK;
	}
	db_finalize(st);
	return rc;
}

/* Loop thread: when the mark was missing, memory goes back to the store,
 * queued before anything the caller queues next. */
static void reg_mark_done(int status, void *arg)
{
	struct reg_mark_job *j = arg;
	long r = status == SIP_OK ? (long)j->result : status;
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), false);
	const struct reg_writer *w = reg_writer_get();
	if (r == 1 && t && w) {
		struct reg_republish rp = { w, NULL, 0 };
		reg_table_foreach(t, reg_republish_aor, &rp);
		reg_republish_flush(&rp);
		if (rp.n)
			LOG_NOTICE("registrar: the store had lost the location (restarted without its"
				   " data); %lu addresses-of-record written back from memory", rp.n);
	}
	if (j->done)
		j->done(r, j->arg);
	sip_mem_free(j);
}

int reg_store_check_async(void (*done)(long r, void *arg), void *arg)
{
	const struct reg_writer *w = reg_writer_get();
	if (reg_share.how != REG_SHARE_REDIS)
		return SIP_DECLINED;
	if (!w || !w->ready())
		return SIP_ESTATE;
	struct reg_mark_job *j = sip_mem_alloc(sizeof *j);
	if (!j)
		return SIP_NOMEM;
	*j = (struct reg_mark_job){ 0, done, arg };
	reg_txn_close();
	int rc = w->submit(reg_mark_run, reg_mark_done, j);
	if (rc != SIP_OK)
		sip_mem_free(j);
	return rc;
}
