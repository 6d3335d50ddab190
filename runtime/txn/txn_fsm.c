/* The state machines: server (§17.2.1, §17.2.2 with RFC 6026), client
 * (§17.1.1, §17.1.2 with RFC 6026), and the proxy's response context
 * joining them (§16.7 best response, §16.10 CANCEL). */
#include "txn/txn_int.h"

#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"

#define T64 (64u * TXN_T1)

static void arm(sip_timer *t, uint32_t ms)
{
	sip_timer_add(txn_L.wheel, t, ms);
}

static void disarm(sip_timer *t)
{
	sip_timer_cancel(txn_L.wheel, t);
}

static bool unreliable(const txn *t)
{
	return !t->sock || !t->sock->tp->reliable;
}

/* Start t's final wait state of ms (timer D, I, J, K, L): at the next
 * coarse tick (sip_timer_add_coarse), out of every caller's way and
 * together with the others of that tenth of a second, t becomes a
 * compact record (txn_rec.c) for the rest of it, or sheds what the state
 * does not use (wait_compact). 0 ms ends t at the next tick as before. */
static void wait_arm(txn *t, uint32_t ms)
{
	if (!ms) {
		arm(&t->t_end, 0);
		return;
	}
	t->wait_until = txn_L.wheel->now_ms + ms;
	sip_timer_add_coarse(txn_L.wheel, &t->t_end, 0);
}

/* An INVITE server transaction that sent a 2xx (Accepted, timer L) needs
 * its arena (the route state its branches' 2xx retransmissions are
 * routed with) but no longer the request kept for a failure route nor a
 * best response. */
static void server_accepted_trim(txn *s)
{
	if (s->pins)
		return;
	txn_mem_freed((long long)(s->tmpl_cap + s->best_cap));
	sip_mem_free(s->tmpl);
	sip_mem_free(s->best);
	s->tmpl = s->best = NULL;
	s->tmpl_len = s->tmpl_cap = s->best_len = s->best_cap = 0;
}

/* The end timer of t fired at the start of its wait state (wait_arm):
 * true when t goes on waiting, as a record or re-armed for the rest. */
static bool wait_compact(txn *t)
{
	if (!t->wait_until)
		return false;
	uint64_t now = txn_L.wheel->now_ms;
	uint32_t left = t->wait_until > now ? (uint32_t)(t->wait_until - now) : 0;
	t->wait_until = 0;
	if (!left)
		return false;
	if (t->state == TXN_ACCEPTED) {
		if (!t->is_client) {
			if (txn_rec_accepted(t, left) == SIP_OK)
				return true;
			server_accepted_trim(t);
		}
	} else if ((t->state == TXN_COMPLETED || t->state == TXN_CONFIRMED) &&
		   txn_rec_make(t, left) == SIP_OK) {
		return true;
	}
	sip_timer_add_coarse(txn_L.wheel, &t->t_end, left);
	return true;
}

void txn_set_timers(uint32_t fr_ms, uint32_t fr_inv_ms)
{
	txn_L.fr_ms = fr_ms;
	txn_L.fr_inv_ms = fr_inv_ms;
}

/* Timer B/F of client transaction c: its server transaction's (for a
 * request of the proxy's own, its own), the layer's, or 64*T1. A CANCEL
 * of ours has no parent and keeps 64*T1. */
static uint32_t fr_timer(const txn *c)
{
	if (c->parent && c->parent->fr_ms)
		return c->parent->fr_ms;
	if (!c->parent && c->fr_ms)
		return c->fr_ms;
	return !c->absorb && txn_L.fr_ms ? txn_L.fr_ms : T64;
}

/* Timer C of INVITE branch c, the same way. */
static uint32_t fr_inv_timer(const txn *c)
{
	if (c->parent && c->parent->fr_inv_ms)
		return c->parent->fr_inv_ms;
	return txn_L.fr_inv_ms ? txn_L.fr_inv_ms : TXN_TIMER_C;
}

/* ---- server ---- */

/* Send a response through s, keeping it for retransmission, and move the
 * state machine: INVITE 2xx -> Accepted (timer L), INVITE 3xx-6xx ->
 * Completed (G, H), non-INVITE final -> Completed (J). */
int txn_server_send(txn *s, int code, const char *buf, size_t len)
{
	if (s->is_invite) {
		if (s->state == TXN_ACCEPTED) {
			/* RFC 6026: further 2xx (retransmissions, other forks) go on. */
			return code >= 200 && code < 300 ? tp_send(s->sock, &s->peer, buf, len)
							 : SIP_ESTATE;
		}
		if (s->state != TXN_PROCEEDING)
			return SIP_ESTATE;
	} else if (s->state == TXN_COMPLETED || s->state == TXN_TERMINATED) {
		return SIP_ESTATE;
	}
	int rc = txn_buf_store(&s->out, &s->out_len, &s->out_cap, txn_out_inline(s), buf, len);
	if (rc != SIP_OK)
		return rc;
	s->last_code = code;
	rc = txn_send_out(s);
	if (code < 200) {
		if (!s->is_invite)
			s->state = TXN_PROCEEDING;
		return rc;
	}
	s->final_sent = true;
	if (txn_L.user.on_final)
		txn_L.user.on_final(s, code);
	if (s->is_invite && code < 300) {
		s->state = TXN_ACCEPTED;
		wait_arm(s, T64);                               /* timer L */
	} else if (s->is_invite) {
		s->state = TXN_COMPLETED;
		if (unreliable(s)) {
			s->retr_ms = TXN_T1;
			arm(&s->t_retr, s->retr_ms);            /* timer G */
		}
		arm(&s->t_end, T64);                            /* timer H */
	} else {
		s->state = TXN_COMPLETED;
		wait_arm(s, unreliable(s) ? T64 : 0);           /* timer J */
	}
	return rc;
}

