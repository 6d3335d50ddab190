/* The local UAC (proxy/uac.h): requests the proxy sends on its own. */
#include "proxy/uac.h"
#include "proxy/proxy.h"
#include "proxy/proxy_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/log.h"
#include "core/worker.h"
#include "core/arena.h"
#include "core/status.h"
#include "net/tls.h"
#include "proxy/dns.h"
#include "proxy/routes.h"
#include "txn/txn.h"

#define UAC_DNS_POLL_MS  20u
#define UAC_DNS_WAIT_MS  12000u   /* c-ares gives up well before */

/* A request whose next hop is a name not resolved yet: a copy of it,
 * polled until the resolver's cache answers. */
struct uac_wait {
	sip_timer tm;
	struct uac_wait *next, **pprev;
	struct proxy_uac_req r;
	proxy_uac_fn fn;
	void *arg;
	uint32_t waited_ms;
	char data[];            /* the strings of r */
};

static SIP_PER_WORKER struct {
	sip_timer_wheel *w;
	struct uac_wait *waiting;
	uint64_t seed;
	unsigned pending;       /* client transactions not ended yet */
	char buf[SIP_MAX_MSG_SIZE];
} U;

void proxy_uac_init(sip_timer_wheel *w)
{
	U.w = w;
	U.seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() << 8 ^ (uint64_t)(uintptr_t)&U;
}

void proxy_uac_destroy(void)
{
	while (U.waiting) {
		struct uac_wait *q = U.waiting;
		U.waiting = q->next;
		if (U.w)
			sip_timer_cancel(U.w, &q->tm);
		sip_mem_free(q);
	}
	U.pending = 0;
}

unsigned proxy_uac_pending(void)
{
	unsigned n = U.pending;
	for (struct uac_wait *q = U.waiting; q; q = q->next)
		n++;
	return n;
}

