#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"

#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 5000
#define DB_MAX_VALUE (1u << 30)

enum db_vkind { DB_V_UNSET = 0, DB_V_NULL, DB_V_INT, DB_V_TEXT };

/* A bound value, kept by the statement so it can be bound again after a
 * reconnect. Text lives in buf, NUL-terminated. */
typedef struct db_value {
	enum db_vkind kind;
	int64_t i;
	char *buf;
	size_t len, cap;
} db_value;

struct db_stmt {
	db *d;
	char *sql;
	unsigned id;              /* server-side name, unique per handle */
	void *impl;               /* backend statement, valid in generation gen */
	unsigned long gen;
	int nparams;
	db_value *vals;
	int nvals;
	bool active;              /* an execution is running */
	bool row;                 /* the last step returned a row */
	bool idle;                /* finalized, kept for the next prepare */
	long changes;
	struct db_stmt *next;
};

struct db {
	const db_adapter *ad;
	char *url;
	void *conn;
	unsigned long gen;        /* bumped at each new connection */
	unsigned next_id;
	unsigned backoff_min, backoff_max, backoff;
	uint64_t retry_at;        /* monotonic ms; no attempt before */
	db_stmt *stmts;
	unsigned n_idle;          /* statements kept by db_finalize */
	db_stats stats;
	char err[512];
};

static uint64_t db_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void db_set_error(db *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void db_set_error(db *d, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	n = strlen(d->err);
	while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
}

static char *db_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = sip_mem_alloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static int db_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)(ch | 0x20);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

bool db_url_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = db_hexval(s[i + 1])) < 0 || (lo = db_hexval(s[i + 2])) < 0)
				return false;
			ch = (char)(hi * 16 + lo);
			if (!ch)
				return false;
			i += 2;
		}
		if (k + 1 >= outsz)
			return false;
		out[k++] = ch;
	}
	out[k] = '\0';
	return true;
}

/* The adapter for a URL, or NULL when the scheme is unknown. */
static const db_adapter *db_adapter_for(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return &db_sqlite_adapter;
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		return &db_pgsql_adapter;
	if (strncmp(url, "mysql://", 8) == 0 || strncmp(url, "mariadb://", 10) == 0)
		return &db_mysql_adapter;
	if (strncmp(url, "redis://", 8) == 0)
		return &db_redis_adapter;
	return NULL;
}

const char *db_store_url_problem(const char *url)
{
	if (!url || !*url)
		return "no database URL";
	if (db_adapter_for(url))
		return NULL;
	if (strncasecmp(url, "rediss:", 7) == 0)
		return "Redis over TLS (rediss://) is not supported: use redis:// to a local "
		       "TLS tunnel or a trusted network";
	return "unknown database URL scheme (use redis://..., postgres://..., mysql://... "
	       "or sqlite:PATH)";
}

const char *db_url_problem(const char *url)
{
	if (url && (strncasecmp(url, "redis:", 6) == 0 || strncasecmp(url, "rediss:", 7) == 0))
		return "Redis is not supported as the proxy's database: it keeps only the state "
		       "proxies share (cluster.store); use sqlite:PATH, postgres://... or mysql://...";
	const char *why = db_store_url_problem(url);
	if (why && db_adapter_for(url ? url : "") == NULL && url && *url)
		return "unknown database URL scheme (use sqlite:PATH, postgres://... or mysql://...)";
	return why;
}

/* Connect unless connected. While the backoff delay after a failure runs,
 * fail at once without touching the network: a dead database then costs a
 * worker nothing per message. Returns SIP_OK, SIP_EDBDOWN or SIP_EINVAL. */
