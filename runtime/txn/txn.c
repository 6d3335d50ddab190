/* Transaction table, allocation and the message builders the state
 * machines use (replies, ACK, CANCEL). */
#include "txn/txn_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/hash.h"
#include "core/log.h"
#include "core/status.h"

SIP_PER_WORKER struct txn_layer txn_L;
/* Each worker's layer, for the totals (statistics read by worker 0). */
static struct txn_layer *txn_layers[SIP_WORKERS_MAX];

static const sip_str cookie = SIP_STR_LIT("z9hG4bK");

static void txn_sweep(sip_timer *tm, void *arg);

uint32_t txn_hash(sip_str key)
{
	return sip_hash_str(key);
}

int txn_layer_init(sip_timer_wheel *w, const struct txn_user *u, unsigned hash_bits)
{
	txn_layer_destroy();
	if (hash_bits < 4 || hash_bits > 24)
		hash_bits = 16;
	if (sip_htable_init(&txn_L.table, hash_bits) != SIP_OK)
		return SIP_NOMEM;
	if (sip_htable_init(&txn_L.recs, hash_bits) != SIP_OK) {
		sip_htable_destroy(&txn_L.table);
		return SIP_NOMEM;
	}
	sip_timer_init(&txn_L.t_sweep, txn_sweep, NULL);
	txn_L.wheel = w;
	txn_L.user = *u;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	txn_L.boot = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16);
	sip_arena_init(&txn_L.scratch, 16384);
	tp_set_send_error(txn_on_send_error, NULL);
	if (sip_worker_id < SIP_WORKERS_MAX)
		__atomic_store_n(&txn_layers[sip_worker_id], &txn_L, __ATOMIC_RELEASE);
	return SIP_OK;
}

static size_t txn_mem_size(const txn *t);
static void txn_free(txn *t);

/* Frees every transaction, live or pooled, and every record. Pinned
 * transactions that ended are their pinners' to release first. */
void txn_layer_destroy(void)
{
	if (!sip_htable_ready(&txn_L.table))
		return;
	if (sip_worker_id < SIP_WORKERS_MAX)
		__atomic_store_n(&txn_layers[sip_worker_id], NULL, __ATOMIC_RELEASE);
	sip_hiter it;
	sip_hiter_init(&it, &txn_L.table);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		txn *t = SIP_HTABLE_ENTRY(l, txn, hlink);
		t->pins = 0;
		txn_destroy(t);
	}
	txn_rec_destroy_all();
	while (txn_L.free) {
		txn *t = txn_L.free;
		txn_L.free = t->free_next;
		txn_free(t);
	}
	txn_L.n_free = 0;
	txn_L.held = txn_L.held_peak = 0;
	if (txn_L.wheel)
		sip_timer_cancel(txn_L.wheel, &txn_L.t_sweep);
	sip_htable_destroy(&txn_L.table);
	sip_htable_destroy(&txn_L.recs);
	sip_arena_destroy(&txn_L.scratch);
	__atomic_store_n(&txn_L.live, 0, __ATOMIC_RELAXED);
}

unsigned long txn_free_count(void)
{
	return txn_L.n_free;
}

/* The layer's heap came down by TXN_TRIM_BYTES from its peak since the
 * last trim, or, having grown that much, is now nearly empty (the end of
 * a burst: the last of it is given back too). */
static bool txn_shrunk(void)
{
	return txn_L.held + TXN_TRIM_BYTES <= txn_L.held_peak ||
	       (txn_L.held_peak >= TXN_TRIM_BYTES && txn_L.held < TXN_TRIM_BYTES / 4);
}

void txn_mem_freed(long long n)
{
	if (n < 0) {
		txn_L.held += (size_t)-n;
		if (txn_L.held > txn_L.held_peak)
			txn_L.held_peak = txn_L.held;
		return;
	}
	txn_L.held = (size_t)n < txn_L.held ? txn_L.held - (size_t)n : 0;
	if (txn_shrunk() && txn_L.wheel && !sip_timer_armed(&txn_L.t_sweep))
		sip_timer_add(txn_L.wheel, &txn_L.t_sweep, 1000);
}

