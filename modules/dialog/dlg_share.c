/* Dialogs and profiles several proxies share through the cluster's store
 * (cluster.store = "redis://...", proxy/modules.h). Without a store, or
 * with a store that is not Redis, nothing here runs and the dialog
 * module keeps everything to itself as before.
 *
 * Profiles. Each profile (and value) is a sorted set in the store,
 * "sipcc:prof:NAME" or "sipcc:prof:NAME:VALUE", whose members are the
 * Call-IDs of the dialogs in it, scored by when the membership expires
 * (the store's clock, in ms). set_dlg_profile_max() runs one script that
 * drops the expired members, counts, and adds the dialog below the limit:
 * the limit holds for the calls of every proxy. The owner of a dialog
 * moves the expiry every third of dialog.cluster_ttl (a whole one ahead),
 * so the calls of a proxy that died stop counting within cluster_ttl
 * unless another proxy takes them over. A dialog's memberships are also
 * counted locally (profile.h), for is_in_profile() and the control
 * socket; get_profile_size() counts this proxy's dialogs only.
 *
 * Dialogs. A confirmed dialog is written as a hash "sipcc:dlg:CALLID"
 * (its tags, URIs, the two legs, start, lifetime, accounting marks, its
 * variables and profiles: dlg_image.h), with owner = cluster.node, again
 * when it changes (a re-INVITE's Contact, a variable, a profile), and
 * expires with its lifetime. dlg_restore() on another proxy reads it for
 * an in-dialog request it does not know, takes the ownership in the same
 * script and makes the dialog its own (dlg_adopt). When a dialog ends,
 * one script deletes the hash if this proxy still owns it: only then
 * does this proxy drop the dialog's memberships and write its CDR
 * (dlg_share_end_claim, called by acc), so a call is closed once however
 * many proxies saw it.
 *
 * Workers: everything a dialog's sharing keeps (struct shr) lives on the
 * dialog's worker, in a table of that worker; the store's jobs complete
 * on the worker that submitted them (proxy_store_submit). The scripts
 * run on the store's worker thread and touch only their job. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/hash.h"
#include "core/htable.h"
#include "core/log.h"
#include "core/status.h"
#include "core/worker.h"
#include "dialog/dialog.h"
#include "dialog/dlg_image.h"
#include "dialog/dlg_mod.h"
#include "dialog/profile.h"
#include "proxy/host.h"
#include "proxy/worker.h"

#define DLG_SHARE_TTL_S   60         /* a membership lasts this long unrenewed */
#define DLG_SHARE_KEEP_S  3600u      /* a record outlives the dialog's lifetime so much */
#define DLG_SHARE_WRITE_MS 10u       /* a change is written after the message */

/* Set in init, read-only after. */
static struct {
	bool on;
	const char *node;
	uint32_t ttl_ms;             /* dialog.cluster_ttl */
	uint32_t beat_ms;            /* the owner renews a third of it */
} S;

/* One profile key of a dialog: "sipcc:prof:NAME[:VALUE]", with the
 * membership it stands for. */
struct shr_key {
	struct shr_key *next;
	unsigned idx;
	sip_str value;               /* into text */
	sip_str key;                 /* into text */
	char text[];
};

/* Who waits to know whether this proxy closes a dialog (its CDR). */
struct claim_waiter {
	struct claim_waiter *next;
	void (*fn)(bool mine, void *arg);
	void *arg;
};
/* What sharing keeps of a dialog of this worker. */
struct shr {
	sip_hlink hlink;             /* in the worker's table, by dialog id */
	uint64_t id;                 /* the dialog's */
	dlg *d;                      /* valid while dlg_valid(d, id) */
	char *callid;                /* NUL-terminated copy */
	struct shr_key *keys;
	bool stored;                 /* the store took its record once */
	bool ending;                 /* its end job is out */
	bool dirty;                  /* a change waits for t_write */
	bool writing;                /* a write job is out */
	bool shutdown;               /* ended by the proxy's stop: left in the store */
	sip_timer t_write;
	struct claim_waiter *waiters;
};

static SIP_PER_WORKER struct {
	sip_htable table;
	sip_timer_wheel *w;
	sip_timer beat;
	/* The result a resumed policy function waited for. */
	struct prof_job *prof_resuming;
	struct adopt_job *adopt_resuming;
	/* The message whose last profile call failed because the store is
	 * down ($DLG_store_down). */
	struct sip_ctx *down_ctx;
} W;

/* A store that does not answer fails every call that needs it: the first
 * failure and every 1000th are logged, until it is back. */
static _Atomic unsigned long share_failed;

static void share_down(const char *what, const char *key, int rc)
{
	unsigned long n = atomic_fetch_add(&share_failed, 1) + 1;
	if (n == 1 || n % 1000 == 0)
		LOG_WARN("dialog: %s %s: the store is not usable: %s (%lu such failures so far)",
			 what, key, sip_strerror(rc), n);
}

bool dlg_share_on(void)
{
	return S.on;
}

static bool shr_eq(const sip_hlink *l, const void *key)
{
	return SIP_HTABLE_ENTRY(l, struct shr, hlink)->id == *(const uint64_t *)key;
}

static uint32_t shr_hash(uint64_t id)
{
	return sip_hash_bytes(&id, sizeof id);
}

static struct shr *shr_find(uint64_t id)
{
	if (!sip_htable_ready(&W.table))
		return NULL;
	sip_hlink *l = sip_htable_find(&W.table, shr_hash(id), shr_eq, &id);
	return l ? SIP_HTABLE_ENTRY(l, struct shr, hlink) : NULL;
}

static void shr_write_timer(sip_timer *t, void *arg);