static int db_connect(db *d)
{
	char ebuf[512] = "";
	uint64_t now;
	int rc;

	if (d->conn)
		return SIP_OK;
	now = db_now_ms();
	if (now < d->retry_at) {
		d->stats.fast_fails++;
		db_set_error(d, "%s is down; next connection attempt in %u ms", d->ad->name,
			     (unsigned)(d->retry_at - now));
		return SIP_EDBDOWN;
	}
	d->stats.connect_attempts++;
	rc = d->ad->connect(d->url, &d->conn, ebuf, sizeof(ebuf));
	if (rc == SIP_OK) {
		d->stats.connects++;
		d->gen++;
		d->backoff = d->backoff_min;
		d->retry_at = 0;
		if (d->stats.connects > 1)
			LOG_NOTICE("db: %s connection restored", d->ad->name);
		return SIP_OK;
	}
	d->conn = NULL;
	db_set_error(d, "%s", ebuf[0] ? ebuf : sip_strerror(rc));
	if (rc == SIP_EINVAL)
		return rc;
	d->retry_at = now + d->backoff;
	LOG_WARN("db: %s connect failed (%s); next attempt in %u ms", d->ad->name, d->err,
		 d->backoff);
	d->backoff = d->backoff * 2 > d->backoff_max ? d->backoff_max : d->backoff * 2;
	return SIP_EDBDOWN;
}

/* Drop a connection the backend reported lost: its statements die with it
 * and are prepared again on the next connection. */
static void db_drop(db *d)
{
	if (!d->conn)
		return;
	db_set_error(d, "%s", d->ad->error(d->conn));
	LOG_WARN("db: %s connection lost: %s", d->ad->name, d->err);
	for (db_stmt *st = d->stmts; st; st = st->next) {
		if (st->impl && st->gen == d->gen)
			d->ad->finalize(d->conn, st->impl);
		st->impl = NULL;
		st->active = st->row = false;
	}
	d->ad->close(d->conn);
	d->conn = NULL;
	d->stats.lost++;
	d->retry_at = db_now_ms() + d->backoff;
	d->backoff = d->backoff * 2 > d->backoff_max ? d->backoff_max : d->backoff * 2;
}

/* Turn a backend result into the handle's: record the error text and drop
 * the connection when the backend says it is gone. */
static int db_check(db *d, int rc)
{
	if (rc >= 0)
		return rc;
	if (rc == SIP_EDBDOWN || (d->conn && d->ad->conn_lost(d->conn))) {
		db_drop(d);
		return SIP_EDBDOWN;
	}
	if (d->conn)
		db_set_error(d, "%s", d->ad->error(d->conn));
	return rc;
}

int db_open(const char *url, db **out)
{
	const db_adapter *ad;
	db *d;
	int rc;

	*out = NULL;
	if (!url || !(ad = db_adapter_for(url)))
		return SIP_EINVAL;
	d = sip_mem_alloc(sizeof(*d));
	if (!d)
		return SIP_NOMEM;
	memset(d, 0, sizeof(*d));
	d->ad = ad;
	d->url = db_strdup(url);
	if (!d->url) {
		sip_mem_free(d);
		return SIP_NOMEM;
	}
	d->backoff_min = d->backoff = DB_BACKOFF_MIN_MS;
	d->backoff_max = DB_BACKOFF_MAX_MS;
	rc = db_connect(d);
	if (rc == SIP_EINVAL) {
		LOG_ERR("db: bad database URL: %s", d->err);
		db_close(d);
		return rc;
	}
	*out = d;
	return rc;
}

static void db_stmt_free(db_stmt *st);

void db_close(db *d)
{
	if (!d)
		return;
	while (d->stmts)
		db_stmt_free(d->stmts);
	if (d->conn)
		d->ad->close(d->conn);
	sip_mem_free(d->url);
	sip_mem_free(d);
}

void db_set_backoff(db *d, unsigned min_ms, unsigned max_ms)
{
	d->backoff_min = d->backoff = min_ms ? min_ms : 1;
	d->backoff_max = max_ms < d->backoff_min ? d->backoff_min : max_ms;
}

const char *db_backend(const db *d)
{
	return d->ad->name;
}

const char *db_error(const db *d)
{
	return d->err;
}

void db_get_stats(const db *d, db_stats *out)
{
	*out = d->stats;
}

bool db_is_up(const db *d)
{
	return d->conn != NULL;
}

int db_ping(db *d)
{
	return db_connect(d);
}