/* The sweep, a second after finished transactions went beyond
 * TXN_FREE_MAX or the layer's heap came down: free the excess of the free
 * list (here, at the loop's top level, where no caller holds a pointer to
 * one) and, when what the layer holds is TXN_TRIM_BYTES below its peak
 * since the last time, give the memory malloc keeps free back to the
 * system, so the resident size comes down after a burst instead of
 * staying at its peak. Not in steady state: the layer's heap stays
 * level there. */
static void txn_sweep(sip_timer *tm, void *arg)
{
	(void)tm;
	(void)arg;
	while (txn_L.n_free > TXN_FREE_MAX && txn_L.free) {
		txn *t = txn_L.free;
		txn_L.free = t->free_next;
		txn_L.n_free--;
		txn_mem_freed((long long)txn_mem_size(t));
		txn_free(t);
	}
	if (txn_shrunk()) {
		txn_L.held_peak = txn_L.held;
		sip_mem_trim();
	}
}

unsigned long txn_count(void)
{
	return txn_L.live;
}

/* Read while the workers run: a figure a little behind is fine. */
unsigned long txn_count_all(void)
{
	unsigned long n = 0;
	for (unsigned i = 0; i < SIP_WORKERS_MAX; i++) {
		struct txn_layer *l = __atomic_load_n(&txn_layers[i], __ATOMIC_ACQUIRE);
		if (l)
			n += __atomic_load_n(&l->live, __ATOMIC_RELAXED);
	}
	return n;
}

unsigned long txn_count_worker(unsigned id)
{
	struct txn_layer *l = id < SIP_WORKERS_MAX ?
		__atomic_load_n(&txn_layers[id], __ATOMIC_ACQUIRE) : NULL;
	return l ? __atomic_load_n(&l->live, __ATOMIC_RELAXED) : 0;
}

