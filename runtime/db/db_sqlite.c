/* SQLite adapter: the embedded default. Statements are sqlite3 prepared
 * statements; the $1..$n placeholders are SQLite named parameters, mapped
 * to their positions by name so the text reads the same as PostgreSQL's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "db/db.h"

/* How long a statement waits for another process's write lock. */
#define DB_SQLITE_BUSY_MS 2000

/* The transaction statements every write job runs, prepared once a
 * connection: sqlite3_exec() would parse them each time (about 2 % of
 * the proxy's CPU under bench/register). */
static const char *const sqlite_txn_sql[] = { "BEGIN", "COMMIT", "ROLLBACK" };
#define SQLITE_TXN_N (sizeof sqlite_txn_sql / sizeof sqlite_txn_sql[0])

typedef struct {
	sqlite3 *h;
	int last_rc;              /* extended code of the last failure */
	sqlite3_stmt *txn[SQLITE_TXN_N];   /* sqlite_txn_sql, prepared on first use */
} sqlite_conn;

typedef struct {
	sqlite3_stmt *s;
	int nparams;
	int map[];                /* $k -> SQLite parameter index, k = 1..nparams */
} sqlite_stmt;

/* A failed SQLite call as a runtime status. */
static int sqlite_status(sqlite_conn *c, int rc)
{
	c->last_rc = rc;
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return SIP_EDBCONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SIP_ETIMEOUT;
	case SQLITE_NOMEM:
		return SIP_NOMEM;
	case SQLITE_RANGE:
	case SQLITE_MISUSE:
		return SIP_EINVAL;
	default:
		return SIP_EDB;
	}
}

