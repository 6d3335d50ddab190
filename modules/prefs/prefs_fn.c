/* The policy functions of the prefs module (modules/prefs/prefs.sipi):
 * attributes loaded from the cached usr_preferences table into AVPs,
 * stored and deleted through the database worker, and general
 * parameterised queries.
 *
 * The writes and the queries wait for the database without blocking the
 * loop (HACKING.md, "A function that waits"): the first call builds a job,
 * suspends the message (proxy_wait) and hands the job to the database
 * worker; the job's completion puts the result in the module's slot of
 * the message and resumes it (proxy_resume); the route calls the function
 * again, which finds the result there. Where the message cannot wait (a
 * failure route) or there is no worker, the job runs on the loop's
 * handle, bounded by the adapter's waits. A database that is down is
 * answered at once: false and a log line, never a wait. */
#include "prefs/prefs.h"

#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db_worker.h"
#include "proxy/host.h"
#include "script/script.h"

sipcc_module sipcc_module_prefs;

enum prefs_job_kind { PREFS_STORE, PREFS_DELETE, PREFS_QUERY };

/* One write or query. Everything it reads is copied into it (the worker
 * touches nothing else); the result is filled by the worker. */
struct prefs_job {
	struct sip_ctx *ctx;
	enum prefs_job_kind kind;
	/* store/delete: user, domain, attribute, value; query: the values
	 * bound to $1..$nargs. */
	sip_str s[4];
	int nargs;
	int64_t type;
	char *sql;                  /* query text, NUL-terminated */
	/* result */
	bool row, null;
	long changed;
	char *out;                  /* first column of the row (sip_mem) */
	size_t out_len;
	char err[160];
	char buf[];
};

/* The result of the job the message waited for, kept in its slot until
 * the resumed route calls the function again. */
struct prefs_result {
	bool ready;
	int status;
	bool row, null;
	long changed;
	sip_str value;              /* in the message's arena */
};

static struct prefs_job *prefs_job_new(enum prefs_job_kind kind, const sip_str *s, int n,
				       const char *sql, size_t sql_len)
{
	size_t need = sizeof(struct prefs_job) + sql_len + 1;
	for (int i = 0; i < n; i++)
		need += s[i].len + 1;
	struct prefs_job *j = sip_mem_alloc(need);
	if (!j)
		return NULL;
	memset(j, 0, sizeof *j);
	j->kind = kind;
	char *p = j->buf;
	for (int i = 0; i < n; i++) {
		if (s[i].len)
			memcpy(p, s[i].s, s[i].len);
		p[s[i].len] = '\0';
		j->s[i] = sip_str_make(p, s[i].len);
		p += s[i].len + 1;
	}
	if (sql) {
		memcpy(p, sql, sql_len);
		p[sql_len] = '\0';
		j->sql = p;
	}
	return j;
}

static void prefs_job_free(struct prefs_job *j)
{
	if (!j)
		return;
	sip_mem_free(j->out);
	sip_mem_free(j);
}

/* On the worker's thread (or the loop's, synchronously): the job on d. */
static int prefs_job_run(db *d, void *arg)
{
	struct prefs_job *j = arg;
	db_stmt *st = NULL;
	int rc;
	switch (j->kind) {
	case PREFS_STORE:
		rc = db_prepare_upsert(d, &prefs_upsert, &st);
		for (int i = 0; i < 3 && rc == SIP_OK; i++)
			rc = db_bind_text(st, i + 1, j->s[i]);
		if (rc == SIP_OK)
			rc = db_bind_int(st, 4, j->type);
		if (rc == SIP_OK)
			rc = db_bind_text(st, 5, j->s[3]);
		break;
	case PREFS_DELETE:
		rc = db_prepare(d, PREFS_SQL_DELETE, &st);
		for (int i = 0; i < 3 && rc == SIP_OK; i++)
			rc = db_bind_text(st, i + 1, j->s[i]);
		break;
	default:
		/* The text is the policy's, checked when it was compiled
		 * (one query, $1..$n bound here): program text. */
		rc = db_prepare_sql(d, j->sql, &st);
		for (int i = 0; i < j->nargs && rc == SIP_OK; i++)
			rc = db_bind_text(st, i + 1, j->s[i]);
		break;
	}
	if (rc == SIP_OK) {
		rc = db_step(st);
		if (rc == DB_ROW && j->kind == PREFS_QUERY) {
			j->row = true;
			j->null = db_column_count(st) < 1 || db_column_null(st, 0);
			if (!j->null) {
				sip_str v = db_column_text(st, 0);
				if ((j->out = sip_mem_alloc(v.len + 1)) == NULL) {
					rc = SIP_NOMEM;
				} else {
					if (v.len)
						memcpy(j->out, v.s, v.len);
					j->out[v.len] = '\0';
					j->out_len = v.len;
				}
			}
			if (rc == DB_ROW)
				rc = SIP_OK;
		} else {
			while (rc == DB_ROW)
				rc = db_step(st);
		}
		if (rc == SIP_OK && j->kind != PREFS_QUERY)
			j->changed = db_changes(st);
	}
	if (rc != SIP_OK)
		snprintf(j->err, sizeof j->err, "%s", db_error(d));
	db_finalize(st);
	return rc;
}