/* splitmix64: tags and Call-IDs need to be unique, not secret. */
static uint64_t uac_rand(void)
{
	uint64_t z = (U.seed += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Where a request to uri goes: SIP_OK with *dst and the socket, SIP_AGAIN
 * while a name is looked up, or an error. */
static int uac_dest(sip_str uri_s, sip_addr *dst, sip_socket **sock)
{
	sip_uri u;
	if (sip_uri_parse(uri_s, &u) != SIP_OK || !u.is_sip || !u.host.len) {
		LOG_WARN("local request to '" SIP_STR_FMT "': not a SIP URI", SIP_STR_ARG(uri_s));
		return SIP_EINVAL;
	}
	const sip_transport *tp = u.secure ? &tp_tls : NULL;
	if (u.transport.len && !(tp = tp_find_str(u.transport))) {
		LOG_WARN("local request to '" SIP_STR_FMT "': unknown transport", SIP_STR_ARG(uri_s));
		return SIP_EINVAL;
	}
	sip_str host = u.maddr.len ? u.maddr : u.host;
	int port = u.port ? u.port : (tp == &tp_tls ? 5061 : 5060);
	int rc = sip_addr_from_ip(dst, host, port);
	if (rc != SIP_OK) {
		proxy_dns_clear();
		rc = proxy_dns_dest(host, u.port, u.secure, dst, &tp);
		if (rc != SIP_OK)
			return rc;
		if (tp && (tp->caps & TP_CAP_SECURE))
			tls_peer_name(dst, host);
	}
	*sock = tp ? tp_pick(NULL, tp, dst) : tp_pick(NULL, &tp_udp, dst);
	if (!*sock && !tp)
		*sock = tp_pick(NULL, NULL, dst);
	if (!*sock) {
		LOG_WARN("local request to '" SIP_STR_FMT "': no socket for its transport",
			 SIP_STR_ARG(uri_s));
		return SIP_EINVAL;
	}
	return SIP_OK;
}

#define PUT(str) do { sip_str p_ = (str); if (!p_.len) break; \
		      if (n + p_.len > sz) return SIP_ETOOBIG; \
		      memcpy(o + n, p_.s, p_.len); n += p_.len; } while (0)
#define PUTS(lit) PUT(SIP_STR_LIT(lit))

/* The request r as it leaves on sock with branch, in U.buf; its length or
 * an error. */
static long uac_build(const struct proxy_uac_req *r, sip_socket *sock, sip_str branch)
{
	char *o = U.buf, tmp[160];
	size_t sz = sizeof U.buf, n = 0;
	PUT(r->method);
	PUTS(" ");
	PUT(r->ruri);
	PUTS(" SIP/2.0\r\n");
	PUT(sock->via_prefix_str);
	PUT(branch);
	PUTS(";rport\r\nMax-Forwards: 70\r\nFrom: ");
	if (r->from.len) {
		PUT(r->from);
	} else {
		int k = snprintf(tmp, sizeof tmp, "<sip:sipcc@%s:%d>;tag=%016llx", sock->ip, sock->port,
				 (unsigned long long)uac_rand());
		PUT(sip_str_make(tmp, (size_t)k));
	}
	PUTS("\r\nTo: ");
	if (r->to.len) {
		PUT(r->to);
	} else {
		PUTS("<");
		PUT(r->ruri);
		PUTS(">");
	}
	PUTS("\r\nCall-ID: ");
	if (r->callid.len) {
		PUT(r->callid);
	} else {
		int k = snprintf(tmp, sizeof tmp, "%016llx%08x@%s", (unsigned long long)uac_rand(),
				 (unsigned)uac_rand(), sock->ip);
		PUT(sip_str_make(tmp, (size_t)k));
	}
	int k = snprintf(tmp, sizeof tmp, "\r\nCSeq: %u ", r->cseq ? r->cseq : 1u);
	PUT(sip_str_make(tmp, (size_t)k));
	PUT(r->method);
	PUTS("\r\n");
	PUT(r->headers);
	k = snprintf(tmp, sizeof tmp, "Content-Length: %zu\r\n\r\n", r->body.len);
	PUT(sip_str_make(tmp, (size_t)k));
	PUT(r->body);
	return (long)n;
}

/* The per-request record lives in the client transaction's arena: the
 * callback and its argument. */
struct uac_cb {
	proxy_uac_fn fn;
	void *arg;
};

static void uac_finished(void *arg, int code, const sip_msg *resp)
{
	struct uac_cb *cb = arg;
	if (U.pending)
		U.pending--;
	cb->fn(cb->arg, code, resp);
}

static int uac_go(const struct proxy_uac_req *r, const sip_addr *dst, sip_socket *sock,
		  proxy_uac_fn fn, void *arg)
{
	enum sip_method m = sip_method_from_str(r->method);
	txn *c = txn_client_create(NULL, m, sock, dst);
	if (!c)
		return SIP_NOMEM;
	/* The method as given (an extension method has no name of its own). */
	char *ms = sip_arena_alloc(&c->arena, r->method.len + 1);
	struct uac_cb *cb = sip_arena_alloc(&c->arena, sizeof *cb);
	if (!ms || !cb) {
		txn_client_abort(c);
		return SIP_NOMEM;
	}
	memcpy(ms, r->method.s, r->method.len);
	ms[r->method.len] = '\0';
	c->method_str = sip_str_make(ms, r->method.len);
	long len = uac_build(r, sock, c->branch);
	if (len < 0) {
		txn_client_abort(c);
		return (int)len;
	}
	if (!proxy_routes_local(c, U.buf, (size_t)len)) {
		txn_client_abort(c);
		return SIP_DECLINED;
	}
	cb->fn = fn;
	cb->arg = arg;
	c->u_done = uac_finished;
	c->u_done_arg = cb;
	c->fr_ms = r->timeout_ms;
	int rc = txn_client_send(c, U.buf, (size_t)len);
	if (rc != SIP_OK) {
		c->u_done = NULL;
		txn_client_abort(c);
		return rc;
	}
	U.pending++;
	return SIP_OK;
}

static sip_str uac_next_hop(const struct proxy_uac_req *r)
{
	return r->dst.len ? r->dst : r->ruri;
}

static void uac_wait_free(struct uac_wait *q)
{
	*q->pprev = q->next;
	if (q->next)
		q->next->pprev = q->pprev;
	sip_mem_free(q);
}

/* Poll the resolver for a waiting request. */
static void uac_wait_tick(sip_timer *tm, void *arg)
{
	(void)tm;
	struct uac_wait *q = arg;
	sip_addr dst;
	sip_socket *sock = NULL;
	int rc = uac_dest(uac_next_hop(&q->r), &dst, &sock);
	if (rc == SIP_AGAIN && (q->waited_ms += UAC_DNS_POLL_MS) < UAC_DNS_WAIT_MS) {
		sip_timer_add(U.w, &q->tm, UAC_DNS_POLL_MS);
		return;
	}
	proxy_uac_fn fn = q->fn;
	void *uarg = q->arg;
	if (rc == SIP_OK)
		rc = uac_go(&q->r, &dst, sock, fn, uarg);
	if (rc != SIP_OK)
		LOG_NOTICE("local " SIP_STR_FMT " to " SIP_STR_FMT " not sent: %s",
			   SIP_STR_ARG(q->r.method), SIP_STR_ARG(uac_next_hop(&q->r)),
			   sip_strerror(rc));
	uac_wait_free(q);
	if (rc != SIP_OK)
		fn(uarg, 503, NULL);
}

/* Keep a copy of r until its next hop resolves. */
static int uac_wait(const struct proxy_uac_req *r, proxy_uac_fn fn, void *arg)
{
	const sip_str *f[] = { &r->method, &r->ruri, &r->dst, &r->from, &r->to, &r->callid,
			       &r->headers, &r->body };
	size_t total = 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		total += f[i]->len;
	struct uac_wait *q = sip_mem_alloc(sizeof *q + total + 1);
	if (!q)
		return SIP_NOMEM;
	memset(q, 0, sizeof *q);
	q->r = *r;
	sip_str *t[] = { &q->r.method, &q->r.ruri, &q->r.dst, &q->r.from, &q->r.to, &q->r.callid,
			 &q->r.headers, &q->r.body };
	char *d = q->data;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (f[i]->len)
			memcpy(d, f[i]->s, f[i]->len);
		*t[i] = sip_str_make(d, f[i]->len);
		d += f[i]->len;
	}
	q->fn = fn;
	q->arg = arg;
	q->next = U.waiting;
	if (q->next)
		q->next->pprev = &q->next;
	q->pprev = &U.waiting;
	U.waiting = q;
	sip_timer_init(&q->tm, uac_wait_tick, q);
	sip_timer_add(U.w, &q->tm, UAC_DNS_POLL_MS);
	return SIP_OK;
}

int proxy_uac_send(const struct proxy_uac_req *r, proxy_uac_fn fn, void *arg)
{
	if (!fn || !r->method.len || !r->ruri.len)
		return SIP_EINVAL;
	enum sip_method m = sip_method_from_str(r->method);
	if (m == SIP_METHOD_INVITE || m == SIP_METHOD_ACK || m == SIP_METHOD_CANCEL) {
		LOG_WARN("local " SIP_STR_FMT " not sent: the local UAC sends no %s",
			 SIP_STR_ARG(r->method), "INVITE, ACK or CANCEL");
		return SIP_EINVAL;
	}
	sip_addr dst;
	sip_socket *sock = NULL;
	int rc = uac_dest(uac_next_hop(r), &dst, &sock);
	if (rc == SIP_AGAIN)
		return U.w ? uac_wait(r, fn, arg) : SIP_ESTATE;
	if (rc != SIP_OK)
		return rc;
	return uac_go(r, &dst, sock, fn, arg);
}