int txn_server_reply(txn *s, int code, sip_str reason)
{
	long n = txn_rhdrs_print(txn_L.buf, sizeof txn_L.buf, code, reason, &s->rh, s->totag);
	if (n < 0)
		return (int)n;
	return txn_server_send(s, code, txn_L.buf, (size_t)n);
}

void txn_server_retransmit(txn *s)
{
	switch (s->state) {
	case TXN_PROCEEDING:
	case TXN_COMPLETED:
		if (s->out_len)
			txn_send_out(s);
		break;
	default:
		/* Trying: nothing to resend yet; Accepted/Confirmed: absorb. */
		break;
	}
}

bool txn_server_ack(txn *s)
{
	if (!s->is_invite)
		return false;
	if (s->state == TXN_COMPLETED) {
		s->state = TXN_CONFIRMED;
		disarm(&s->t_retr);
		wait_arm(s, unreliable(s) ? TXN_T4 : 0);        /* timer I */
		return true;
	}
	/* A retransmitted ACK in Confirmed is absorbed too; an ACK after a 2xx
	 * is end-to-end and is routed. */
	return s->state == TXN_CONFIRMED;
}

/* Timer G: retransmit the final response, doubling up to T2. */
void txn_server_on_retr(sip_timer *tm, void *arg)
{
	txn *s = arg;
	if (s->state != TXN_COMPLETED)
		return;
	txn_send_out(s);
	s->retr_ms = s->retr_ms * 2 < TXN_T2 ? s->retr_ms * 2 : TXN_T2;
	arm(&s->t_retr, s->retr_ms);
}

/* Timers H, I, J, L: the transaction is over. */
void txn_server_on_end(sip_timer *tm, void *arg)
{
	txn *s = arg;
	if (wait_compact(s))
		return;
	for (unsigned i = 0; i < s->n_branches; i++)
		if (s->branches[i] && s->branches[i]->replies_held) {
			arm(&s->t_end, TXN_HELD_RECHECK_MS);
			return;
		}
	if (s->is_invite && s->state == TXN_COMPLETED)
		LOG_INFO("no ACK for %d reply (transaction %s)", s->last_code, s->branch.s);
	txn_destroy(s);
}

int txn_server_set_template(txn *s, const char *buf, size_t len)
{
	return txn_buf_store(&s->tmpl, &s->tmpl_len, &s->tmpl_cap, NULL, buf, len);
}

/* ---- client ---- */

txn *txn_client_create(txn *s, enum sip_method m, sip_socket *sock, const sip_addr *dst)
{
	/* §16.10: a cancelled request is not forwarded any more, whoever
	 * asks (a failure route, DNS failover, serial forking). */
	if (s && (s->n_branches >= TXN_MAX_BRANCHES || s->no_new_branches || s->canceled))
		return NULL;
	txn *c = txn_alloc(true);
	if (!c)
		return NULL;
	c->method = m;
	c->is_invite = m == SIP_METHOD_INVITE;
	c->method_str = sip_str_make(sip_method_name(m), strlen(sip_method_name(m)));
	c->state = c->is_invite ? TXN_CALLING : TXN_TRYING;
	c->sock = sock;
	c->peer = *dst;
	/* "z9hG4bK" + the worker in 2 hex digits + 16 hex digits + "." +
	 * branch index, formatted by hand (snprintf is the costliest part of
	 * creating a branch). The worker id routes the replies to the worker
	 * that owns the transaction (txn_branch_worker). */
	char *d = sip_arena_alloc(&c->arena, 7 + 2 + 16 + 1 + 10);
	if (d) {
		memcpy(d, "z9hG4bK", 7);
		sip_fmt_hex(d + 7, sip_worker_id & 0xff, 2);
		sip_fmt_hex(d + 9, (s ? s->id : c->id) * 0x9e3779b97f4a7c15ull ^ txn_L.boot, 16);
		d[25] = '.';
		size_t n = 26 + sip_fmt_uint(d + 26, s ? s->n_branches : 0);
		d[n] = '\0';          /* logged with %s */
		c->branch = sip_str_make(d, n);
	}
	if (!c->branch.s) {
		txn_destroy(c);
		return NULL;
	}
	if (s) {
		c->parent = s;
		c->idx = s->n_branches;
		s->branches[c->idx] = c;
		s->br_code[c->idx] = 0;
		s->n_branches++;
	}
	txn_hash_insert(c);
	return c;
}

void txn_client_abort(txn *c)
{
	txn *s = c->parent;
	if (s && c->idx + 1 == s->n_branches) {
		s->branches[c->idx] = NULL;
		s->n_branches--;
	} else if (s) {
		/* Not the last slot: count it as a branch that failed locally. */
		s->br_code[c->idx] = 503;
	}
	c->parent = NULL;
	txn_destroy(c);
}

