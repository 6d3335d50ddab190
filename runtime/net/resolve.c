/* RFC 3263 resolution with c-ares in the event loop (see resolve.h).
 *
 * One cache entry per (host, port, transport, sips) holds the answer or,
 * while its lookups run, the job: the SRV records found so far ("items",
 * each with the addresses of its target) and how many queries are still
 * in flight. c-ares tells through its socket-state callback which sockets
 * to watch; the loop hands their readiness back with ares_process_fd, and
 * one timer runs c-ares's retransmissions and timeouts. */
#include "net/resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "core/arena.h"
#include "core/log.h"
#include "core/worker.h"
#include "core/status.h"

#define RES_CACHE_N     128
#define RES_KEY_MAX     300
#define RES_NAME_MAX    256
#define RES_MAX_ITEMS   16
#define RES_ITEM_ADDRS  4
#define RES_NEG_MS      5000u
#define RES_MAX_FDS     16

struct res_item {
	const sip_transport *tp;
	unsigned group;             /* NAPTR rank (or SRV query rank) */
	unsigned short prio, weight, port;
	char name[RES_NAME_MAX];
	sip_addr addrs[RES_ITEM_ADDRS];
	unsigned naddr;
};

struct res_entry {
	char key[RES_KEY_MAX];
	bool used, busy;
	int status;
	uint64_t expires_ms;
	sip_res_result res;
	/* the job while busy */
	char host[RES_NAME_MAX];
	int port;
	const sip_transport *tp;
	bool secure;
	unsigned pending;           /* queries in flight, plus one while issuing */
	bool srv_stage;             /* SRV answers decide; A/AAAA fallback when none */
	bool fallback_done;
	bool srv_dot;               /* an SRV answer said "." (not offered) */
	bool timed_out;
	unsigned n_items;
	struct res_item items[RES_MAX_ITEMS];
	uint64_t gen;
};

enum { Q_NAPTR, Q_SRV, Q_A, Q_AAAA };

struct res_query {
	struct res_entry *e;
	uint64_t gen;
	int kind;
	unsigned idx;               /* Q_A/Q_AAAA: item; Q_SRV: group */
	const sip_transport *tp;    /* Q_SRV */
};

/* One resolver per worker thread: each worker's relays wait for names on
 * its own loop. */
static SIP_PER_WORKER struct {
	bool up, destroying;
	ares_channel ch;
	sip_loop *loop;
	sip_timer timer;
	unsigned cache_ms;
	sip_res_done_fn done;
	void *done_arg;
	int fds[RES_MAX_FDS];
	unsigned n_fds;
	uint64_t gen;
	struct res_entry cache[RES_CACHE_N];
} R;

static void res_arm_timer(void);
static void res_issue(struct res_entry *e, const char *name, int type, int kind, unsigned idx,
		      const sip_transport *tp);
static void res_release(struct res_entry *e);

/* ---- c-ares in the loop ---- */