uint64_t txn_created_all(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < SIP_WORKERS_MAX; i++) {
		struct txn_layer *l = __atomic_load_n(&txn_layers[i], __ATOMIC_ACQUIRE);
		if (l)
			n += __atomic_load_n(&l->next_id, __ATOMIC_RELAXED);
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int txn_branch_worker(sip_str b)
{
	/* cookie, 2 + 16 hex digits, '.', at least one digit */
	if (b.len < 7 + 18 + 2 || memcmp(b.s, "z9hG4bK", 7) != 0 || b.s[25] != '.')
		return -1;
	for (size_t i = 7; i < 25; i++)
		if (hexval(b.s[i]) < 0)
			return -1;
	for (size_t i = 26; i < b.len; i++)
		if (b.s[i] < '0' || b.s[i] > '9')
			return -1;
	return hexval(b.s[7]) * 16 + hexval(b.s[8]);
}

/* A transaction with the first block of its arena and room for the
 * message it keeps, in one allocation: what a typical transaction copies
 * (the reply headers of a request, a branch) and sends (an INVITE with
 * SDP, a 200 OK) fits, so creating one is a single malloc, and the memory
 * a proxy touches per call (page faults while the heap grows) is about
 * half of three separate allocations. */
#define TXN_ARENA_INLINE  640
#define TXN_OUT_INLINE    1024

struct txn_mem {
	txn t;
	_Alignas(16) char arena[TXN_ARENA_INLINE];
	char out[TXN_OUT_INLINE];
};

char *txn_out_inline(txn *t)
{
	return ((struct txn_mem *)t)->out;
}

/* What t holds of the heap, about: itself and its grown buffers. */
static size_t txn_mem_size(const txn *t)
{
	size_t n = sizeof(struct txn_mem) + t->best_cap + t->tmpl_cap;
	if (t->out != ((const struct txn_mem *)t)->out)
		n += t->out_cap;
	return n;
}

static void txn_free(txn *t)
{
	sip_arena_destroy(&t->arena);
	if (t->out != txn_out_inline(t))
		sip_mem_free(t->out);
	sip_mem_free(t->best);
	sip_mem_free(t->tmpl);
	sip_mem_free(t);
}

/* A clean transaction from the free list (its arena and buffers keep their
 * memory from earlier use) or a new one. */
uint64_t txn_clock_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

txn *txn_alloc(bool client)
{
	txn *t = txn_L.free;
	char *out, *best, *tmpl;
	size_t out_cap, best_cap, tmpl_cap;
	sip_arena arena;
	if (t) {
		txn_L.free = t->free_next;
		txn_L.n_free--;
		sip_arena_reset(&t->arena);
		arena = t->arena;
		out = t->out; out_cap = t->out_cap;
		best = t->best; best_cap = t->best_cap;
		tmpl = t->tmpl; tmpl_cap = t->tmpl_cap;
	} else {
		struct txn_mem *mem = sip_mem_alloc(sizeof *mem);
		if (!mem)
			return NULL;
		txn_mem_freed(-(long long)sizeof *mem);
		t = &mem->t;
		sip_arena_init_buf(&arena, mem->arena, sizeof mem->arena, 2048);
		out = mem->out;
		out_cap = sizeof mem->out;
		best = tmpl = NULL;
		best_cap = tmpl_cap = 0;
	}
	memset(t, 0, sizeof *t);
	t->arena = arena;
	t->out = out; t->out_cap = out_cap;
	t->best = best; t->best_cap = best_cap;
	t->tmpl = tmpl; t->tmpl_cap = tmpl_cap;
	t->is_client = client;
	/* One writer (this worker); others read the totals (txn_count_all). */
	__atomic_store_n(&txn_L.next_id, txn_L.next_id + 1, __ATOMIC_RELAXED);
	t->id = txn_L.next_id;
	sip_timer_init(&t->t_retr, client ? txn_client_on_retr : txn_server_on_retr, t);
	sip_timer_init(&t->t_end, client ? txn_client_on_end : txn_server_on_end, t);
	sip_timer_init(&t->t_c, txn_client_on_c, t);
	__atomic_store_n(&txn_L.live, txn_L.live + 1, __ATOMIC_RELAXED);
	return t;
}

void txn_hash_insert(txn *t)
{
	sip_htable_insert(&txn_L.table, &t->hlink, txn_hash(t->branch));
}

txn *txn_table_find(uint32_t h, sip_htable_eq eq, const void *key)
{
	sip_hlink *l = sip_htable_find(&txn_L.table, h, eq, key);
	return l ? SIP_HTABLE_ENTRY(l, txn, hlink) : NULL;
}

/* Unlink t from the table and from its relatives, stop its timers and put
 * it back on the free list. */
void txn_destroy(txn *t)
{
	sip_htable_remove(&txn_L.table, &t->hlink);
	sip_timer_cancel(txn_L.wheel, &t->t_retr);
	sip_timer_cancel(txn_L.wheel, &t->t_end);
	sip_timer_cancel(txn_L.wheel, &t->t_c);
	if (t->is_client) {
		if (t->parent && t->parent->branches[t->idx] == t)
			t->parent->branches[t->idx] = NULL;
	} else {
		for (unsigned i = 0; i < t->n_branches; i++)
			if (t->branches[i])
				t->branches[i]->parent = NULL;
	}
	t->state = TXN_TERMINATED;
	__atomic_store_n(&txn_L.live, txn_L.live - 1, __ATOMIC_RELAXED);
	if (t->pins) {
		t->dead = true;         /* the last txn_unpin frees it */
		return;
	}
	t->free_next = txn_L.free;
	txn_L.free = t;
	if (++txn_L.n_free > TXN_FREE_MAX && txn_L.wheel && !sip_timer_armed(&txn_L.t_sweep))
		sip_timer_add(txn_L.wheel, &txn_L.t_sweep, 1000);
}

void txn_pin(txn *t)
{
	t->pins++;
}

void txn_unpin(txn *t)
{
	if (!t->pins || --t->pins || !t->dead)
		return;
	t->dead = false;
	t->free_next = txn_L.free;
	txn_L.free = t;
	if (++txn_L.n_free > TXN_FREE_MAX && txn_L.wheel && !sip_timer_armed(&txn_L.t_sweep))
		sip_timer_add(txn_L.wheel, &txn_L.t_sweep, 1000);
}

int txn_buf_store(char **buf, size_t *len, size_t *cap, const char *inl, const char *src, size_t n)
{
	if (n > *cap) {
		size_t c = n < 1024 ? 1024 : n + 512;
		/* The old contents are overwritten: no need to copy them. */
		size_t old = *buf == inl ? 0 : *cap;
		char *p = *buf == inl ? sip_mem_alloc(c) : sip_mem_realloc(*buf, c);
		if (!p)
			return SIP_NOMEM;
		*buf = p;
		*cap = c;
		txn_mem_freed(-(long long)(c - old));
	}
	memcpy(*buf, src, n);
	*len = n;
	return SIP_OK;
}

int txn_send_out(txn *t)
{
	if (!t->sock || t->out_len == 0)
		return SIP_EINVAL;
	return tp_send(t->sock, &t->peer, t->out, t->out_len);
}

/* ---- matching ---- */

/* The key of a request: its branch when RFC 3261 compliant, else (RFC 2543
 * peers) Call-ID, CSeq number and From tag, which an ACK shares with its
 * INVITE. */
sip_str txn_req_key(sip_msg *m, sip_arena *a)
{
	sip_str br = m->via1 ? m->via1->branch : SIP_STR_NULL;
	if (br.len > cookie.len && memcmp(br.s, cookie.s, cookie.len) == 0)
		return br;
	if (!a)
		return SIP_STR_NULL;
	return sip_arena_printf(a, "2543|" SIP_STR_FMT "|%u|" SIP_STR_FMT,
				SIP_STR_ARG(m->callid), m->cseq.num, SIP_STR_ARG(m->from_tag));
}

static int via_port(const sip_via *v)
{
	return v->port ? v->port : 5060;
}

struct server_key {
	sip_str key;
	enum sip_method m;
	const sip_msg *req;
};

static bool server_eq(const sip_hlink *l, const void *arg)
{
	const txn *t = SIP_HTABLE_ENTRY(l, txn, hlink);
	const struct server_key *k = arg;
	return !t->is_client && sip_str_eq(t->branch, k->key) && t->method == k->m &&
	       (k->m != SIP_METHOD_UNKNOWN || sip_str_eq(t->method_str, k->req->method_str)) &&
	       sip_str_caseeq(t->sent_by_host, k->req->via1->host) &&
	       t->sent_by_port == via_port(k->req->via1);
}

/* §17.2.3: branch, sent-by and method (ACK counted as INVITE; a CANCEL
 * looked up "as INVITE" when as_invite). */
static txn *server_lookup(sip_msg *req, bool as_invite)
{
	if (!req->via1 || !sip_htable_ready(&txn_L.table))
		return NULL;
	struct server_key k = { txn_req_key(req, req->arena), req->method, req };
	if (!k.key.len)
		return NULL;
	if (k.m == SIP_METHOD_ACK || as_invite)
		k.m = SIP_METHOD_INVITE;
	return txn_table_find(txn_hash(k.key), server_eq, &k);
}

txn *txn_server_match(sip_msg *req)
{
	return server_lookup(req, false);
}

txn *txn_server_match_cancel(sip_msg *cancel)
{
	if (cancel->method != SIP_METHOD_CANCEL)
		return NULL;
	return server_lookup(cancel, true);
}

bool txn_client_eq(const sip_hlink *l, const void *arg)
{
	const txn *t = SIP_HTABLE_ENTRY(l, txn, hlink);
	const struct txn_client_key *k = arg;
	return t->is_client && sip_str_eq(t->branch, k->branch) && t->method == k->method &&
	       (t->method != SIP_METHOD_UNKNOWN || sip_str_eq(t->method_str, k->method_str));
}

/* §17.1.3: the top Via branch and the CSeq method. */
txn *txn_client_match(sip_msg *resp)
{
	if (!resp->via1 || !resp->via1->branch.len || !sip_htable_ready(&txn_L.table))
		return NULL;
	struct txn_client_key k = { resp->via1->branch, resp->cseq.method, resp->cseq.method_str };
	return txn_table_find(txn_hash(k.branch), txn_client_eq, &k);
}

/* ---- server creation ---- */

txn *txn_server_create(sip_msg *req, sip_socket *sock, const sip_addr *src)
{
	if (!req->via1 || !sip_htable_ready(&txn_L.table))
		return NULL;
	txn *s = txn_alloc(false);
	if (!s)
		return NULL;
	sip_arena *a = &s->arena;
	s->method = req->method;
	s->is_invite = req->method == SIP_METHOD_INVITE;
	s->method_str = sip_arena_strdup(a, req->method_str);
	s->branch = sip_arena_strdup(a, txn_req_key(req, a));
	s->sent_by_host = sip_arena_strdup(a, req->via1->host);
	s->sent_by_port = via_port(req->via1);
	s->state = s->is_invite ? TXN_PROCEEDING : TXN_TRYING;
	s->start_us = txn_clock_us();
	s->sock = sock;
	s->src = *src;
	s->peer = *src;
	/* §18.2.2 / RFC 3581: the source port only when rport was asked for;
	 * over a stream, the connection the request came on. */
	if (!req->via1->has_rport && !(sock && sock->tp->reliable)) {
		int port = via_port(req->via1);
		if (s->peer.u.sa.sa_family == AF_INET6)
			s->peer.u.in6.sin6_port = htons((uint16_t)port);
		else
			s->peer.u.in.sin_port = htons((uint16_t)port);
	}
	if (txn_rhdrs_make(req, src, a, &s->rh) != SIP_OK) {
		txn_destroy(s);
		return NULL;
	}
	if (!s->rh.to_has_tag)
		s->totag = txn_totag_make(req, a);
	if (!s->branch.len || !s->method_str.s || !s->sent_by_host.s) {
		txn_destroy(s);
		return NULL;
	}
	txn_hash_insert(s);
	return s;
}

/* ---- builders ---- */

void txn_via_fix(sip_msg *req, const sip_addr *src, sip_arena *a, struct txn_via_fix *out)
{
	memset(out, 0, sizeof *out);
	sip_via *v = req->via1;
	if (!v || !src)
		return;
	char ip[64];
	sip_addr_ip(src, ip, sizeof ip);
	sip_str host = v->host;
	if (host.len > 2 && host.s[0] == '[') {
		host.s++;
		host.len -= 2;
	}
	bool bare_rport = v->has_rport && v->rport.len == 0;
	char *d = bare_rport ? sip_arena_alloc(a, 16) : NULL;
	if (d) {
		/* Find the end of the ";rport" token to put its value there. A
		 * Via to be treated as if it had one (force_rport(): has_rport
		 * without the token, rport.s NULL) gets ";rport=PORT" at its
		 * end, before the received parameter. */
		const char *p = v->raw.s, *end = v->raw.s + v->raw.len;
		memcpy(d, ";rport=", 7);
		size_t k = 7 + sip_fmt_uint(d + 7, (unsigned long)sip_addr_port(src));
		d[k] = '\0';
		if (!v->rport.s) {
			out->rport_at = sip_msg_off(req, end);
			out->rport = sip_str_make(d, k);
		}
		for (; v->rport.s && p + 6 <= end; p++) {
			if (!sip_mem_caseeq(p, ";rport", 6))
				continue;
			const char *q = p + 6;
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q == end || *q == ';' || *q == ',') {
				out->rport_at = sip_msg_off(req, p + 6);
				out->rport = sip_str_make(d + 6, k - 6);     /* "=PORT" */
				break;
			}
		}
	}
	if (!v->received.len && (bare_rport || !sip_str_caseeq(host, sip_str_make(ip, strlen(ip))))) {
		out->end_at = sip_msg_off(req, v->raw.s + v->raw.len);
		static const char name[] = ";received=";
		size_t iplen = strlen(ip);
		char *d = sip_arena_alloc(a, sizeof name + iplen);
		if (d) {
			memcpy(d, name, sizeof name - 1);
			memcpy(d + sizeof name - 1, ip, iplen + 1);
			out->received = sip_str_make(d, sizeof name - 1 + iplen);
		}
	}
}