static const char *prefs_job_what(const struct prefs_job *j)
{
	return j->kind == PREFS_STORE ? "store" : j->kind == PREFS_DELETE ? "delete" : "query";
}

static void prefs_job_log(const struct prefs_job *j, int status)
{
	if (j->kind == PREFS_QUERY)
		LOG_WARN("prefs: sql_query failed: %s%s%s (query: %s)", sip_strerror(status),
			 j->err[0] ? ": " : "", j->err, j->sql);
	else
		LOG_WARN("prefs: cannot %s attribute %s of %s@%s: %s%s%s", prefs_job_what(j),
			 j->s[2].s, j->s[0].s, j->s[1].s, sip_strerror(status),
			 j->err[0] ? ": " : "", j->err);
}

static void prefs_result_fill(struct prefs_result *r, struct sip_ctx *ctx,
			      const struct prefs_job *j, int status)
{
	memset(r, 0, sizeof *r);
	r->ready = true;
	r->status = status;
	r->row = j->row;
	r->null = j->null;
	r->changed = j->changed;
	if (j->out)
		r->value = sip_arena_strdup(ctx->arena, sip_str_make(j->out, j->out_len));
}

static struct prefs_result *prefs_slot(struct sip_ctx *ctx, bool create)
{
	void **slot = proxy_ctx_slot(ctx, &sipcc_module_prefs);
	if (!*slot && create) {
		struct prefs_result *r = sip_arena_alloc(ctx->arena, sizeof *r);
		if (r)
			memset(r, 0, sizeof *r);
		*slot = r;
	}
	return *slot;
}

/* Loop thread: the worker finished the job of a waiting message. */
static void prefs_job_done(int status, void *arg)
{
	struct prefs_job *j = arg;
	if (status != SIP_OK)
		prefs_job_log(j, status);
	if (!proxy_db_stopping()) {
		struct prefs_result *r = prefs_slot(j->ctx, true);
		if (r)
			prefs_result_fill(r, j->ctx, j, status);
		proxy_resume(j->ctx);
	}
	prefs_job_free(j);
}

/* Run j for ctx (taking it): SIP_OK with *res filled when the result is
 * in (res->status says how the job ended), SIP_AGAIN when the message now
 * waits for the worker (the route returns; it calls again on resume). */
static int prefs_job_start(struct sip_ctx *ctx, struct prefs_job *j, struct prefs_result *res)
{
	j->ctx = ctx;
	int rc = SIP_ESTATE;
	if (proxy_db_worker()) {
		rc = proxy_wait(ctx);
		if (rc == SIP_OK) {
			if ((rc = proxy_db_submit(prefs_job_run, prefs_job_done, j)) == SIP_OK) {
				LOG_DEBUG("prefs: request waits for the database (%s)",
					  prefs_job_what(j));
				return SIP_AGAIN;
			}
			proxy_wait_cancel(ctx);
		}
	}
	if (rc == SIP_ESTATE) {
		/* Cannot wait here: on the loop's handle. */
		db *d = proxy_db();
		rc = d ? prefs_job_run(d, j) : SIP_EDBDOWN;
	}
	if (rc != SIP_OK)
		prefs_job_log(j, rc);
	prefs_result_fill(res, ctx, j, rc);
	prefs_job_free(j);
	return SIP_OK;
}