/* sqlite:PATH or sqlite://PATH (so sqlite:///abs/file.db also works). */
static int sqlite_connect(const char *url, void **out, char *errbuf, size_t errsz)
{
	const char *path = url + strlen("sqlite:");
	sqlite_conn *c;
	int rc;

	if (strncmp(path, "//", 2) == 0)
		path += 2;
	if (*path == '\0') {
		snprintf(errbuf, errsz, "sqlite URL without a file name: %s", url);
		return SIP_EINVAL;
	}
	c = sip_mem_alloc(sizeof(*c));
	if (!c)
		return SIP_NOMEM;
	memset(c, 0, sizeof *c);
	c->last_rc = SQLITE_OK;
	rc = sqlite3_open_v2(path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
			     | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(errbuf, errsz, "%s: %s", path, c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		sqlite3_close(c->h);
		sip_mem_free(c);
		return SIP_EDBDOWN;
	}
	sqlite3_extended_result_codes(c->h, 1);
	sqlite3_busy_timeout(c->h, DB_SQLITE_BUSY_MS);
	/* WAL lets the workers of several proxies read while one writes; it is
	 * refused for in-memory databases, which is harmless. */
	sqlite3_exec(c->h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	sqlite3_exec(c->h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	rc = sqlite3_exec(c->h, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		/* A file that is not a database fails here, not at open. */
		snprintf(errbuf, errsz, "%s: %s", path, sqlite3_errmsg(c->h));
		sqlite3_close(c->h);
		sip_mem_free(c);
		return SIP_EDBDOWN;
	}
	*out = c;
	return SIP_OK;
}

static void sqlite_close(void *conn)
{
	sqlite_conn *c = conn;

	for (size_t i = 0; i < SQLITE_TXN_N; i++)
		sqlite3_finalize(c->txn[i]);
	sqlite3_close_v2(c->h);
	sip_mem_free(c);
}

static int sqlite_exec(void *conn, const char *sql)
{
	sqlite_conn *c = conn;
	for (size_t i = 0; i < SQLITE_TXN_N; i++) {
		if (strcmp(sql, sqlite_txn_sql[i]) != 0)
			continue;
		if (!c->txn[i] && sqlite3_prepare_v2(c->h, sql, -1, &c->txn[i], NULL) != SQLITE_OK)
			break;  /* sqlite3_exec() below reports it */
		int rc = sqlite3_step(c->txn[i]);
		sqlite3_reset(c->txn[i]);
		return rc == SQLITE_DONE ? SIP_OK : sqlite_status(c, rc);
	}
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? SIP_OK : sqlite_status(c, rc);
}

/* The k of a "$k" parameter name, or 0 when it is not of that form. */
static int sqlite_param_number(const char *name)
{
	long k;
	char *end;

	if (!name || name[0] != '$' || !isdigit((unsigned char)name[1]))
		return 0;
	k = strtol(name + 1, &end, 10);
	return (*end || k < 1 || k > 1000) ? 0 : (int)k;
}

/* Prepare and map each $k to SQLite's index. Other placeholder spellings
 * (?, :name) and gaps in the numbering are refused, as PostgreSQL would. */
static int sqlite_prepare(void *conn, const char *sql, unsigned id, void **out, int *nparams)
{
	sqlite_conn *c = conn;
	sqlite3_stmt *s;
	sqlite_stmt *st;
	int rc, n, max = 0;

	(void)id;
	rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK)
		return sqlite_status(c, rc);
	n = sqlite3_bind_parameter_count(s);
	for (int i = 1; i <= n; i++) {
		int k = sqlite_param_number(sqlite3_bind_parameter_name(s, i));
		if (!k) {
			sqlite3_finalize(s);
			c->last_rc = SQLITE_MISUSE;
			return SIP_EINVAL;
		}
		if (k > max)
			max = k;
	}
	st = sip_mem_alloc(sizeof(*st) + (size_t)(max + 1) * sizeof(int));
	if (!st) {
		sqlite3_finalize(s);
		return SIP_NOMEM;
	}
	st->s = s;
	st->nparams = max;
	memset(st->map, 0, (size_t)(max + 1) * sizeof(int));
	for (int i = 1; i <= n; i++)
		st->map[sqlite_param_number(sqlite3_bind_parameter_name(s, i))] = i;
	for (int k = 1; k <= max; k++) {
		if (!st->map[k]) {
			sqlite3_finalize(s);
			sip_mem_free(st);
			c->last_rc = SQLITE_MISUSE;
			return SIP_EINVAL;
		}
	}
	*out = st;
	*nparams = max;
	return SIP_OK;
}

static void sqlite_finalize(void *conn, void *stmt)
{
	sqlite_stmt *st = stmt;

	(void)conn;
	sqlite3_finalize(st->s);
	sip_mem_free(st);
}

static void sqlite_reset(void *conn, void *stmt)
{
	sqlite_stmt *st = stmt;

	(void)conn;
	sqlite3_reset(st->s);
	sqlite3_clear_bindings(st->s);
}

/* The text stays in the statement's value buffer until the next reset, so
 * SQLite need not copy it. */
static int sqlite_bind_text(void *conn, void *stmt, int idx, sip_str v)
{
	sqlite_stmt *st = stmt;
	int rc = sqlite3_bind_text(st->s, st->map[idx], v.s, (int)v.len, SQLITE_STATIC);

	return rc == SQLITE_OK ? SIP_OK : sqlite_status(conn, rc);
}

static int sqlite_bind_int(void *conn, void *stmt, int idx, int64_t v)
{
	sqlite_stmt *st = stmt;
	int rc = sqlite3_bind_int64(st->s, st->map[idx], v);

	return rc == SQLITE_OK ? SIP_OK : sqlite_status(conn, rc);
}

static int sqlite_bind_null(void *conn, void *stmt, int idx)
{
	sqlite_stmt *st = stmt;
	int rc = sqlite3_bind_null(st->s, st->map[idx]);

	return rc == SQLITE_OK ? SIP_OK : sqlite_status(conn, rc);
}

static int sqlite_step(void *conn, void *stmt)
{
	sqlite_stmt *st = stmt;
	int rc = sqlite3_step(st->s);

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return SIP_OK;
	rc = sqlite_status(conn, rc);
	/* The error text stays on the connection; the statement is reset so
	 * a retry starts from the beginning. */
	sqlite3_reset(st->s);
	return rc;
}

static int sqlite_column_count(void *stmt)
{
	return sqlite3_data_count(((sqlite_stmt *)stmt)->s);
}

static bool sqlite_column_null(void *stmt, int col)
{
	return sqlite3_column_type(((sqlite_stmt *)stmt)->s, col) == SQLITE_NULL;
}

static sip_str sqlite_column_text(void *stmt, int col)
{
	sqlite3_stmt *s = ((sqlite_stmt *)stmt)->s;
	const char *p = (const char *)sqlite3_column_text(s, col);

	if (!p)
		return sip_str_make("", 0);
	return sip_str_make(p, (size_t)sqlite3_column_bytes(s, col));
}

static int64_t sqlite_column_int(void *stmt, int col)
{
	return sqlite3_column_int64(((sqlite_stmt *)stmt)->s, col);
}

static long sqlite_changes(void *conn, void *stmt)
{
	(void)stmt;
	return sqlite3_changes(((sqlite_conn *)conn)->h);
}

static const char *sqlite_error(void *conn)
{
	sqlite_conn *c = conn;

	if (c->last_rc == SQLITE_MISUSE)
		return "statement placeholders must be $1..$n without gaps";
	return sqlite3_errmsg(c->h);
}

/* A file database is lost when its file cannot be read or written any more
 * (disk gone, file replaced); reopening it is the only way back. */
static bool sqlite_conn_lost(void *conn)
{
	int rc = ((sqlite_conn *)conn)->last_rc & 0xff;

	return rc == SQLITE_IOERR || rc == SQLITE_CANTOPEN || rc == SQLITE_NOTADB;
}

const db_adapter db_sqlite_adapter = {
	.name = "sqlite",
	.in_process = true,
	.connect = sqlite_connect,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.prepare = sqlite_prepare,
	.finalize = sqlite_finalize,
	.reset = sqlite_reset,
	.bind_text = sqlite_bind_text,
	.bind_int = sqlite_bind_int,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.column_count = sqlite_column_count,
	.column_null = sqlite_column_null,
	.column_text = sqlite_column_text,
	.column_int = sqlite_column_int,
	.changes = sqlite_changes,
	.error = sqlite_error,
	.conn_lost = sqlite_conn_lost,
	.upsert_sql = db_upsert_sql_on_conflict,
};
