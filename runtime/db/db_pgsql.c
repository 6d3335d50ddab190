/* PostgreSQL adapter over libpq. Statements are server-side prepared
 * statements (PQsendPrepare / PQsendQueryPrepared); values travel as
 * parameters, never inside the SQL text. The socket is non-blocking and
 * every wait is a poll() with a deadline, so a hung server costs a bounded
 * delay and then reads as a lost connection. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>

#include "core/arena.h"
#include "db/db.h"

/* Connecting gives up after this many seconds (libpq's own minimum is 2). */
#define DB_PG_CONNECT_TIMEOUT "3"
/* Longest wait for the result of one statement. */
#define DB_PG_QUERY_MS 5000

typedef struct {
	PGconn *pg;
	bool lost;
	char err[512];
} pg_conn;

typedef struct {
	char name[24];
	int nparams;
	const char **vals;        /* text of each parameter, NULL for NULL */
	char (*ints)[24];         /* storage for integer parameters as text */
	PGresult *res;            /* the current execution's rows */
	int row;                  /* next row to return */
	bool executed;
	long changes;
} pg_stmt;

static void pg_set_err(pg_conn *c, const char *msg)
{
	size_t n;

	snprintf(c->err, sizeof(c->err), "%s", msg && *msg ? msg : "unknown PostgreSQL error");
	n = strlen(c->err);
	while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
		c->err[--n] = '\0';
}

static int64_t pg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Mark the connection lost with a reason; the handle closes it. */
static int pg_lost(pg_conn *c, const char *why)
{
	c->lost = true;
	pg_set_err(c, why);
	return SIP_EDBDOWN;
}

/* Wait until the socket is ready for events or the deadline passes.
 * Returns SIP_OK, or SIP_EDBDOWN with the connection marked lost. */
static int pg_poll(pg_conn *c, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = PQsocket(c->pg), .events = events };

	for (;;) {
		int64_t left = deadline - pg_now_ms();
		int n;

		if (left <= 0)
			return pg_lost(c, "PostgreSQL did not answer in time");
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return SIP_OK;
		if (n < 0 && errno != EINTR)
			return pg_lost(c, strerror(errno));
	}
}

/* Flush the query just queued and collect its result, keeping the last
 * PGresult (a simple-protocol string may hold several statements). *out is
 * NULL when the server sent none. */
static int pg_wait(pg_conn *c, PGresult **out)
{
	int64_t deadline = pg_now_ms() + DB_PG_QUERY_MS;
	PGresult *last = NULL, *r;
	int rc;

	*out = NULL;
	for (;;) {
		int f = PQflush(c->pg);
		if (f == 0)
			break;
		if (f < 0)
			return pg_lost(c, PQerrorMessage(c->pg));
		if ((rc = pg_poll(c, POLLOUT | POLLIN, deadline)) != SIP_OK)
			return rc;
		if (!PQconsumeInput(c->pg))
			return pg_lost(c, PQerrorMessage(c->pg));
	}
	for (;;) {
		while (!PQisBusy(c->pg)) {
			r = PQgetResult(c->pg);
			if (!r) {
				*out = last;
				return SIP_OK;
			}
			PQclear(last);
			last = r;
		}
		rc = pg_poll(c, POLLIN, deadline);
		if (rc == SIP_OK && !PQconsumeInput(c->pg))
			rc = pg_lost(c, PQerrorMessage(c->pg));
		if (rc != SIP_OK) {
			PQclear(last);
			return rc;
		}
	}
}

/* Status of a finished command. SQLSTATE classes: 23 integrity constraint,
 * 08 connection exception, 57P0x server shutting down or starting, 55P03
 * lock not available, 57014 query cancelled (statement_timeout). */
static int pg_result_status(pg_conn *c, PGresult *r)
{
	const char *state;

	if (!r) {
		if (PQstatus(c->pg) == CONNECTION_BAD)
			return pg_lost(c, PQerrorMessage(c->pg));
		pg_set_err(c, "no result from PostgreSQL");
		return SIP_EDB;
	}
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		return SIP_OK;
	default:
		break;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD)
		return pg_lost(c, PQresultErrorMessage(r));
	pg_set_err(c, PQresultErrorMessage(r));
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (!state)
		return SIP_EDB;
	if (strncmp(state, "23", 2) == 0)
		return SIP_EDBCONSTRAINT;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0) {
		c->lost = true;
		return SIP_EDBDOWN;
	}
	if (strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		return SIP_ETIMEOUT;
	return SIP_EDB;
}

