/* Change notifications on a thread of their own (see db_listen.h): one
 * connection, PostgreSQL or Redis, read with poll() beside an eventfd that
 * stops the thread, so neither a wait for input nor a backoff delays
 * db_listen_stop(). The queue handed to the caller is under a mutex taken
 * only to link and unlink. */
#include "db/db_listen.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/status.h"

#define DB_LISTEN_BACKOFF_MIN_MS 100
#define DB_LISTEN_BACKOFF_MAX_MS 5000
/* A Redis connection with nothing to read is pinged this often. */
#define DB_LISTEN_PING_MS        5000
#define DB_LISTEN_CONNECT_S      3

enum db_listen_kind { DBL_PGSQL, DBL_REDIS };

struct dbl_item {
	struct dbl_item *next;
	bool reset;                    /* a connection was made */
	size_t len;
	char payload[];
};

struct db_listener {
	enum db_listen_kind kind;
	char *url, *channel;
	db_listen_fn fn;
	void *arg;
	int efd;                       /* readable: items queued */
	int stopfd;                    /* readable: the thread stops */
	pthread_t thread;
	atomic_bool up;
	atomic_ulong connects;
	pthread_mutex_t mu;            /* the queue */
	struct dbl_item *head, **tail;
	unsigned n;
	bool overflow;
	/* The thread's connection. */
	PGconn *pg;
	redisContext *rc;
	/* Redis URL parts. */
	char host[256];
	int port, db;
	char *user, *password;
};

static uint64_t dbl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool dbl_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

bool db_listen_supported(const char *url)
{
	return url && (dbl_prefix(url, "postgres://") || dbl_prefix(url, "postgresql://") ||
		       dbl_prefix(url, "redis://"));
}

/* A percent-decoded copy of s[0..n); NULL when out of memory. */
static char *dbl_pct_dup(const char *s, size_t n)
{
	char *d = sip_mem_alloc(n + 1);
	if (!d)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (s[i] == '%' && i + 2 < n + 1 && sscanf(s + i + 1, "%2x", &v) == 1) {
			d[k++] = (char)v;
			i += 2;
		} else {
			d[k++] = s[i];
		}
	}
	d[k] = '\0';
	return d;
}

/* redis://[USER][:PASSWORD@]HOST[:PORT][/DB][?...] into l's parts, as
 * db_redis.c reads it (user and password percent-decoded; what follows
 * '?' is for the adapter); false when malformed. */
static bool dbl_redis_url(db_listener *l, const char *url)
{
	const char *p = url + strlen("redis://");
	size_t end = strcspn(p, "?");
	const char *at = memrchr(p, '@', end);
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *pw = colon ? colon + 1 : p;
		if (colon && colon > p && !(l->user = dbl_pct_dup(p, (size_t)(colon - p))))
			return false;
		if (!(l->password = dbl_pct_dup(pw, (size_t)(at - pw))))
			return false;
		end -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	char hostport[300];
	if (end >= sizeof hostport)
		return false;
	memcpy(hostport, p, end);
	hostport[end] = '\0';
	p = hostport;
	size_t hl;
	if (*p == '[') {
		p++;
		hl = strcspn(p, "]");
		if (p[hl] != ']')
			return false;
	} else {
		hl = strcspn(p, ":/");
	}
	if (!hl || hl >= sizeof l->host)
		return false;
	memcpy(l->host, p, hl);
	l->host[hl] = '\0';
	p += hl;
	if (*p == ']')
		p++;
	l->port = 6379;
	l->db = 0;
	char *e;
	if (*p == ':') {
		long v = strtol(p + 1, &e, 10);
		if (e == p + 1 || v <= 0 || v > 65535)
			return false;
		l->port = (int)v;
		p = e;
	}
	if (*p == '/' && p[1]) {
		long v = strtol(p + 1, &e, 10);
		if (e == p + 1 || *e || v < 0 || v > 1000000)
			return false;
		l->db = (int)v;
		p = e;
	} else if (*p == '/') {
		p++;
	}
	return *p == '\0';
}

