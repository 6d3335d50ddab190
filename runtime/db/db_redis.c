/* Redis adapter over hiredis, for the state proxies share (cluster.store).
 *
 *   redis://[USER][:PASSWORD@]HOST[:PORT][/DB][?timeout=MS]
 *
 * User and password are percent-decoded (AUTH PASSWORD, or AUTH USER
 * PASSWORD with Redis 6 ACLs); HOST may be an IPv6 literal in brackets;
 * the port defaults to 6379, the database to 0. timeout bounds connecting
 * and each reply (default 1000 ms: Redis answers in microseconds, so a
 * server that takes longer is treated as gone and the handle's backoff
 * turns the next calls into fast failures).
 *
 * A statement is one command (db/db.h): its text is cut into words at
 * blanks, a word in single quotes is taken as it is, and $n anywhere in a
 * word stands for the bound value n ("sipcc:loc:$1" is one argument).
 * Values travel as separate arguments of the protocol, never inside
 * another argument's text. The reply is kept until the next execution and
 * read as rows as db/db.h describes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <hiredis/hiredis.h>

#include "core/arena.h"
#include "db/db.h"

#define DB_REDIS_TIMEOUT_MS 1000
/* Longest command: words, and the bytes of a word put together. */
#define DB_REDIS_MAX_WORDS 64
#define DB_REDIS_MAX_PARAMS 32

typedef struct {
	redisContext *rc;
	bool lost;
	char err[512];
} rd_conn;

/* A piece of a word: literal text, or parameter k (1-based) when k > 0. */
typedef struct {
	const char *s;
	size_t len;
	int k;
} rd_part;

typedef struct {
	unsigned first, n;           /* its parts: parts[first .. first + n) */
} rd_word;

typedef struct {
	char *text;                  /* the statement's copy */
	rd_word words[DB_REDIS_MAX_WORDS];
	unsigned nwords;
	rd_part *parts;
	unsigned nparts;
	int nparams;
	/* Bound values: text (owned copies) or NULL for NULL. */
	char *vals[DB_REDIS_MAX_PARAMS];
	size_t vlens[DB_REDIS_MAX_PARAMS];
	redisReply *reply;
	/* The rows: the current one's columns. */
	size_t row, nrows;
	redisReply **cols;
	size_t ncols;
	bool executed, nested;
	long changes;
	char numbuf[DB_REDIS_MAX_WORDS][24];   /* an integer column as text */
} rd_stmt;

static void rd_set_err(rd_conn *c, const char *msg)
{
	snprintf(c->err, sizeof c->err, "%s", msg && *msg ? msg : "unknown Redis error");
}

typedef struct {
	char host[256];
	int port;
	char user[128];
	char pass[256];
	bool has_pass;
	long db;
	int timeout_ms;
} rd_url;