int txn_rhdrs_make(sip_msg *req, const sip_addr *src, sip_arena *a, txn_rhdrs *out)
{
	memset(out, 0, sizeof *out);
	sip_hdr *from = req->first[SIP_HDR_FROM], *to = req->first[SIP_HDR_TO];
	sip_hdr *cid = req->first[SIP_HDR_CALL_ID], *cseq = req->first[SIP_HDR_CSEQ];
	if (!req->via1 || !from || !to || !cid || !cseq)
		return SIP_EINVAL;
	struct txn_via_fix fix;
	txn_via_fix(req, src, a, &fix);
	/* Via lines in order, with the two insertions in the top one. */
	size_t total = fix.rport.len + fix.received.len;
	for (sip_hdr *h = req->first[SIP_HDR_VIA]; h; h = h->next_same)
		total += h->raw.len;
	char *p = sip_arena_alloc(a, total + 1);
	if (!p)
		return SIP_NOMEM;
	size_t n = 0;
	for (sip_hdr *h = req->first[SIP_HDR_VIA]; h; h = h->next_same) {
		size_t start = sip_msg_off(req, h->raw.s), pos = start, stop = start + h->raw.len;
		struct { size_t at; sip_str s; } ins[2] = {
			{ fix.rport_at, fix.rport }, { fix.end_at, fix.received } };
		for (int k = 0; k < 2; k++) {
			if (!ins[k].s.len || ins[k].at < pos || ins[k].at > stop)
				continue;
			memcpy(p + n, req->buf + pos, ins[k].at - pos);
			n += ins[k].at - pos;
			memcpy(p + n, ins[k].s.s, ins[k].s.len);
			n += ins[k].s.len;
			pos = ins[k].at;
		}
		memcpy(p + n, req->buf + pos, stop - pos);
		n += stop - pos;
	}
	out->vias = sip_str_make(p, n);
	out->from = sip_arena_strdup(a, from->raw);
	size_t head = (size_t)(to->body.s + to->body.len - to->raw.s);
	out->to_head = sip_arena_strdup(a, sip_str_make(to->raw.s, head));
	out->to_tail = sip_arena_strdup(a, sip_str_make(to->raw.s + head, to->raw.len - head));
	out->callid = sip_arena_strdup(a, cid->raw);
	out->cseq = sip_arena_strdup(a, cseq->raw);
	out->to_has_tag = req->to_tag.len > 0;
	if (!out->from.s || !out->to_head.s || !out->callid.s || !out->cseq.s)
		return SIP_NOMEM;
	return SIP_OK;
}