/* Connect with libpq's own URI syntax, adding a connect timeout unless the
 * URL sets one; the socket then goes non-blocking for pg_wait(). */
static int pg_connect(const char *url, void **out, char *errbuf, size_t errsz)
{
	PQconninfoOption *opts;
	char *errmsg = NULL, *info;
	size_t n = strlen(url) + 64;
	pg_conn *c;

	opts = PQconninfoParse(url, &errmsg);
	if (!opts) {
		snprintf(errbuf, errsz, "%s", errmsg ? errmsg : "malformed PostgreSQL URL");
		PQfreemem(errmsg);
		return SIP_EINVAL;
	}
	PQconninfoFree(opts);
	info = sip_mem_alloc(n);
	c = sip_mem_alloc(sizeof(*c));
	if (!info || !c) {
		sip_mem_free(info);
		sip_mem_free(c);
		return SIP_NOMEM;
	}
	if (strstr(url, "connect_timeout="))
		snprintf(info, n, "%s", url);
	else
		snprintf(info, n, "%s%cconnect_timeout=" DB_PG_CONNECT_TIMEOUT, url,
			 strchr(url, '?') ? '&' : '?');
	memset(c, 0, sizeof(*c));
	c->pg = PQconnectdb(info);
	sip_mem_free(info);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK
	    || PQsetnonblocking(c->pg, 1) != 0 || PQsetClientEncoding(c->pg, "UTF8") != 0) {
		snprintf(errbuf, errsz, "%s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
		PQfinish(c->pg);
		sip_mem_free(c);
		return SIP_EDBDOWN;
	}
	*out = c;
	return SIP_OK;
}

static void pg_close(void *conn)
{
	pg_conn *c = conn;

	PQfinish(c->pg);
	sip_mem_free(c);
}

static int pg_exec(void *conn, const char *sql)
{
	pg_conn *c = conn;
	PGresult *r;
	int rc;

	if (!PQsendQuery(c->pg, sql))
		return PQstatus(c->pg) == CONNECTION_BAD ? pg_lost(c, PQerrorMessage(c->pg))
							 : (pg_set_err(c, PQerrorMessage(c->pg)), SIP_EDB);
	if ((rc = pg_wait(c, &r)) != SIP_OK)
		return rc;
	rc = pg_result_status(c, r);
	PQclear(r);
	return rc;
}

/* Highest $k placeholder in sql, outside quoted strings, quoted
 * identifiers and comments. */
static int pg_count_params(const char *p)
{
	int max = 0;

	while (*p) {
		if (*p == '\'' || *p == '"') {
			char q = *p++;
			while (*p && *p != q)
				p++;
			if (*p)
				p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			int k = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				k = k < 100000 ? k * 10 + (*p - '0') : k;
			if (k > max)
				max = k;
		} else {
			p++;
		}
	}
	return max;
}

static int pg_prepare(void *conn, const char *sql, unsigned id, void **out, int *nparams)
{
	pg_conn *c = conn;
	pg_stmt *st;
	PGresult *r;
	int rc, n = pg_count_params(sql);

	if (n > 1000) {
		pg_set_err(c, "too many parameters");
		return SIP_EINVAL;
	}
	st = sip_mem_alloc(sizeof(*st));
	if (!st)
		return SIP_NOMEM;
	memset(st, 0, sizeof(*st));
	st->vals = sip_mem_alloc((size_t)(n + 1) * sizeof(*st->vals));
	st->ints = sip_mem_alloc((size_t)(n + 1) * sizeof(*st->ints));
	if (!st->vals || !st->ints) {
		sip_mem_free(st->vals);
		sip_mem_free(st->ints);
		sip_mem_free(st);
		return SIP_NOMEM;
	}
	st->nparams = n;
	snprintf(st->name, sizeof(st->name), "sipcc_%u", id);
	if (!PQsendPrepare(c->pg, st->name, sql, 0, NULL))
		rc = pg_lost(c, PQerrorMessage(c->pg));
	else if ((rc = pg_wait(c, &r)) == SIP_OK) {
		rc = pg_result_status(c, r);
		PQclear(r);
	}
	if (rc != SIP_OK) {
		sip_mem_free(st->vals);
		sip_mem_free(st->ints);
		sip_mem_free(st);
		return rc;
	}
	*out = st;
	*nparams = n;
	return SIP_OK;
}

