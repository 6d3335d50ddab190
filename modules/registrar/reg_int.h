/* What the registrar's files share, not for other modules (they use
 * registrar.h):
 *
 *   usrloc.c     the location tables in memory: addresses-of-record and
 *                their bindings, expiry, iteration, RFC 5626 matching
 *   reg_store.c  the location rows in the database: the load at start and
 *                the one write-through path (an address-of-record's
 *                bindings, written whole, on the worker or synchronously)
 *   reg_save.c   REGISTER processing (RFC 3261 §10.3) and removal, which
 *                decide what changes and drive the two above
 *
 * The table's sweep (usrloc.c) hands the database's side of expiry and
 * the retry of failed writes to reg_store.c; everything else calls downward, REGISTER processing
 * over the table and the store.
 *
 * Locking: the functions of registrar.h take a table's lock; those below
 * (but reg_store_*) expect the caller to hold it, exclusive to change the
 * table, shared to read it. A write-through job is queued (its copies
 * made) under the exclusive lock, so jobs for one address-of-record
 * reach the database worker in the order of the changes they carry. */
#ifndef SIPCC_REGISTRAR_REG_INT_H
#define SIPCC_REGISTRAR_REG_INT_H

#include <pthread.h>
#include "registrar/registrar.h"

/* The longest string a binding stores (its lengths are 16-bit). */
#define REG_MAX_FIELD 65535u

struct reg_table {
	struct reg_table *next;        /* set before the table is published */
	pthread_rwlock_t lock;         /* what follows but name */
	/* A walk of aors (sip_hiter, sip_htable_scan) counts itself in the
	 * table while it runs: walks under the shared lock take this too. */
	pthread_mutex_t walk_mu;
	sip_htable aors;               /* reg_aor by address (sip_hash_str) */
	unsigned long n_contacts;
	uint32_t sweep_at;             /* the sweep's cursor (sip_htable_scan) */
	bool persist;                  /* written to the database */
	size_t name_len;
	char name[];
};

/* ---- usrloc.c ---- */

/* t's lock: shared, exclusive, released. */
void reg_table_rdlock(reg_table *t);
void reg_table_wrlock(reg_table *t);
void reg_table_unlock(reg_table *t);

/* The address-of-record aor of t; NULL when it has no entry. */
reg_aor *reg_aor_find(reg_table *t, sip_str aor);
/* A new, empty entry for aor in t; NULL when out of memory or aor is too
 * long. */
reg_aor *reg_aor_add(reg_table *t, sip_str aor);
/* Free a's bindings and take it out of t. */
void reg_aor_drop(reg_table *t, reg_aor *a);
/* Free a's bindings without telling anyone (memory made what the store
 * holds); a stays in t. */
void reg_aor_clear(reg_table *t, reg_aor *a);
/* Take a out of t when it has no binding left. */
void reg_aor_prune(reg_table *t, reg_aor *a);
/* A binding with copies of f in one block (expires, cseq, q and flags
 * zero); NULL when out of memory or a field is too long. */
reg_contact *reg_contact_new(const sip_str f[REG_NFIELDS]);
/* Put c among a's bindings in preference order; t counts it. */
void reg_contact_insert(reg_table *t, reg_aor *a, reg_contact *c);
/* Free the bindings of a expired at now; returns how many. */
unsigned long reg_aor_expire(reg_table *t, reg_aor *a, int64_t now);
/* Whether binding c is the one a Contact with this URI, +sip.instance
 * (empty: none) and reg-id designates (RFC 5626 §6). */
bool reg_contact_matches(const reg_contact *c, sip_str uri, sip_str instance, uint32_t reg_id);

/* The value of parameter name in a ';'-separated parameter list, quotes
 * removed; found with an empty value for a bare "name". */
bool reg_param(sip_str params, const char *name, sip_str *val);
/* A decimal number of at most 19 digits. */
bool reg_parse_uint(sip_str s, uint64_t *out);

/* ---- reg_store.c ---- */

/* Whether changes to t's bindings are written to the database. */
bool reg_store_on(const reg_table *t);
/* Whether a write can be taken now: SIP_OK, or SIP_EDBDOWN when the
 * worker refuses (down, queue full). Without a worker, SIP_OK: the write
 * itself says. */
int reg_store_ready(void);
/* Make the rows of aor the n bindings c (none: the rows go). With a
 * worker the write is queued and SIP_OK returned (a write that fails
 * later is retried from memory); without one it runs now and its status
 * is returned, and the caller leaves memory as it was when it failed. */
int reg_store_write(sip_str aor, const reg_contact *const *c, unsigned n);
/* The same for a REGISTER that waits for the write to end before it is
 * answered (write-through): with a worker, the write is queued and
 * SIP_AGAIN returned; done(status, arg) runs later on the loop of the
 * caller's worker, with SIP_OK once the rows are stored, else after
 * memory was put back to the nb bindings before (what the caller changed
 * it from once this returned; its lock held meanwhile) unless the
 * address-of-record changed again since, which is then written again.
 * Without a worker, or without done, reg_store_write's. */
typedef void (*reg_store_done)(int status, void *arg);
int reg_store_write_wait(reg_table *t, sip_str aor, const reg_contact *const *before, unsigned nb,
			 const reg_contact *const *c, unsigned n, reg_store_done done, void *arg);
/* The database's side of a sweep of t at now: the rows expired go. */
void reg_store_expire(reg_table *t, int64_t now);
/* Write the addresses-of-record of t whose write failed again, from
 * memory, as many as the database takes now. */
void reg_store_retry(reg_table *t);
/* Forget the addresses-of-record waiting to be written again (their
 * table is gone). */
void reg_store_forget(void);
/* This proxy's name as bindings store it (reg_set_share; empty without
 * sharing). */
sip_str reg_own_node(void);

/* One binding as the store gives it back; the strings point into the
 * statement's row or into a copy. */
struct reg_row {
	sip_str aor, f[REG_NFIELDS];
	int64_t expires, q, cseq, flags;
};

/* The value of binding c's field in a Redis hash: its columns but the
 * Contact (the field's name) as netstrings ("LEN:BYTES,"): expires, q,
 * cseq, flags, Call-ID, Path, received, User-Agent, parameters, node.
 * Writes at most size bytes to buf; returns the length it needs (more
 * than size: nothing usable was written). */
size_t reg_redis_encode(const reg_contact *c, char *buf, size_t size);
/* Read value v (reg_redis_encode's) into r: all but r->aor and
 * r->f[REG_CONTACT], which are the caller's; the strings point into v.
 * False when v is malformed. */
bool reg_redis_decode(sip_str v, struct reg_row *r);
/* One netstring of s at buf + *len when it fits in size (*len grows by
 * its length in any case). */
void reg_netstring(char *buf, size_t size, size_t *len, sip_str s);

#endif