int db_query_int_sql(db *d, const char *sql, int64_t *out)
{
	db_stmt *st;
	int rc = db_prepare_sql(d, sql, &st);

	if (rc != SIP_OK)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*out = db_column_int(st, 0);
		rc = SIP_OK;
	} else if (rc == SIP_OK) {
		rc = SIP_ENOTFOUND;
	}
	db_finalize(st);
	return rc;
}

int db_exec_sql(db *d, const char *sql)
{
	int rc = db_connect(d);

	if (rc != SIP_OK)
		return rc;
	return db_check(d, d->ad->exec(d->conn, sql));
}

/* Forget the bindings (their buffers stay for the next ones). */
static void db_stmt_unbind(db_stmt *st)
{
	for (int i = 0; i < st->nvals; i++)
		st->vals[i].kind = DB_V_UNSET;
	st->changes = 0;
}

int db_prepare_sql(db *d, const char *sql, db_stmt **out)
{
	db_stmt *st;

	*out = NULL;
	/* A statement of this text given back by db_finalize: prepared on
	 * the server already when the connection is the same. */
	for (st = d->stmts; st; st = st->next) {
		if (st->idle && strcmp(st->sql, sql) == 0) {
			st->idle = false;
			d->n_idle--;
			d->stats.stmt_reuses++;
			db_stmt_unbind(st);
			*out = st;
			return SIP_OK;
		}
	}
	st = sip_mem_alloc(sizeof(*st));
	if (!st)
		return SIP_NOMEM;
	memset(st, 0, sizeof(*st));
	st->sql = db_strdup(sql);
	if (!st->sql) {
		sip_mem_free(st);
		return SIP_NOMEM;
	}
	st->d = d;
	st->id = ++d->next_id;
	st->next = d->stmts;
	d->stmts = st;
	*out = st;
	return SIP_OK;
}

/* Whether s is a plain SQL identifier (no quoting needed anywhere). */
static bool db_ident_ok(const char *s)
{
	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_') || i >= 63)
			return false;
	}
	return true;
}

bool db_sql_cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += (size_t)n;
	return true;
}

bool db_upsert_insert(char *buf, size_t size, size_t *len, const char *table,
		      const char *const *cols, unsigned ncols)
{
	bool ok = db_sql_cat(buf, size, len, "INSERT INTO %s (", table);
	for (unsigned i = 0; ok && i < ncols; i++)
		ok = db_sql_cat(buf, size, len, "%s%s", i ? ", " : "", cols[i]);
	ok = ok && db_sql_cat(buf, size, len, ") VALUES (");
	for (unsigned i = 0; ok && i < ncols; i++)
		ok = db_sql_cat(buf, size, len, "%s$%u", i ? ", " : "", i + 1);
	return ok && db_sql_cat(buf, size, len, ")");
}

int db_upsert_sql_on_conflict(char *buf, size_t size, const char *table, const char *const *cols,
			      unsigned ncols, unsigned nkey)
{
	size_t len = 0;
	bool ok = db_upsert_insert(buf, size, &len, table, cols, ncols) &&
		  db_sql_cat(buf, size, &len, " ON CONFLICT (");
	for (unsigned i = 0; ok && i < nkey; i++)
		ok = db_sql_cat(buf, size, &len, "%s%s", i ? ", " : "", cols[i]);
	if (ok && nkey == ncols)
		ok = db_sql_cat(buf, size, &len, ") DO NOTHING");
	else if (ok)
		ok = db_sql_cat(buf, size, &len, ") DO UPDATE SET ");
	for (unsigned i = nkey; ok && i < ncols; i++)
		ok = db_sql_cat(buf, size, &len, "%s%s = excluded.%s", i > nkey ? ", " : "", cols[i],
			    cols[i]);
	return ok ? SIP_OK : SIP_ELIMIT;
}

#define DB_UPSERT_MAX_COLS 64