/* Queue an item for the caller and wake it; on the thread. A payload
 * beyond the queue's bound is dropped and a reset queued instead, once
 * until the caller drains. */
static void dbl_push(db_listener *l, bool reset, const char *s, size_t len)
{
	pthread_mutex_lock(&l->mu);
	if (!reset && (l->overflow || l->n >= DB_LISTEN_QUEUE_MAX)) {
		if (!l->overflow)
			LOG_WARN("db listen: more than %u notifications of %s waiting; reloading instead",
				 DB_LISTEN_QUEUE_MAX, l->channel);
		reset = !l->overflow;
		l->overflow = true;
		if (!reset) {
			pthread_mutex_unlock(&l->mu);
			return;
		}
		len = 0;
	}
	struct dbl_item *it = sip_mem_alloc(sizeof *it + len + 1);
	if (it) {
		it->next = NULL;
		it->reset = reset;
		it->len = len;
		if (len)
			memcpy(it->payload, s, len);
		it->payload[len] = '\0';
		*l->tail = it;
		l->tail = &it->next;
		l->n++;
	}
	pthread_mutex_unlock(&l->mu);
	uint64_t one = 1;
	ssize_t w = write(l->efd, &one, sizeof one);
	(void)w;
}

static void dbl_close(db_listener *l)
{
	if (l->pg)
		PQfinish(l->pg);
	l->pg = NULL;
	if (l->rc)
		redisFree(l->rc);
	l->rc = NULL;
	atomic_store(&l->up, false);
}

/* Wait up to ms for fd to be readable (fd < 0: only sleep) or the stop
 * request. 1 readable, 0 timed out, -1 stop. */
static int dbl_wait(db_listener *l, int fd, int ms)
{
	struct pollfd p[2] = { { l->stopfd, POLLIN, 0 }, { fd, POLLIN, 0 } };
	int n = poll(p, fd >= 0 ? 2 : 1, ms);
	if (n < 0 && errno != EINTR)
		return -1;
	if (n > 0 && (p[0].revents & POLLIN))
		return -1;
	return n > 0 && fd >= 0 && p[1].revents ? 1 : 0;
}

/* ---- PostgreSQL ---- */

/* libpq's notices (the server's "terminating connection") go to the log,
 * not to stderr. */
static void dbl_pg_notice(void *arg, const char *msg)
{
	(void)arg;
	LOG_DEBUG("db listen: postgres: %s", msg);
}

static bool dbl_pg_connect(db_listener *l)
{
	/* Defaults first: what the URL sets wins (expand_dbname). */
	const char *const keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
				     "keepalives_interval", "keepalives_count", "dbname", NULL };
	const char *const vals[] = { "3", "1", "5", "2", "3", l->url, NULL };
	l->pg = PQconnectdbParams(keys, vals, 1);
	if (!l->pg || PQstatus(l->pg) != CONNECTION_OK) {
		LOG_DEBUG("db listen: cannot connect: %s", l->pg ? PQerrorMessage(l->pg) : "out of memory");
		return false;
	}
	PQsetNoticeProcessor(l->pg, dbl_pg_notice, NULL);
	char *id = PQescapeIdentifier(l->pg, l->channel, strlen(l->channel));
	if (!id)
		return false;
	char sql[600];
	snprintf(sql, sizeof sql, "LISTEN %s", id);
	PQfreemem(id);
	PGresult *r = PQexec(l->pg, sql);
	bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		LOG_WARN("db listen: LISTEN %s refused: %s", l->channel, PQerrorMessage(l->pg));
	PQclear(r);
	return ok && PQsetnonblocking(l->pg, 1) == 0;
}

/* Read what came; false when the connection is lost. */
static bool dbl_pg_read(db_listener *l)
{
	if (!PQconsumeInput(l->pg) || PQstatus(l->pg) != CONNECTION_OK)
		return false;
	PGnotify *n;
	while ((n = PQnotifies(l->pg))) {
		dbl_push(l, false, n->extra, strlen(n->extra));
		PQfreemem(n);
	}
	/* Results of nothing we sent (a notice) are read and dropped. */
	while (!PQisBusy(l->pg)) {
		PGresult *r = PQgetResult(l->pg);
		if (!r)
			break;
		PQclear(r);
	}
	return true;
}