int txn_client_send(txn *c, const char *buf, size_t len)
{
	int rc = txn_buf_store(&c->out, &c->out_len, &c->out_cap, txn_out_inline(c), buf, len);
	if (rc != SIP_OK)
		return rc;
	rc = txn_send_out(c);
	if (rc != SIP_OK)
		return rc;
	if (unreliable(c)) {
		c->retr_ms = TXN_T1;
		arm(&c->t_retr, c->retr_ms);                    /* timer A / E */
	}
	arm(&c->t_end, fr_timer(c));                            /* timer B / F */
	return SIP_OK;
}

/* Build an ACK (for a non-2xx, §17.1.1.3) or a CANCEL (§9.1) from the
 * request c sent: same Request-URI, top Via, Route set, From, Call-ID and
 * CSeq number; the ACK's To is the response's. Returns the length in
 * txn_L.buf or a negative status. */
static long build_ack_cancel(txn *c, bool ack, sip_str resp_to)
{
	sip_msg m;
	sip_arena_reset(&txn_L.scratch);
	if (sip_msg_parse(&txn_L.scratch, c->out, c->out_len, &m) != SIP_OK || !m.via1)
		return SIP_EPARSE;
	sip_hdr *from = m.first[SIP_HDR_FROM], *to = m.first[SIP_HDR_TO];
	sip_hdr *cid = m.first[SIP_HDR_CALL_ID];
	if (!from || !to || !cid)
		return SIP_EPARSE;
	char *o = txn_L.buf;
	size_t sz = sizeof txn_L.buf, n = 0;
	const char *meth = ack ? "ACK" : "CANCEL";
	n += (size_t)snprintf(o, sz, "%s " SIP_STR_FMT " SIP/2.0\r\n", meth, SIP_STR_ARG(m.ruri_str));
#define PUT(x) do { sip_str x_ = (x); if (n + x_.len >= sz) return SIP_ETOOBIG; \
		    memcpy(o + n, x_.s, x_.len); n += x_.len; } while (0)
	/* Our Via is a header line of its own: we inserted it. */
	PUT(m.via1->hdr->raw);
	for (sip_hdr *h = m.first[SIP_HDR_ROUTE]; h; h = h->next_same)
		PUT(h->raw);
	PUT(from->raw);
	if (resp_to.len)
		PUT(resp_to);
	else
		PUT(to->raw);
	PUT(cid->raw);
#undef PUT
	int k = snprintf(o + n, sz - n, "CSeq: %u %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			 m.cseq.num, meth);
	if (k < 0 || (size_t)k >= sz - n)
		return SIP_ETOOBIG;
	return (long)(n + (size_t)k);
}

/* Send the non-INVITE request in txn_L.buf (n bytes) to dst over the
 * socket of c, as a client transaction of its own whose responses are
 * absorbed (retransmitted over UDP until its final reply or 64*T1). */
static void client_send_local(txn *c, enum sip_method m, sip_str branch, const sip_addr *dst,
			      size_t n)
{
	txn *k = txn_alloc(true);
	if (!k)
		return;
	k->method = m;
	k->method_str = sip_str_make(sip_method_name(m), strlen(sip_method_name(m)));
	k->state = TXN_TRYING;
	k->absorb = true;
	k->sock = c->sock;
	k->peer = *dst;
	k->branch = sip_arena_strdup(&k->arena, branch);
	txn_hash_insert(k);
	if (txn_client_send(k, txn_L.buf, n) != SIP_OK)
		txn_destroy(k);
}

/* Send a CANCEL for INVITE branch c as a client transaction of its own
 * whose responses are absorbed; wait 64*T1 for the INVITE's final. */
static void client_send_cancel(txn *c)
{
	if (c->cancel_sent || c->state != TXN_PROCEEDING)
		return;
	c->cancel_sent = true;
	c->cancel_pending = false;
	long n = build_ack_cancel(c, false, SIP_STR_NULL);
	if (n < 0) {
		LOG_WARN("cannot build CANCEL: %s", sip_strerror((int)n));
		return;
	}
	/* A CANCEL the proxy's local route dropped is treated like one that
	 * got no answer: the branch still ends after 64*T1. */
	if (txn_L.user.on_local && !txn_L.user.on_local(c, txn_L.buf, (size_t)n)) {
		arm(&c->t_c, T64);
		return;
	}
	client_send_local(c, SIP_METHOD_CANCEL, c->branch, &c->peer, (size_t)n);
	arm(&c->t_c, T64);
}

#define TXN_MAX_ROUTES 16

/* Build a request inside the dialog a 2xx to branch c created, as its
 * UAC would (§12.2.1.1): the Request-URI is the remote target (the
 * 2xx's Contact), the route set is the Record-Route values the hops past
 * this proxy added to the 2xx (those beyond the ones the INVITE carried
 * when we sent it), reversed; From, Call-ID and the CSeq number come from
 * the INVITE, To (with its tag) from the 2xx. The request goes to the
 * first route, or to the target without one; a host that is not a
 * numeric address falls back to where the INVITE went (no blocking
 * resolution here). Returns the length in txn_L.buf or a negative
 * status. */
