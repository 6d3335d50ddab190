/* MariaDB / MySQL adapter over libmariadb (MariaDB Connector/C).
 *
 *   mysql://USER:PASSWORD@HOST:PORT/DBNAME     (mariadb:// too)
 *   mysql://USER:PASSWORD@localhost/DBNAME?socket=/run/mysqld/mysqld.sock
 *
 * User, password and database name are percent-decoded; HOST may be an
 * IPv6 literal in brackets; the port defaults to 3306. The only query
 * parameter is socket= (a Unix socket instead of TCP); anything else is a
 * malformed URL, as libpq says for PostgreSQL.
 *
 * Statements are server-side prepared statements (mysql_stmt_prepare):
 * the runtime's $1..$n placeholders are rewritten to '?' outside quotes and
 * comments, and each '?' position remembers which $k it stands for, so a
 * parameter may appear more than once, as on the other backends. Values
 * travel in the binary protocol, never inside the SQL text. Results are
 * buffered on the client (mysql_stmt_store_result) so a statement being
 * stepped never blocks another one on the same connection.
 *
 * Every wait is bounded by the connector's connect, read and write
 * timeouts; a timeout reads as a lost connection, which the handle closes
 * and re-establishes with its backoff. The connection's character set is
 * utf8mb4, rows changed count matched rows (CLIENT_FOUND_ROWS) as SQLite
 * and PostgreSQL do, and the connector's own silent reconnect stays off:
 * the handle decides when to reconnect. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "core/arena.h"
#include "db/db.h"

/* Seconds: connecting (TCP and handshake), and waiting for one reply or
 * for the socket to take a request. */
#define DB_MY_CONNECT_TIMEOUT 3u
#define DB_MY_IO_TIMEOUT      5u
/* First size of a result column's buffer; grown for longer values. */
#define DB_MY_COLBUF 256

typedef struct {
	MYSQL *my;
	bool lost;
	char err[512];
} my_conn;

/* A bound value of parameter $k (k = index + 1). */
typedef struct {
	enum enum_field_types type;   /* MYSQL_TYPE_NULL, _LONGLONG or _STRING */
	long long i;
	const char *s;
	unsigned long len;
} my_value;

typedef struct {
	MYSQL_STMT *st;
	int nparams;                 /* highest $k */
	int npos;                    /* '?' in the rewritten text */
	int *pos;                    /* pos[j] = k - 1 of the j-th '?' */
	my_value *vals;              /* per $k */
	MYSQL_BIND *pbind;           /* per '?' */
	int ncols;
	MYSQL_BIND *rbind;           /* per result column */
	char **rbuf;
	unsigned long *rcap, *rlen;
	my_bool *rnull, *rerr;
	bool executed, stored;
	long changes;
} my_stmt;

static void my_set_err(my_conn *c, const char *msg)
{
	size_t n;

	snprintf(c->err, sizeof(c->err), "%s", msg && *msg ? msg : "unknown MariaDB error");
	n = strlen(c->err);
	while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
		c->err[--n] = '\0';
}

/* Server and client error numbers that mean the connection is gone (or a
 * wait timed out, which leaves it unusable). */
static bool my_errno_lost(unsigned e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_UNKNOWN_HOST:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_ERR_NET_READ:
	case CR_ERR_NET_WRITE:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED:
	case ER_NET_ERROR_ON_WRITE:
	case ER_NET_WRITE_INTERRUPTED:
		return true;
	default:
		return false;
	}
}