int db_prepare_upsert(db *d, const db_upsert *u, db_stmt **out)
{
	char sql[4096];
	int rc;

	*out = NULL;
	if (!u || !u->nkey || u->nkey > u->ncols || u->ncols > DB_UPSERT_MAX_COLS ||
	    !db_ident_ok(u->table) || !d->ad->upsert_sql) {
		db_set_error(d, "malformed upsert");
		return SIP_EINVAL;
	}
	for (unsigned i = 0; i < u->ncols; i++) {
		if (!db_ident_ok(u->cols[i])) {
			db_set_error(d, "upsert: '%s' is not a column name", u->cols[i] ? u->cols[i] : "");
			return SIP_EINVAL;
		}
	}
	rc = d->ad->upsert_sql(sql, sizeof sql, u->table, u->cols, u->ncols, u->nkey);
	if (rc != SIP_OK)
		return rc == SIP_ELIMIT ? SIP_EINVAL : rc;
	return db_prepare_sql(d, sql, out);
}

/* End a running execution so the bindings may change. */
static void db_stmt_stop(db_stmt *st)
{
	db *d = st->d;

	if (st->impl && st->gen == d->gen && d->conn)
		d->ad->reset(d->conn, st->impl);
	st->active = st->row = false;
}

void db_reset(db_stmt *st)
{
	db_stmt_stop(st);
}

/* Really free a statement: off the server, out of the handle. */
static void db_stmt_free(db_stmt *st)
{
	db *d = st->d;

	if (st->impl && st->gen == d->gen && d->conn)
		d->ad->finalize(d->conn, st->impl);
	for (db_stmt **pp = &d->stmts; *pp; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	}
	if (st->idle)
		d->n_idle--;
	for (int i = 0; i < st->nvals; i++)
		sip_mem_free(st->vals[i].buf);
	sip_mem_free(st->vals);
	sip_mem_free(st->sql);
	sip_mem_free(st);
}

/* Whether sql only reads (SELECT, WITH): such a statement is kept for
 * reuse. A write to a server is not: prepared afresh in each use, its
 * first round trip to the server has no effect, so a server that hangs
 * never receives a write it could apply after the client gave up on it
 * and tried again (an accounting row written twice). A database in the
 * process has no round trip: its writes are kept too (an accounting row
 * was a third of the database thread's time in SQLite's parser). */
static bool db_sql_reads(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "WITH", 4) == 0;
}

void db_finalize(db_stmt *st)
{
	db *d;

	if (!st || st->idle)
		return;
	d = st->d;
	if (d->n_idle >= DB_STMT_CACHE_MAX || (!d->ad->in_process && !db_sql_reads(st->sql))) {
		db_stmt_free(st);
		return;
	}
	db_stmt_stop(st);
	db_stmt_unbind(st);
	st->idle = true;
	d->n_idle++;
}

/* The slot for parameter idx, growing the array; NULL on a bad index or
 * out of memory. */
static db_value *db_slot(db_stmt *st, int idx)
{
	if (idx < 1 || idx > 1000)
		return NULL;
	if (idx > st->nvals) {
		db_value *v = sip_mem_realloc(st->vals, (size_t)idx * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + st->nvals, 0, (size_t)(idx - st->nvals) * sizeof(*v));
		st->vals = v;
		st->nvals = idx;
	}
	/* A statement still stepping through rows ends here; one that is not
	 * is reset by db_step before its parameters go to the backend
	 * (resetting it at each parameter cleared all of SQLite's bindings
	 * each time: 14 times a write of the registrar's 14-column upsert). */
	if (st->active || st->row)
		db_stmt_stop(st);
	return &st->vals[idx - 1];
}

int db_bind_text(db_stmt *st, int idx, sip_str v)
{
	db_value *slot;

	if ((v.len && !v.s) || v.len >= DB_MAX_VALUE || (v.len && memchr(v.s, '\0', v.len)))
		return SIP_EINVAL;
	if (!(slot = db_slot(st, idx)))
		return idx < 1 || idx > 1000 ? SIP_EINVAL : SIP_NOMEM;
	if (slot->cap < v.len + 1) {
		char *b = sip_mem_realloc(slot->buf, v.len + 1);
		if (!b)
			return SIP_NOMEM;
		slot->buf = b;
		slot->cap = v.len + 1;
	}
	if (v.len)
		memcpy(slot->buf, v.s, v.len);
	slot->buf[v.len] = '\0';
	slot->len = v.len;
	slot->kind = DB_V_TEXT;
	return SIP_OK;
}