static void res_on_fd(sip_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)arg;
	ares_process_fd(R.ch, (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD,
			(events & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
	res_arm_timer();
}

static void res_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	unsigned i;

	(void)data;
	for (i = 0; i < R.n_fds && R.fds[i] != fd; i++)
		;
	if (!readable && !writable) {
		if (i < R.n_fds) {
			sip_loop_del_fd(R.loop, fd);
			R.fds[i] = R.fds[--R.n_fds];
		}
		return;
	}
	if (i == R.n_fds) {
		if (R.n_fds == RES_MAX_FDS || sip_loop_add_fd(R.loop, fd, res_on_fd, NULL) != SIP_OK) {
			LOG_WARN("dns: cannot watch resolver socket %d", fd);
			return;
		}
		R.fds[R.n_fds++] = fd;
	}
	sip_loop_mod_fd(R.loop, fd, EPOLLIN | (writable ? EPOLLOUT : 0));
}

static void res_on_timer(sip_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	ares_process_fd(R.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	res_arm_timer();
}

/* Run c-ares's next timeout on the loop's timer wheel. */
static void res_arm_timer(void)
{
	struct timeval tv, *tvp;

	if (!R.up)
		return;
	if (sip_timer_armed(&R.timer))
		sip_timer_cancel(&R.loop->timers, &R.timer);
	tvp = ares_timeout(R.ch, NULL, &tv);
	if (tvp)
		sip_timer_add(&R.loop->timers, &R.timer,
			      (uint64_t)tvp->tv_sec * 1000u + (uint64_t)tvp->tv_usec / 1000u + 1u);
}

int sip_resolver_init(sip_loop *loop, const struct sip_res_conf *conf,
		      sip_res_done_fn done, void *arg)
{
	struct ares_options o;
	int rc;

	if (R.up)
		return SIP_OK;
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		LOG_ERR("dns: cannot start c-ares: %s", ares_strerror(rc));
		return SIP_EINVAL;
	}
	memset(&o, 0, sizeof o);
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	o.timeout = (int)(conf->timeout_ms ? conf->timeout_ms : 2000);
	o.tries = 2;
	o.sock_state_cb = res_sock_state;
	rc = ares_init_options(&R.ch, &o, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES
			       | ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		LOG_ERR("dns: cannot start c-ares: %s", ares_strerror(rc));
		ares_library_cleanup();
		return SIP_EINVAL;
	}
	if (conf->servers && conf->servers[0]
	    && (rc = ares_set_servers_ports_csv(R.ch, conf->servers)) != ARES_SUCCESS) {
		LOG_ERR("dns: bad server list '%s' (expected IP[:PORT],...): %s", conf->servers,
			ares_strerror(rc));
		ares_destroy(R.ch);
		ares_library_cleanup();
		return SIP_EINVAL;
	}
	srandom((unsigned)sip_loop_clock_ms() ^ (unsigned)getpid());
	R.loop = loop;
	R.cache_ms = (conf->cache_s ? conf->cache_s : 60) * 1000u;
	R.done = done;
	R.done_arg = arg;
	sip_timer_init(&R.timer, res_on_timer, NULL);
	R.up = true;
	return SIP_OK;
}

void sip_resolver_destroy(void)
{
	if (!R.up)
		return;
	R.destroying = true;
	if (sip_timer_armed(&R.timer))
		sip_timer_cancel(&R.loop->timers, &R.timer);
	ares_destroy(R.ch);
	ares_library_cleanup();
	while (R.n_fds)
		sip_loop_del_fd(R.loop, R.fds[--R.n_fds]);
	memset(&R, 0, sizeof R);
}

/* ---- the RFC 3263 job ---- */

static bool res_have_tp(const sip_transport *tp)
{
	for (sip_socket *s = tp_sockets(); s; s = s->next)
		if (s->tp == tp)
			return true;
	return false;
}

static bool res_have_family(const sip_transport *tp, int family)
{
	for (sip_socket *s = tp_sockets(); s; s = s->next)
		if (s->tp == tp && s->local.u.sa.sa_family == family)
			return true;
	return false;
}

static const sip_transport *res_default_tp(const struct res_entry *e)
{
	return e->tp ? e->tp : e->secure ? &tp_tls : &tp_udp;
}

static const char *res_srv_prefix(const sip_transport *tp)
{
	return tp == &tp_tls ? "_sips._tcp." : tp == &tp_tcp ? "_sip._tcp." : "_sip._udp.";
}

/* A target to look up the addresses of; NULL when the job is full. */
static struct res_item *res_add_item(struct res_entry *e, const char *name, unsigned port,
				     const sip_transport *tp, unsigned group,
				     unsigned prio, unsigned weight)
{
	struct res_item *it;

	if (e->n_items == RES_MAX_ITEMS || strlen(name) >= RES_NAME_MAX)
		return NULL;
	it = &e->items[e->n_items++];
	memset(it, 0, sizeof *it);
	snprintf(it->name, sizeof it->name, "%s", name);
	it->port = (unsigned short)port;
	it->tp = tp;
	it->group = group;
	it->prio = (unsigned short)prio;
	it->weight = (unsigned short)weight;
	return it;
}

/* Look up the addresses of item idx (A, and AAAA when the proxy has an
 * IPv6 socket of its transport). */
static void res_lookup_item(struct res_entry *e, unsigned idx)
{
	struct res_item *it = &e->items[idx];

	if (res_have_family(it->tp, AF_INET))
		res_issue(e, it->name, ns_t_a, Q_A, idx, NULL);
	if (res_have_family(it->tp, AF_INET6))
		res_issue(e, it->name, ns_t_aaaa, Q_AAAA, idx, NULL);
}

/* No NAPTR: the SRV names of every transport the proxy has (sips: TLS). */
static void res_srv_all(struct res_entry *e)
{
	static const sip_transport *const order[] = { &tp_udp, &tp_tcp, &tp_tls };
	char name[RES_NAME_MAX + 16];
	unsigned g = 0;

	e->srv_stage = true;
	for (unsigned i = 0; i < 3; i++) {
		if ((e->secure && order[i] != &tp_tls) || !res_have_tp(order[i]))
			continue;
		snprintf(name, sizeof name, "%s%s", res_srv_prefix(order[i]), e->host);
		res_issue(e, name, ns_t_srv, Q_SRV, g++, order[i]);
	}
}

static const sip_transport *res_naptr_tp(const char *service, bool secure)
{
	if (strcasecmp(service, "SIPS+D2T") == 0)
		return &tp_tls;
	if (secure)
		return NULL;
	if (strcasecmp(service, "SIP+D2T") == 0)
		return &tp_tcp;
	if (strcasecmp(service, "SIP+D2U") == 0)
		return &tp_udp;
	return NULL;
}

static void res_on_naptr(struct res_entry *e, const unsigned char *abuf, int alen)
{
	struct ares_naptr_reply *list = NULL, *best[3] = { NULL, NULL, NULL };
	unsigned n = 0;

	if (ares_parse_naptr_reply(abuf, alen, &list) == ARES_SUCCESS) {
		/* Up to three usable records, by order then preference. */
		for (struct ares_naptr_reply *r = list; r; r = r->next) {
			const sip_transport *tp = res_naptr_tp((const char *)r->service, e->secure);
			if (!tp || strcasecmp((const char *)r->flags, "s") != 0 || !res_have_tp(tp)
			    || !r->replacement || !r->replacement[0])
				continue;
			unsigned k = n < 3 ? n++ : 3;
			while (k > 0 && (best[k - 1]->order > r->order
					 || (best[k - 1]->order == r->order
					     && best[k - 1]->preference > r->preference))) {
				if (k < 3)
					best[k] = best[k - 1];
				k--;
			}
			if (k < 3)
				best[k] = r;
		}
	}
	if (n == 0) {
		res_srv_all(e);
	} else {
		e->srv_stage = true;
		for (unsigned i = 0; i < n; i++)
			res_issue(e, best[i]->replacement, ns_t_srv, Q_SRV, i,
				  res_naptr_tp((const char *)best[i]->service, e->secure));
	}
	if (list)
		ares_free_data(list);
}

static void res_on_srv(struct res_entry *e, unsigned group, const sip_transport *tp,
		       const unsigned char *abuf, int alen)
{
	struct ares_srv_reply *list = NULL;

	if (ares_parse_srv_reply(abuf, alen, &list) != ARES_SUCCESS)
		return;
	for (struct ares_srv_reply *r = list; r; r = r->next) {
		struct res_item *it;
		/* "." says the service is not offered there (RFC 2782). */
		if (!r->host || !r->host[0] || strcmp(r->host, ".") == 0) {
			e->srv_dot = true;
			continue;
		}
		it = res_add_item(e, r->host, r->port, tp, group, r->priority, r->weight);
		if (!it)
			break;
		res_lookup_item(e, (unsigned)(it - e->items));
	}
	ares_free_data(list);
}

static void res_on_addr(struct res_entry *e, unsigned idx, bool v6, const unsigned char *abuf,
			int alen)
{
	struct res_item *it = &e->items[idx];
	int n = RES_ITEM_ADDRS;

	if (v6) {
		struct ares_addr6ttl a[RES_ITEM_ADDRS];
		if (ares_parse_aaaa_reply(abuf, alen, NULL, a, &n) != ARES_SUCCESS)
			return;
		for (int i = 0; i < n && it->naddr < RES_ITEM_ADDRS; i++) {
			sip_addr *d = &it->addrs[it->naddr++];
			memset(d, 0, sizeof *d);
			d->u.in6.sin6_family = AF_INET6;
			memcpy(&d->u.in6.sin6_addr, &a[i].ip6addr, 16);
			d->u.in6.sin6_port = htons(it->port);
			d->len = sizeof d->u.in6;
		}
	} else {
		struct ares_addrttl a[RES_ITEM_ADDRS];
		if (ares_parse_a_reply(abuf, alen, NULL, a, &n) != ARES_SUCCESS)
			return;
		for (int i = 0; i < n && it->naddr < RES_ITEM_ADDRS; i++) {
			sip_addr *d = &it->addrs[it->naddr++];
			memset(d, 0, sizeof *d);
			d->u.in.sin_family = AF_INET;
			d->u.in.sin_addr = a[i].ipaddr;
			d->u.in.sin_port = htons(it->port);
			d->len = sizeof d->u.in;
		}
	}
}

static int res_item_cmp(const void *a, const void *b)
{
	const struct res_item *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return 0;
}

/* RFC 2782: within one priority, pick by weight, zero weights first in
 * the running sum so that they are chosen rarely but can be. */
static void res_weight_order(struct res_item *it, unsigned n)
{
	struct res_item t;

	for (unsigned done = 0; done + 1 < n; done++) {
		unsigned long sum = 0, run = 0, r;
		unsigned z = done, pick = done;
		for (unsigned i = done; i < n; i++) {
			if (it[i].weight == 0) {
				t = it[i];
				it[i] = it[z];
				it[z++] = t;
			}
			sum += it[i].weight;
		}
		r = sum ? (unsigned long)random() % (sum + 1) : 0;
		for (unsigned i = done; i < n; i++) {
			run += it[i].weight;
			if (run >= r) {
				pick = i;
				break;
			}
		}
		t = it[pick];
		it[pick] = it[done];
		it[done] = t;
	}
}

static void res_finish(struct res_entry *e)
{
	unsigned i = 0, j;
	uint64_t now = sip_loop_clock_ms();

	if (e->srv_stage && e->n_items == 0 && !e->fallback_done && !e->srv_dot) {
		/* No SRV records: the host itself, default port (RFC 3263 §4.2). */
		const sip_transport *tp = res_default_tp(e);
		e->fallback_done = true;
		e->srv_stage = false;
		if (res_add_item(e, e->host, tp == &tp_tls ? 5061 : 5060, tp, 0, 0, 0)) {
			e->pending++;
			res_lookup_item(e, 0);
			res_release(e);
			return;
		}
	}
	qsort(e->items, e->n_items, sizeof e->items[0], res_item_cmp);
	while (i < e->n_items) {
		for (j = i + 1; j < e->n_items && e->items[j].group == e->items[i].group
		     && e->items[j].prio == e->items[i].prio; j++)
			;
		res_weight_order(e->items + i, j - i);
		i = j;
	}
	/* Each target's IPv4 addresses, then its IPv6 ones (the answers may
	 * have come in either order). */
	e->res.n = 0;
	for (i = 0; i < e->n_items; i++)
		for (int fam = 0; fam < 2; fam++)
			for (j = 0; j < e->items[i].naddr && e->res.n < SIP_RES_MAX_TARGETS; j++)
				if ((e->items[i].addrs[j].u.sa.sa_family == AF_INET6) == (fam == 1))
					e->res.t[e->res.n++] = (sip_res_target){ e->items[i].tp,
										 e->items[i].addrs[j] };
	e->status = e->res.n ? SIP_OK : e->timed_out ? SIP_ETIMEOUT : SIP_ENOTFOUND;
	e->expires_ms = now + (e->status == SIP_OK ? R.cache_ms : RES_NEG_MS);
	e->busy = false;
	if (e->status == SIP_OK)
		LOG_INFO("dns: %s: %u target%s", e->key, e->res.n, e->res.n == 1 ? "" : "s");
	else
		LOG_WARN("dns: %s: %s", e->key, e->status == SIP_ETIMEOUT
			 ? "no answer from the DNS server" : "no usable NAPTR, SRV, A or AAAA records");
	if (R.done)
		R.done(e->key, e->status, R.done_arg);
}

static void res_release(struct res_entry *e)
{
	if (--e->pending == 0)
		res_finish(e);
}

static void res_on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct res_query *q = arg;
	struct res_entry *e = q->e;

	(void)timeouts;
	if (R.destroying || e->gen != q->gen || !e->busy) {
		sip_mem_free(q);
		return;
	}
	if (status == ARES_ETIMEOUT)
		e->timed_out = true;
	e->pending++;       /* hold: the handlers below issue more queries */
	if (status == ARES_SUCCESS) {
		switch (q->kind) {
		case Q_NAPTR: res_on_naptr(e, abuf, alen); break;
		case Q_SRV:   res_on_srv(e, q->idx, q->tp, abuf, alen); break;
		case Q_A:     res_on_addr(e, q->idx, false, abuf, alen); break;
		case Q_AAAA:  res_on_addr(e, q->idx, true, abuf, alen); break;
		}
	} else if (q->kind == Q_NAPTR && status != ARES_ETIMEOUT) {
		res_srv_all(e);     /* no NAPTR records (or none usable) */
	}
	sip_mem_free(q);
	res_release(e);     /* the hold */
	res_release(e);     /* this query */
}