/* The status for error number e with message msg, recorded on c. */
static int my_status(my_conn *c, unsigned e, const char *msg)
{
	my_set_err(c, msg);
	if (my_errno_lost(e)) {
		c->lost = true;
		return SIP_EDBDOWN;
	}
	switch (e) {
	case ER_DUP_ENTRY:
	case ER_DUP_UNIQUE:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
	case ER_BAD_NULL_ERROR:
	case ER_NO_DEFAULT_FOR_FIELD:
	case ER_ROW_IS_REFERENCED_2:
	case ER_NO_REFERENCED_ROW_2:
		return SIP_EDBCONSTRAINT;
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_DEADLOCK:
	case ER_STATEMENT_TIMEOUT:
	case ER_QUERY_INTERRUPTED:
		return SIP_ETIMEOUT;
	case CR_OUT_OF_MEMORY:
		return SIP_NOMEM;
	default:
		return SIP_EDB;
	}
}

static int my_conn_status(my_conn *c)
{
	return my_status(c, mysql_errno(c->my), mysql_error(c->my));
}

static int my_stmt_status(my_conn *c, my_stmt *st)
{
	return my_status(c, mysql_stmt_errno(st->st), mysql_stmt_error(st->st));
}

/* ---- URL ---- */

typedef struct {
	char user[256], pass[256], host[256], db[256], socket[512];
	unsigned port;
} my_url;

/* Split a mysql:// or mariadb:// URL. SIP_OK or SIP_EINVAL with a reason. */
static int my_url_parse(const char *url, my_url *u, char *errbuf, size_t errsz)
{
	const char *p = strstr(url, "://"), *end, *at, *slash, *q;

	memset(u, 0, sizeof(*u));
	u->port = 3306;
	if (!p)
		goto bad;
	p += 3;
	q = strchr(p, '?');
	end = q ? q : p + strlen(p);
	slash = memchr(p, '/', (size_t)(end - p));
	if (!slash)
		slash = end;
	/* The last '@' before the path: a password may hold an encoded one. */
	at = NULL;
	for (const char *s = p; s < slash; s++)
		if (*s == '@')
			at = s;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (!db_url_decode(p, (size_t)((colon ? colon : at) - p), u->user, sizeof(u->user)))
			goto bad;
		if (colon && !db_url_decode(colon + 1, (size_t)(at - colon - 1), u->pass, sizeof(u->pass)))
			goto bad;
		p = at + 1;
	}
	if (p < slash && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(slash - p));
		if (!rb || (size_t)(rb - p - 1) >= sizeof(u->host) || rb == p + 1)
			goto bad;
		memcpy(u->host, p + 1, (size_t)(rb - p - 1));
		p = rb + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(slash - p));
		const char *he = colon ? colon : slash;
		if (!db_url_decode(p, (size_t)(he - p), u->host, sizeof(u->host)))
			goto bad;
		p = he;
	}
	if (p < slash) {
		char *e;
		long port;
		if (*p != ':' || p + 1 == slash)
			goto bad;
		port = strtol(p + 1, &e, 10);
		if (e != slash || port <= 0 || port > 65535)
			goto bad;
		u->port = (unsigned)port;
	}
	if (slash < end && !db_url_decode(slash + 1, (size_t)(end - slash - 1), u->db, sizeof(u->db)))
		goto bad;
	if (!u->db[0]) {
		snprintf(errbuf, errsz, "MariaDB URL without a database name: mysql://USER:PASS@HOST:PORT/DB");
		return SIP_EINVAL;
	}
	for (p = q ? q + 1 : NULL; p && *p;) {
		const char *amp = strchr(p, '&'), *pe = amp ? amp : p + strlen(p);
		if ((size_t)(pe - p) > 7 && strncmp(p, "socket=", 7) == 0) {
			if (!db_url_decode(p + 7, (size_t)(pe - p - 7), u->socket, sizeof(u->socket)))
				goto bad;
		} else {
			snprintf(errbuf, errsz, "unknown MariaDB URL parameter '%.*s' (only socket=)",
				 (int)(pe - p), p);
			return SIP_EINVAL;
		}
		p = amp ? amp + 1 : pe;
	}
	if (!u->host[0] && !u->socket[0])
		snprintf(u->host, sizeof(u->host), "localhost");
	return SIP_OK;