static int rd_url_parse(const char *url, rd_url *u, char *errbuf, size_t errsz)
{
	memset(u, 0, sizeof *u);
	u->port = 6379;
	u->timeout_ms = DB_REDIS_TIMEOUT_MS;
	if (strncasecmp(url, "redis://", 8) != 0) {
		snprintf(errbuf, errsz, "not a redis:// URL");
		return SIP_EINVAL;
	}
	const char *p = url + 8;
	const char *end = p + strcspn(p, "/?");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *ue = colon ? colon : at;
		if (!db_url_decode(p, (size_t)(ue - p), u->user, sizeof u->user)) {
			snprintf(errbuf, errsz, "malformed user in the Redis URL");
			return SIP_EINVAL;
		}
		if (colon) {
			if (!db_url_decode(colon + 1, (size_t)(at - colon - 1), u->pass, sizeof u->pass)) {
				snprintf(errbuf, errsz, "malformed password in the Redis URL");
				return SIP_EINVAL;
			}
			u->has_pass = true;
		}
		p = at + 1;
	}
	const char *hs = p, *he;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb) {
			snprintf(errbuf, errsz, "malformed IPv6 address in the Redis URL");
			return SIP_EINVAL;
		}
		hs = p + 1;
		he = rb;
		p = rb + 1;
	} else {
		he = memchr(p, ':', (size_t)(end - p));
		if (!he)
			he = end;
		p = he;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof u->host) {
		snprintf(errbuf, errsz, "no host in the Redis URL");
		return SIP_EINVAL;
	}
	memcpy(u->host, hs, (size_t)(he - hs));
	if (p < end) {
		if (*p != ':') {
			snprintf(errbuf, errsz, "malformed host in the Redis URL");
			return SIP_EINVAL;
		}
		char *e;
		long port = strtol(p + 1, &e, 10);
		if (e != end || port < 1 || port > 65535) {
			snprintf(errbuf, errsz, "malformed port in the Redis URL");
			return SIP_EINVAL;
		}
		u->port = (int)port;
	}
	p = end;
	if (*p == '/') {
		p++;
		if (*p && *p != '?') {
			char *e;
			long db = strtol(p, &e, 10);
			if ((*e && *e != '?') || db < 0 || db > 100000 || e == p) {
				snprintf(errbuf, errsz, "malformed database number in the Redis URL");
				return SIP_EINVAL;
			}
			u->db = db;
			p = e;
		}
	}
	if (*p == '?') {
		p++;
		while (*p) {
			size_t n = strcspn(p, "&");
			if (n > 8 && strncmp(p, "timeout=", 8) == 0) {
				char *e;
				long ms = strtol(p + 8, &e, 10);
				if (e != p + n || ms < 1 || ms > 60000) {
					snprintf(errbuf, errsz, "timeout in the Redis URL must be 1..60000 ms");
					return SIP_EINVAL;
				}
				u->timeout_ms = (int)ms;
			} else {
				snprintf(errbuf, errsz, "unknown parameter '%.*s' in the Redis URL (only timeout=MS)",
					 (int)n, p);
				return SIP_EINVAL;
			}
			p += n;
			if (*p == '&')
				p++;
		}
	} else if (*p) {
		snprintf(errbuf, errsz, "malformed Redis URL");
		return SIP_EINVAL;
	}
	return SIP_OK;
}

/* A reply that means the server cannot serve now (loading its data, a
 * script running too long, a replica without its master): as down. */
static bool rd_error_is_down(const char *s)
{
	return strncmp(s, "LOADING", 7) == 0 || strncmp(s, "BUSY", 4) == 0 ||
	       strncmp(s, "MASTERDOWN", 10) == 0 || strncmp(s, "NOAUTH", 6) == 0 ||
	       strncmp(s, "TRYAGAIN", 8) == 0;
}

/* Run argv on c; the reply, or NULL with the status in *rc. */
static redisReply *rd_command(rd_conn *c, int argc, const char **argv, const size_t *lens, int *rc)
{
	if (!c->rc || c->lost) {
		*rc = SIP_EDBDOWN;
		return NULL;
	}
	redisReply *r = redisCommandArgv(c->rc, argc, argv, lens);
	if (!r) {
		rd_set_err(c, c->rc->errstr[0] ? c->rc->errstr : "connection lost");
		c->lost = true;
		*rc = SIP_EDBDOWN;
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		rd_set_err(c, r->str);
		*rc = rd_error_is_down(r->str) ? SIP_EDBDOWN : SIP_EDB;
		if (*rc == SIP_EDBDOWN)
			c->lost = true;
		freeReplyObject(r);
		return NULL;
	}
	*rc = SIP_OK;
	return r;
}

