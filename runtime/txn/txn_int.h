/* Internals shared by the transaction layer's files. */
#ifndef SIPCC_TXN_TXN_INT_H
#define SIPCC_TXN_TXN_INT_H

#include "core/worker.h"
#include "txn/txn.h"

#define TXN_BUFSZ (SIP_MAX_MSG_SIZE + 4096)

struct txn_layer {
	sip_timer_wheel *wheel;
	struct txn_user user;
	sip_htable table;               /* transactions by branch (the key) */
	txn *free;
	unsigned long n_free;
	unsigned long live;             /* transactions, full or as records */
	sip_htable recs;                /* compact records by branch */
	size_t rec_bytes;
	size_t held, held_peak;         /* heap bytes of transactions and records; the
					   most since the last trim */
	sip_timer t_sweep;              /* frees the excess of the free list, trims */
	uint64_t next_id;
	uint64_t boot;                  /* random per process: unique branches */
	uint32_t fr_ms, fr_inv_ms;      /* txn_set_timers(); 0 = RFC 3261 values */
	sip_arena scratch;              /* re-parsing stored messages */
	char buf[TXN_BUFSZ];            /* building outgoing messages */
};

/* One transaction layer per worker thread: a transaction is created,
 * matched and ended by the worker that owns it (its id is in the branch
 * of the requests it sends, txn_branch_worker). */
extern SIP_PER_WORKER struct txn_layer txn_L;

/* The compact record of a transaction in its final wait state (timer I,
 * J, K or D over UDP; L and M of an INVITE answered 2xx): its matching
 * key, where a message goes again and that message (a non-INVITE server's
 * last response, an INVITE client's ACK for a non-2xx, an accepted INVITE
 * branch's 2xx as it was forwarded upstream), in one allocation. */
struct txn_rec {
	sip_hlink hlink;                /* in txn_L.recs, by branch */
	sip_timer t_end;
	sip_socket *sock;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} peer;
	socklen_t peer_len;
	uint32_t out_len;
	uint16_t branch_len, host_len, mstr_len;
	uint16_t sent_by_port;
	uint16_t tag_len;               /* accepted client: the 2xx's To tag */
	uint8_t is_client, is_invite, method;
	uint8_t accepted;               /* an INVITE answered 2xx (timers L, M) */
	char data[];                    /* branch, sent-by host, method name, out, tag */
};

/* Make t's record with its wait state's remaining left_ms and destroy t.
 * SIP_DECLINED when t must stay whole (pinned, a route holds it or a
 * branch, a branch still needs it); t is untouched then. */
int txn_rec_make(txn *t, uint32_t left_ms);
/* Server INVITE s answered 2xx (Accepted, timer L): make the records of s
 * and of its branches that accepted a 2xx, with left_ms to live, and
 * destroy them. SIP_DECLINED (nothing changed) while a branch is pending,
 * a route holds s or a branch, or a branch was cancelled by the proxy. */
int txn_rec_accepted(txn *s, uint32_t left_ms);
void txn_rec_destroy_all(void);
/* n bytes freed (negative: allocated) by the layer, for the sweep's trim. */
void txn_mem_freed(long long n);
/* The key of a request (§17.2.3): its branch, or an RFC 2543 key made in a. */
sip_str txn_req_key(sip_msg *m, sip_arena *a);

txn *txn_alloc(bool client);
/* The storage embedded in t for its out buffer. */
char *txn_out_inline(txn *t);
void txn_destroy(txn *t);
void txn_hash_insert(txn *t);
/* The first transaction of the table with this key hash for which eq
 * holds (key: what eq compares with); NULL when none. */
txn *txn_table_find(uint32_t h, sip_htable_eq eq, const void *key);
/* A client transaction by branch and method (§17.1.3): txn_client_eq
 * with a struct txn_client_key. */
struct txn_client_key {
	sip_str branch;
	enum sip_method method;
	sip_str method_str;             /* for SIP_METHOD_UNKNOWN */
};
bool txn_client_eq(const sip_hlink *l, const void *key);
/* Copy src into *buf, growing it when needed; inl is storage embedded in
 * the transaction that *buf may point at (never passed to realloc/free),
 * or NULL. */
int txn_buf_store(char **buf, size_t *len, size_t *cap, const char *inl, const char *src, size_t n);
int txn_send_out(txn *t);

/* Timer callbacks. */
void txn_server_on_retr(sip_timer *tm, void *arg);
void txn_server_on_end(sip_timer *tm, void *arg);
void txn_client_on_retr(sip_timer *tm, void *arg);
void txn_client_on_end(sip_timer *tm, void *arg);
void txn_client_on_c(sip_timer *tm, void *arg);
/* The transport could not send a datagram it had queued. */
void txn_on_send_error(sip_socket *sock, const sip_addr *dst, const char *buf, size_t len,
		       void *arg);

#endif