static long build_dialog_req(txn *c, sip_msg *resp, enum sip_method meth, uint32_t cseq,
			     sip_str branch, sip_addr *dst)
{
	sip_msg m;
	sip_arena_reset(&txn_L.scratch);
	if (sip_msg_parse(&txn_L.scratch, c->out, c->out_len, &m) != SIP_OK)
		return SIP_EPARSE;
	sip_hdr *from = m.first[SIP_HDR_FROM], *cid = m.first[SIP_HDR_CALL_ID];
	sip_hdr *to = resp->first[SIP_HDR_TO];
	if (!from || !cid || !to || !c->sock)
		return SIP_EPARSE;
	unsigned n_out = 0, n_rr = 0;
	for (sip_hdr *h = m.first[SIP_HDR_RECORD_ROUTE]; h; h = h->next_same)
		for (sip_naddr *na = sip_hdr_naddrs(&m, h); na; na = na->next)
			n_out++;
	sip_naddr *rr[TXN_MAX_ROUTES + 1];
	for (sip_hdr *h = resp->first[SIP_HDR_RECORD_ROUTE]; h; h = h->next_same)
		for (sip_naddr *na = sip_hdr_naddrs(resp, h); na; na = na->next)
			if (n_rr < TXN_MAX_ROUTES)
				rr[n_rr++] = na;
	unsigned n_routes = n_rr > n_out ? n_rr - n_out : 0;
	/* The route set in the order the request follows it. */
	sip_naddr *route[TXN_MAX_ROUTES + 1];
	for (unsigned i = 0; i < n_routes; i++)
		route[i] = rr[n_routes - 1 - i];
	sip_naddr *contact = resp->first[SIP_HDR_CONTACT] ?
			     sip_hdr_naddrs(resp, resp->first[SIP_HDR_CONTACT]) : NULL;
	sip_str target = contact && contact->uri_str.len ? contact->uri_str : m.ruri_str;
	sip_str ruri = target;
	unsigned first = 0;
	const sip_uri *hop = contact && contact->uri_str.len ? &contact->uri : NULL;
	if (n_routes) {
		hop = &route[0]->uri;
		if (!route[0]->uri.lr) {
			/* §12.2.1.1 strict router: it is the Request-URI, the
			 * target goes last in the Route set. */
			ruri = route[0]->uri_str;
			first = 1;
		}
	}
	*dst = c->peer;
	if (hop && hop->host.len) {
		sip_addr a;
		if (sip_addr_from_ip(&a, hop->host, hop->port ? hop->port : 5060) == SIP_OK)
			*dst = a;
	}
	char *o = txn_L.buf;
	size_t sz = sizeof txn_L.buf, n = 0;
	const char *mname = sip_method_name(meth);
	int k = snprintf(o, sz, "%s " SIP_STR_FMT " SIP/2.0\r\nVia: SIP/2.0/%s " SIP_STR_FMT
			 ":%d;branch=" SIP_STR_FMT "\r\n", mname, SIP_STR_ARG(ruri),
			 c->sock->tp->via_name, SIP_STR_ARG(c->sock->ip_str), c->sock->port,
			 SIP_STR_ARG(branch));
	if (k < 0 || (size_t)k >= sz)
		return SIP_ETOOBIG;
	n = (size_t)k;
#define PUT(x) do { sip_str x_ = (x); if (n + x_.len >= sz) return SIP_ETOOBIG; \
		    memcpy(o + n, x_.s, x_.len); n += x_.len; } while (0)
	for (unsigned i = first; i < n_routes; i++) {
		PUT(SIP_STR_LIT("Route: <"));
		PUT(route[i]->uri_str);
		PUT(SIP_STR_LIT(">\r\n"));
	}
	if (first) {
		PUT(SIP_STR_LIT("Route: <"));
		PUT(target);
		PUT(SIP_STR_LIT(">\r\n"));
	}
	PUT(from->raw);
	PUT(to->raw);
	PUT(cid->raw);
#undef PUT
	k = snprintf(o + n, sz - n, "CSeq: %u %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		     cseq, mname);
	if (k < 0 || (size_t)k >= sz - n)
		return SIP_ETOOBIG;
	return (long)(n + (size_t)k);
}

/* A 2xx on branch c, which the caller cancelled before it had any reply
 * (cancel_local): the caller got its 487 and will never acknowledge or
 * end the dialog the callee established, so the proxy does it in its
 * place: it acknowledges the 2xx (again for a retransmission, whose ACK
 * was lost) and, the first time, sends a BYE. Forwarding the 2xx after a
 * 487 would violate the caller's transaction. The ACK and the BYE are
 * new transactions with branches of their own (§13.2.2.4); the BYE's
 * reply is absorbed. */
static void branch_end_dialog(txn *c, sip_msg *resp, bool bye)
{
	char br[96];
	sip_addr dst;
	int bl = snprintf(br, sizeof br, SIP_STR_FMT "a", SIP_STR_ARG(c->branch));
	long n = build_dialog_req(c, resp, SIP_METHOD_ACK, resp->cseq.num,
				  sip_str_make(br, (size_t)bl), &dst);
	if (n < 0) {
		LOG_WARN("cannot build the ACK of a 2xx after CANCEL: %s", sip_strerror((int)n));
		return;
	}
	if (!txn_L.user.on_local || txn_L.user.on_local(c, txn_L.buf, (size_t)n))
		tp_send(c->sock, &dst, txn_L.buf, (size_t)n);
	if (!bye)
		return;
	LOG_INFO("INVITE transaction %s: %d after the caller's CANCEL; ending that call with BYE",
		 c->branch.s, resp->status);
	bl = snprintf(br, sizeof br, SIP_STR_FMT "b", SIP_STR_ARG(c->branch));
	n = build_dialog_req(c, resp, SIP_METHOD_BYE, resp->cseq.num + 1,
			     sip_str_make(br, (size_t)bl), &dst);
	if (n < 0) {
		LOG_WARN("cannot build the BYE of a 2xx after CANCEL: %s", sip_strerror((int)n));
		return;
	}
	if (txn_L.user.on_local && !txn_L.user.on_local(c, txn_L.buf, (size_t)n))
		return;
	client_send_local(c, SIP_METHOD_BYE, sip_str_make(br, (size_t)bl), &dst, (size_t)n);
}