static int rd_connect(const char *url, void **out, char *errbuf, size_t errsz)
{
	rd_url u;
	int rc = rd_url_parse(url, &u, errbuf, errsz);
	if (rc != SIP_OK)
		return rc;
	struct timeval tv = { u.timeout_ms / 1000, (u.timeout_ms % 1000) * 1000 };
	redisContext *ctx = redisConnectWithTimeout(u.host, u.port, tv);
	if (!ctx || ctx->err) {
		snprintf(errbuf, errsz, "cannot connect to Redis at %s:%d: %s", u.host, u.port,
			 ctx ? ctx->errstr : "out of memory");
		if (ctx)
			redisFree(ctx);
		return ctx ? SIP_EDBDOWN : SIP_NOMEM;
	}
	if (redisSetTimeout(ctx, tv) != REDIS_OK)
		goto down;
	rd_conn *c = calloc(1, sizeof *c);
	if (!c) {
		redisFree(ctx);
		return SIP_NOMEM;
	}
	c->rc = ctx;
	if (u.has_pass) {
		const char *argv[3] = { "AUTH", u.user, u.pass };
		size_t lens[3] = { 4, strlen(u.user), strlen(u.pass) };
		redisReply *r = u.user[0] ? rd_command(c, 3, argv, lens, &rc)
					  : rd_command(c, 2, (const char *[]){ "AUTH", u.pass },
						       (size_t[]){ 4, strlen(u.pass) }, &rc);
		if (!r)
			goto fail;
		freeReplyObject(r);
	}
	if (u.db) {
		char dbs[24];
		snprintf(dbs, sizeof dbs, "%ld", u.db);
		redisReply *r = rd_command(c, 2, (const char *[]){ "SELECT", dbs },
					   (size_t[]){ 6, strlen(dbs) }, &rc);
		if (!r)
			goto fail;
		freeReplyObject(r);
	}
	/* A server that accepts the connection but cannot serve (loading). */
	redisReply *r = rd_command(c, 1, (const char *[]){ "PING" }, (size_t[]){ 4 }, &rc);
	if (!r)
		goto fail;
	freeReplyObject(r);
	*out = c;
	return SIP_OK;
fail:
	snprintf(errbuf, errsz, "Redis at %s:%d: %s", u.host, u.port, c->err);
	redisFree(c->rc);
	free(c);
	return rc == SIP_EDB ? SIP_EDBDOWN : rc;
down:
	snprintf(errbuf, errsz, "Redis at %s:%d: %s", u.host, u.port, ctx->errstr);
	redisFree(ctx);
	return SIP_EDBDOWN;
}

static void rd_close(void *conn)
{
	rd_conn *c = conn;
	if (!c)
		return;
	if (c->rc)
		redisFree(c->rc);
	free(c);
}

/* Cut text (modified in place) into st's words and parts. */
static int rd_parse(rd_stmt *st, char *text)
{
	unsigned cap = 16;
	st->parts = malloc(cap * sizeof *st->parts);
	if (!st->parts)
		return SIP_NOMEM;
	char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (st->nwords == DB_REDIS_MAX_WORDS)
			return SIP_ELIMIT;
		rd_word *w = &st->words[st->nwords++];
		w->first = st->nparts;
		w->n = 0;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			rd_part part = { p, 0, 0 };
			if (*p == '\'') {
				char *q = strchr(p + 1, '\'');
				if (!q)
					return SIP_EINVAL;
				part.s = p + 1;
				part.len = (size_t)(q - p - 1);
				p = q + 1;
			} else if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
				char *e;
				long k = strtol(p + 1, &e, 10);
				if (k > DB_REDIS_MAX_PARAMS)
					return SIP_ELIMIT;
				part.k = (int)k;
				if (part.k > st->nparams)
					st->nparams = part.k;
				p = e;
			} else {
				while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
				       *p != '\'' && !(*p == '$' && p[1] >= '1' && p[1] <= '9'))
					p++;
				part.len = (size_t)(p - part.s);
			}
			if (st->nparts == cap) {
				rd_part *np = realloc(st->parts, 2 * cap * sizeof *np);
				if (!np)
					return SIP_NOMEM;
				st->parts = np;
				cap *= 2;
			}
			st->parts[st->nparts++] = part;
			w->n++;
		}
	}
	return st->nwords ? SIP_OK : SIP_EINVAL;
}

static void rd_clear_reply(rd_stmt *st)
{
	if (st->reply)
		freeReplyObject(st->reply);
	st->reply = NULL;
	st->row = st->nrows = 0;
	st->cols = NULL;
	st->ncols = 0;
	st->executed = false;
	st->changes = 0;
	st->nested = false;
}

static void rd_stmt_free(rd_stmt *st)
{
	if (!st)
		return;
	rd_clear_reply(st);
	for (int i = 0; i < DB_REDIS_MAX_PARAMS; i++)
		free(st->vals[i]);
	free(st->parts);
	free(st->text);
	free(st);
}

static int rd_prepare(void *conn, const char *sql, unsigned id, void **out, int *nparams)
{
	(void)id;
	rd_conn *c = conn;
	rd_stmt *st = calloc(1, sizeof *st);
	if (!st || !(st->text = strdup(sql))) {
		free(st);
		return SIP_NOMEM;
	}
	int rc = rd_parse(st, st->text);
	if (rc != SIP_OK) {
		rd_set_err(c, rc == SIP_ELIMIT ? "Redis command with too many words or parameters"
				  : "malformed Redis command (empty, or an unclosed quote)");
		rd_stmt_free(st);
		return rc == SIP_NOMEM ? rc : SIP_EDB;
	}
	*nparams = st->nparams;
	*out = st;
	return SIP_OK;
}

