/* The registrar (RFC 3261 §10.3, RFC 3327 Path): location tables kept in
 * memory, written through to the database's location table so bindings
 * survive a restart, swept for expired bindings by a timer.
 *
 * A table maps an address-of-record ("user@host", host lowercased) to its
 * bindings, best first (highest q, then most recently updated). A binding
 * is one allocation holding its strings back to back (but its User-Agent,
 * kept once for all the bindings with the same), because memory per
 * registered contact is what limits a registrar's size.
 *
 * Times are Unix seconds passed in by the caller, so tests run on a fake
 * clock.
 *
 * Safe on every worker at once: each table has a rwlock that the
 * functions below take themselves (shared to read, exclusive to change),
 * never across a database job, a wait or a send. What a lookup returns
 * is a copy in the caller's arena, not the table's binding, which a
 * REGISTER or the sweep on another worker may free. */
#ifndef SIPCC_REGISTRAR_REGISTRAR_H
#define SIPCC_REGISTRAR_REGISTRAR_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "core/timer.h"
#include "core/htable.h"
#include "db/db.h"
#include "db/db_worker.h"
#include "sip/msg.h"

/* Strings of a binding, in the order they are stored. REG_PARAMS holds
 * the header parameters of its Contact value other than expires and q
 * (no leading ';'), echoed in the 200 OK (RFC 3261 §10.3 step 8); among
 * them the RFC 5626 "+sip.instance" and "reg-id" that identify the
 * binding of a device's flow whatever its Contact URI. REG_NODE names the
 * proxy the REGISTER came through when proxies share the location
 * (reg_set_share), empty otherwise. */
enum reg_field { REG_CONTACT, REG_CALLID, REG_PATH, REG_RECEIVED, REG_UA, REG_PARAMS,
		 REG_NODE, REG_NFIELDS };

typedef struct reg_contact {
	struct reg_contact *next;
	/* The User-Agent, when kept once for every binding with the same
	 * (a few models make most of a registrar's phones): a string of a
	 * fixed pool, never freed (usrloc.c); NULL: in data. */
	const char *ua;
	uint32_t expires;              /* Unix time */
	uint32_t cseq;
	uint32_t flags;                /* branch flags saved with it (bflags 0-31) */
	int16_t q;                     /* thousandths; -1 when the contact gave none */
	uint16_t len[REG_NFIELDS];
	char data[];                   /* the fields back to back, no separators */
} reg_contact;

typedef struct reg_aor {
	sip_hlink hlink;               /* in its table, by address */
	reg_contact *contacts;         /* best first */
	uint16_t len;
	char aor[];
} reg_aor;

typedef struct reg_table reg_table;

/* Limits on the expiry a contact asks for, in seconds. A request below
 * min_expires (other than 0) gets 423 with Min-Expires; above max_expires
 * it is capped; without an expiry default_expires applies. max_contacts
 * (0: no limit) caps the bindings of one address-of-record. */
struct reg_conf {
	unsigned min_expires, default_expires, max_expires;
	unsigned max_contacts;
};
extern struct reg_conf reg_conf;

/* The table called name; with create, made on first use. Only the table
 * named "location" is written to the database. */
reg_table *reg_table_get(sip_str name, bool create);
/* Free every table (bindings included). */
void reg_tables_destroy(void);
/* Bindings in a table (expired ones not yet swept included). */
unsigned long reg_table_count(reg_table *t);
/* Addresses-of-record in a table. */
unsigned long reg_table_aors(reg_table *t);
/* Call fn for each address-of-record of t under t's shared lock: fn must
 * not change t, call into the registrar, wait or send (the control
 * listing formats into its buffer). */
void reg_table_foreach(reg_table *t, void (*fn)(const reg_aor *a, void *arg), void *arg);

/* One write-through: a change to the bindings of an address-of-record
 * in the "location" table makes its database rows what memory holds
 * after the change (delete them, insert the bindings, in one
 * transaction), and the sweep deletes the expired rows. reg_set_db() and
 * reg_set_writer() only choose where that job runs.
 *
 * Synchronous target: d (may be NULL: memory only). Without a writer the
 * job runs on d on the caller's thread, the reply waits for it, and a
 * REGISTER whose write fails changes nothing (500, or 503 when the
 * database is down). */
void reg_set_db(db *d);

/* Asynchronous write-through, used instead of reg_set_db's when set: a
 * REGISTER changes memory and queues the job on the database worker; with
 * reg_save_wait it is answered once the job ended (200 when stored, else
 * the change is undone), with reg_save at once. Jobs run in the order they
 * were queued (one worker), so the
 * rows of an address-of-record follow its changes in order. When ready()
 * says no (database down, queue full) the REGISTER gets 503 and nothing
 * changes. A write that fails later marks the address-of-record, and it
 * is written again from memory once the database takes jobs again (and in
 * any case at its next REGISTER). NULL: back to reg_set_db's mode. */
struct reg_writer {
	bool (*ready)(void);
	int (*submit)(db_job_run run, db_job_done done, void *arg);
};
void reg_set_writer(const struct reg_writer *w);
/* Addresses-of-record waiting to be written again. */
unsigned reg_dirty_count(void);