long txn_rhdrs_print(char *out, size_t sz, int code, sip_str reason,
		     const txn_rhdrs *rh, sip_str totag)
{
	if (!reason.len)
		reason = sip_str_make(txn_reason(code), strlen(txn_reason(code)));
	bool tag = !rh->to_has_tag && code > 100 && totag.len;
	size_t need = 40 + reason.len + rh->vias.len + rh->from.len + rh->to_head.len +
		      rh->to_tail.len + totag.len + 5 + rh->callid.len + rh->cseq.len;
	if (need > sz)
		return SIP_ETOOBIG;
	/* need covers the status line: 8 + 3 digits + SP + reason + CRLF. */
	memcpy(out, "SIP/2.0 ", 8);
	size_t len = 8 + sip_fmt_uint(out + 8, (unsigned long)(code > 0 && code < 1000 ? code : 500));
	out[len++] = ' ';
#define PUT(x) do { memcpy(out + len, (x).s, (x).len); len += (x).len; } while (0)
	PUT(reason);
	out[len++] = '\r';
	out[len++] = '\n';
	PUT(rh->vias);
	PUT(rh->from);
	PUT(rh->to_head);
	if (tag) {
		memcpy(out + len, ";tag=", 5);
		len += 5;
		PUT(totag);
	}
	PUT(rh->to_tail);
	PUT(rh->callid);
	PUT(rh->cseq);
#undef PUT
	static const char tail[] = "Content-Length: 0\r\n\r\n";
	if (len + sizeof tail > sz)
		return SIP_ETOOBIG;
	memcpy(out + len, tail, sizeof tail - 1);
	return (long)(len + sizeof tail - 1);
}

