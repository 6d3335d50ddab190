/* What the proxy sends in a dialog on its own (RFC 3261 §12.2.1.1, as if
 * it were each side's UA): the BYEs of a call it ends (the lifetime ran
 * out, dlg_end_dlg(), "dlg end", a side that stopped answering) and the
 * in-dialog OPTIONS that probe both sides (dlg_set_keepalive).
 *
 * A request to one side is built from the dialog's state: the remote
 * target is that side's Contact, the route set the part of the
 * Record-Route values beyond this proxy towards it, From and To those of
 * the other side (with both tags), and the CSeq the other side's highest
 * plus one (a BYE) or that highest itself (a probe: a later request of
 * the other side, with the next number, must still be in order for the
 * side probed). The local UAC (proxy/uac.h) sends it. */
#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "dialog/dlg_mod.h"
#include "net/transport.h"

sip_str dlg_contact_uri(sip_msg *m)
{
	sip_hdr *h = m->first[SIP_HDR_CONTACT];
	sip_naddr *n = h ? sip_hdr_naddrs(m, h) : NULL;
	return n && !n->star ? n->uri_str : SIP_STR_NULL;
}

/* A growing text in arena a (the routes and the URIs built here). */
struct dlg_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void buf_put(struct dlg_buf *b, sip_arena *a, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = sip_arena_alloc(a, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		if (b->len)
			memcpy(p, b->p, b->len);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static sip_str buf_str(const struct dlg_buf *b)
{
	return b->failed || !b->len ? SIP_STR_NULL : sip_str_make(b->p, b->len);
}

/* The Record-Route values of m, in order, in v (at most max); their
 * number. */
static unsigned rr_values(sip_msg *m, sip_naddr **v, unsigned max)
{
	unsigned n = 0;
	for (sip_hdr *h = m->first[SIP_HDR_RECORD_ROUTE]; h; h = h->next_same)
		for (sip_naddr *r = sip_hdr_naddrs(m, h); r && n < max; r = r->next)
			v[n++] = r;
	return n;
}

#define DLG_MAX_RR 32

/* "Route: V\r\n" for v[from..to) (step +1 or -1), and the URI of the
 * first into *first. */
static sip_str rr_routes(sip_arena *a, sip_naddr **v, int from, int to, int step, sip_str *first)
{
	struct dlg_buf b = { 0 };
	*first = SIP_STR_NULL;
	for (int i = from; i != to; i += step) {
		if (!first->len)
			*first = v[i]->uri_str;
		buf_put(&b, a, "Route: ", 7);
		buf_put(&b, a, v[i]->raw.s, v[i]->raw.len);
		buf_put(&b, a, "\r\n", 2);
	}
	return buf_str(&b);
}

sip_str dlg_addr_uri(const sip_addr *a, const sip_socket *sock, char *buf, size_t sz)
{
	char ip[64];
	sip_addr_ip(a, ip, sizeof ip);
	bool v6 = strchr(ip, ':') != NULL;
	int k = snprintf(buf, sz, "sip:%s%s%s:%d;transport=%s", v6 ? "[" : "", ip, v6 ? "]" : "",
			 sip_addr_port(a), sock->tp->name);
	return k > 0 && (size_t)k < sz ? sip_str_make(buf, (size_t)k) : SIP_STR_NULL;
}

/* The caller's side: its Contact; the INVITE's Record-Route values (all
 * of them lie between the caller and this proxy, the nearest first);
 * without any, the address the INVITE came from (the caller's Contact
 * may be a private address behind NAT). */
void dlg_learn_caller(dlg *d, struct sip_ctx *ctx)
{
	sip_msg *m = ctx->msg;
	sip_naddr *v[DLG_MAX_RR];
	unsigned n = rr_values(m, v, DLG_MAX_RR);
	sip_str first, routes = rr_routes(ctx->arena, v, 0, (int)n, 1, &first);
	d->rr_upstream = (uint16_t)n;
	char hop[160];
	if (!first.len && ctx->sock)
		first = dlg_addr_uri(&ctx->src, ctx->sock, hop, sizeof hop);
	sip_hdr *from = m->first[SIP_HDR_FROM];
	if (from)
		dlg_set_caller_from(d, from->body);
	dlg_seen_cseq(d, DLG_CALLER, m->cseq.num);
	if (dlg_set_leg(d, DLG_CALLER, dlg_contact_uri(m), routes, first) != SIP_OK)
		LOG_WARN("dialog %llu: no memory for the caller's route set",
			 (unsigned long long)d->id);
}

/* The callee's side, from the 2xx: its Contact, and the Record-Route
 * values above this proxy's own (those the proxies between it and the
 * callee added), nearest first. Without a value of this proxy (the
 * policy did not record-route), those above the INVITE's own. Without
 * any, the next hop is where the branch that answered went (a callee
 * behind a NAT registered a private Contact; the INVITE went to the
 * address its REGISTER came from). */
void dlg_learn_callee(dlg *d, txn *s, sip_msg *resp)
{
	sip_naddr *v[DLG_MAX_RR];
	unsigned n = rr_values(resp, v, DLG_MAX_RR);
	int ours = -1;
	for (unsigned i = 0; i < n && ours < 0; i++)
		if (proxy_uri_is_us(&v[i]->uri))
			ours = (int)i;
	if (ours < 0)
		ours = n > d->rr_upstream ? (int)(n - d->rr_upstream) : 0;
	sip_str first, routes = rr_routes(resp->arena, v, ours - 1, -1, -1, &first);
	char hop[160];
	for (unsigned i = 0; !first.len && resp->via1 && i < s->n_branches; i++) {
		const txn *c = s->branches[i];
		if (c && c->sock && sip_str_eq(c->branch, resp->via1->branch))
			first = dlg_addr_uri(&c->peer, c->sock, hop, sizeof hop);
	}
	sip_hdr *to = resp->first[SIP_HDR_TO];
	if (to)
		dlg_set_callee_to(d, to->body);
	if (dlg_set_leg(d, DLG_CALLEE, dlg_contact_uri(resp), routes, first) != SIP_OK)
		LOG_WARN("dialog %llu: no memory for the callee's route set",
			 (unsigned long long)d->id);
}

static const char *const side_names[] = { "caller", "callee" };

/* "<URI>;tag=TAG" when the whole header value was not seen. */
static sip_str naddr_of(sip_arena *a, sip_str whole, sip_str uri, sip_str tag)
{
	if (whole.len)
		return whole;
	struct dlg_buf b = { 0 };
	buf_put(&b, a, "<", 1);
	buf_put(&b, a, uri.s, uri.len);
	buf_put(&b, a, ">;tag=", 6);
	buf_put(&b, a, tag.s, tag.len);
	return buf_str(&b);
}

/* What one request of the proxy's own in a dialog waits for; in a list
 * so that those still waiting at exit are freed. The request is the
 * dialog owner's (its answer comes back to the worker that sent it), and
 * so is the list it is in: one per worker. */
struct dlg_uac_arg {
	dlg *d;
	uint64_t id;
	enum dlg_side side;
	bool probe;
	unsigned worker;
	struct dlg_uac_arg *prev, *next;
};

static struct dlg_uac_arg *pending[SIP_WORKERS_MAX];

static struct dlg_uac_arg *uac_arg_new(void)
{
	struct dlg_uac_arg *ua = sip_mem_alloc(sizeof *ua);
	if (!ua)
		return NULL;
	memset(ua, 0, sizeof *ua);
	ua->worker = sip_worker_id;
	struct dlg_uac_arg **head = &pending[ua->worker];
	ua->next = *head;
	if (*head)
		(*head)->prev = ua;
	*head = ua;
	return ua;
}

static void uac_arg_free(struct dlg_uac_arg *ua)
{
	if (!ua)
		return;
	if (ua->prev)
		ua->prev->next = ua->next;
	else
		pending[ua->worker] = ua->next;
	if (ua->next)
		ua->next->prev = ua->prev;
	sip_mem_free(ua);
}

void dlg_hangup_destroy(void)
{
	while (pending[sip_worker_id])
		uac_arg_free(pending[sip_worker_id]);
}

static void dlg_probe_done(void *arg, int code, const sip_msg *resp);
static void dlg_bye_done(void *arg, int code, const sip_msg *resp);

/* Send method to side s of d, from the other side. */
static int dlg_send(dlg *d, enum dlg_side s, const char *method, bool probe)
{
	const struct dlg_leg *to_leg = &d->leg[s], *from_leg = &d->leg[!s];
	if (!to_leg->target.len) {
		LOG_WARN("dialog %llu: no Contact of the %s seen: no %s sent to it",
			 (unsigned long long)d->id, side_names[s], method);
		return SIP_EINVAL;
	}
	sip_arena a;
	sip_arena_init(&a, 1024);
	sip_str caller = naddr_of(&a, d->caller_from, d->caller_uri, d->caller_tag);
	sip_str callee = naddr_of(&a, d->callee_to, d->callee_uri, d->callee_tag);
	struct proxy_uac_req r;
	memset(&r, 0, sizeof r);
	r.method = sip_str_make(method, strlen(method));
	r.ruri = to_leg->target;
	r.dst = to_leg->next_hop;
	r.from = s == DLG_CALLEE ? caller : callee;
	r.to = s == DLG_CALLEE ? callee : caller;
	r.callid = d->callid;
	r.cseq = from_leg->cseq + (probe ? 0 : 1);
	if (!r.cseq)
		r.cseq = 1;
	r.headers = to_leg->routes;
	if (probe) {
		/* An answer within half the interval: the next round does not
		 * start before this one is decided. */
		uint64_t ms = (uint64_t)d->keepalive_s * 500;
		r.timeout_ms = (uint32_t)(ms > 32000 ? 32000 : ms < 1000 ? 1000 : ms);
	}
	int rc = SIP_NOMEM;
	struct dlg_uac_arg *ua = uac_arg_new();
	if (ua && r.from.len && r.to.len) {
		ua->d = d;
		ua->id = d->id;
		ua->side = s;
		ua->probe = probe;
		rc = proxy_uac_send(&r, probe ? dlg_probe_done : dlg_bye_done, ua);
	}
	if (rc != SIP_OK) {
		uac_arg_free(ua);
		LOG_WARN("dialog %llu: cannot send %s to the %s (" SIP_STR_FMT "): %s",
			 (unsigned long long)d->id, method, side_names[s], SIP_STR_ARG(r.ruri),
			 sip_strerror(rc));
	} else if (!probe) {
		LOG_INFO("dialog %llu: BYE sent to the %s (" SIP_STR_FMT ") via " SIP_STR_FMT,
			 (unsigned long long)d->id, side_names[s], SIP_STR_ARG(r.ruri),
			 SIP_STR_ARG(r.dst.len ? r.dst : r.ruri));
	}
	sip_arena_destroy(&a);
	return rc;
}

static void dlg_bye_done(void *arg, int code, const sip_msg *resp)
{
	struct dlg_uac_arg *ua = arg;
	(void)resp;
	LOG_INFO("dialog %llu: the %s answered the BYE with %d", (unsigned long long)ua->id,
		 side_names[ua->side], code);
	uac_arg_free(ua);
}

void dlg_hangup_on_end(dlg *d, enum dlg_end_reason why, uint64_t ms, void *arg)
{
	(void)ms;
	(void)arg;
	if (!d->confirmed_ms || (why != DLG_END_TIMEOUT && why != DLG_END_POLICY &&
				 why != DLG_END_OPERATOR && why != DLG_END_KEEPALIVE &&
				 why != DLG_END_SESSION && why != DLG_END_MEDIA))
		return;
	for (int s = DLG_CALLER; s <= DLG_CALLEE; s++)
		if (!d->side_gone[s])
			dlg_send(d, (enum dlg_side)s, "BYE", false);
}

/* Only a confirmed call: an early one is still an INVITE transaction,
 * which a CANCEL or a final reply ends. */
bool dlg_hangup(dlg *d, enum dlg_end_reason why)
{
	if (d->state != DLG_CONFIRMED)
		return false;
	dlg_end(d, why);
	return true;
}

/* ---- keep-alive ---- */

static void dlg_ka_arm(dlg *d)
{
	sip_timer_wheel *w = dlg_wheel(d);
	if (!w || !d->keepalive_s || d->state != DLG_CONFIRMED)
		return;
	sip_timer_add(w, &d->t_ka, (uint64_t)d->keepalive_s * 1000);
}

/* A round of probes: OPTIONS to each side, then the next round. */
static void dlg_ka_fire(sip_timer *t, void *arg)
{
	dlg *d = arg;
	(void)t;
	if (d->state != DLG_CONFIRMED)
		return;
	d->ka_round++;
	for (int s = DLG_CALLER; s <= DLG_CALLEE; s++)
		dlg_send(d, (enum dlg_side)s, "OPTIONS", true);
	dlg_ka_arm(d);
}

/* A side that answers 408 or 481, or does not answer (408), or cannot be
 * reached (503 without a response: the transport refused, an ICMP
 * unreachable) is gone: the dialog ends, with a BYE to the other side.
 * Any other answer, even an error, shows it is there. */
static void dlg_probe_done(void *arg, int code, const sip_msg *resp)
{
	struct dlg_uac_arg *ua = arg;
	dlg *d = ua->d;
	bool gone = code == 408 || code == 481 || (code == 503 && !resp);
	if (gone && dlg_valid(d, ua->id) && d->state == DLG_CONFIRMED) {
		LOG_NOTICE("dialog %llu: the %s answered the keep-alive with %d: ending the call",
			   (unsigned long long)d->id, side_names[ua->side], code);
		d->side_gone[ua->side] = true;
		dlg_end(d, DLG_END_KEEPALIVE);
	} else {
		LOG_DEBUG("dialog %llu: the %s answered the keep-alive with %d",
			  (unsigned long long)ua->id, side_names[ua->side], code);
	}
	uac_arg_free(ua);
}

void dlg_keepalive(dlg *d, uint32_t seconds)
{
	sip_timer_wheel *w = dlg_wheel(d);
	if (w)
		sip_timer_cancel(w, &d->t_ka);
	dlg_lock(d);
	d->keepalive_s = seconds;
	dlg_unlock(d);
	sip_timer_init(&d->t_ka, dlg_ka_fire, d);
	dlg_ka_arm(d);
}

void dlg_ka_state(dlg *d, enum dlg_state from, void *arg)
{
	(void)from;
	(void)arg;
	if (d->state == DLG_CONFIRMED && d->keepalive_s)
		dlg_ka_arm(d);
}