/* ---- Redis ---- */

static bool dbl_redis_ok(redisReply *r)
{
	return r && r->type != REDIS_REPLY_ERROR;
}

static bool dbl_redis_connect(db_listener *l)
{
	struct timeval tv = { DB_LISTEN_CONNECT_S, 0 };
	l->rc = redisConnectWithTimeout(l->host, l->port, tv);
	if (!l->rc || l->rc->err) {
		LOG_DEBUG("db listen: cannot connect to redis %s:%d: %s", l->host, l->port,
			  l->rc ? l->rc->errstr : "out of memory");
		return false;
	}
	redisSetTimeout(l->rc, tv);
	redisReply *r;
	if (l->password) {
		r = l->user ? redisCommand(l->rc, "AUTH %s %s", l->user, l->password)
			    : redisCommand(l->rc, "AUTH %s", l->password);
		bool ok = dbl_redis_ok(r);
		if (r && !ok)
			LOG_WARN("db listen: redis AUTH refused: %s", r->str);
		freeReplyObject(r);
		if (!ok)
			return false;
	}
	r = redisCommand(l->rc, "SUBSCRIBE %s", l->channel);
	bool ok = dbl_redis_ok(r) && r->type == REDIS_REPLY_ARRAY;
	freeReplyObject(r);
	return ok;
}

/* One reply of the subscription: a message is queued, the rest (the
 * answer to a ping) only shows the connection lives. */
static void dbl_redis_reply(db_listener *l, redisReply *r)
{
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING
	    && strcmp(r->element[0]->str, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING)
		dbl_push(l, false, r->element[2]->str, r->element[2]->len);
}

static bool dbl_redis_read(db_listener *l)
{
	if (redisBufferRead(l->rc) != REDIS_OK)
		return false;
	for (;;) {
		void *v = NULL;
		if (redisGetReplyFromReader(l->rc, &v) != REDIS_OK)
			return false;
		if (!v)
			return true;
		dbl_redis_reply(l, v);
		freeReplyObject(v);
	}
}

static bool dbl_redis_ping(db_listener *l)
{
	if (redisAppendCommand(l->rc, "PING") != REDIS_OK)
		return false;
	int done = 0;
	while (!done)
		if (redisBufferWrite(l->rc, &done) != REDIS_OK)
			return false;
	return true;
}

/* ---- the thread ---- */

/* Listen on a connection made until it is lost or the stop request; false
 * when stopped. */
static bool dbl_serve(db_listener *l)
{
	int fd = l->kind == DBL_PGSQL ? PQsocket(l->pg) : l->rc->fd;
	uint64_t last_rx = dbl_now_ms(), last_ping = last_rx;
	for (;;) {
		int w = dbl_wait(l, fd, 1000);
		if (w < 0)
			return false;
		uint64_t now = dbl_now_ms();
		if (w > 0) {
			bool ok = l->kind == DBL_PGSQL ? dbl_pg_read(l) : dbl_redis_read(l);
			if (!ok)
				return true;
			last_rx = now;
			continue;
		}
		if (l->kind != DBL_REDIS)
			continue;
		if (now - last_rx >= DB_LISTEN_DEAD_MS) {
			LOG_WARN("db listen: redis %s:%d silent for %u ms; reconnecting", l->host, l->port,
				 DB_LISTEN_DEAD_MS);
			return true;
		}
		if (now - last_ping >= DB_LISTEN_PING_MS && now - last_rx >= DB_LISTEN_PING_MS) {
			if (!dbl_redis_ping(l))
				return true;
			last_ping = now;
		}
	}
}