bad:
	snprintf(errbuf, errsz, "malformed MariaDB URL (mysql://USER:PASS@HOST:PORT/DB)");
	return SIP_EINVAL;
}

/* ---- connection ---- */

static void my_library_init(void)
{
	mysql_library_init(0, NULL, NULL);
}

static int my_connect(const char *url, void **out, char *errbuf, size_t errsz)
{
	unsigned ct = DB_MY_CONNECT_TIMEOUT, io = DB_MY_IO_TIMEOUT;
	my_bool off = 0;
	my_url u;
	my_conn *c;
	int rc = my_url_parse(url, &u, errbuf, errsz);

	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (rc != SIP_OK)
		return rc;
	/* mysql_init() would do it, but not safely from two threads at once. */
	pthread_once(&once, my_library_init);
	c = sip_mem_alloc(sizeof(*c));
	if (!c)
		return SIP_NOMEM;
	memset(c, 0, sizeof(*c));
	c->my = mysql_init(NULL);
	if (!c->my) {
		sip_mem_free(c);
		return SIP_NOMEM;
	}
	mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(c->my, MYSQL_OPT_READ_TIMEOUT, &io);
	mysql_options(c->my, MYSQL_OPT_WRITE_TIMEOUT, &io);
	mysql_options(c->my, MYSQL_OPT_RECONNECT, &off);
	mysql_options(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* No option files: the URL says everything. */
	if (!mysql_real_connect(c->my, u.socket[0] ? NULL : u.host, u.user, u.pass, u.db,
				u.socket[0] ? 0 : u.port, u.socket[0] ? u.socket : NULL,
				CLIENT_FOUND_ROWS)) {
		snprintf(errbuf, errsz, "%s", mysql_error(c->my));
		mysql_close(c->my);
		sip_mem_free(c);
		memset(&u, 0, sizeof(u));
		return SIP_EDBDOWN;
	}
	memset(&u, 0, sizeof(u));
	*out = c;
	return SIP_OK;
}

static void my_close(void *conn)
{
	my_conn *c = conn;

	mysql_close(c->my);
	sip_mem_free(c);
}

/* Run constant SQL; a result set, if any, is read and dropped. */
static int my_exec(void *conn, const char *sql)
{
	my_conn *c = conn;
	MYSQL_RES *r;

	if (mysql_real_query(c->my, sql, (unsigned long)strlen(sql)) != 0)
		return my_conn_status(c);
	r = mysql_store_result(c->my);
	if (r)
		mysql_free_result(r);
	else if (mysql_field_count(c->my) != 0)
		return my_conn_status(c);
	return SIP_OK;
}

/* ---- statements ---- */

/* Rewrite $k to '?' outside quoted text and comments into out (at least
 * strlen(sql) + 1 bytes); pos receives k - 1 for each '?'. Returns the
 * number of '?' or -1 when a '?' is in the text already or k is out of
 * range; *maxk is the highest k. */
static int my_rewrite(const char *p, char *out, int *pos, int maxpos, int *maxk)
{
	int n = 0;

	*maxk = 0;
	while (*p) {
		if (*p == '\'' || *p == '"' || *p == '`') {
			char q = *p;
			*out++ = *p++;
			while (*p && *p != q) {
				if (*p == '\\' && q != '`' && p[1])
					*out++ = *p++;
				*out++ = *p++;
			}
			if (*p)
				*out++ = *p++;
		} else if ((p[0] == '-' && p[1] == '-') || p[0] == '#') {
			while (*p && *p != '\n')
				*out++ = *p++;
		} else if (p[0] == '/' && p[1] == '*') {
			*out++ = *p++;
			*out++ = *p++;
			while (*p && !(p[0] == '*' && p[1] == '/'))
				*out++ = *p++;
			if (*p) {
				*out++ = *p++;
				*out++ = *p++;
			}
		} else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			int k = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				k = k < 100000 ? k * 10 + (*p - '0') : k;
			if (k < 1 || k > 1000 || n >= maxpos)
				return -1;
			pos[n++] = k - 1;
			if (k > *maxk)
				*maxk = k;
			*out++ = '?';
		} else if (*p == '?') {
			return -1;
		} else {
			*out++ = *p++;
		}
	}
	*out = '\0';
	return n;
}