/* d's record, made when there is none. */
static struct shr *shr_get(dlg *d)
{
	struct shr *r = shr_find(d->id);
	if (r)
		return r;
	if (!sip_htable_ready(&W.table) && sip_htable_init(&W.table, 8) != SIP_OK)
		return NULL;
	r = sip_mem_calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->callid = sip_mem_alloc(d->callid.len + 1);
	if (!r->callid) {
		sip_mem_free(r);
		return NULL;
	}
	memcpy(r->callid, d->callid.s, d->callid.len);
	r->callid[d->callid.len] = '\0';
	r->id = d->id;
	r->d = d;
	sip_timer_init(&r->t_write, shr_write_timer, r);
	sip_htable_insert(&W.table, &r->hlink, shr_hash(r->id));
	return r;
}

static void shr_free(struct shr *r)
{
	sip_htable_remove(&W.table, &r->hlink);
	if (W.w)
		sip_timer_cancel(W.w, &r->t_write);
	while (r->keys) {
		struct shr_key *k = r->keys;
		r->keys = k->next;
		sip_mem_free(k);
	}
	sip_mem_free(r->callid);
	sip_mem_free(r);
}

/* "sipcc:prof:NAME" or "sipcc:prof:NAME:VALUE" with the membership. */
static struct shr_key *shr_key_new(unsigned idx, sip_str v)
{
	const char *name = dlg_profile_name(idx);
	if (!name)
		return NULL;
	bool has_value = dlg_profile_has_value(idx);
	size_t n = strlen(name);
	struct shr_key *k = sip_mem_alloc(sizeof *k + 2 * v.len + n + 16);
	if (!k)
		return NULL;
	k->next = NULL;
	k->idx = idx;
	char *p = k->text;
	if (v.len)
		memcpy(p, v.s, v.len);
	k->value = sip_str_make(p, has_value ? v.len : 0);
	p += v.len;
	int len = sprintf(p, "sipcc:prof:%s%s", name, has_value ? ":" : "");
	if (has_value && v.len)
		memcpy(p + len, v.s, v.len);
	k->key = sip_str_make(p, (size_t)len + (has_value ? v.len : 0));
	p[k->key.len] = '\0';
	return k;
}

/* ---- the scripts (run on the store's worker) ----
 *
 * Redis's clock (TIME), not the proxies', scores the memberships: the
 * proxies' clocks may differ. */

/* Bind v[0..n) as parameters 1..n. */
static int bind_texts(db_stmt *st, const sip_str *v, int n)
{
	int rc = SIP_OK;
	for (int i = 0; i < n && rc == SIP_OK; i++)
		rc = db_bind_text(st, i + 1, v[i]);
	return rc;
}

#define LUA_NOW "local t=redis.call(\"TIME\") local now=t[1]*1000+math.floor(t[2]/1000) "

/* KEYS[1] the profile, ARGV member, limit (-1: none), ttl ms. 1 when the
 * dialog is in it (now or already), 0 when it is full. */
static int run_prof_add(db *d, sip_str key, sip_str member, int64_t max, int64_t *out)
{
	db_stmt *st;
	int rc = db_prepare(d, "EVAL '" LUA_NOW
			    "redis.call(\"ZREMRANGEBYSCORE\",KEYS[1],\"-inf\",now) "
			    "local ttl=tonumber(ARGV[3]) "
			    "if not redis.call(\"ZSCORE\",KEYS[1],ARGV[1]) then "
			    "local max=tonumber(ARGV[2]) "
			    "if max>=0 and redis.call(\"ZCARD\",KEYS[1])>=max then "
			    "return 0 end end "
			    "redis.call(\"ZADD\",KEYS[1],now+ttl,ARGV[1]) "
			    "redis.call(\"PEXPIRE\",KEYS[1],ttl) return 1' 1 $1 $2 $3 $4", &st);
	if (rc != SIP_OK)
		return rc;
	sip_str v[2] = { key, member };
	if ((rc = bind_texts(st, v, 2)) == SIP_OK && (rc = db_bind_int(st, 3, max)) == SIP_OK &&
	    (rc = db_bind_int(st, 4, S.ttl_ms)) == SIP_OK) {
		rc = db_step(st);
		if (rc == DB_ROW) {
			*out = db_column_int(st, 0);
			rc = SIP_OK;
		} else if (rc == SIP_OK) {
			rc = SIP_EDB;
		}
	}
	db_finalize(st);
	return rc;
}

static int run_prof_rem(db *d, sip_str key, sip_str member)
{
	db_stmt *st;
	int rc = db_prepare(d, "ZREM $1 $2", &st);
	if (rc != SIP_OK)
		return rc;
	sip_str v[2] = { key, member };
	if ((rc = bind_texts(st, v, 2)) == SIP_OK) {
		while ((rc = db_step(st)) == DB_ROW)
			;
	}
	db_finalize(st);
	return rc;
}

/* Renew a membership, or put it back (a store that restarted empty). */
static int run_prof_renew(db *d, sip_str key, sip_str member)
{
	db_stmt *st;
	int rc = db_prepare(d, "EVAL '" LUA_NOW
			    "local ttl=tonumber(ARGV[2]) "
			    "redis.call(\"ZADD\",KEYS[1],now+ttl,ARGV[1]) "
			    "redis.call(\"PEXPIRE\",KEYS[1],ttl) return 1' 1 $1 $2 $3", &st);
	if (rc != SIP_OK)
		return rc;
	sip_str v[2] = { key, member };
	if ((rc = bind_texts(st, v, 2)) == SIP_OK &&
	    (rc = db_bind_int(st, 3, S.ttl_ms)) == SIP_OK) {
		while ((rc = db_step(st)) == DB_ROW)
			;
	}
	db_finalize(st);
	return rc;
}

/* ---- profiles: set_dlg_profile(_max) ---- */

struct prof_job {
	struct sip_ctx *ctx;         /* waits for it */
	uint64_t dlg_id;
	unsigned idx;
	int64_t max;
	int status;
	int64_t admitted;
	bool taken;                  /* the resumed function read the answer */
	struct shr_key *k;           /* the membership; taken by the dialog's record */
	sip_str member;              /* into the job */
	char mem[];
};