/* Proxies sharing the location (cluster.store of proxy/modules.h): where
 * the writer set with reg_set_writer() keeps the bindings.
 *
 *   REG_SHARE_NONE   the database's location table, for this proxy alone
 *   REG_SHARE_SQL    the location table of a SQL store; with notify, each
 *                    write also runs pg_notify(REG_SHARE_CHANNEL_SQL, aor)
 *                    in its transaction (PostgreSQL)
 *   REG_SHARE_REDIS  Redis: a hash per address-of-record,
 *                    REG_REDIS_PREFIX + aor, one field per binding (its
 *                    Contact URI; the value reg_redis_encode's), expiring
 *                    with its last binding plus REG_REDIS_MARGIN_S; a
 *                    sorted set REG_REDIS_INDEX of the addresses-of-record
 *                    (score: when their hash expires) for the full load;
 *                    PUBLISH REG_SHARE_CHANNEL_REDIS aor; one script, so
 *                    a write is atomic.
 *
 * node is this proxy's name (cluster.node), stored with the bindings it
 * makes: the NAT keep-alive (reg_foreach) walks only those, and only
 * their expiry raises REG_EXPIRED, so each event is raised once among
 * the proxies. Before reg_set_writer(); node is copied. */
enum reg_share { REG_SHARE_NONE, REG_SHARE_SQL, REG_SHARE_REDIS };
#define REG_SHARE_CHANNEL_SQL   "sipcc_location"
#define REG_SHARE_CHANNEL_REDIS "sipcc:location"
#define REG_REDIS_PREFIX        "sipcc:loc:"
#define REG_REDIS_INDEX         "sipcc:loc:index"
#define REG_REDIS_MARGIN_S      60
#define REG_REDIS_EPOCH         "sipcc:loc:epoch"
void reg_set_share(enum reg_share how, bool notify, const char *node);
/* Whether binding c was made through this proxy (always, without
 * sharing). */
bool reg_contact_mine(const reg_contact *c);

/* Read the bindings of the n addresses-of-record aors (NULL: all of
 * them) from the store through the writer, and make memory hold what the
 * store holds for them: their bindings replaced, an address-of-record the
 * store does not have dropped (with aors NULL, every one memory has).
 * Nothing is written back and no change is raised (the proxy that made it
 * raised it). An address-of-record whose write failed here and waits to
 * be retried keeps its bindings. done(n, arg), when not NULL, runs on the
 * loop once memory is changed: the bindings read, or a negative status.
 * SIP_OK when queued; SIP_ESTATE without a ready writer. */
int reg_sync_async(const sip_str *aors, unsigned n, int64_t now,
		   void (*done)(long n, void *arg), void *arg);
/* Redis: whether the store still holds the location (a mark,
 * REG_REDIS_EPOCH, set by the first proxy that used it, is there). A
 * Redis that restarted without its data (no persistence) lost every
 * binding: then every address-of-record memory holds is written back,
 * queued before whatever is queued after done runs, so the proxies'
 * registrations survive it (the first proxy to find the mark missing
 * writes what it has; a change another proxy made in the store since
 * then may be overwritten by this copy). done(r, arg) on the loop: 1
 * when the mark was missing, 0 when it was there, or a negative status.
 * SIP_OK when queued, SIP_DECLINED for a SQL store (nothing to check),
 * SIP_ESTATE without a ready writer. */
int reg_store_check_async(void (*done)(long r, void *arg), void *arg);
/* Load the unexpired rows of the location table into the "location"
 * table, replacing nothing already in memory. Returns the number of
 * bindings loaded or a negative status. */
long reg_load(db *d, int64_t now);
/* The same on the database worker (through the writer set with
 * reg_set_writer): done(n, arg) runs on the loop once the bindings are
 * in memory, n as reg_load returns it. SIP_OK when queued; SIP_ESTATE
 * without a ready worker (use reg_load), or why it could not be queued. */
int reg_load_async(int64_t now, void (*done)(long n, void *arg), void *arg);

/* What happened to a binding, for whoever listens (reg_fn.c raises the
 * policy's events with it): a new one, one registered again (its new
 * state), one removed by a REGISTER or unregister(), one expired. The
 * core of the registrar links without the proxy, so it only calls this
 * hook; NULL: nobody listens. c is valid during the call only. */
enum reg_change { REG_INSERTED, REG_REFRESHED, REG_DELETED, REG_EXPIRED };
extern void (*reg_on_change)(enum reg_change what, sip_str aor, const reg_contact *c,
			     int64_t now);
/* Field i of binding c. */
static inline sip_str reg_field(const reg_contact *c, enum reg_field f)
{
	if (f == REG_UA && c->ua)
		return sip_str_make(c->ua, c->len[REG_UA]);
	size_t off = 0;
	for (int i = 0; i < (int)f; i++)
		off += i == REG_UA && c->ua ? 0 : c->len[i];
	return sip_str_make(c->data + off, c->len[f]);
}