/* The result the resumed route comes back for, if any (taken). */
static bool prefs_result_take(struct sip_ctx *ctx, struct prefs_result *out)
{
	struct prefs_result *r = prefs_slot(ctx, false);
	if (!r || !r->ready)
		return false;
	*out = *r;
	r->ready = false;
	return true;
}

/* Owner and attribute of a call: false (logged) when either is unusable. */
static bool prefs_call_key(struct sip_ctx *ctx, const char *fn, const char *owner, size_t owner_len, int64_t a,
			   sip_str *user, char *dom, sip_str *domain, sip_str *attr, bool *is_int)
{
	const char *name = proxy_avp_decl(ctx, a, is_int);
	if (!name) {
		LOG_ERR("prefs: %s: the AVP has no declaration (index %lld)", fn, (long long)a);
		return false;
	}
	*attr = sip_str_make(name, strlen(name));
	if (attr->len > PREFS_ATTR_MAX) {
		LOG_ERR("prefs: %s: attribute name %s longer than %d", fn, name, PREFS_ATTR_MAX);
		return false;
	}
	if (!prefs_owner_parse(sip_str_make(owner, owner_len), user, dom, domain)) {
		LOG_NOTICE("prefs: %s(%.*s, %s): the owner is not user@domain or @domain", fn,
			   (int)owner_len, owner, name);
		return false;
	}
	return true;
}

/* Add v to the AVP a, converted to its declared type. False (logged)
 * when a is an int and v is not one. */
static bool prefs_avp_put(struct sip_ctx *ctx, int64_t a, bool is_int, sip_str v,
			  const char *what)
{
	if (!is_int) {
		sipcc_avp_push_str(ctx, a, v.s, v.len);
		return true;
	}
	int64_t n;
	if (!prefs_value_int(v, &n)) {
		LOG_ERR("prefs: %s: value \"%.*s\" for int AVP %s is not an integer", what,
			(int)v.len, v.s, proxy_avp_decl(ctx, a, NULL));
		return false;
	}
	sipcc_avp_push_int(ctx, a, n);
	return true;
}

int64_t sipcc_fn_avp_db_load(struct sip_ctx *ctx, const char *owner, size_t owner_len, int64_t a)
{
	sip_str user, domain, attr, v;
	char dom[PREFS_DOMAIN_MAX + 1];
	bool is_int = false;
	if (!prefs_call_key(ctx, "avp_db_load", owner, owner_len, a, &user, dom, &domain, &attr, &is_int))
		return 0;
	if (!prefs_find(user, domain, attr, &v, NULL))
		return 0;
	char what[PREFS_ATTR_MAX + PREFS_USER_MAX + PREFS_DOMAIN_MAX + 32];
	snprintf(what, sizeof what, "attribute %.*s of %.*s@%.*s", (int)attr.len, attr.s,
		 (int)user.len, user.s, (int)domain.len, domain.s);
	return prefs_avp_put(ctx, a, is_int, v, what);
}

int64_t sipcc_fn_avp_db_store(struct sip_ctx *ctx, const char *owner, size_t owner_len, int64_t a)
{
	struct prefs_result r;
	if (prefs_result_take(ctx, &r))
		return r.status == SIP_OK;
	sip_str user, domain, attr;
	char dom[PREFS_DOMAIN_MAX + 1];
	bool is_int = false;
	if (!prefs_call_key(ctx, "avp_db_store", owner, owner_len, a, &user, dom, &domain, &attr, &is_int))
		return 0;
	if (sipcc_fn_avp_count(ctx, a) < 1) {
		LOG_NOTICE("prefs: avp_db_store: AVP %.*s has no value to store", (int)attr.len, attr.s);
		return 0;
	}
	sip_str v;
	char num[24];
	if (is_int)
		v = sip_str_make(num, (size_t)snprintf(num, sizeof num, "%lld",
						       (long long)sipcc_avp_get_int(ctx, a)));
	else
		sipcc_avp_get_str(ctx, &v, a);
	if (v.len > PREFS_VALUE_MAX) {
		LOG_NOTICE("prefs: avp_db_store: the value of %.*s is longer than %d", (int)attr.len,
			   attr.s, PREFS_VALUE_MAX);
		return 0;
	}
	sip_str s[4] = { user, domain, attr, v };
	struct prefs_job *j = prefs_job_new(PREFS_STORE, s, 4, NULL, 0);
	if (!j)
		return 0;
	j->type = is_int ? PREFS_TYPE_INT : PREFS_TYPE_STR;
	if (prefs_job_start(ctx, j, &r) == SIP_AGAIN)
		return 0;
	return r.status == SIP_OK;
}