static void rd_finalize(void *conn, void *stmt)
{
	(void)conn;
	rd_stmt_free(stmt);
}

static void rd_reset(void *conn, void *stmt)
{
	(void)conn;
	rd_stmt *st = stmt;
	rd_clear_reply(st);
	for (int i = 0; i < DB_REDIS_MAX_PARAMS; i++) {
		free(st->vals[i]);
		st->vals[i] = NULL;
		st->vlens[i] = 0;
	}
}

static int rd_bind(rd_stmt *st, int idx, const char *s, size_t n)
{
	if (idx < 1 || idx > st->nparams)
		return SIP_EINVAL;
	char *v = malloc(n + 1);
	if (!v)
		return SIP_NOMEM;
	memcpy(v, s, n);
	v[n] = '\0';
	free(st->vals[idx - 1]);
	st->vals[idx - 1] = v;
	st->vlens[idx - 1] = n;
	return SIP_OK;
}

static int rd_bind_text(void *conn, void *stmt, int idx, sip_str v)
{
	(void)conn;
	return rd_bind(stmt, idx, v.s ? v.s : "", v.len);
}

static int rd_bind_int(void *conn, void *stmt, int idx, int64_t v)
{
	(void)conn;
	char b[24];
	int n = snprintf(b, sizeof b, "%" PRId64, v);
	return rd_bind(stmt, idx, b, (size_t)n);
}

/* NULL has no Redis form: it is sent as an empty string. */
static int rd_bind_null(void *conn, void *stmt, int idx)
{
	(void)conn;
	return rd_bind(stmt, idx, "", 0);
}

/* The rows of st->reply (db/db.h). */
static void rd_rows(rd_stmt *st)
{
	redisReply *r = st->reply;
	st->row = 0;
	if (r->type == REDIS_REPLY_NIL || (r->type == REDIS_REPLY_ARRAY && r->elements == 0)) {
		st->nrows = 0;
		st->changes = 0;
		return;
	}
	st->changes = r->type == REDIS_REPLY_INTEGER ? (long)r->integer : 1;
	if (r->type != REDIS_REPLY_ARRAY) {
		st->nrows = 1;
		return;
	}
	st->nested = true;
	for (size_t i = 0; i < r->elements; i++)
		if (r->element[i]->type != REDIS_REPLY_ARRAY)
			st->nested = false;
	st->nrows = st->nested ? r->elements : 1;
}

/* Point cols at row st->row. */
static void rd_row_cols(rd_stmt *st)
{
	redisReply *r = st->reply;
	if (r->type != REDIS_REPLY_ARRAY) {
		st->cols = &st->reply;
		st->ncols = 1;
	} else if (st->nested) {
		st->cols = r->element[st->row]->element;
		st->ncols = r->element[st->row]->elements;
	} else {
		st->cols = r->element;
		st->ncols = r->elements;
	}
}

static int rd_execute(rd_conn *c, rd_stmt *st)
{
	const char *argv[DB_REDIS_MAX_WORDS];
	size_t lens[DB_REDIS_MAX_WORDS] = { 0 };
	char *joined[DB_REDIS_MAX_WORDS];
	unsigned njoined = 0;
	int rc = SIP_OK;
	for (unsigned i = 0; i < st->nwords; i++) {
		rd_word *w = &st->words[i];
		if (w->n == 1) {
			rd_part *p = &st->parts[w->first];
			argv[i] = p->k ? (st->vals[p->k - 1] ? st->vals[p->k - 1] : "") : p->s;
			lens[i] = p->k ? st->vals[p->k - 1] ? st->vlens[p->k - 1] : 0 : p->len;
			continue;
		}
		size_t n = 0;
		for (unsigned j = 0; j < w->n; j++) {
			rd_part *p = &st->parts[w->first + j];
			n += p->k ? st->vlens[p->k - 1] : p->len;
		}
		char *b = malloc(n + 1);
		if (!b) {
			rc = SIP_NOMEM;
			goto out;
		}
		joined[njoined++] = b;
		n = 0;
		for (unsigned j = 0; j < w->n; j++) {
			rd_part *p = &st->parts[w->first + j];
			if (p->k) {
				if (st->vals[p->k - 1])
					memcpy(b + n, st->vals[p->k - 1], st->vlens[p->k - 1]);
				n += st->vlens[p->k - 1];
			} else {
				memcpy(b + n, p->s, p->len);
				n += p->len;
			}
		}
		b[n] = '\0';
		argv[i] = b;
		lens[i] = n;
	}
	st->reply = rd_command(c, (int)st->nwords, argv, lens, &rc);
	if (st->reply)
		rd_rows(st);
out:
	for (unsigned i = 0; i < njoined; i++)
		free(joined[i]);
	return rc;
}

