/* The test engine's proxy (sipt.h): the host started as the proxy's main
 * starts it, on a loop socket; what it sends is read back from the loop
 * transport, each message with the policy statement that sent it. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "db/db.h"
#include "db/db_worker.h"
#include "net/loop.h"
#include "net/transport.h"
#include "proxy/module.h"
#include "proxy/modules.h"
#include "proxy/policy_abi.h"
#include "proxy/proxy.h"
#include "proxy/policy.h"
#include "script/script.h"
#include "test/sipt.h"

/* Defined by a policy compiled with probes (compiler/codegen.h). */
void sipcc_probe(struct sip_ctx *ctx, int64_t i);
void sipcc_probe_decide(struct sip_ctx *ctx, int64_t i);
void sipcc_probe_sites(const char *sites, int64_t n);
void sipcc_probe_flag(const char *name, int64_t index, int64_t branch);

static struct {
	sip_loop loop;
	sip_socket *sock;
	bool started;
	int64_t clock;
	/* What was sent, with its site; taken from the loop transport. */
	struct sipt_out *out;
	size_t n_out, cap_out;
	size_t attributed;      /* tp_loopback messages given a site so far */
	/* Probes. */
	char *sites_text;
	const char **sites;
	unsigned n_sites;
	uint32_t *hits, *own_hits;
	long last;              /* last site reached, -1: none */
	bool trace;             /* SIPCC_TEST_TRACE: print each statement reached */
	long decide;            /* last statement that answers or forwards
				   while routing the message being handled */
	/* The AVPs and flags when it was reached. */
	uint64_t flags, bflags;
	char *avps;
	char **snaps;           /* every snapshot the messages may point into */
	size_t n_snaps, cap_snaps;
	/* flag NAME and bflag NAME of the policy, by bit. */
	const char *flag_names[2][64];
} T = { .last = -1, .decide = -1 };

static int64_t sipt_clock_now(void)
{
	return T.clock;
}

void sipt_clock_set(int64_t unix_time)
{
	T.clock = unix_time;
	sip_wall_set_source(unix_time ? sipt_clock_now : NULL);
}

/* ---- probes ---- */