static void my_stmt_free(my_stmt *st)
{
	if (st->st)
		mysql_stmt_close(st->st);
	for (int i = 0; i < st->ncols; i++)
		sip_mem_free(st->rbuf[i]);
	sip_mem_free(st->rbuf);
	sip_mem_free(st->rbind);
	sip_mem_free(st->rcap);
	sip_mem_free(st->rlen);
	sip_mem_free(st->rnull);
	sip_mem_free(st->rerr);
	sip_mem_free(st->pos);
	sip_mem_free(st->vals);
	sip_mem_free(st->pbind);
	sip_mem_free(st);
}

static void *my_zalloc(size_t n)
{
	void *p = sip_mem_alloc(n ? n : 1);

	if (p)
		memset(p, 0, n ? n : 1);
	return p;
}

/* Bind every result column as text into its own growable buffer. */
static int my_bind_results(my_stmt *st, int ncols)
{
	st->ncols = ncols;
	st->rbind = my_zalloc((size_t)ncols * sizeof(*st->rbind));
	st->rbuf = my_zalloc((size_t)ncols * sizeof(*st->rbuf));
	st->rcap = my_zalloc((size_t)ncols * sizeof(*st->rcap));
	st->rlen = my_zalloc((size_t)ncols * sizeof(*st->rlen));
	st->rnull = my_zalloc((size_t)ncols * sizeof(*st->rnull));
	st->rerr = my_zalloc((size_t)ncols * sizeof(*st->rerr));
	if (!st->rbind || !st->rbuf || !st->rcap || !st->rlen || !st->rnull || !st->rerr)
		return SIP_NOMEM;
	for (int i = 0; i < ncols; i++) {
		if (!(st->rbuf[i] = sip_mem_alloc(DB_MY_COLBUF)))
			return SIP_NOMEM;
		st->rcap[i] = DB_MY_COLBUF;
		st->rbind[i].buffer_type = MYSQL_TYPE_STRING;
		st->rbind[i].buffer = st->rbuf[i];
		st->rbind[i].buffer_length = DB_MY_COLBUF - 1;
		st->rbind[i].length = &st->rlen[i];
		st->rbind[i].is_null = &st->rnull[i];
		st->rbind[i].error = &st->rerr[i];
	}
	return SIP_OK;
}

static int my_prepare(void *conn, const char *sql, unsigned id, void **out, int *nparams)
{
	my_conn *c = conn;
	size_t len = strlen(sql);
	int maxpos = (int)(len / 2 + 1), maxk = 0, rc;
	char *text = sip_mem_alloc(len + 1);
	my_stmt *st = my_zalloc(sizeof(*st));
	MYSQL_RES *meta;

	(void)id;
	if (!text || !st) {
		sip_mem_free(text);
		sip_mem_free(st);
		return SIP_NOMEM;
	}
	st->pos = sip_mem_alloc((size_t)maxpos * sizeof(*st->pos));
	if (!st->pos) {
		rc = SIP_NOMEM;
		goto fail;
	}
	st->npos = my_rewrite(sql, text, st->pos, maxpos, &maxk);
	if (st->npos < 0) {
		my_set_err(c, "placeholders must be $1..$1000 ('?' is not accepted)");
		rc = SIP_EINVAL;
		goto fail;
	}
	st->nparams = maxk;
	st->vals = my_zalloc((size_t)maxk * sizeof(*st->vals));
	st->pbind = my_zalloc((size_t)st->npos * sizeof(*st->pbind));
	if (!st->vals || !st->pbind || !(st->st = mysql_stmt_init(c->my))) {
		rc = SIP_NOMEM;
		goto fail;
	}
	if (mysql_stmt_prepare(st->st, text, (unsigned long)strlen(text)) != 0) {
		rc = my_stmt_status(c, st);
		goto fail;
	}
	if ((int)mysql_stmt_param_count(st->st) != st->npos) {
		my_set_err(c, "the server counts other parameters than the statement text");
		rc = SIP_EDB;
		goto fail;
	}
	meta = mysql_stmt_result_metadata(st->st);
	if (meta) {
		rc = my_bind_results(st, (int)mysql_num_fields(meta));
		mysql_free_result(meta);
		if (rc != SIP_OK)
			goto fail;
	}
	sip_mem_free(text);
	*out = st;
	*nparams = maxk;
	return SIP_OK;
fail:
	sip_mem_free(text);
	my_stmt_free(st);
	return rc;
}