static void res_issue(struct res_entry *e, const char *name, int type, int kind, unsigned idx,
		      const sip_transport *tp)
{
	struct res_query *q = sip_mem_alloc(sizeof *q);

	if (!q)
		return;
	*q = (struct res_query){ e, e->gen, kind, idx, tp };
	e->pending++;
	ares_query(R.ch, name, ns_c_in, type, res_on_answer, q);
}

void sip_resolve_key(sip_str host, int port, const sip_transport *tp, bool secure,
		     char *buf, size_t sz)
{
	snprintf(buf, sz, "%s" SIP_STR_FMT ":%d%s%s", secure ? "sips:" : "sip:", SIP_STR_ARG(host),
		 port, tp ? ";transport=" : "", tp ? tp->name : "");
}

int sip_resolve(sip_str host, int port, const sip_transport *tp, bool secure,
		sip_res_result *out, const char **key)
{
	char k[RES_KEY_MAX];
	uint64_t now;
	struct res_entry *e = NULL, *victim = NULL;

	if (!R.up)
		return SIP_ESTATE;
	if (host.len == 0 || host.len >= RES_NAME_MAX)
		return SIP_ENOTFOUND;
	sip_resolve_key(host, port, tp, secure, k, sizeof k);
	now = sip_loop_clock_ms();
	for (unsigned i = 0; i < RES_CACHE_N; i++) {
		struct res_entry *c = &R.cache[i];
		if (c->used && strcmp(c->key, k) == 0) {
			e = c;
			break;
		}
		if (!c->busy && (!victim || !c->used || (victim->used && c->expires_ms < victim->expires_ms)))
			victim = c;
	}
	if (e && e->busy) {
		if (key)
			*key = e->key;
		return SIP_AGAIN;
	}
	if (e && now < e->expires_ms) {
		if (e->status == SIP_OK)
			*out = e->res;
		return e->status;
	}
	if (!e)
		e = victim;
	if (!e)
		return SIP_NOMEM;       /* every entry is being looked up */
	memset(e, 0, sizeof *e);
	snprintf(e->key, sizeof e->key, "%s", k);
	memcpy(e->host, host.s, host.len);
	e->host[host.len] = '\0';
	e->port = port;
	e->tp = tp;
	e->secure = secure;
	e->used = e->busy = true;
	e->gen = ++R.gen;
	e->pending = 1;
	if (port) {
		const sip_transport *t = res_default_tp(e);
		res_add_item(e, e->host, (unsigned)port, t, 0, 0, 0);
		e->fallback_done = true;
		res_lookup_item(e, 0);
	} else if (tp) {
		char name[RES_NAME_MAX + 16];
		snprintf(name, sizeof name, "%s%s", res_srv_prefix(tp), e->host);
		e->srv_stage = true;
		res_issue(e, name, ns_t_srv, Q_SRV, 0, tp);
	} else {
		res_issue(e, e->host, ns_t_naptr, Q_NAPTR, 0, NULL);
	}
	res_arm_timer();
	if (key)
		*key = e->key;
	LOG_DEBUG("dns: looking up %s", e->key);
	res_release(e);
	if (!e->busy) {
		/* Finished at once (nothing could be asked). */
		if (e->status == SIP_OK)
			*out = e->res;
		return e->status;
	}
	return SIP_AGAIN;
}