static int rd_step(void *conn, void *stmt)
{
	rd_conn *c = conn;
	rd_stmt *st = stmt;
	if (!st->executed) {
		st->executed = true;
		int rc = rd_execute(c, st);
		if (rc != SIP_OK)
			return rc;
	} else {
		st->row++;
	}
	if (!st->reply || st->row >= st->nrows)
		return SIP_OK;
	rd_row_cols(st);
	return DB_ROW;
}

static int rd_column_count(void *stmt)
{
	return (int)((rd_stmt *)stmt)->ncols;
}

static redisReply *rd_col(rd_stmt *st, int col)
{
	if (col < 0 || (size_t)col >= st->ncols)
		return NULL;
	return st->cols[col];
}

static bool rd_column_null(void *stmt, int col)
{
	redisReply *r = rd_col(stmt, col);
	return !r || r->type == REDIS_REPLY_NIL || r->type == REDIS_REPLY_ARRAY;
}

static sip_str rd_column_text(void *stmt, int col)
{
	rd_stmt *st = stmt;
	redisReply *r = rd_col(st, col);
	if (!r)
		return (sip_str){ "", 0 };
	switch (r->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		return (sip_str){ r->str, r->len };
	case REDIS_REPLY_INTEGER: {
		char *b = st->numbuf[col % DB_REDIS_MAX_WORDS];
		int n = snprintf(b, sizeof st->numbuf[0], "%lld", (long long)r->integer);
		return (sip_str){ b, (size_t)n };
	}
	default:
		return (sip_str){ "", 0 };
	}
}

static int64_t rd_column_int(void *stmt, int col)
{
	redisReply *r = rd_col(stmt, col);
	if (!r)
		return 0;
	if (r->type == REDIS_REPLY_INTEGER)
		return (int64_t)r->integer;
	if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
		return strtoll(r->str, NULL, 10);
	return 0;
}

static long rd_changes(void *conn, void *stmt)
{
	(void)conn;
	return ((rd_stmt *)stmt)->changes;
}

static const char *rd_error(void *conn)
{
	rd_conn *c = conn;
	return c ? c->err : "";
}

static bool rd_conn_lost(void *conn)
{
	rd_conn *c = conn;
	return !c || c->lost || !c->rc || c->rc->err;
}

static int rd_exec(void *conn, const char *sql)
{
	void *st;
	int np;
	int rc = rd_prepare(conn, sql, 0, &st, &np);
	if (rc != SIP_OK)
		return rc;
	if (np) {
		rd_set_err(conn, "a Redis command run without values has $n in it");
		rd_stmt_free(st);
		return SIP_EDB;
	}
	rc = rd_step(conn, st);
	rd_stmt_free(st);
	return rc == DB_ROW ? SIP_OK : rc;
}

/* Redis has no tables: an upsert is written as the module's own command. */
static int rd_upsert_sql(char *buf, size_t size, const char *table, const char *const *cols,
			 unsigned ncols, unsigned nkey)
{
	(void)buf;
	(void)size;
	(void)table;
	(void)cols;
	(void)ncols;
	(void)nkey;
	return SIP_EINVAL;
}

const db_adapter db_redis_adapter = {
	.name = "redis",
	.connect = rd_connect,
	.close = rd_close,
	.exec = rd_exec,
	.prepare = rd_prepare,
	.finalize = rd_finalize,
	.reset = rd_reset,
	.bind_text = rd_bind_text,
	.bind_int = rd_bind_int,
	.bind_null = rd_bind_null,
	.step = rd_step,
	.column_count = rd_column_count,
	.column_null = rd_column_null,
	.column_text = rd_column_text,
	.column_int = rd_column_int,
	.changes = rd_changes,
	.error = rd_error,
	.conn_lost = rd_conn_lost,
	.upsert_sql = rd_upsert_sql,
};
