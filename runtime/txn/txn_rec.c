/* Compact records of finished transactions (RFC 3261 §17.1.1.2 timer D,
 * §17.1.2.2 timer K, §17.2.1 timer I, §17.2.2 timer J over UDP).
 *
 * In those states a transaction only absorbs retransmissions and sends
 * one message again: a non-INVITE server its last response for each
 * retransmitted request, an INVITE client its ACK for each retransmitted
 * non-2xx; an INVITE server in Confirmed and a non-INVITE client in
 * Completed send nothing. The full transaction (its request, arena,
 * branches, the route state of the modules, 2.5 KB and more) is not
 * needed for that, and keeping it for the 32 s of timer J multiplies the
 * memory of a proxy by the calls per second it carries. So when the
 * transaction enters the state it becomes a record of about 150 bytes
 * plus that message, and is destroyed. An INVITE answered 2xx does the
 * same for timers L and M (txn_rec_accepted). */
#include "txn/txn_int.h"

#include <string.h>
#include "core/status.h"

struct rec_key {
	sip_str branch;
	enum sip_method method;
	sip_str method_str;             /* SIP_METHOD_UNKNOWN */
	bool client;
	sip_str host;                   /* server: the top Via's sent-by */
	int port;
};

static char *rec_branch(struct txn_rec *r) { return r->data; }
static char *rec_host(struct txn_rec *r) { return r->data + r->branch_len; }
static char *rec_mstr(struct txn_rec *r) { return r->data + r->branch_len + r->host_len; }
static char *rec_out(struct txn_rec *r)
{
	return r->data + r->branch_len + r->host_len + r->mstr_len;
}
static char *rec_tag(struct txn_rec *r) { return rec_out(r) + r->out_len; }

static size_t rec_size(const struct txn_rec *r)
{
	return sizeof *r + r->branch_len + r->host_len + r->mstr_len + r->out_len + r->tag_len;
}

static bool rec_eq(const sip_hlink *l, const void *arg)
{
	struct txn_rec *r = SIP_HTABLE_ENTRY(l, struct txn_rec, hlink);
	const struct rec_key *k = arg;
	if (r->is_client != k->client || r->method != (uint8_t)k->method ||
	    !sip_str_eq(sip_str_make(rec_branch(r), r->branch_len), k->branch))
		return false;
	if (k->method == SIP_METHOD_UNKNOWN &&
	    !sip_str_eq(sip_str_make(rec_mstr(r), r->mstr_len), k->method_str))
		return false;
	return k->client || (r->sent_by_port == k->port &&
			     sip_str_caseeq(sip_str_make(rec_host(r), r->host_len), k->host));
}

static struct txn_rec *rec_find(const struct rec_key *k)
{
	if (!sip_htable_ready(&txn_L.recs) || !sip_htable_count(&txn_L.recs) || !k->branch.len)
		return NULL;
	sip_hlink *l = sip_htable_find(&txn_L.recs, txn_hash(k->branch), rec_eq, k);
	return l ? SIP_HTABLE_ENTRY(l, struct txn_rec, hlink) : NULL;
}

static void rec_free(struct txn_rec *r)
{
	size_t n = rec_size(r);
	sip_htable_remove(&txn_L.recs, &r->hlink);
	sip_timer_cancel(txn_L.wheel, &r->t_end);
	txn_L.rec_bytes -= n;
	__atomic_store_n(&txn_L.live, txn_L.live - 1, __ATOMIC_RELAXED);
	sip_mem_free(r);
	txn_mem_freed((long long)n);
}

/* Timer D, I, J or K: the transaction is over. */
static void rec_on_end(sip_timer *tm, void *arg)
{
	(void)tm;
	rec_free(arg);
}

static void rec_send(struct txn_rec *r)
{
	if (!r->out_len || !r->sock)
		return;
	sip_addr a;
	memset(&a, 0, sizeof a);
	memcpy(&a.u, &r->peer, r->peer_len);
	a.len = r->peer_len;
	tp_send(r->sock, &a, rec_out(r), r->out_len);
}

/* Something outside the layer keeps t: a waiting route, a reply or
 * failure route holding it. */
static bool rec_held(const txn *t)
{
	return t->pins || t->replies_held || t->fail_held || t->in_failure;
}

/* Whether t may become a record now: nothing outside the layer keeps it,
 * and, for a server, no branch still reports to it (a branch in Completed
 * only acknowledges; one that is pending or accepted a 2xx needs its
 * server transaction). */
static bool rec_allowed(const txn *t)
{
	if (rec_held(t))
		return false;
	if (t->is_client)
		return true;
	for (unsigned i = 0; i < t->n_branches; i++) {
		const txn *c = t->branches[i];
		if (c && (c->replies_held || c->state != TXN_COMPLETED))
			return false;
	}
	return true;
}