/* §17.1.1.3: acknowledge a non-2xx final response. The ACK replaces the
 * INVITE in c->out (nothing resends the INVITE in Completed), so a
 * retransmitted response gets the same ACK, from c or its record. */
static void client_send_ack(txn *c, sip_msg *resp)
{
	if (c->ack_stored) {
		txn_send_out(c);
		return;
	}
	sip_hdr *to = resp->first[SIP_HDR_TO];
	long n = build_ack_cancel(c, true, to ? to->raw : SIP_STR_NULL);
	if (n < 0) {
		LOG_WARN("cannot build ACK: %s", sip_strerror((int)n));
		return;
	}
	tp_send(c->sock, &c->peer, txn_L.buf, (size_t)n);
	if (c->state == TXN_COMPLETED &&
	    txn_buf_store(&c->out, &c->out_len, &c->out_cap, txn_out_inline(c), txn_L.buf, (size_t)n) == SIP_OK)
		c->ack_stored = true;
}

/* ---- response context (§16.7) ---- */

static void server_check_done(txn *s);

/* Forward resp upstream through s with our Via removed. */
static void forward_up(txn *s, sip_msg *resp)
{
	if (sip_msg_remove_via1(resp) != SIP_OK)
		return;
	long n = sip_msg_build(resp, txn_L.buf, sizeof txn_L.buf);
	if (n < 0) {
		LOG_WARN("cannot forward %d reply: %s", resp->status, sip_strerror((int)n));
		return;
	}
	txn_server_send(s, resp->status, txn_L.buf, (size_t)n);
}

/* Rank for §16.7 step 6: 6xx first, then the lowest class. */
static int class_rank(int code)
{
	return code >= 600 ? 0 : code / 100;
}

/* Keep resp (or a local code when resp is NULL) as the best final
 * response of s if it beats the current one. A 503 is kept as a 500
 * (§16.7 step 6) so the upstream does not take it for this proxy's. */
static void keep_best(txn *s, int code, sip_msg *resp)
{
	if (s->best_code && class_rank(code) >= class_rank(s->best_code))
		return;
	s->best_code = code == 503 ? 500 : code;
	s->best_status = code;
	s->best_local = resp == NULL;
	s->best_len = 0;
	if (!resp)
		return;
	if (sip_msg_remove_via1(resp) != SIP_OK)
		goto local;
	if (code == 503 && resp->version.s && resp->reason.s) {
		/* The status this proxy sends goes with this proxy's phrase, not
		 * the callee's "Service Unavailable". */
		const char *at = resp->version.s + resp->version.len + 1;
		sip_msg_edit(resp, sip_msg_off(resp, at), (size_t)(resp->reason.s + resp->reason.len - at),
			     SIP_STR_LIT("500 Server Internal Error"));
	}
	long n = sip_msg_build(resp, txn_L.buf, sizeof txn_L.buf);
	if (n < 0 || txn_buf_store(&s->best, &s->best_len, &s->best_cap, NULL, txn_L.buf, (size_t)n) != SIP_OK)
		goto local;
	return;
local:
	s->best_local = true;
	s->best_len = 0;
}

void txn_server_cancel(txn *s)
{
	bool counted = false;
	s->canceled = true;
	for (unsigned i = 0; i < s->n_branches; i++) {
		txn *c = s->branches[i];
		if (!c || s->br_code[i] || !c->is_invite)
			continue;
		if (c->got_prov) {
			client_send_cancel(c);
			continue;
		}
		/* §9.1: no CANCEL before a provisional reply. The INVITE
		 * goes on being retransmitted (so the callee's provisional
		 * comes, and with it the CANCEL), but the caller need not
		 * wait for it (tm's cancel_b_method 0 in Kamailio). */
		c->cancel_pending = true;
		c->cancel_local = true;
		s->br_code[i] = 487;
		if (!s->final_sent)
			keep_best(s, 487, NULL);
		counted = true;
	}
	if (counted)
		server_check_done(s);
}

/* The reply callback, telling whether it held the reply (txn_reply_hold):
 * kind says on which path the reply is, for txn_reply_release. */
struct reply_cb {
	int kind;                   /* TXN_REPLY_*, 0 outside the callback */
	bool held;
};
static SIP_PER_WORKER struct reply_cb reply_cb;

static bool call_on_reply(txn *s, txn *c, sip_msg *resp, int kind, bool *held)
{
	/* Saved: a reply route's sends may bring another reply at once (the
	 * loopback transport of the tests). */
	struct reply_cb outer = reply_cb;
	reply_cb.kind = kind;
	reply_cb.held = false;
	bool fwd = txn_L.user.on_reply(s, c, resp);
	*held = reply_cb.held;
	reply_cb = outer;
	return fwd;
}

int txn_reply_hold(txn *c)
{
	if (!reply_cb.kind || reply_cb.held)
		return 0;
	reply_cb.held = true;
	c->replies_held++;
	return reply_cb.kind;
}