static void *dbl_main(void *arg)
{
	db_listener *l = arg;
	unsigned backoff = DB_LISTEN_BACKOFF_MIN_MS;
	bool was_up = false;
	for (;;) {
		bool ok = l->kind == DBL_PGSQL ? dbl_pg_connect(l) : dbl_redis_connect(l);
		if (ok) {
			atomic_store(&l->up, true);
			atomic_fetch_add(&l->connects, 1);
			backoff = DB_LISTEN_BACKOFF_MIN_MS;
			if (was_up)
				LOG_NOTICE("db listen: listening on %s again", l->channel);
			was_up = true;
			dbl_push(l, true, NULL, 0);
			bool more = dbl_serve(l);
			dbl_close(l);
			if (!more)
				break;
			LOG_WARN("db listen: the connection listening on %s was lost; reconnecting",
				 l->channel);
			continue;
		}
		dbl_close(l);
		if (dbl_wait(l, -1, (int)backoff) < 0)
			break;
		backoff = backoff * 2 > DB_LISTEN_BACKOFF_MAX_MS ? DB_LISTEN_BACKOFF_MAX_MS : backoff * 2;
	}
	dbl_close(l);
	return NULL;
}

static void dbl_free(db_listener *l)
{
	if (l->efd >= 0)
		close(l->efd);
	if (l->stopfd >= 0)
		close(l->stopfd);
	for (struct dbl_item *it = l->head, *n; it; it = n) {
		n = it->next;
		sip_mem_free(it);
	}
	pthread_mutex_destroy(&l->mu);
	sip_mem_free(l->url);
	sip_mem_free(l->channel);
	sip_mem_free(l->user);
	sip_mem_free(l->password);
	sip_mem_free(l);
}

static char *dbl_strdup(const char *s)
{
	size_t n = strlen(s);
	char *d = sip_mem_alloc(n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}

int db_listen_start(const char *url, const char *channel, db_listen_fn fn, void *arg,
		    db_listener **out)
{
	*out = NULL;
	if (!db_listen_supported(url) || !channel || !*channel || strlen(channel) > 255 || !fn)
		return SIP_EINVAL;
	db_listener *l = sip_mem_alloc(sizeof *l);
	if (!l)
		return SIP_NOMEM;
	memset(l, 0, sizeof *l);
	l->efd = l->stopfd = -1;
	pthread_mutex_init(&l->mu, NULL);
	l->tail = &l->head;
	l->fn = fn;
	l->arg = arg;
	l->kind = dbl_prefix(url, "redis://") ? DBL_REDIS : DBL_PGSQL;
	l->url = dbl_strdup(url);
	l->channel = dbl_strdup(channel);
	if (!l->url || !l->channel) {
		dbl_free(l);
		return SIP_NOMEM;
	}
	if (l->kind == DBL_REDIS && !dbl_redis_url(l, url)) {
		dbl_free(l);
		return SIP_EINVAL;
	}
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0 || l->stopfd < 0 || pthread_create(&l->thread, NULL, dbl_main, l) != 0) {
		dbl_free(l);
		return SIP_EIO;
	}
	*out = l;
	return SIP_OK;
}

int db_listen_fd(const db_listener *l)
{
	return l->efd;
}

void db_listen_drain(db_listener *l)
{
	uint64_t v;
	ssize_t r = read(l->efd, &v, sizeof v);
	(void)r;
	pthread_mutex_lock(&l->mu);
	struct dbl_item *it = l->head;
	l->head = NULL;
	l->tail = &l->head;
	l->n = 0;
	l->overflow = false;
	pthread_mutex_unlock(&l->mu);
	while (it) {
		struct dbl_item *n = it->next;
		l->fn(it->reset ? NULL : it->payload, it->len, l->arg);
		sip_mem_free(it);
		it = n;
	}
}

bool db_listen_up(const db_listener *l)
{
	return atomic_load(&l->up);
}

unsigned long db_listen_connects(const db_listener *l)
{
	return atomic_load(&l->connects);
}

void db_listen_stop(db_listener *l)
{
	if (!l)
		return;
	uint64_t one = 1;
	ssize_t w = write(l->stopfd, &one, sizeof one);
	(void)w;
	pthread_join(l->thread, NULL);
	dbl_free(l);
}