sip_str txn_totag_make(sip_msg *req, sip_arena *a)
{
	uint32_t h1 = txn_hash(req->callid) ^ txn_hash(req->from_tag);
	uint32_t h2 = txn_hash(req->via1 ? req->via1->branch : SIP_STR_NULL) ^ (uint32_t)txn_L.boot;
	char *d = sip_arena_alloc(a, 17);
	if (!d)
		return SIP_STR_NULL;
	sip_fmt_hex(d, h1, 8);
	sip_fmt_hex(d + 8, h2, 8);
	d[16] = '\0';
	return sip_str_make(d, 16);
}

int txn_via_dest(const sip_via *v, sip_addr *out)
{
	sip_str host = v->received.len ? v->received : v->host;
	int port = v->port ? v->port : 5060;
	if (v->has_rport && v->rport.len) {
		int p = 0;
		for (size_t i = 0; i < v->rport.len && v->rport.s[i] >= '0' && v->rport.s[i] <= '9'; i++)
			p = p * 10 + (v->rport.s[i] - '0');
		if (p > 0 && p < 65536)
			port = p;
	}
	return sip_addr_resolve(out, host, port);
}

int txn_fwd_response(sip_msg *resp, sip_socket *sock)
{
	sip_via *v = sip_msg_vias(resp);
	if (!v || !v->next)
		return SIP_DECLINED;
	sip_addr dst;
	int rc = txn_via_dest(v->next, &dst);
	if (rc != SIP_OK)
		return rc;
	if ((rc = sip_msg_remove_via1(resp)) != SIP_OK)
		return rc;
	long n = sip_msg_build(resp, txn_L.buf, sizeof txn_L.buf);
	if (n < 0)
		return (int)n;
	/* The transport the previous hop used, from its Via. */
	sip_socket *s = tp_pick(sock, v->next->transport.len ? tp_find_str(v->next->transport) : NULL, &dst);
	if (!s)
		return SIP_EINVAL;
	return tp_send(s, &dst, txn_L.buf, (size_t)n);
}

const char *txn_reason(int code)
{
	switch (code) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 483: return "Too Many Hops";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 500: return "Server Internal Error";
	case 503: return "Service Unavailable";
	case 513: return "Message Too Large";
	case 603: return "Decline";
	default:
		if (code < 200) return "Trying";
		if (code < 300) return "OK";
		if (code < 400) return "Redirect";
		if (code < 500) return "Client Error";
		if (code < 600) return "Server Error";
		return "Global Failure";
	}
}