/* What branch_final does after the reply callback. */
static void branch_final_rest(txn *c, int code, sip_msg *resp)
{
	txn *s = c->parent;
	if (!s && c->u_done) {
		void (*done)(void *, int, const sip_msg *) = c->u_done;
		c->u_done = NULL;
		done(c->u_done_arg, code, resp);
		return;
	}
	if (!s) {
		/* RFC 6026: a 2xx of a forgotten INVITE still goes upstream. */
		if (resp && code < 300 && c->is_invite)
			txn_fwd_response(resp, c->sock);
		return;
	}
	s->br_code[c->idx] = code;
	if (code < 300) {
		if (s->is_invite || !s->final_sent) {
			if (resp)
				forward_up(s, resp);
			else
				txn_server_reply(s, code, SIP_STR_NULL);
		}
		if (s->is_invite)
			txn_server_cancel(s);   /* §16.7 step 10: other forks lost */
		return;
	}
	if (s->final_sent)
		return;
	keep_best(s, code, resp);
	if (code >= 600) {
		s->no_new_branches = true;
		txn_server_cancel(s);
	}
	server_check_done(s);
}

/* A branch reached a final response (resp NULL: generated locally). The
 * reply routes may hold it (txn_reply_hold): the branch then counts as
 * pending until txn_reply_release. */
static void branch_final(txn *c, int code, sip_msg *resp)
{
	txn *s = c->parent;
	if (s && resp && txn_L.user.on_reply) {
		bool held;
		call_on_reply(s, c, resp, TXN_REPLY_FINAL, &held);
		if (held)
			return;
	}
	branch_final_rest(c, code, resp);
}

/* The best response goes upstream. */
static void server_send_best(txn *s)
{
	if (s->best_local || !s->best_len) {
		txn_server_reply(s, s->best_code, SIP_STR_NULL);
		return;
	}
	/* The stored copy is sent; txn_L.buf may be overwritten meanwhile. */
	txn_server_send(s, s->best_code, s->best, s->best_len);
}

/* The failure route of s returned (or, held, ended): unless it replied or
 * re-routed, the best response goes. */
static void server_failure_end(txn *s)
{
	s->in_failure = false;
	if (s->final_sent || s->state == TXN_TERMINATED)
		return;
	for (unsigned i = s->fail_from; i < s->n_branches; i++)
		if (!s->br_code[i])
			return;         /* re-routed: wait for the new branches */
	server_send_best(s);
}

/* When no branch is pending any more, run the failure route (once per
 * arming) and, unless it re-routed, replied or waits, send the best
 * response. */
static void server_check_done(txn *s)
{
	if (s->final_sent || s->in_failure || !s->best_code)
		return;
	for (unsigned i = 0; i < s->n_branches; i++)
		if (!s->br_code[i])
			return;
	if (s->u_fail && txn_L.user.on_failure) {
		s->fail_from = s->n_branches;
		s->u_fail_run = s->u_fail;
		s->u_fail = NULL;
		s->in_failure = true;
		/* The failure route sees the code as the branch got it: a 503
		 * says "try elsewhere", the 500 is only for upstream. */
		txn_L.user.on_failure(s, s->best_status);
		if (s->fail_held)
			return;         /* in_failure stays until txn_server_release */
		server_failure_end(s);
		return;
	}
	server_send_best(s);
}

void txn_server_hold(txn *s)
{
	if (s->in_failure)
		s->fail_held = true;
}

void txn_server_release(txn *s)
{
	if (!s->fail_held)
		return;
	s->fail_held = false;
	/* The caller's CANCEL came while the route waited: it answered no
	 * branch (none was pending), so the call ends here. */
	if (s->canceled && !s->final_sent && s->state != TXN_TERMINATED) {
		bool rerouted = false;
		for (unsigned i = s->fail_from; i < s->n_branches; i++)
			rerouted |= !s->br_code[i];
		if (!rerouted) {
			s->in_failure = false;
			txn_server_reply(s, 487, SIP_STR_NULL);
			return;
		}
	}
	server_failure_end(s);
}

/* A provisional response on branch c. */
static void branch_provisional(txn *c, sip_msg *resp)
{
	txn *s = c->parent;
	if (!s)
		return;
	bool fwd = true, held = false;
	if (txn_L.user.on_reply)
		fwd = call_on_reply(s, c, resp, TXN_REPLY_PROVISIONAL, &held);
	/* §16.7 step 5: 100 is hop-by-hop. */
	if (!held && fwd && resp->status > 100 && !s->final_sent)
		forward_up(s, resp);
}

void txn_reply_release(txn *c, sip_msg *resp, int kind, bool fwd)
{
	if (c->replies_held)
		c->replies_held--;
	txn *s = c->parent;
	switch (kind) {
	case TXN_REPLY_PROVISIONAL:
		if (s && fwd && resp->status > 100 && !s->final_sent)
			forward_up(s, resp);
		break;
	case TXN_REPLY_FINAL:
		branch_final_rest(c, resp->status, resp);
		break;
	case TXN_REPLY_2XX_AGAIN:
		if (s)
			forward_up(s, resp);
		else
			txn_fwd_response(resp, c->sock);
		break;
	default:
		break;
	}
}

/* Whether branch c's outcome was settled before its final reply: timer C
 * (a local 408) or the caller's CANCEL before any reply (487). */
static bool branch_counted(const txn *c)
{
	return c->timed_out || c->cancel_local;
}