int64_t sipcc_fn_avp_db_delete(struct sip_ctx *ctx, const char *owner, size_t owner_len, int64_t a)
{
	struct prefs_result r;
	if (prefs_result_take(ctx, &r))
		return r.status == SIP_OK && r.changed > 0;
	sip_str user, domain, attr;
	char dom[PREFS_DOMAIN_MAX + 1];
	bool is_int = false;
	if (!prefs_call_key(ctx, "avp_db_delete", owner, owner_len, a, &user, dom, &domain, &attr, &is_int))
		return 0;
	sip_str s[3] = { user, domain, attr };
	struct prefs_job *j = prefs_job_new(PREFS_DELETE, s, 3, NULL, 0);
	if (!j)
		return 0;
	if (prefs_job_start(ctx, j, &r) == SIP_AGAIN)
		return 0;
	return r.status == SIP_OK && r.changed > 0;
}

/* sql_query and sql_query2: the first column of the first row into the
 * AVP into. */
static int64_t prefs_sql(struct sip_ctx *ctx, const char *sql, size_t sql_len, const sip_str *args,
			 int nargs, int64_t into)
{
	struct prefs_result r;
	bool is_int = false;
	const char *name = proxy_avp_decl(ctx, into, &is_int);
	if (!prefs_result_take(ctx, &r)) {
		if (!name) {
			LOG_ERR("prefs: sql_query: the AVP has no declaration (index %lld)",
				(long long)into);
			return 0;
		}
		struct prefs_job *j = prefs_job_new(PREFS_QUERY, args, nargs, sql, sql_len);
		if (!j)
			return 0;
		j->nargs = nargs;
		if (prefs_job_start(ctx, j, &r) == SIP_AGAIN)
			return 0;
	}
	if (r.status != SIP_OK || !r.row || r.null)
		return 0;
	char what[96];
	snprintf(what, sizeof what, "sql_query into %s", name ? name : "?");
	return prefs_avp_put(ctx, into, is_int, r.value, what);
}

int64_t sipcc_fn_sql_query(struct sip_ctx *ctx, const char *sql, size_t sql_len, const char *arg,
			   size_t arg_len, int64_t into)
{
	sip_str a[1] = { sip_str_make(arg, arg_len) };
	return prefs_sql(ctx, sql, sql_len, a, 1, into);
}

int64_t sipcc_fn_sql_query2(struct sip_ctx *ctx, const char *sql, size_t sql_len, const char *arg1,
			    size_t arg1_len, const char *arg2, size_t arg2_len, int64_t into)
{
	sip_str a[2] = { sip_str_make(arg1, arg1_len), sip_str_make(arg2, arg2_len) };
	return prefs_sql(ctx, sql, sql_len, a, 2, into);
}

/* ---- module ---- */

/* The table is loaded by the database worker once the schema is in
 * place, and again when its change serial moves, on SIGHUP, on
 * "db sync" and every prefs.reload_interval seconds (0 by default). */
static void prefs_module_init(sip_timer_wheel *w)
{
	(void)w;
	db_cache *c = prefs_table();
	if (!c || proxy_db_cache_serve(c, "prefs") != SIP_OK)
		LOG_ERR("prefs: the usr_preferences table cannot be served");
}

static void prefs_module_destroy(void)
{
	prefs_cache_clear();
}

sipcc_module sipcc_module_prefs = {
	.name = "prefs",
	.init = prefs_module_init,
	.destroy = prefs_module_destroy,
	/* Reads its cached table (db_cache: every worker); a query or a
	 * store completes on the worker that asked. */
	.workers_safe = true,
};