static void my_reset(void *conn, void *stmt)
{
	my_stmt *st = stmt;

	(void)conn;
	if (st->stored)
		mysql_stmt_free_result(st->st);
	st->stored = st->executed = false;
}

static void my_finalize(void *conn, void *stmt)
{
	my_reset(conn, stmt);
	my_stmt_free(stmt);
}

static int my_bind_text(void *conn, void *stmt, int idx, sip_str v)
{
	my_value *val = &((my_stmt *)stmt)->vals[idx - 1];

	(void)conn;
	val->type = MYSQL_TYPE_STRING;
	val->s = v.s ? v.s : "";
	val->len = (unsigned long)v.len;
	return SIP_OK;
}

static int my_bind_int(void *conn, void *stmt, int idx, int64_t v)
{
	my_value *val = &((my_stmt *)stmt)->vals[idx - 1];

	(void)conn;
	val->type = MYSQL_TYPE_LONGLONG;
	val->i = (long long)v;
	return SIP_OK;
}

static int my_bind_null(void *conn, void *stmt, int idx)
{
	my_value *val = &((my_stmt *)stmt)->vals[idx - 1];

	(void)conn;
	val->type = MYSQL_TYPE_NULL;
	return SIP_OK;
}

/* Execute with the values of each '?' position, then buffer the rows. */
static int my_execute(my_conn *c, my_stmt *st)
{
	for (int j = 0; j < st->npos; j++) {
		my_value *v = &st->vals[st->pos[j]];
		MYSQL_BIND *b = &st->pbind[j];

		memset(b, 0, sizeof(*b));
		b->buffer_type = v->type;
		if (v->type == MYSQL_TYPE_LONGLONG) {
			b->buffer = &v->i;
		} else if (v->type == MYSQL_TYPE_STRING) {
			b->buffer = (void *)v->s;
			b->buffer_length = v->len;
			b->length = &v->len;
		}
	}
	if (st->npos && mysql_stmt_bind_param(st->st, st->pbind) != 0)
		return my_stmt_status(c, st);
	if (mysql_stmt_execute(st->st) != 0)
		return my_stmt_status(c, st);
	if (st->ncols) {
		if (mysql_stmt_bind_result(st->st, st->rbind) != 0)
			return my_stmt_status(c, st);
		if (mysql_stmt_store_result(st->st) != 0)
			return my_stmt_status(c, st);
		st->stored = true;
		st->changes = 0;
	} else {
		my_ulonglong n = mysql_stmt_affected_rows(st->st);
		st->changes = n == (my_ulonglong)-1 ? 0 : (long)n;
	}
	return SIP_OK;
}

/* Fetch the next row; columns longer than their buffer are grown and read
 * again whole. */