void txn_client_receive(txn *c, sip_msg *resp)
{
	int code = resp->status;
	if (c->absorb) {
		/* Our own CANCEL: the non-INVITE machine, nothing goes up. */
		if ((c->state == TXN_TRYING || c->state == TXN_PROCEEDING) && code >= 200) {
			c->state = TXN_COMPLETED;
			disarm(&c->t_retr);
			wait_arm(c, unreliable(c) ? TXN_T4 : 0);       /* timer K */
		} else if (c->state == TXN_TRYING) {
			c->state = TXN_PROCEEDING;
		}
		return;
	}
	if (c->is_invite) {
		switch (c->state) {
		case TXN_CALLING:
		case TXN_PROCEEDING:
			disarm(&c->t_retr);
			if (code < 200) {
				c->state = TXN_PROCEEDING;
				disarm(&c->t_end);
				if (!c->got_prov) {
					c->got_prov = true;
					arm(&c->t_c, fr_inv_timer(c));
				}
				if (c->cancel_pending)
					client_send_cancel(c);
				if (!branch_counted(c))
					branch_provisional(c, resp);
			} else if (code < 300) {
				c->state = TXN_ACCEPTED;
				disarm(&c->t_c);
				arm(&c->t_end, T64);                    /* timer M */
				if (c->cancel_local)
					branch_end_dialog(c, resp, true);
				else
					branch_final(c, code, resp);
			} else {
				c->state = TXN_COMPLETED;
				disarm(&c->t_c);
				client_send_ack(c, resp);
				wait_arm(c, unreliable(c) ? 32000 : 0);     /* timer D */
				/* After timer C, or a CANCEL before any reply, the
				 * branch counts already: the 487 its CANCEL brings
				 * is only acknowledged. */
				if (!branch_counted(c))
					branch_final(c, code, resp);
			}
			break;
		case TXN_ACCEPTED:
			if (code >= 200 && code < 300 && c->cancel_local) {
				branch_end_dialog(c, resp, false);
			} else if (code >= 200 && code < 300) {
				/* A retransmitted 2xx is the first one again: the
				 * reply routes rewrite it the same way (its SDP for
				 * a media relay) before it goes on. */
				bool held = false;
				if (c->parent && txn_L.user.on_reply)
					call_on_reply(c->parent, c, resp, TXN_REPLY_2XX_AGAIN, &held);
				if (held)
					break;
				if (c->parent)
					forward_up(c->parent, resp);
				else
					txn_fwd_response(resp, c->sock);
			}
			break;
		case TXN_COMPLETED:
			if (code >= 300)
				client_send_ack(c, resp);
			break;
		default:
			break;
		}
		return;
	}
	switch (c->state) {
	case TXN_TRYING:
	case TXN_PROCEEDING:
		if (code < 200) {
			c->state = TXN_PROCEEDING;
			branch_provisional(c, resp);
		} else {
			c->state = TXN_COMPLETED;
			disarm(&c->t_retr);
			wait_arm(c, unreliable(c) ? TXN_T4 : 0);        /* timer K */
			branch_final(c, code, resp);
		}
		break;
	default:
		break;
	}
}

/* Timers A and E: retransmit the request. A doubles without bound
 * (§17.1.1.2); E doubles up to T2, and stays at T2 once a provisional
 * response came (§17.1.2.2). */
void txn_client_on_retr(sip_timer *tm, void *arg)
{
	txn *c = arg;
	if (c->state != TXN_CALLING && c->state != TXN_TRYING && c->state != TXN_PROCEEDING)
		return;
	if (c->is_invite && c->state != TXN_CALLING)
		return;
	txn_send_out(c);
	if (c->is_invite)
		c->retr_ms *= 2;
	else if (c->state == TXN_PROCEEDING)
		c->retr_ms = TXN_T2;
	else
		c->retr_ms = c->retr_ms * 2 < TXN_T2 ? c->retr_ms * 2 : TXN_T2;
	arm(&c->t_retr, c->retr_ms);
}

/* Timers B and F: no final response; the branch ends with a local 408.
 * Timers D, K, M: the transaction is over. */
void txn_client_on_end(sip_timer *tm, void *arg)
{
	txn *c = arg;
	if (wait_compact(c))
		return;
	if (c->replies_held) {
		arm(&c->t_end, TXN_HELD_RECHECK_MS);    /* a reply route waits on it */
		return;
	}
	bool timeout = c->state == TXN_CALLING || c->state == TXN_TRYING ||
		       (!c->is_invite && c->state == TXN_PROCEEDING);
	if (timeout && !c->absorb && !branch_counted(c)) {
		LOG_DEBUG("%s transaction %s timed out", c->method_str.s, c->branch.s);
		c->state = TXN_TERMINATED;
		branch_final(c, 408, NULL);
	}
	txn_destroy(c);
}

/* End client transaction c, which has had no response, with a local
 * 503 for its transport error. */
static void client_transport_error(txn *c)
{
	char ip[64];
	/* A request of the proxy's own (a probe of a gateway that is down)
	 * is its sender's to report. */
	SIP_LOG(c->u_done ? SIP_LOG_INFO : SIP_LOG_NOTICE,
		"%s to %s:%d (transaction %s) not delivered: the branch ends with 503",
		c->method_str.s, sip_addr_ip(&c->peer, ip, sizeof ip), sip_addr_port(&c->peer),
		c->branch.s);
	c->state = TXN_TERMINATED;
	if (!branch_counted(c))
		branch_final(c, 503, NULL);
	txn_destroy(c);
}