static int prof_job_run(db *d, void *arg)
{
	struct prof_job *j = arg;
	return run_prof_add(d, j->k->key, j->member, j->max, &j->admitted);
}

static void prof_forget(struct shr_key *k, sip_str member);

static void prof_job_done(int status, void *arg)
{
	struct prof_job *j = arg;
	j->status = status;
	if (!proxy_db_stopping()) {
		W.prof_resuming = j;
		proxy_resume(j->ctx);
		W.prof_resuming = NULL;
	}
	/* Admitted for a dialog that ended while it waited (the route did not
	 * ask again): the store forgets it. */
	if (!j->taken && status == SIP_OK && j->admitted && j->k && !proxy_db_stopping()) {
		prof_forget(j->k, j->member);
		j->k = NULL;
	}
	sip_mem_free(j->k);
	sip_mem_free(j);
}

/* A membership the store took for a dialog that ended meanwhile. */
struct rem_job {
	struct shr_key *k;
	sip_str member;
	char mem[];
};

static int rem_job_run(db *d, void *arg)
{
	struct rem_job *j = arg;
	return run_prof_rem(d, j->k->key, j->member);
}

static void rem_job_done(int status, void *arg)
{
	struct rem_job *j = arg;
	if (status != SIP_OK)
		LOG_WARN("dialog: cannot take a dialog out of profile %s in the store: %s "
			 "(it expires there)", j->k->key.s, sip_strerror(status));
	sip_mem_free(j->k);
	sip_mem_free(j);
}

static void prof_forget(struct shr_key *k, sip_str member)
{
	struct rem_job *j = sip_mem_alloc(sizeof *j + member.len + 1);
	if (!j) {
		sip_mem_free(k);
		return;
	}
	memcpy(j->mem, member.s, member.len);
	j->mem[member.len] = '\0';
	j->member = sip_str_make(j->mem, member.len);
	j->k = k;
	if (proxy_store_submit(rem_job_run, rem_job_done, j) != SIP_OK)
		rem_job_done(SIP_EDBDOWN, j);
}

static void shr_dirty(dlg *d);

int dlg_share_profile_add(struct sip_ctx *ctx, dlg *d, unsigned idx, sip_str v, int64_t max)
{
	struct prof_job *j = W.prof_resuming;
	if (j && j->ctx == ctx && j->idx == idx) {
		W.prof_resuming = NULL;
		j->taken = true;
		if (j->status != SIP_OK) {
			share_down("profile", j->k->key.s, j->status);
			W.down_ctx = ctx;
			return 0;
		}
		W.down_ctx = NULL;
		if (!j->admitted)
			return 0;
		bool live = dlg_valid(d, j->dlg_id) && d->state != DLG_ENDED;
		struct shr *r = live ? shr_get(d) : NULL;
		if (!r || dlg_profile_add(d, idx, j->k->value) != SIP_OK) {
			prof_forget(j->k, j->member);
			j->k = NULL;
			return 0;
		}
		bool have = false;
		for (struct shr_key *o = r->keys; o && !have; o = o->next)
			have = sip_str_eq(o->key, j->k->key);
		if (!have) {
			j->k->next = r->keys;
			r->keys = j->k;
			j->k = NULL;
		}
		shr_dirty(d);
		return 1;
	}
	struct shr_key *k = shr_key_new(idx, v);
	if (!k)
		return 0;
	j = sip_mem_alloc(sizeof *j + d->callid.len + 1);
	if (!j) {
		sip_mem_free(k);
		return 0;
	}
	memset(j, 0, sizeof *j);
	memcpy(j->mem, d->callid.s, d->callid.len);
	j->mem[d->callid.len] = '\0';
	j->member = sip_str_make(j->mem, d->callid.len);
	j->ctx = ctx;
	j->dlg_id = d->id;
	j->idx = idx;
	j->max = max;
	j->k = k;
	int rc = proxy_wait(ctx);
	if (rc == SIP_ESTATE) {
		LOG_WARN("dialog: %s: a profile shared through the store cannot be set in a route "
			 "that cannot wait (a branch route); not set", k->key.s);
	} else if (rc == SIP_OK) {
		rc = proxy_store_submit(prof_job_run, prof_job_done, j);
		if (rc == SIP_OK)
			return 0;        /* the route goes on when the store answered */
		proxy_wait_cancel(ctx);
		share_down("profile", k->key.s, rc);
		W.down_ctx = ctx;
	} else {
		W.down_ctx = ctx;
	}
	sip_mem_free(k);
	sip_mem_free(j);
	return 0;
}

bool dlg_share_store_down(struct sip_ctx *ctx)
{
	return S.on && W.down_ctx == ctx;
}

void dlg_share_request(struct sip_ctx *ctx)
{
	if (W.down_ctx == ctx)
		W.down_ctx = NULL;
}

void dlg_share_profile_remove(dlg *d, unsigned idx, sip_str v, bool any_value)
{
	struct shr *r = shr_find(d->id);
	if (!r)
		return;
	for (struct shr_key **kp = &r->keys; *kp;) {
		struct shr_key *k = *kp;
		if (k->idx != idx || (!any_value && !sip_str_eq(k->value, v))) {
			kp = &k->next;
			continue;
		}
		*kp = k->next;
		prof_forget(k, d->callid);
	}
	shr_dirty(d);
}

/* ---- the dialog's record ---- */