static int my_fetch(my_conn *c, my_stmt *st)
{
	int r = mysql_stmt_fetch(st->st);

	if (r == MYSQL_NO_DATA)
		return SIP_OK;
	if (r == 1)
		return my_stmt_status(c, st);
	for (int i = 0; i < st->ncols; i++) {
		if (st->rnull[i])
			st->rlen[i] = 0;
		if (!st->rnull[i] && st->rlen[i] >= st->rcap[i]) {
			unsigned long want = st->rlen[i] + 1;
			char *b = sip_mem_realloc(st->rbuf[i], want);
			if (!b)
				return SIP_NOMEM;
			st->rbuf[i] = b;
			st->rcap[i] = want;
			st->rbind[i].buffer = b;
			st->rbind[i].buffer_length = want - 1;
			if (mysql_stmt_fetch_column(st->st, &st->rbind[i], (unsigned)i, 0) != 0)
				return my_stmt_status(c, st);
			/* Later rows use the larger buffer too. */
			if (mysql_stmt_bind_result(st->st, st->rbind) != 0)
				return my_stmt_status(c, st);
		}
		if (!st->rnull[i])
			st->rbuf[i][st->rlen[i]] = '\0';
	}
	return DB_ROW;
}

static int my_step(void *conn, void *stmt)
{
	my_conn *c = conn;
	my_stmt *st = stmt;

	if (!st->executed) {
		int rc;
		st->executed = true;
		if ((rc = my_execute(c, st)) != SIP_OK)
			return rc;
	}
	if (!st->stored)
		return SIP_OK;
	return my_fetch(c, st);
}

static int my_column_count(void *stmt)
{
	return ((my_stmt *)stmt)->ncols;
}

static bool my_column_null(void *stmt, int col)
{
	return ((my_stmt *)stmt)->rnull[col];
}

static sip_str my_column_text(void *stmt, int col)
{
	my_stmt *st = stmt;

	if (st->rnull[col])
		return sip_str_make("", 0);
	return sip_str_make(st->rbuf[col], st->rlen[col]);
}

static int64_t my_column_int(void *stmt, int col)
{
	my_stmt *st = stmt;

	return st->rnull[col] ? 0 : strtoll(st->rbuf[col], NULL, 10);
}

static long my_changes(void *conn, void *stmt)
{
	(void)conn;
	return ((my_stmt *)stmt)->changes;
}

static const char *my_error(void *conn)
{
	my_conn *c = conn;

	return c->err[0] ? c->err : mysql_error(c->my);
}

static bool my_conn_lost(void *conn)
{
	return ((my_conn *)conn)->lost;
}

/* upsert_sql: "INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c)" (any
 * unique key of the table decides; VALUES() is what MariaDB knows). With
 * only key columns, an update that changes nothing. */
static int my_upsert_sql(char *buf, size_t size, const char *table, const char *const *cols,
			 unsigned ncols, unsigned nkey)
{
	size_t len = 0;
	bool ok = db_upsert_insert(buf, size, &len, table, cols, ncols) &&
		  db_sql_cat(buf, size, &len, " ON DUPLICATE KEY UPDATE ");
	if (ok && nkey == ncols)
		ok = db_sql_cat(buf, size, &len, "%s = %s", cols[0], cols[0]);
	for (unsigned i = nkey; ok && i < ncols; i++)
		ok = db_sql_cat(buf, size, &len, "%s%s = VALUES(%s)", i > nkey ? ", " : "", cols[i],
				cols[i]);
	return ok ? SIP_OK : SIP_ELIMIT;
}

const db_adapter db_mysql_adapter = {
	.name = "mysql",
	.connect = my_connect,
	.close = my_close,
	.exec = my_exec,
	.prepare = my_prepare,
	.finalize = my_finalize,
	.reset = my_reset,
	.bind_text = my_bind_text,
	.bind_int = my_bind_int,
	.bind_null = my_bind_null,
	.step = my_step,
	.column_count = my_column_count,
	.column_null = my_column_null,
	.column_text = my_column_text,
	.column_int = my_column_int,
	.changes = my_changes,
	.error = my_error,
	.conn_lost = my_conn_lost,
	.upsert_sql = my_upsert_sql,
};