/* The +sip.instance of binding c, quotes removed ("<urn:uuid:...>"),
 * empty when it has none. */
sip_str reg_instance(const reg_contact *c);
/* The reg-id of binding c, 0 when it has none (or no instance: RFC 5626
 * §6 ignores a reg-id without +sip.instance). */
uint32_t reg_reg_id(const reg_contact *c);

/* The canonical address-of-record of uri ("user@host", host lowercased)
 * into a. Empty when uri is not a SIP URI with a host. */
sip_str reg_aor_of(sip_arena *a, sip_str uri);

/* Copies in a of the bindings of aor still valid at now, best first
 * (linked by next); NULL when none (or out of memory for the first). */
const reg_contact *reg_lookup(reg_table *t, sip_str aor, int64_t now, sip_arena *a);
/* Bytes of binding c (struct and strings), what a copy takes. */
size_t reg_contact_size(const reg_contact *c);

/* What a lookup of aor at now for a request of method finds, as lookup()
 * returns it (registrar.sipi, lookup_result): REG_FOUND when a binding
 * can take the request; REG_NOT_FOUND when aor has no binding at all;
 * REG_NO_METHOD when every binding still valid was registered with an
 * RFC 3840 methods parameter that does not list method; REG_ALL_EXPIRED when
 * aor has bindings but every one has expired (the sweep has not removed
 * them yet). */
enum reg_find { REG_FOUND = 1, REG_NOT_FOUND = -1, REG_NO_METHOD = -2, REG_ALL_EXPIRED = -3 };
enum reg_find reg_lookup_status(reg_table *t, sip_str aor, int64_t now, sip_str method);
/* Whether binding c takes a request of method: true unless its Contact
 * had a methods parameter (RFC 3840 §9: methods="INVITE,BYE") without it.
 * ACK and CANCEL always go. */
bool reg_contact_allows(const reg_contact *c, sip_str method);

/* What a REGISTER gets: a status, its reason and the extra header lines of
 * the reply (Contact for each binding, Min-Expires, Path), in the arena. */
struct reg_result {
	int code;
	const char *reason;
	sip_str hdrs;
	bool pending;               /* reg_save_wait: the 200 waits for its write */
};

/* Process REGISTER req against t as RFC 3261 §10.3 steps 5-8 say, all or
 * nothing: the bindings change (memory and database) only when the result
 * is 200. A Contact with a +sip.instance (RFC 5626 §6) replaces the
 * binding of the address-of-record with the same instance and reg-id (0
 * when absent) even when its URI differs: a client that comes back on a
 * new connection or port leaves no stale binding behind. received is the source the request came from ("sip:IP:PORT"),
 * kept for NAT traversal; flags (the policy's branch flags) are stored with
 * every contact the request adds or updates. Results: 200, 400 (malformed Contact or Expires,
 * "*" with other contacts or a nonzero expiry), 423, 500 (a Call-ID/CSeq
 * out of order), 503 (database down: the reply needs Retry-After), 403
 * (more contacts than max_contacts). */
void reg_save(reg_table *t, sip_msg *req, sip_str received, uint32_t flags, int64_t now,
	      sip_arena *a, struct reg_result *out);
/* The same, written through before it is answered: when the change goes
 * to the database worker, out is the 200 to send once it is stored,
 * out->pending is set and done(status, arg) runs later on the caller's
 * loop: SIP_OK when the bindings are stored, else a database status
 * (SIP_EDBDOWN: answer 503), the change undone in memory. Without a
 * worker (the write ran at once) or done NULL, reg_save's. */
void reg_save_wait(reg_table *t, sip_msg *req, sip_str received, uint32_t flags, int64_t now,
		   sip_arena *a, struct reg_result *out, void (*done)(int status, void *arg),
		   void *arg);

/* Call fn for every binding of t (NULL: none) made through this proxy
 * (reg_contact_mine) that has not expired at now: on copies, after t's
 * lock is released, so fn may send (the NAT keep-alive). */
void reg_foreach(reg_table *t, int64_t now, void (*fn)(const reg_contact *c, void *arg), void *arg);

/* What the registrar module publishes to other modules
 * (proxy_module_api("registrar"), proxy/module.h): the NAT keep-alive walks
 * the bindings without linking the registrar into policies that do not
 * use it. */
struct reg_api {
	reg_table *(*table_get)(sip_str name, bool create);
	void (*foreach)(reg_table *t, int64_t now,
			void (*fn)(const reg_contact *c, void *arg), void *arg);
};

/* Remove every binding of aor (memory and database). SIP_OK, or a
 * database status; memory is cleared only when the database agreed. */
int reg_remove_aor(reg_table *t, sip_str aor);

/* Drop the bindings expired at now from memory and the database, and
 * (asynchronous write-through) queue the writes that failed again. Returns
 * how many were removed from memory. */
unsigned long reg_sweep(reg_table *t, int64_t now);

/* Run reg_sweep on every table once a second on wheel w. */
void reg_timer_start(sip_timer_wheel *w);
void reg_timer_stop(void);

#endif