int db_bind_int(db_stmt *st, int idx, int64_t v)
{
	db_value *slot = db_slot(st, idx);

	if (!slot)
		return idx < 1 || idx > 1000 ? SIP_EINVAL : SIP_NOMEM;
	slot->kind = DB_V_INT;
	slot->i = v;
	return SIP_OK;
}

int db_bind_null(db_stmt *st, int idx)
{
	db_value *slot = db_slot(st, idx);

	if (!slot)
		return idx < 1 || idx > 1000 ? SIP_EINVAL : SIP_NOMEM;
	slot->kind = DB_V_NULL;
	return SIP_OK;
}

/* Make sure the statement exists on the current connection, preparing it
 * there the first time (and after each reconnect). */
static int db_stmt_ready(db_stmt *st)
{
	db *d = st->d;
	int rc = db_connect(d);

	if (rc != SIP_OK)
		return rc;
	if (st->impl && st->gen == d->gen)
		return SIP_OK;
	st->impl = NULL;
	rc = d->ad->prepare(d->conn, st->sql, st->id, &st->impl, &st->nparams);
	if (rc != SIP_OK) {
		st->impl = NULL;
		return db_check(d, rc);
	}
	d->stats.prepares++;
	st->gen = d->gen;
	return SIP_OK;
}

/* Bind the stored values on the backend statement for a new execution. */
static int db_stmt_bind_all(db_stmt *st)
{
	db *d = st->d;
	int rc = SIP_OK;

	if (st->nvals > st->nparams) {
		db_set_error(d, "parameter $%d bound but the statement has %d", st->nvals,
			     st->nparams);
		return SIP_EINVAL;
	}
	d->ad->reset(d->conn, st->impl);
	for (int i = 0; i < st->nparams && rc == SIP_OK; i++) {
		const db_value *v = i < st->nvals ? &st->vals[i] : NULL;

		if (!v || v->kind == DB_V_UNSET) {
			db_set_error(d, "parameter $%d not bound", i + 1);
			return SIP_EINVAL;
		}
		if (v->kind == DB_V_NULL)
			rc = d->ad->bind_null(d->conn, st->impl, i + 1);
		else if (v->kind == DB_V_INT)
			rc = d->ad->bind_int(d->conn, st->impl, i + 1, v->i);
		else
			rc = d->ad->bind_text(d->conn, st->impl, i + 1, sip_str_make(v->buf, v->len));
	}
	return rc == SIP_OK ? rc : db_check(d, rc);
}

int db_step(db_stmt *st)
{
	db *d = st->d;
	int rc;

	if (!st->active) {
		st->row = false;
		rc = db_stmt_ready(st);
		if (rc == SIP_OK)
			rc = db_stmt_bind_all(st);
		if (rc != SIP_OK)
			return rc;
		st->active = true;
	}
	rc = d->ad->step(d->conn, st->impl);
	if (rc == DB_ROW) {
		st->row = true;
		return rc;
	}
	st->active = st->row = false;
	if (rc == SIP_OK) {
		st->changes = d->ad->changes(d->conn, st->impl);
		return rc;
	}
	return db_check(d, rc);
}

int db_column_count(db_stmt *st)
{
	return st->row ? st->d->ad->column_count(st->impl) : 0;
}

static bool db_col_ok(db_stmt *st, int col)
{
	return st->row && col >= 0 && col < st->d->ad->column_count(st->impl);
}

bool db_column_null(db_stmt *st, int col)
{
	return !db_col_ok(st, col) || st->d->ad->column_null(st->impl, col);
}

sip_str db_column_text(db_stmt *st, int col)
{
	if (!db_col_ok(st, col))
		return sip_str_make("", 0);
	return st->d->ad->column_text(st->impl, col);
}

int64_t db_column_int(db_stmt *st, int col)
{
	return db_col_ok(st, col) ? st->d->ad->column_int(st->impl, col) : 0;
}

long db_changes(db_stmt *st)
{
	return st->changes;
}