/* The method and the top Via's branch of a request in buf, read without
 * a full parse: what an ICMP error quotes of a datagram may end anywhere
 * after them. False for a response or when they are not there. */
static bool peek_request(const char *buf, size_t len, sip_str *method, sip_str *branch)
{
	const char *end = buf + len, *p = buf;
	while (p < end && *p != ' ' && *p != '\r' && *p != '\n')
		p++;
	if (p == buf || p == end || *p != ' ' || (p - buf == 7 && memcmp(buf, "SIP/2.0", 7) == 0))
		return false;
	*method = sip_str_make(buf, (size_t)(p - buf));
	/* The first Via header line (long or compact name). */
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		p = nl + 1;
		size_t hn = (end - p >= 4 && sip_mem_caseeq(p, "via", 3)) ? 3 :
			    (end - p >= 2 && (*p == 'v' || *p == 'V')) ? 1 : 0;
		if (!hn)
			continue;
		const char *q = p + hn;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && *q == ':') {
			p = q + 1;
			break;
		}
	}
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	for (const char *q = p; q + 7 <= eol; q++) {
		if (!sip_mem_caseeq(q, "branch=", 7))
			continue;
		const char *b = q + 7, *e = b;
		while (e < eol && *e != ';' && *e != ',' && *e != ' ' && *e != '\r' && *e != '\t')
			e++;
		if (e == eol && eol == end)
			return false;   /* cut off inside the branch */
		*branch = sip_str_make(b, (size_t)(e - b));
		return branch->len > 0;
	}
	return false;
}

/* A request of a client transaction could not be delivered: the transport
 * queued it and the kernel refused it, or an ICMP error (port, host or
 * network unreachable) came back for it. §16.9 and §8.1.3.1: a transport
 * error while forwarding counts as a 503 for that branch, at once, so a
 * failure route or DNS failover moves on in milliseconds (the upstream
 * gets a 500 unless another branch or a failure route does better). buf is
 * what was sent, possibly cut short (an ICMP message quotes only the
 * start of a datagram): the branch is found by its top Via and must have
 * been sent to dst. When the quote is too short to hold the branch, every
 * branch to dst that has had no response fails: nothing listens there.
 * Errors for responses are only logged (by the transport). */
void txn_on_send_error(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len,
		       void *arg)
{
	(void)arg;
	sip_str meth, branch;
	if (len >= 8 && memcmp(buf, "SIP/2.0 ", 8) == 0)
		return;
	if (peek_request(buf, len, &meth, &branch)) {
		enum sip_method m = sip_method_from_str(meth);
		if (m == SIP_METHOD_ACK)
			return;
		struct txn_client_key k = { branch, m, meth };
		txn *c = txn_table_find(txn_hash(branch), txn_client_eq, &k);
		if (!c || c->absorb || (c->state != TXN_CALLING && c->state != TXN_TRYING) ||
		    !sip_addr_eq(&c->peer, dst))
			return;
		client_transport_error(c);
		return;
	}
	if (len > 0 && (buf[0] < 'A' || buf[0] > 'Z'))
		return;                 /* not SIP */
	/* Collected first: failing one runs failure routes, which may add
	 * branches (to dst too, which must not fail for this error). A
	 * transaction's memory is freed only by the layer's sweep, a timer
	 * of its own, never during this call, so the id tells whether it is
	 * still the same one. */
	struct { txn *c; uint64_t id; } hit[64];
	unsigned n = 0;
	sip_hiter it;
	sip_hiter_init(&it, &txn_L.table);
	for (sip_hlink *l; n < 64 && (l = sip_hiter_next(&it));) {
		txn *c = SIP_HTABLE_ENTRY(l, txn, hlink);
		if (c->is_client && !c->absorb && c->sock == sock &&
		    (c->state == TXN_CALLING || c->state == TXN_TRYING) &&
		    sip_addr_eq(&c->peer, dst))
			hit[n].c = c, hit[n++].id = c->id;
	}
	sip_hiter_done(&it);
	for (unsigned i = 0; i < n; i++) {
		txn *c = hit[i].c;
		if (c->id == hit[i].id && (c->state == TXN_CALLING || c->state == TXN_TRYING))
			client_transport_error(c);
	}
}

/* Timer C (§16.8): a proceeding INVITE that never ends is CANCELled and
 * the branch ends with a local 408 at once, so a failure route can try
 * elsewhere without waiting for the callee to answer the CANCEL; the
 * client transaction stays to acknowledge the 487. When the CANCEL was
 * sent earlier (the caller's, or a 2xx on another branch) and brought no
 * final response within 64*T1 either, the branch is over. */
void txn_client_on_c(sip_timer *tm, void *arg)
{
	txn *c = arg;
	if (c->state != TXN_PROCEEDING)
		return;
	if (!c->cancel_sent) {
		LOG_DEBUG("INVITE transaction %s: timer C fired", c->branch.s);
		client_send_cancel(c);
		if (!sip_timer_armed(&c->t_c))
			arm(&c->t_c, T64);      /* no CANCEL went out: end later */
		if (!branch_counted(c)) {
			c->timed_out = true;
			branch_final(c, 408, NULL);
		}
		return;
	}
	c->state = TXN_TERMINATED;
	if (!branch_counted(c))
		branch_final(c, 408, NULL);
	txn_destroy(c);
}