/* The fields of a record, in the order the scripts take and give them. */
enum {
	F_OWNER, F_FTAG, F_TTAG, F_CALLER_URI, F_CALLEE_URI, F_CALLER_FROM, F_CALLEE_TO,
	F_C_TARGET, F_C_ROUTES, F_C_HOP, F_C_CSEQ, F_E_TARGET, F_E_ROUTES, F_E_HOP, F_E_CSEQ,
	F_START, F_TIMEOUT, F_FLAGS, F_GW, F_ITEMS, F_RRUP, F_COUNT
};
#define LUA_FIELDS "\"owner\",\"ftag\",\"ttag\",\"caller_uri\",\"callee_uri\",\"caller_from\"," \
	"\"callee_to\",\"c_target\",\"c_routes\",\"c_hop\",\"c_cseq\",\"e_target\",\"e_routes\"," \
	"\"e_hop\",\"e_cseq\",\"start\",\"timeout\",\"flags\",\"gw\",\"items\",\"rrup\""

struct write_job {
	uint64_t dlg_id;
	sip_str key;                 /* sipcc:dlg:CALLID */
	int64_t ttl_s;
	sip_str f[F_COUNT];
	int64_t written;             /* 1: ours and written; 0: another proxy owns it */
	char *blob;
};

static int write_job_run(db *d, void *arg)
{
	struct write_job *j = arg;
	db_stmt *st;
	int rc = db_prepare(d, "EVAL 'local o=redis.call(\"HGET\",KEYS[1],\"owner\") "
			    "if o and o~=ARGV[2] then return 0 end "
			    "local f={" LUA_FIELDS "} "
			    "for i=1,#f do redis.call(\"HSET\",KEYS[1],f[i],ARGV[i+1]) end "
			    "redis.call(\"EXPIRE\",KEYS[1],ARGV[1]) return 1' "
			    "1 $1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11 $12 $13 $14 $15 $16 $17 $18 "
			    "$19 $20 $21 $22 $23", &st);
	if (rc != SIP_OK)
		return rc;
	rc = db_bind_text(st, 1, j->key);
	if (rc == SIP_OK)
		rc = db_bind_int(st, 2, j->ttl_s);
	for (int i = 0; rc == SIP_OK && i < F_COUNT; i++)
		rc = db_bind_text(st, 3 + i, j->f[i]);
	if (rc == SIP_OK) {
		rc = db_step(st);
		if (rc == DB_ROW) {
			j->written = db_column_int(st, 0);
			rc = SIP_OK;
		} else if (rc == SIP_OK) {
			rc = SIP_EDB;
		}
	}
	db_finalize(st);
	return rc;
}

static void write_job_free(struct write_job *j)
{
	sip_mem_free(j->blob);
	sip_mem_free(j);
}

static void shr_write(struct shr *r);