/* A record (not yet in the table) of the key of t (for a server, its
 * sent-by) with out and tag to keep, sending to sock/peer; NULL when it
 * cannot be made. */
static struct txn_rec *rec_new(const txn *t, const char *out, size_t out_len, sip_str tag,
			       sip_socket *sock, const sip_addr *peer)
{
	bool client = t->is_client;
	sip_str host = client ? SIP_STR_NULL : t->sent_by_host;
	sip_str mstr = t->method == SIP_METHOD_UNKNOWN ? t->method_str : SIP_STR_NULL;
	if (t->branch.len > UINT16_MAX || host.len > UINT16_MAX || mstr.len > UINT16_MAX ||
	    tag.len > UINT16_MAX || out_len > UINT32_MAX ||
	    peer->len > sizeof ((struct txn_rec *)0)->peer)
		return NULL;
	size_t n = sizeof(struct txn_rec) + t->branch.len + host.len + mstr.len + out_len + tag.len;
	struct txn_rec *r = sip_mem_alloc(n);
	if (!r)
		return NULL;
	memset(r, 0, sizeof *r);
	r->sock = sock;
	memcpy(&r->peer, &peer->u, peer->len);
	r->peer_len = peer->len;
	r->branch_len = (uint16_t)t->branch.len;
	r->host_len = (uint16_t)host.len;
	r->mstr_len = (uint16_t)mstr.len;
	r->out_len = (uint32_t)out_len;
	r->tag_len = (uint16_t)tag.len;
	r->sent_by_port = (uint16_t)t->sent_by_port;
	r->is_client = client;
	r->is_invite = t->is_invite;
	r->method = (uint8_t)t->method;
	memcpy(rec_branch(r), t->branch.s, t->branch.len);
	if (host.len)
		memcpy(rec_host(r), host.s, host.len);
	if (mstr.len)
		memcpy(rec_mstr(r), mstr.s, mstr.len);
	if (out_len)
		memcpy(rec_out(r), out, out_len);
	if (tag.len)
		memcpy(rec_tag(r), tag.s, tag.len);
	sip_timer_init(&r->t_end, rec_on_end, r);
	return r;
}

/* Put r in the table for left_ms in place of transaction t (destroyed). */
static void rec_insert(struct txn_rec *r, txn *t, uint32_t left_ms)
{
	size_t n = rec_size(r);
	sip_htable_insert(&txn_L.recs, &r->hlink, txn_hash(t->branch));
	sip_timer_add_coarse(txn_L.wheel, &r->t_end, left_ms);
	txn_L.rec_bytes += n;
	/* The record carries the transaction in the live count. */
	__atomic_store_n(&txn_L.live, txn_L.live + 1, __ATOMIC_RELAXED);
	txn_destroy(t);
	txn_mem_freed(-(long long)n);
}

int txn_rec_make(txn *t, uint32_t left_ms)
{
	if (!rec_allowed(t))
		return SIP_DECLINED;
	const char *out = NULL;
	size_t out_len = 0;
	if (!t->is_client && !t->is_invite) {
		out = t->out;           /* the final response, sent again */
		out_len = t->out_len;
	} else if (t->is_client && t->is_invite && t->ack_stored) {
		out = t->out;           /* the ACK of the non-2xx */
		out_len = t->out_len;
	}
	struct txn_rec *r = rec_new(t, out, out_len, SIP_STR_NULL, t->sock, &t->peer);
	if (!r)
		return SIP_DECLINED;
	rec_insert(r, t, left_ms);
	return SIP_OK;
}

/* RFC 6026 Accepted: the server transaction only absorbs retransmitted
 * INVITEs (the 2xx is retransmitted end to end, by the callee), and a
 * branch passes each retransmission of its 2xx upstream. A retransmitted
 * 2xx is the first one again, so the branch's record keeps the 2xx as it
 * was forwarded (the reply routes' rewriting, a media relay's SDP,
 * included) and sends that copy upstream: the same bytes the reply routes
 * would make again, without the transaction, its arena and the routes'
 * state. A 2xx with another To tag (a fork further downstream) is not the
 * record's: it goes on like one that comes after timer M. */
#define REC_MAX_BRANCHES 16