static void pg_reset(void *conn, void *stmt)
{
	pg_stmt *st = stmt;

	(void)conn;
	PQclear(st->res);
	st->res = NULL;
	st->row = 0;
	st->executed = false;
}

/* Release the server-side statement too while the connection is alive, so
 * a long-lived connection does not collect dead statements. */
static void pg_finalize(void *conn, void *stmt)
{
	pg_conn *c = conn;
	pg_stmt *st = stmt;
	char sql[48];

	pg_reset(conn, stmt);
	if (!c->lost && PQstatus(c->pg) == CONNECTION_OK) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
		pg_exec(c, sql);
	}
	sip_mem_free(st->vals);
	sip_mem_free(st->ints);
	sip_mem_free(st);
}

static int pg_bind_text(void *conn, void *stmt, int idx, sip_str v)
{
	pg_stmt *st = stmt;

	(void)conn;
	st->vals[idx - 1] = v.s;
	return SIP_OK;
}

static int pg_bind_int(void *conn, void *stmt, int idx, int64_t v)
{
	pg_stmt *st = stmt;

	(void)conn;
	snprintf(st->ints[idx - 1], sizeof(st->ints[0]), "%" PRId64, v);
	st->vals[idx - 1] = st->ints[idx - 1];
	return SIP_OK;
}

static int pg_bind_null(void *conn, void *stmt, int idx)
{
	pg_stmt *st = stmt;

	(void)conn;
	st->vals[idx - 1] = NULL;
	return SIP_OK;
}

/* The whole result arrives at the first step; later steps walk its rows. */
static int pg_step(void *conn, void *stmt)
{
	pg_conn *c = conn;
	pg_stmt *st = stmt;
	int rc;

	if (!st->executed) {
		const char *tuples;

		st->executed = true;
		if (!PQsendQueryPrepared(c->pg, st->name, st->nparams, st->vals, NULL, NULL, 0))
			return pg_lost(c, PQerrorMessage(c->pg));
		if ((rc = pg_wait(c, &st->res)) != SIP_OK)
			return rc;
		if ((rc = pg_result_status(c, st->res)) != SIP_OK) {
			PQclear(st->res);
			st->res = NULL;
			return rc;
		}
		tuples = PQcmdTuples(st->res);
		st->changes = tuples && *tuples ? atol(tuples) : 0;
		st->row = 0;
	}
	if (st->res && st->row < PQntuples(st->res)) {
		st->row++;
		return DB_ROW;
	}
	return SIP_OK;
}

static int pg_column_count(void *stmt)
{
	pg_stmt *st = stmt;

	return st->res ? PQnfields(st->res) : 0;
}

static bool pg_column_null(void *stmt, int col)
{
	pg_stmt *st = stmt;

	return PQgetisnull(st->res, st->row - 1, col);
}

static sip_str pg_column_text(void *stmt, int col)
{
	pg_stmt *st = stmt;

	return sip_str_make(PQgetvalue(st->res, st->row - 1, col),
			    (size_t)PQgetlength(st->res, st->row - 1, col));
}

static int64_t pg_column_int(void *stmt, int col)
{
	pg_stmt *st = stmt;

	return strtoll(PQgetvalue(st->res, st->row - 1, col), NULL, 10);
}

static long pg_changes(void *conn, void *stmt)
{
	(void)conn;
	return ((pg_stmt *)stmt)->changes;
}

static const char *pg_error(void *conn)
{
	pg_conn *c = conn;

	return c->err[0] ? c->err : PQerrorMessage(c->pg);
}

static bool pg_conn_lost(void *conn)
{
	pg_conn *c = conn;

	return c->lost || PQstatus(c->pg) == CONNECTION_BAD;
}

const db_adapter db_pgsql_adapter = {
	.name = "postgres",
	.connect = pg_connect,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.bind_text = pg_bind_text,
	.bind_int = pg_bind_int,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_count = pg_column_count,
	.column_null = pg_column_null,
	.column_text = pg_column_text,
	.column_int = pg_column_int,
	.changes = pg_changes,
	.error = pg_error,
	.conn_lost = pg_conn_lost,
	.upsert_sql = db_upsert_sql_on_conflict,
};