static void write_job_done(int status, void *arg)
{
	struct write_job *j = arg;
	struct shr *r = shr_find(j->dlg_id);
	if (r) {
		r->writing = false;
		if (status == SIP_OK && j->written)
			r->stored = true;
		else if (status == SIP_OK)
			LOG_INFO("dialog: Call-ID %s is another proxy's now; not written",
				 r->callid);
		else
			LOG_WARN("dialog: cannot write dialog %s to the store: %s", r->callid,
				 sip_strerror(status));
		if (r->dirty && !r->ending && !proxy_db_stopping() && W.w)
			sip_timer_add(W.w, &r->t_write, DLG_SHARE_WRITE_MS);
	}
	write_job_free(j);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The record of d: its fields as text in one block. */
static struct write_job *write_job_new(dlg *d)
{
	struct dlg_img_buf items = { 0 };
	for (const struct dlg_varn *n = d->vars; n; n = n->next) {
		if (!n->v.set)
			continue;
		if (n->v.sval.s)
			dlg_img_put(&items, DLG_IMG_STR, n->idx, 0, n->v.sval);
		else
			dlg_img_put(&items, DLG_IMG_INT, n->idx, n->v.ival, SIP_STR_NULL);
	}
	for (const struct dlg_pmember *m = d->profiles; m; m = m->next)
		dlg_img_put(&items, DLG_IMG_PROFILE, m->idx, 0, dlg_pmember_value(m));
	if (items.failed) {
		dlg_img_free(&items);
		return NULL;
	}
	uint64_t now = dlg_wheel(d)->now_ms;
	uint64_t ago = now > d->confirmed_ms ? now - d->confirmed_ms : 0;
	char nums[6][24];
	snprintf(nums[0], sizeof nums[0], "%u", d->leg[DLG_CALLER].cseq);
	snprintf(nums[1], sizeof nums[1], "%u", d->leg[DLG_CALLEE].cseq);
	snprintf(nums[2], sizeof nums[2], "%lld", (long long)(wall_ms() - (int64_t)ago));
	snprintf(nums[3], sizeof nums[3], "%u", d->timeout_s);
	snprintf(nums[4], sizeof nums[4], "%u", d->user_flags);
	snprintf(nums[5], sizeof nums[5], "%lld", (long long)d->gw_id);
	char rrup[16];
	snprintf(rrup, sizeof rrup, "%u", d->rr_upstream);
	sip_str node = sip_str_make(S.node, strlen(S.node));
	sip_str v[F_COUNT] = {
		[F_OWNER] = node, [F_FTAG] = d->caller_tag, [F_TTAG] = d->callee_tag,
		[F_CALLER_URI] = d->caller_uri, [F_CALLEE_URI] = d->callee_uri,
		[F_CALLER_FROM] = d->caller_from, [F_CALLEE_TO] = d->callee_to,
		[F_C_TARGET] = d->leg[DLG_CALLER].target, [F_C_ROUTES] = d->leg[DLG_CALLER].routes,
		[F_C_HOP] = d->leg[DLG_CALLER].next_hop,
		[F_C_CSEQ] = sip_str_make(nums[0], strlen(nums[0])),
		[F_E_TARGET] = d->leg[DLG_CALLEE].target, [F_E_ROUTES] = d->leg[DLG_CALLEE].routes,
		[F_E_HOP] = d->leg[DLG_CALLEE].next_hop,
		[F_E_CSEQ] = sip_str_make(nums[1], strlen(nums[1])),
		[F_START] = sip_str_make(nums[2], strlen(nums[2])),
		[F_TIMEOUT] = sip_str_make(nums[3], strlen(nums[3])),
		[F_FLAGS] = sip_str_make(nums[4], strlen(nums[4])),
		[F_GW] = sip_str_make(nums[5], strlen(nums[5])),
		[F_ITEMS] = dlg_img_text(&items),
		[F_RRUP] = sip_str_make(rrup, strlen(rrup)),
	};
	size_t total = d->callid.len + 16;
	for (int i = 0; i < F_COUNT; i++)
		total += v[i].len + 1;
	struct write_job *j = sip_mem_calloc(1, sizeof *j);
	char *b = j ? sip_mem_alloc(total) : NULL;
	if (!b) {
		sip_mem_free(j);
		dlg_img_free(&items);
		return NULL;
	}
	j->blob = b;
	int n = sprintf(b, "sipcc:dlg:");
	memcpy(b + n, d->callid.s, d->callid.len);
	j->key = sip_str_make(b, (size_t)n + d->callid.len);
	b += j->key.len;
	*b++ = '\0';
	for (int i = 0; i < F_COUNT; i++) {
		if (v[i].len)
			memcpy(b, v[i].s, v[i].len);
		j->f[i] = sip_str_make(b, v[i].len);
		b += v[i].len;
		*b++ = '\0';
	}
	dlg_img_free(&items);
	uint64_t life = d->timeout_s > ago / 1000 ? d->timeout_s - ago / 1000 : 1;
	j->ttl_s = (int64_t)(life + DLG_SHARE_KEEP_S);
	j->dlg_id = d->id;
	return j;
}

static void shr_write(struct shr *r)
{
	dlg *d = r->d;
	if (r->ending || r->writing || !dlg_valid(d, r->id) || d->state != DLG_CONFIRMED)
		return;
	struct write_job *j = write_job_new(d);
	if (!j) {
		LOG_WARN("dialog: no memory to write dialog %s to the store", r->callid);
		return;
	}
	r->dirty = false;
	int rc = proxy_store_submit(write_job_run, write_job_done, j);
	if (rc != SIP_OK) {
		share_down("cannot write dialog", r->callid, rc);
		write_job_free(j);
		return;
	}
	r->writing = true;
}

static void shr_write_timer(sip_timer *t, void *arg)
{
	(void)t;
	shr_write(arg);
}

/* d changed: its record is written once the message is done (a timer, so
 * that the rest of the message's changes, the accounting marks of its
 * final reply, go with it). */
static void shr_dirty(dlg *d)
{
	if (!S.on || d->state != DLG_CONFIRMED || !W.w)
		return;
	struct shr *r = shr_get(d);
	if (!r)
		return;
	r->dirty = true;
	if (!r->writing && !sip_timer_armed(&r->t_write))
		sip_timer_add(W.w, &r->t_write, DLG_SHARE_WRITE_MS);
}

void dlg_share_changed(dlg *d)
{
	if (S.on && shr_find(d->id))
		shr_dirty(d);
}

static void share_on_start(dlg *d, void *arg)
{
	(void)arg;
	shr_dirty(d);
}

/* ---- the end: claim the record, drop the memberships ---- */

struct end_job {
	uint64_t dlg_id;
	sip_str key, node, member;
	struct shr_key *keys;        /* the memberships, to drop when mine */
	int64_t result;              /* 1: ours (deleted), 0: another's, 2: no record */
	char mem[];
};

static int end_job_run(db *d, void *arg)
{
	struct end_job *j = arg;
	db_stmt *st;
	int rc = db_prepare(d, "EVAL 'local o=redis.call(\"HGET\",KEYS[1],\"owner\") "
			    "if not o then return 2 end if o~=ARGV[1] then return 0 end "
			    "redis.call(\"DEL\",KEYS[1]) return 1' 1 $1 $2", &st);
	if (rc != SIP_OK)
		return rc;
	sip_str v[2] = { j->key, j->node };
	if ((rc = bind_texts(st, v, 2)) == SIP_OK) {
		rc = db_step(st);
		if (rc == DB_ROW) {
			j->result = db_column_int(st, 0);
			rc = SIP_OK;
		} else if (rc == SIP_OK) {
			rc = SIP_EDB;
		}
	}
	db_finalize(st);
	if (rc != SIP_OK || j->result == 0)
		return rc;
	for (struct shr_key *k = j->keys; k && rc == SIP_OK; k = k->next)
		rc = run_prof_rem(d, k->key, j->member);
	return rc;
}

static void end_job_done(int status, void *arg)
{
	struct end_job *j = arg;
	struct shr *r = shr_find(j->dlg_id);
	/* Down: whoever closes the call cannot tell; this proxy had it, so it
	 * writes what it has (a CDR lost is worse than one a store outage
	 * may double). */
	bool mine = status != SIP_OK || j->result == 1;
	if (status != SIP_OK)
		LOG_WARN("dialog: cannot close dialog %s in the store: %s", j->member.s,
			 sip_strerror(status));
	else if (j->result == 0)
		LOG_NOTICE("dialog: Call-ID %s ended here but another proxy owns it; it closes it",
			   j->member.s);
	else if (j->result == 2)
		LOG_NOTICE("dialog: Call-ID %s ended here but was closed in the store already",
			   j->member.s);
	while (r && r->waiters) {
		struct claim_waiter *w = r->waiters;
		r->waiters = w->next;
		w->fn(mine, w->arg);
		sip_mem_free(w);
	}
	if (r)
		shr_free(r);
	while (j->keys) {
		struct shr_key *k = j->keys;
		j->keys = k->next;
		sip_mem_free(k);
	}
	sip_mem_free(j);
}

/* On the dialog's end (a dlg callback, before acc's): one job closes it
 * in the store. */
static void share_on_end(dlg *d, enum dlg_end_reason why, uint64_t ms, void *arg)
{
	(void)ms;
	(void)arg;
	struct shr *r = shr_find(d->id);
	if (!r)
		return;
	if (W.w)
		sip_timer_cancel(W.w, &r->t_write);
	if (why == DLG_END_SHUTDOWN && r->stored) {
		/* The proxy stops, the call goes on: its record stays for the
		 * proxy that gets its next request (and writes its CDR). */
		r->ending = true;
		r->shutdown = true;
		return;
	}
	if (!r->stored && !r->writing) {
		/* Never in the store: only its memberships are. */
		while (r->keys) {
			struct shr_key *k = r->keys;
			r->keys = k->next;
			prof_forget(k, d->callid);
		}
		shr_free(r);
		return;
	}
	size_t nl = strlen(S.node), cl = strlen(r->callid);
	struct end_job *j = sip_mem_alloc(sizeof *j + 2 * cl + nl + 16);
	if (!j) {
		shr_free(r);
		return;
	}
	memset(j, 0, sizeof *j);
	char *p = j->mem;
	j->member = sip_str_make(p, cl);
	memcpy(p, r->callid, cl + 1);
	p += cl + 1;
	int n = sprintf(p, "sipcc:dlg:%s", r->callid);
	j->key = sip_str_make(p, (size_t)n);
	p += n + 1;
	memcpy(p, S.node, nl + 1);
	j->node = sip_str_make(p, nl);
	j->dlg_id = r->id;
	j->keys = r->keys;
	r->keys = NULL;
	r->ending = true;
	int rc = proxy_store_submit(end_job_run, end_job_done, j);
	if (rc != SIP_OK) {
		/* Not now: the record expires; the memberships too. */
		LOG_WARN("dialog: cannot close dialog %s in the store: %s", r->callid,
			 sip_strerror(rc));
		r->keys = j->keys;
		j->keys = NULL;
		sip_mem_free(j);
		r->stored = false;
		r->ending = false;
		struct claim_waiter *w = r->waiters;
		r->waiters = NULL;
		shr_free(r);
		while (w) {
			struct claim_waiter *nx = w->next;
			w->fn(true, w->arg);
			sip_mem_free(w);
			w = nx;
		}
	}
}

int dlg_share_end_claim(dlg *d, void (*fn)(bool mine, void *arg), void *arg)
{
	struct shr *r = S.on ? shr_find(d->id) : NULL;
	if (!r || !r->ending)
		return SIP_DECLINED;
	if (r->shutdown) {
		fn(false, arg);
		return SIP_OK;
	}
	struct claim_waiter *w = sip_mem_alloc(sizeof *w);
	if (!w)
		return SIP_NOMEM;
	w->fn = fn;
	w->arg = arg;
	w->next = r->waiters;
	r->waiters = w;
	return SIP_OK;
}

/* ---- renewing the memberships ---- */

struct beat_job {
	struct beat_item {
		struct beat_item *next;
		sip_str key, member;
		char mem[];
	} *items;
};

/* A renewal of member's place in key. NULL without memory. */
static struct beat_item *beat_item_new(sip_str key, sip_str member)
{
	struct beat_item *i = sip_mem_alloc(sizeof *i + key.len + member.len + 2);
	if (!i)
		return NULL;
	memcpy(i->mem, key.s, key.len);
	i->mem[key.len] = '\0';
	i->key = sip_str_make(i->mem, key.len);
	char *m = i->mem + key.len + 1;
	memcpy(m, member.s, member.len);
	m[member.len] = '\0';
	i->member = sip_str_make(m, member.len);
	i->next = NULL;
	return i;
}

static int beat_job_run(db *d, void *arg)
{
	struct beat_job *j = arg;
	int rc = SIP_OK;
	for (struct beat_item *i = j->items; i && rc != SIP_EDBDOWN; i = i->next)
		rc = run_prof_renew(d, i->key, i->member);
	return rc;
}

static void beat_job_done(int status, void *arg)
{
	struct beat_job *j = arg;
	if (status != SIP_OK)
		LOG_WARN("dialog: cannot renew the profiles of this proxy's calls in the store: %s",
			 sip_strerror(status));
	while (j->items) {
		struct beat_item *i = j->items;
		j->items = i->next;
		sip_mem_free(i);
	}
	sip_mem_free(j);
}

static void share_beat(sip_timer *t, void *arg)
{
	(void)arg;
	struct beat_job *j = sip_mem_calloc(1, sizeof *j);
	if (j && sip_htable_ready(&W.table)) {
		sip_hiter it;
		sip_hiter_init(&it, &W.table);
		for (sip_hlink *l; (l = sip_hiter_next(&it));) {
			struct shr *r = SIP_HTABLE_ENTRY(l, struct shr, hlink);
			sip_str member = sip_str_make(r->callid, strlen(r->callid));
			for (struct shr_key *k = r->keys; k && !r->ending; k = k->next) {
				struct beat_item *i = beat_item_new(k->key, member);
				if (!i)
					break;
				i->next = j->items;
				j->items = i;
			}
		}
	}
	if (j && j->items && proxy_store_submit(beat_job_run, beat_job_done, j) == SIP_OK)
		j = NULL;
	if (j)
		beat_job_done(SIP_OK, j);
	if (W.w)
		sip_timer_add(W.w, t, S.beat_ms);
}

/* ---- dlg_restore(): take over a dialog another proxy kept ---- */

struct adopt_job {
	struct sip_ctx *ctx;
	sip_str key, node, ftag, ttag;
	int status;
	bool found;
	sip_str f[F_COUNT];          /* into blob */
	char *blob;
	char mem[];
};

static int adopt_job_run(db *d, void *arg)
{
	struct adopt_job *j = arg;
	db_stmt *st;
	int rc = db_prepare(d, "EVAL 'local v=redis.call(\"HMGET\",KEYS[1]," LUA_FIELDS ") "
			    "if not v[1] then return {} end "
			    "if not ((v[2]==ARGV[2] and v[3]==ARGV[3]) or "
			    "(v[2]==ARGV[3] and v[3]==ARGV[2])) then return {} end "
			    "redis.call(\"HSET\",KEYS[1],\"owner\",ARGV[1]) return v' "
			    "1 $1 $2 $3 $4", &st);
	if (rc != SIP_OK)
		return rc;
	sip_str v[4] = { j->key, j->node, j->ftag, j->ttag };
	if ((rc = bind_texts(st, v, 4)) == SIP_OK) {
		rc = db_step(st);
		if (rc == DB_ROW && db_column_count(st) >= F_COUNT) {
			size_t total = 0;
			for (int i = 0; i < F_COUNT; i++)
				total += db_column_text(st, i).len + 1;
			j->blob = sip_mem_alloc(total);
			if (!j->blob) {
				rc = SIP_NOMEM;
			} else {
				char *b = j->blob;
				for (int i = 0; i < F_COUNT; i++) {
					sip_str s = db_column_text(st, i);
					if (s.len)
						memcpy(b, s.s, s.len);
					j->f[i] = sip_str_make(b, s.len);
					b += s.len;
					*b++ = '\0';
				}
				j->found = true;
				rc = SIP_OK;
			}
		} else if (rc == DB_ROW || rc == SIP_OK) {
			rc = SIP_OK;
		}
	}
	db_finalize(st);
	return rc;
}

static void adopt_job_done(int status, void *arg)
{
	struct adopt_job *j = arg;
	j->status = status;
	if (!proxy_db_stopping()) {
		W.adopt_resuming = j;
		proxy_resume(j->ctx);
		W.adopt_resuming = NULL;
	}
	sip_mem_free(j->blob);
	sip_mem_free(j);
}

static uint64_t str_u64(sip_str s)
{
	uint64_t v = 0;
	for (size_t i = 0; i < s.len && s.s[i] >= '0' && s.s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s.s[i] - '0');
	return v;
}

static int64_t str_i64(sip_str s)
{
	if (s.len && s.s[0] == '-')
		return -(int64_t)str_u64(sip_str_make(s.s + 1, s.len - 1));
	return (int64_t)str_u64(s);
}

/* The dialog of record j, made this worker's. NULL when it cannot be. */
static dlg *adopt_build(struct adopt_job *j)
{
	int64_t start = str_i64(j->f[F_START]), now = wall_ms();
	uint64_t ago = start > 0 && now > start ? (uint64_t)(now - start) : 0;
	dlg *d = dlg_adopt(j->ctx->msg->callid, j->f[F_FTAG], j->f[F_TTAG], ago,
			   (uint32_t)str_u64(j->f[F_TIMEOUT]));
	if (!d)
		return NULL;
	if (d->caller_uri.len)
		return d;    /* known already (a retransmission's turn) */
	d->caller_uri = sip_arena_strdup(&d->arena, j->f[F_CALLER_URI]);
	d->callee_uri = sip_arena_strdup(&d->arena, j->f[F_CALLEE_URI]);
	dlg_set_caller_from(d, j->f[F_CALLER_FROM]);
	dlg_set_callee_to(d, j->f[F_CALLEE_TO]);
	dlg_set_leg(d, DLG_CALLER, j->f[F_C_TARGET], j->f[F_C_ROUTES], j->f[F_C_HOP]);
	dlg_set_leg(d, DLG_CALLEE, j->f[F_E_TARGET], j->f[F_E_ROUTES], j->f[F_E_HOP]);
	if (j->f[F_C_CSEQ].len)
		dlg_seen_cseq(d, DLG_CALLER, (uint32_t)str_u64(j->f[F_C_CSEQ]));
	if (j->f[F_E_CSEQ].len)
		dlg_seen_cseq(d, DLG_CALLEE, (uint32_t)str_u64(j->f[F_E_CSEQ]));
	d->user_flags = (uint32_t)str_u64(j->f[F_FLAGS]);
	d->gw_id = str_i64(j->f[F_GW]);
	d->rr_upstream = (uint16_t)str_u64(j->f[F_RRUP]);
	struct shr *r = shr_get(d);
	if (r)
		r->stored = true;
	size_t pos = 0;
	struct dlg_img_item it;
	int rc;
	while ((rc = dlg_img_next(j->f[F_ITEMS], &pos, &it)) == 1) {
		if (it.kind == DLG_IMG_INT) {
			dlg_var_set_int(d, it.idx, it.ival);
		} else if (it.kind == DLG_IMG_STR) {
			dlg_var_set_str(d, it.idx, it.sval);
		} else if (r && dlg_profile_name(it.idx) &&
			   dlg_profile_add(d, it.idx, it.sval) == SIP_OK) {
			struct shr_key *k = shr_key_new(it.idx, it.sval);
			if (k) {
				k->next = r->keys;
				r->keys = k;
			}
		}
	}
	if (rc != 0)
		LOG_WARN("dialog: the variables and profiles of dialog " SIP_STR_FMT
			 " in the store are not readable past byte %zu", SIP_STR_ARG(d->callid),
			 pos);
	LOG_INFO("dialog %llu (Call-ID " SIP_STR_FMT ") taken over from %s",
		 (unsigned long long)d->id, SIP_STR_ARG(d->callid), j->f[F_OWNER].s);
	/* The memberships are this proxy's to renew from now on; written
	 * again with the new owner at once. */
	if (r) {
		struct beat_job *b = sip_mem_calloc(1, sizeof *b);
		for (struct shr_key *k = r->keys; b && k; k = k->next) {
			struct beat_item *i = beat_item_new(k->key, d->callid);
			if (!i)
				break;
			i->next = b->items;
			b->items = i;
		}
		if (b && (!b->items ||
			  proxy_store_submit(beat_job_run, beat_job_done, b) != SIP_OK))
			beat_job_done(SIP_OK, b);
	}
	return d;
}

int dlg_share_restore(struct sip_ctx *ctx, dlg **out)
{
	*out = NULL;
	sip_msg *m = ctx->msg;
	struct adopt_job *j = W.adopt_resuming;
	if (j && j->ctx == ctx) {
		W.adopt_resuming = NULL;
		if (j->status != SIP_OK) {
			share_down("cannot read dialog", j->key.s, j->status);
			W.down_ctx = ctx;
			return j->status;
		}
		if (!j->found)
			return SIP_ENOTFOUND;
		*out = adopt_build(j);
		return *out ? SIP_OK : SIP_NOMEM;
	}
	size_t nl = strlen(S.node);
	j = sip_mem_alloc(sizeof *j + m->callid.len + nl + m->from_tag.len + m->to_tag.len + 32);
	if (!j)
		return SIP_NOMEM;
	memset(j, 0, sizeof *j);
	char *p = j->mem;
	int n = sprintf(p, "sipcc:dlg:");
	memcpy(p + n, m->callid.s, m->callid.len);
	j->key = sip_str_make(p, (size_t)n + m->callid.len);
	p += j->key.len;
	*p++ = '\0';
	memcpy(p, S.node, nl + 1);
	j->node = sip_str_make(p, nl);
	p += nl + 1;
	memcpy(p, m->from_tag.s, m->from_tag.len);
	j->ftag = sip_str_make(p, m->from_tag.len);
	p += m->from_tag.len;
	*p++ = '\0';
	memcpy(p, m->to_tag.s, m->to_tag.len);
	j->ttag = sip_str_make(p, m->to_tag.len);
	p[m->to_tag.len] = '\0';
	j->ctx = ctx;
	int rc = proxy_wait(ctx);
	if (rc == SIP_OK) {
		rc = proxy_store_submit(adopt_job_run, adopt_job_done, j);
		if (rc == SIP_OK)
			return SIP_AGAIN;
		proxy_wait_cancel(ctx);
	}
	sip_mem_free(j);
	W.down_ctx = ctx;
	return rc;
}

/* ---- the store back ---- */

/* On each worker: its confirmed dialogs are written again (a store that
 * restarted empty has them back; their places come back with the next
 * renewal). */
static void share_rewrite(void *arg)
{
	(void)arg;
	if (!S.on || !W.w || !sip_htable_ready(&W.table))
		return;
	sip_hiter it;
	sip_hiter_init(&it, &W.table);
	for (sip_hlink *l; (l = sip_hiter_next(&it));) {
		struct shr *r = SIP_HTABLE_ENTRY(l, struct shr, hlink);
		if (dlg_valid(r->d, r->id) && r->d->state == DLG_CONFIRMED && !r->ending) {
			r->dirty = true;
			if (!r->writing && !sip_timer_armed(&r->t_write))
				sip_timer_add(W.w, &r->t_write, DLG_SHARE_WRITE_MS);
		}
	}
}

/* Worker 0, each time the store becomes usable. */
static void share_ready(void)
{
	unsigned long n = atomic_exchange(&share_failed, 0);
	if (n)
		LOG_NOTICE("dialog: the store is back (%lu calls could not use it meanwhile)", n);
	for (unsigned i = 0; i < sip_workers_n; i++)
		if (proxy_worker_post(i, share_rewrite, NULL) != SIP_OK)
			LOG_WARN("dialog: cannot have worker %u write its dialogs to the "
				 "store again", i);
}

/* ---- start-up ---- */

void dlg_share_init(void)
{
	S.on = false;
	if (!proxy_store_configured())
		return;
	const char *be = proxy_store_backend();
	if (!be || strcmp(be, "redis") != 0) {
		LOG_WARN("dialog: cluster.store is %s: dialogs and profiles are shared through "
			 "Redis only; each proxy keeps its own", be ? be : "not usable");
		return;
	}
	int64_t ttl = sipcc_setting_int_range("dialog", "cluster_ttl", DLG_SHARE_TTL_S, 3, 86400);
	S.ttl_ms = (uint32_t)ttl * 1000;
	S.beat_ms = S.ttl_ms / 3;
	S.node = proxy_cluster_node();
	if (!S.node)
		S.node = "";
	static const struct dlg_callbacks cb = {
		.on_start = share_on_start, .on_end = share_on_end,
	};
	if (dlg_callbacks_add(&cb) != SIP_OK) {
		LOG_ERR("dialog: cannot follow dialogs for the store; not shared");
		return;
	}
	proxy_store_want(share_ready);
	S.on = true;
}

void dlg_share_worker_start(sip_timer_wheel *w)
{
	if (!S.on)
		return;
	W.w = w;
	sip_timer_init(&W.beat, share_beat, NULL);
	sip_timer_add(w, &W.beat, S.beat_ms);
}

/* The worker's dialogs have ended (their end jobs may still be out: their
 * records are freed with the table). */
void dlg_share_worker_stop(void)
{
	if (!S.on)
		return;
	if (W.w)
		sip_timer_cancel(W.w, &W.beat);
	if (sip_htable_ready(&W.table)) {
		sip_hiter it;
		sip_hiter_init(&it, &W.table);
		for (sip_hlink *l; (l = sip_hiter_next(&it));) {
			struct shr *r = SIP_HTABLE_ENTRY(l, struct shr, hlink);
			struct claim_waiter *w = r->waiters;
			r->waiters = NULL;
			while (w) {
				struct claim_waiter *nx = w->next;
				w->fn(true, w->arg);
				sip_mem_free(w);
				w = nx;
			}
			shr_free(r);
		}
		sip_htable_destroy(&W.table);
	}
	W.w = NULL;
}