int txn_rec_accepted(txn *s, uint32_t left_ms)
{
	if (s->is_client || !s->is_invite || s->state != TXN_ACCEPTED || rec_held(s) ||
	    s->n_branches > REC_MAX_BRANCHES)
		return SIP_DECLINED;
	/* The one branch that accepted a 2xx: which branch sent the 2xx kept
	 * upstream is not known when several did. */
	txn *acc = NULL;
	for (unsigned i = 0; i < s->n_branches; i++) {
		txn *c = s->branches[i];
		if (!c)
			continue;
		if (c->replies_held || c->pins)
			return SIP_DECLINED;
		if (c->state == TXN_COMPLETED)
			continue;               /* its own record, later */
		if (c->state != TXN_ACCEPTED || c->cancel_local || !c->is_invite || acc)
			return SIP_DECLINED;
		acc = c;
	}
	sip_str tag = SIP_STR_NULL;
	if (acc) {
		/* The 2xx forwarded upstream (the first: later ones of other
		 * forks are sent without being kept). */
		if (!s->out_len || s->last_code < 200 || s->last_code >= 300)
			return SIP_DECLINED;
		sip_msg m;
		sip_arena_reset(&txn_L.scratch);
		if (sip_msg_parse(&txn_L.scratch, s->out, s->out_len, &m) != SIP_OK || !m.to_tag.len)
			return SIP_DECLINED;
		tag = m.to_tag;
	}
	struct txn_rec *rs = rec_new(s, NULL, 0, SIP_STR_NULL, s->sock, &s->peer);
	if (!rs)
		return SIP_DECLINED;
	rs->accepted = 1;
	if (acc) {
		struct txn_rec *rc = rec_new(acc, s->out, s->out_len, tag, s->sock, &s->peer);
		if (!rc) {
			sip_mem_free(rs);
			return SIP_DECLINED;
		}
		rc->accepted = 1;
		rec_insert(rc, acc, left_ms);
	}
	rec_insert(rs, s, left_ms);
	return SIP_OK;
}

void txn_rec_destroy_all(void)
{
	if (!sip_htable_ready(&txn_L.recs))
		return;
	sip_hiter it;
	sip_hiter_init(&it, &txn_L.recs);
	for (sip_hlink *l; (l = sip_hiter_next(&it));)
		rec_free(SIP_HTABLE_ENTRY(l, struct txn_rec, hlink));
	sip_hiter_done(&it);
	txn_L.rec_bytes = 0;
}

unsigned long txn_rec_count(void)
{
	return sip_htable_ready(&txn_L.recs) ? sip_htable_count(&txn_L.recs) : 0;
}

size_t txn_rec_bytes(void)
{
	return txn_L.rec_bytes;
}

static bool rec_server_key(sip_msg *req, enum sip_method m, struct rec_key *k)
{
	if (!req->via1)
		return false;
	k->branch = txn_req_key(req, req->arena);
	k->method = m;
	k->method_str = req->method_str;
	k->client = false;
	k->host = req->via1->host;
	k->port = req->via1->port ? req->via1->port : 5060;
	return k->branch.len > 0;
}

bool txn_rec_request(sip_msg *req)
{
	struct rec_key k;
	if (!sip_htable_ready(&txn_L.recs) || !sip_htable_count(&txn_L.recs))
		return false;
	enum sip_method m = req->method == SIP_METHOD_ACK ? SIP_METHOD_INVITE : req->method;
	if (!rec_server_key(req, m, &k))
		return false;
	struct txn_rec *r = rec_find(&k);
	if (!r)
		return false;
	/* An INVITE record is in Confirmed: its ACKs and INVITEs are
	 * absorbed; in Accepted only its INVITEs (an ACK there is the 2xx's,
	 * routed end to end). A non-INVITE one in Completed answers again. */
	if (r->accepted && req->method == SIP_METHOD_ACK)
		return false;
	if (!r->is_invite)
		rec_send(r);
	return true;
}

bool txn_rec_match_cancel(sip_msg *cancel)
{
	struct rec_key k;
	if (cancel->method != SIP_METHOD_CANCEL || !sip_htable_ready(&txn_L.recs) ||
	    !sip_htable_count(&txn_L.recs))
		return false;
	return rec_server_key(cancel, SIP_METHOD_INVITE, &k) && rec_find(&k);
}

bool txn_rec_response(sip_msg *resp)
{
	if (!resp->via1 || !resp->via1->branch.len || !sip_htable_ready(&txn_L.recs) ||
	    !sip_htable_count(&txn_L.recs))
		return false;
	struct rec_key k = { resp->via1->branch, resp->cseq.method, resp->cseq.method_str, true,
			     SIP_STR_NULL, 0 };
	struct txn_rec *r = rec_find(&k);
	if (!r)
		return false;
	if (r->accepted) {
		/* RFC 6026 Accepted: the 2xx again goes upstream as it was
		 * forwarded; another dialog's 2xx is not the record's. */
		if (resp->status < 200 || resp->status >= 300)
			return true;
		if (!sip_str_eq(resp->to_tag, sip_str_make(rec_tag(r), r->tag_len)))
			return false;
		rec_send(r);
		return true;
	}
	/* §17.1.1.2: a retransmitted non-2xx final gets the ACK again. */
	if (r->is_invite && resp->status >= 300)
		rec_send(r);
	return true;
}