void sipcc_probe_sites(const char *sites, int64_t n)
{
	free(T.sites_text);
	free(T.sites);
	free(T.own_hits);
	T.sites_text = strdup(sites);
	T.sites = calloc((size_t)n + 1, sizeof *T.sites);
	T.own_hits = calloc((size_t)n + 1, sizeof *T.own_hits);
	if (!T.sites_text || !T.sites || !T.own_hits)
		abort();
	T.hits = T.own_hits;
	T.n_sites = 0;
	T.trace = getenv("SIPCC_TEST_TRACE") && *getenv("SIPCC_TEST_TRACE") == '1';
	for (char *p = T.sites_text; *p && T.n_sites < (unsigned)n;) {
		char *nl = strchr(p, '\n');
		T.sites[T.n_sites++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
}

/* Give the messages the loop transport took since the last call the site
 * reached last: the statement that made the proxy send them. */
static void sipt_attribute(void)
{
	size_t n = tp_loopback_count();
	for (; T.attributed < n; T.attributed++) {
		const tp_sent *m = tp_loopback_get(T.attributed);
		if (T.n_out == T.cap_out) {
			T.cap_out = T.cap_out ? 2 * T.cap_out : 16;
			T.out = realloc(T.out, T.cap_out * sizeof *T.out);
			if (!T.out)
				abort();
		}
		struct sipt_out *o = &T.out[T.n_out++];
		memset(o, 0, sizeof *o);
		o->text = m->buf;
		o->len = m->len;
		sip_addr_ip(&m->dst, o->dst_ip, sizeof o->dst_ip);
		o->dst_port = sip_addr_port(&m->dst);
		snprintf(o->dst, sizeof o->dst, "%s:%d", o->dst_ip, o->dst_port);
		o->site = T.decide >= 0 ? T.sites[T.decide] : sipt_site_last();
		if (T.decide >= 0) {
			o->flags = T.flags;
			o->bflags = T.bflags;
			o->avps = T.avps ? T.avps : "";
		} else {
			o->avps = "";
		}
	}
}

void sipcc_probe_flag(const char *name, int64_t index, int64_t branch)
{
	if (index >= 0 && index < 64)
		T.flag_names[branch ? 1 : 0][index] = name;
}

int sipt_flag_bit(const char *name, bool *branch)
{
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 64; i++)
			if (T.flag_names[k][i] && strcmp(T.flag_names[k][i], name) == 0) {
				if (branch)
					*branch = k == 1;
				return i;
			}
	return -1;
}

/* The AVPs and flags of ctx now: "name=value" lines, newest first. Read
 * only: a message without script state stays without. */
static void sipt_snapshot(struct sip_ctx *ctx)
{
	const struct script_vars *v = NULL;
	char *text = NULL;
	size_t len = 0;

	if (ctx)
		v = ctx->txn && ctx->txn->u_script ? ctx->txn->u_script : ctx->script;
	T.flags = v ? v->flags : 0;
	T.bflags = v ? v->bflags : 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		abort();
	for (const struct script_avp *a = v ? v->avps : NULL; a; a = a->next) {
		bool is_int = false;
		const char *name = proxy_avp_decl(ctx, a->idx, &is_int);
		if (!name)
			continue;
		if (is_int)
			fprintf(m, "%s=%lld\n", name, (long long)a->ival);
		else
			fprintf(m, "%s=%.*s\n", name, (int)a->sval.len, a->sval.s ? a->sval.s : "");
	}
	fclose(m);
	/* Earlier snapshots stay until sipt_out_clear(): messages sent
	 * before point into them. */
	if (T.n_snaps == T.cap_snaps) {
		T.cap_snaps = T.cap_snaps ? 2 * T.cap_snaps : 16;
		T.snaps = realloc(T.snaps, T.cap_snaps * sizeof *T.snaps);
		if (!T.snaps)
			abort();
	}
	T.snaps[T.n_snaps++] = text;
	T.avps = text;
}

void sipcc_probe(struct sip_ctx *ctx, int64_t i)
{
	(void)ctx;
	if (i < 0 || (uint64_t)i >= T.n_sites)
		return;
	sipt_attribute();
	T.hits[i]++;
	T.last = (long)i;
	if (T.trace)
		fprintf(stderr, "trace: %s\n", T.sites[i]);
}

/* A statement that answers or forwards (compiler/llvm_stmt.c): what the
 * proxy sends from now on, even after the route returned (a relay that
 * waited), is its decision. */
void sipcc_probe_decide(struct sip_ctx *ctx, int64_t i)
{
	sipcc_probe(ctx, i);
	if (i >= 0 && (uint64_t)i < T.n_sites) {
		T.decide = (long)i;
		sipt_snapshot(ctx);
	}
	if (T.trace)
		fprintf(stderr, "trace:   (answers or forwards)\n");
}

unsigned sipt_site_count(void)
{
	return T.n_sites;
}

const char *sipt_site(unsigned i)
{
	return i < T.n_sites ? T.sites[i] : "";
}

uint32_t sipt_site_hits(unsigned i)
{
	return i < T.n_sites ? T.hits[i] : 0;
}

void sipt_hits_share(uint32_t *hits)
{
	if (T.n_sites)
		memcpy(hits, T.hits, T.n_sites * sizeof *hits);
	T.hits = hits;
}

const char *sipt_site_last(void)
{
	return T.last >= 0 ? T.sites[T.last] : "";
}

/* ---- the database ---- */

static bool sipt_ident(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

int sipt_db_create(const char *path)
{
	char url[4200];
	db *d;

	unlink(path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	int rc = db_open(url, &d);
	if (rc != SIP_OK) {
		LOG_ERR("test: cannot create the database %s: %s", path, sip_strerror(rc));
		return rc;
	}
	rc = db_schema_migrate(d);
	if (rc != SIP_OK)
		LOG_ERR("test: cannot create the schema in %s: %s", path, db_error(d));
	db_close(d);
	return rc;
}

int sipt_db_open(const char *path, db **out)
{
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s", path);
	int rc = db_open(url, out);
	if (rc != SIP_OK) {
		LOG_ERR("test: cannot open the database %s: %s", path, sip_strerror(rc));
		return rc;
	}
	db_exec(*out, "BEGIN");
	return SIP_OK;
}

void sipt_db_close(db *d)
{
	if (db_exec(d, "COMMIT") != SIP_OK)
		LOG_ERR("test: cannot commit the rows: %s", db_error(d));
	db_close(d);
}

int sipt_db_insert(db *d, const char *table, unsigned n,
		   const char *const *cols, const char *const *vals, char *why, size_t whysz)
{
	char sql[4096];
	size_t len = 0;
	db_stmt *st = NULL;

	if (why && whysz)
		*why = '\0';
	if (!sipt_ident(table) || n == 0) {
		if (why)
			snprintf(why, whysz, "'%s' is not a table name", table);
		return SIP_EINVAL;
	}
	len += (size_t)snprintf(sql + len, sizeof sql - len, "INSERT INTO %s (", table);
	for (unsigned i = 0; i < n && len < sizeof sql; i++) {
		if (!sipt_ident(cols[i])) {
			if (why)
				snprintf(why, whysz, "'%s' is not a column name", cols[i]);
			return SIP_EINVAL;
		}
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", i ? ", " : "", cols[i]);
	}
	for (unsigned i = 0; i < n && len < sizeof sql; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s$%u", i ? ", " : ") VALUES (",
					i + 1);
	if (len + 2 >= sizeof sql) {
		if (why)
			snprintf(why, whysz, "too many columns");
		return SIP_EINVAL;
	}
	strcpy(sql + len, ")");
	int rc = db_prepare_sql(d, sql, &st);
	for (unsigned i = 0; rc == SIP_OK && i < n; i++)
		rc = db_bind_text(st, (int)i + 1, sip_str_make(vals[i], strlen(vals[i])));
	if (rc == SIP_OK)
		rc = db_step(st);
	if (rc != SIP_OK && why)
		snprintf(why, whysz, "%s", db_error(d));
	if (st)
		db_finalize(st);
	return rc;
}

/* ---- the proxy ---- */

void sipt_policy_init(void)
{
	static bool done;
	if (!done)
		sipcc_policy_init();
	done = true;
}

int sipt_start(const char *db_url, const char *ip, int port)
{
	if (T.started)
		return SIP_ESTATE;
	sipt_policy_init();
	if (!proxy_policy->request) {
		LOG_ERR("test: the policy has no request route");
		return SIP_EINVAL;
	}
	if (sip_loop_init(&T.loop) != SIP_OK)
		return SIP_NOMEM;
	int rc = proxy_init(&T.loop.timers);
	if (rc != SIP_OK)
		return rc;
	/* Before the modules: their "myself" is the test's address. */
	T.sock = tp_loopback_socket(ip, port);
	if (!T.sock) {
		LOG_ERR("test: cannot use %s:%d as the proxy's address", ip, port);
		return SIP_EINVAL;
	}
	proxy_policy_overrides(false, db_url != NULL);
	proxy_db_use_loop(&T.loop);
	rc = proxy_modules_init(&T.loop.timers, db_url);
	if (rc != SIP_OK)
		return rc;
	rc = proxy_policy_start(&T.loop.timers);
	if (rc != SIP_OK) {
		LOG_ERR("test: a startup route of the policy ended with drop");
		return rc;
	}
	T.started = true;
	sipt_run();
	return SIP_OK;
}

void sipt_stop(void)
{
	if (!T.started)
		return;
	tp_close_all();
	proxy_policy_stop();
	proxy_modules_destroy();
	proxy_destroy();
	sip_loop_destroy(&T.loop);
	T.started = false;
	sipt_out_clear();
	for (size_t i = 0; i < T.n_snaps; i++)
		free(T.snaps[i]);
	free(T.snaps);
	free(T.out);
	T.snaps = NULL;
	T.out = NULL;
	T.avps = NULL;
	T.n_snaps = T.cap_snaps = T.cap_out = 0;
}

int sipt_deliver(const char *msg, size_t len, const char *ip, int port)
{
	sip_addr src;
	char *buf;

	if (!T.started)
		return SIP_ESTATE;
	if (sip_addr_from_ip(&src, sip_str_make(ip, strlen(ip)), port) != SIP_OK)
		return SIP_EINVAL;
	buf = malloc(len + 1);
	if (!buf)
		return SIP_NOMEM;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	sipt_attribute();
	T.decide = -1;
	tp_deliver(T.sock, &src, buf, len);
	sipt_attribute();
	free(buf);
	return SIP_OK;
}

static uint64_t sipt_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void sipt_run(void)
{
	uint64_t until = sipt_ms() + 2000;
	int quiet = 0;

	while (quiet < 3 && sipt_ms() < until) {
		db_worker *w = proxy_db_worker();
		bool busy = (w && db_worker_pending(w)) || proxy_waiting_count();
		size_t before = tp_loopback_count();
		sip_loop_once(&T.loop, busy ? 5 : 0);
		sipt_attribute();
		if (busy || tp_loopback_count() != before)
			quiet = 0;
		else
			quiet++;
		/* Quiet: what modules hold back for a later batch (acc's
		 * records) goes to the database now, and is waited for. */
		if (quiet == 3 && w && proxy_modules_flush() && db_worker_pending(w))
			quiet = 0;
	}
	sipt_attribute();
}

void sipt_advance(uint64_t ms)
{
	uint64_t wall_ms = 0;
	while (ms > 0) {
		uint64_t d = ms < 500 ? ms : 500;
		sip_loop_clock_skip(d);
		ms -= d;
		if (T.clock) {
			wall_ms += d;
			T.clock += (int64_t)(wall_ms / 1000);
			wall_ms %= 1000;
		}
		sip_loop_once(&T.loop, 0);
		sipt_attribute();
	}
	sipt_run();
}

size_t sipt_out_count(void)
{
	sipt_attribute();
	return T.n_out;
}

const struct sipt_out *sipt_out_get(size_t i)
{
	return i < T.n_out ? &T.out[i] : NULL;
}

void sipt_out_clear(void)
{
	sipt_attribute();
	T.n_out = 0;
	T.attributed = 0;
	tp_loopback_clear();
	/* The current snapshot stays: messages sent from now on may take it. */
	for (size_t i = 0; i < T.n_snaps; i++)
		if (T.snaps[i] != T.avps)
			free(T.snaps[i]);
	T.n_snaps = 0;
	if (T.avps)
		T.snaps[T.n_snaps++] = T.avps;
}
