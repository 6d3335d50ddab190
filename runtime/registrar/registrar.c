/* Location tables and REGISTER processing (RFC 3261 §10.3, RFC 3327). */
#include "registrar/registrar.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/hash.h"
#include "core/log.h"
#include "core/status.h"

struct reg_conf reg_conf = { 60, 3600, 86400, 0 };

struct reg_table {
	struct reg_table *next;
	reg_aor **buckets;
	uint32_t mask;                 /* buckets - 1 */
	unsigned long n_aors, n_contacts;
	uint32_t sweep_at;             /* next bucket the timer sweeps */
	bool persist;                  /* written to the database */
	size_t name_len;
	char name[];
};

static reg_table *reg_tables;
static db *reg_db;
static void reg_dirty_clear(void);
static bool reg_param(sip_str params, const char *name, sip_str *val);
static bool reg_parse_uint(sip_str s, uint64_t *out);

/* The statements of the write-through, prepared on reg_db. */
static struct {
	db *d;
	db_stmt *upsert, *del, *del_aor, *del_expired;
} reg_st;

#define REG_MAX_FIELD 65535u
#define REG_MAX_CONTACTS_PER_REQ 32

static uint32_t reg_hash(sip_str s)
{
	return sip_hash_str(s);
}

reg_table *reg_table_get(sip_str name, bool create)
{
	for (reg_table *t = reg_tables; t; t = t->next)
		if (t->name_len == name.len && memcmp(t->name, name.s, name.len) == 0)
			return t;
	if (!create)
		return NULL;
	reg_table *t = sip_mem_alloc(sizeof *t + name.len + 1);
	if (!t)
		return NULL;
	memset(t, 0, sizeof *t);
	t->mask = 1023;
	t->buckets = sip_mem_alloc((t->mask + 1) * sizeof *t->buckets);
	if (!t->buckets) {
		sip_mem_free(t);
		return NULL;
	}
	memset(t->buckets, 0, (t->mask + 1) * sizeof *t->buckets);
	memcpy(t->name, name.s, name.len);
	t->name[name.len] = '\0';
	t->name_len = name.len;
	t->persist = sip_str_eq(name, SIP_STR_LIT("location"));
	t->next = reg_tables;
	reg_tables = t;
	return t;
}

static void reg_aor_free(reg_aor *a)
{
	for (reg_contact *c = a->contacts, *n; c; c = n) {
		n = c->next;
		sip_mem_free(c);
	}
	sip_mem_free(a);
}

void reg_tables_destroy(void)
{
	for (reg_table *t = reg_tables, *tn; t; t = tn) {
		tn = t->next;
		for (uint32_t i = 0; i <= t->mask; i++)
			for (reg_aor *a = t->buckets[i], *an; a; a = an) {
				an = a->next;
				reg_aor_free(a);
			}
		sip_mem_free(t->buckets);
		sip_mem_free(t);
	}
	reg_tables = NULL;
	reg_dirty_clear();
}

unsigned long reg_table_count(const reg_table *t)
{
	return t ? t->n_contacts : 0;
}

unsigned long reg_table_aors(const reg_table *t)
{
	return t ? t->n_aors : 0;
}

void reg_table_foreach(const reg_table *t, void (*fn)(const reg_aor *a, void *arg), void *arg)
{
	if (!t)
		return;
	for (uint32_t i = 0; i <= t->mask; i++)
		for (const reg_aor *a = t->buckets[i]; a; a = a->next)
			fn(a, arg);
}

/* Double the buckets when chains grow past two entries on average. */
static void reg_grow(reg_table *t)
{
	uint32_t n = (t->mask + 1) * 2;
	reg_aor **b = sip_mem_alloc(n * sizeof *b);
	if (!b)
		return;     /* longer chains, still correct */
	memset(b, 0, n * sizeof *b);
	for (uint32_t i = 0; i <= t->mask; i++)
		for (reg_aor *a = t->buckets[i], *an; a; a = an) {
			an = a->next;
			a->next = b[a->hash & (n - 1)];
			b[a->hash & (n - 1)] = a;
		}
	sip_mem_free(t->buckets);
	t->buckets = b;
	t->mask = n - 1;
	t->sweep_at = 0;
}

static reg_aor *reg_aor_find(reg_table *t, sip_str aor, uint32_t h)
{
	for (reg_aor *a = t->buckets[h & t->mask]; a; a = a->next)
		if (a->hash == h && a->len == aor.len && memcmp(a->aor, aor.s, aor.len) == 0)
			return a;
	return NULL;
}

static reg_aor *reg_aor_add(reg_table *t, sip_str aor, uint32_t h)
{
	if (aor.len > REG_MAX_FIELD)
		return NULL;
	reg_aor *a = sip_mem_alloc(sizeof *a + aor.len);
	if (!a)
		return NULL;
	a->contacts = NULL;
	a->hash = h;
	a->len = (uint16_t)aor.len;
	memcpy(a->aor, aor.s, aor.len);
	a->next = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = a;
	if (++t->n_aors > 2ul * (t->mask + 1))
		reg_grow(t);
	return a;
}

static void reg_aor_unlink(reg_table *t, reg_aor *a)
{
	for (reg_aor **pp = &t->buckets[a->hash & t->mask]; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			t->n_aors--;
			sip_mem_free(a);
			return;
		}
}

/* A binding with its strings in one block; NULL when out of memory or a
 * field is too long to be stored. */
static reg_contact *reg_contact_new(const sip_str f[REG_NFIELDS])
{
	size_t n = 0;
	for (int i = 0; i < REG_NFIELDS; i++) {
		if (f[i].len > REG_MAX_FIELD)
			return NULL;
		n += f[i].len;
	}
	reg_contact *c = sip_mem_alloc(sizeof *c + n);
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	n = 0;
	for (int i = 0; i < REG_NFIELDS; i++) {
		c->len[i] = (uint16_t)f[i].len;
		if (f[i].len)
			memcpy(c->data + n, f[i].s, f[i].len);
		n += f[i].len;
	}
	return c;
}

/* Insert c in a's list: before the first binding of lower q, and before
 * those of equal q, so the most recent of equal preference comes first. */
static void reg_contact_insert(reg_aor *a, reg_contact *c)
{
	int q = c->q < 0 ? 1000 : c->q;
	reg_contact **pp = &a->contacts;
	while (*pp && ((*pp)->q < 0 ? 1000 : (*pp)->q) > q)
		pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
}

/* Remove the bindings of a expired at now; returns how many. */
static unsigned long reg_aor_expire(reg_table *t, reg_aor *a, int64_t now)
{
	unsigned long n = 0;
	for (reg_contact **pp = &a->contacts; *pp;) {
		if ((*pp)->expires <= now) {
			reg_contact *c = *pp;
			*pp = c->next;
			sip_mem_free(c);
			t->n_contacts--;
			n++;
		} else {
			pp = &(*pp)->next;
		}
	}
	return n;
}

const reg_contact *reg_lookup(reg_table *t, sip_str aor, int64_t now)
{
	if (!t)
		return NULL;
	reg_aor *a = reg_aor_find(t, aor, reg_hash(aor));
	if (!a)
		return NULL;
	for (const reg_contact *c = a->contacts; c; c = c->next)
		if (c->expires > now)
			return c;
	return NULL;
}

sip_str reg_instance(const reg_contact *c)
{
	sip_str v;
	if (!c->len[REG_PARAMS] || !reg_param(reg_field(c, REG_PARAMS), "+sip.instance", &v))
		return SIP_STR_NULL;
	return v;
}

uint32_t reg_reg_id(const reg_contact *c)
{
	sip_str v;
	uint64_t id;
	if (!reg_instance(c).len || !reg_param(reg_field(c, REG_PARAMS), "reg-id", &v)
	    || !reg_parse_uint(v, &id) || id > UINT32_MAX)
		return 0;
	return (uint32_t)id;
}

sip_str reg_aor_of(sip_arena *ar, sip_str uri)
{
	sip_uri u;
	if (sip_uri_parse(uri, &u) != SIP_OK || !u.is_sip || !u.host.len)
		return SIP_STR_NULL;
	size_t n = u.user.len + 1 + u.host.len;
	char *p = sip_arena_alloc(ar, n + 1);
	if (!p)
		return SIP_STR_NULL;
	size_t k = 0;
	if (u.user.len) {
		memcpy(p, u.user.s, u.user.len);
		k = u.user.len;
		p[k++] = '@';
	}
	for (size_t i = 0; i < u.host.len; i++) {
		char ch = u.host.s[i];
		p[k++] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
	p[k] = '\0';
	return sip_str_make(p, k);
}

/* ---- database write-through ---- */

/* One location row. instance and reg_id repeat what params holds, for
 * whoever reads the table; a restart reads params back. */
#define REG_INSERT \
	"INSERT INTO location (aor, contact, expires, q, callid, cseq, path, received," \
	" user_agent, flags, params, instance, reg_id)" \
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"

static int reg_prepare(void)
{
	if (reg_st.d == reg_db && reg_st.upsert)
		return SIP_OK;
	reg_st.d = reg_db;
	int rc;
	if (strcmp(db_backend(reg_db), "mysql") == 0)
		rc = db_prepare(reg_db, REG_INSERT
		" ON DUPLICATE KEY UPDATE expires = VALUES(expires), q = VALUES(q),"
		" callid = VALUES(callid), cseq = VALUES(cseq), path = VALUES(path),"
		" received = VALUES(received), user_agent = VALUES(user_agent),"
		" flags = VALUES(flags), params = VALUES(params), instance = VALUES(instance),"
		" reg_id = VALUES(reg_id)", &reg_st.upsert);
	else
		rc = db_prepare(reg_db, REG_INSERT
		" ON CONFLICT (aor, contact) DO UPDATE SET expires = excluded.expires,"
		" q = excluded.q, callid = excluded.callid, cseq = excluded.cseq,"
		" path = excluded.path, received = excluded.received,"
		" user_agent = excluded.user_agent, flags = excluded.flags,"
		" params = excluded.params, instance = excluded.instance,"
		" reg_id = excluded.reg_id", &reg_st.upsert);
	if (rc == SIP_OK)
		rc = db_prepare(reg_db, "DELETE FROM location WHERE aor = $1 AND contact = $2",
				&reg_st.del);
	if (rc == SIP_OK)
		rc = db_prepare(reg_db, "DELETE FROM location WHERE aor = $1", &reg_st.del_aor);
	if (rc == SIP_OK)
		rc = db_prepare(reg_db, "DELETE FROM location WHERE expires <= $1",
				&reg_st.del_expired);
	return rc;
}

void reg_set_db(db *d)
{
	reg_db = d;
	reg_st.d = NULL;
	reg_st.upsert = reg_st.del = reg_st.del_aor = reg_st.del_expired = NULL;
}

static int reg_bind_opt(db_stmt *st, int idx, sip_str v)
{
	return v.len ? db_bind_text(st, idx, v) : db_bind_null(st, idx);
}

/* Bind binding c of aor to the parameters of REG_INSERT and run st. */
static int reg_db_insert(db_stmt *st, sip_str aor, const reg_contact *c)
{
	int rc;
	if ((rc = db_bind_text(st, 1, aor)) || (rc = db_bind_text(st, 2, reg_field(c, REG_CONTACT)))
	    || (rc = db_bind_int(st, 3, c->expires)) || (rc = db_bind_int(st, 4, c->q))
	    || (rc = db_bind_text(st, 5, reg_field(c, REG_CALLID)))
	    || (rc = db_bind_int(st, 6, c->cseq))
	    || (rc = reg_bind_opt(st, 7, reg_field(c, REG_PATH)))
	    || (rc = reg_bind_opt(st, 8, reg_field(c, REG_RECEIVED)))
	    || (rc = db_bind_text(st, 9, reg_field(c, REG_UA)))
	    || (rc = db_bind_int(st, 10, (int32_t)c->flags))
	    || (rc = reg_bind_opt(st, 11, reg_field(c, REG_PARAMS)))
	    || (rc = reg_bind_opt(st, 12, reg_instance(c)))
	    || (rc = db_bind_int(st, 13, (int32_t)reg_reg_id(c))))
		return rc;
	rc = db_step(st);
	db_reset(st);
	return rc;
}

static int reg_db_upsert(sip_str aor, const reg_contact *c)
{
	return reg_db_insert(reg_st.upsert, aor, c);
}

static int reg_db_delete(sip_str aor, sip_str contact)
{
	db_stmt *st = reg_st.del;
	int rc;
	if ((rc = db_bind_text(st, 1, aor)) || (rc = db_bind_text(st, 2, contact)))
		return rc;
	rc = db_step(st);
	db_reset(st);
	return rc;
}

long reg_load(db *d, int64_t now)
{
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	db_stmt *st;
	if (!t)
		return SIP_NOMEM;
	int rc = db_prepare(d, "SELECT aor, contact, expires, q, callid, cseq, path, received,"
			    " user_agent, flags, params FROM location WHERE expires > $1", &st);
	if (rc != SIP_OK)
		return rc;
	if ((rc = db_bind_int(st, 1, now)) != SIP_OK) {
		db_finalize(st);
		return rc;
	}
	long n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		sip_str aor = db_column_text(st, 0);
		sip_str f[REG_NFIELDS] = {
			[REG_CONTACT] = db_column_text(st, 1),
			[REG_CALLID] = db_column_text(st, 4),
			[REG_PATH] = db_column_text(st, 6),
			[REG_RECEIVED] = db_column_text(st, 7),
			[REG_UA] = db_column_text(st, 8),
			[REG_PARAMS] = db_column_text(st, 10),
		};
		uint32_t h = reg_hash(aor);
		reg_aor *a = reg_aor_find(t, aor, h);
		if (a) {
			bool dup = false;
			for (reg_contact *c = a->contacts; c && !dup; c = c->next)
				dup = sip_str_eq(reg_field(c, REG_CONTACT), f[REG_CONTACT]);
			if (dup)
				continue;
		} else if (!(a = reg_aor_add(t, aor, h))) {
			rc = SIP_NOMEM;
			break;
		}
		reg_contact *c = reg_contact_new(f);
		if (!c) {
			if (!a->contacts)
				reg_aor_unlink(t, a);
			rc = SIP_NOMEM;
			break;
		}
		c->expires = db_column_int(st, 2);
		int64_t q = db_column_int(st, 3);
		c->q = (int16_t)(q < -1 ? -1 : q > 1000 ? 1000 : q);
		c->cseq = (uint32_t)db_column_int(st, 5);
		c->flags = (uint32_t)db_column_int(st, 9);
		reg_contact_insert(a, c);
		t->n_contacts++;
		n++;
	}
	db_finalize(st);
	return rc == SIP_OK ? n : rc;
}

/* ---- REGISTER ---- */

/* The value of parameter name in a ';'-separated parameter list; found
 * with an empty value for a bare "name". */
static bool reg_param(sip_str params, const char *name, sip_str *val)
{
	size_t nl = strlen(name), i = 0;
	while (i < params.len) {
		size_t j = i;
		while (j < params.len && params.s[j] != ';')
			j++;
		sip_str p = sip_str_make(params.s + i, j - i);
		while (p.len && (p.s[0] == ' ' || p.s[0] == '\t'))
			p.s++, p.len--;
		if (p.len >= nl && sip_mem_caseeq(p.s, name, nl)) {
			sip_str rest = sip_str_make(p.s + nl, p.len - nl);
			while (rest.len && (rest.s[0] == ' ' || rest.s[0] == '\t'))
				rest.s++, rest.len--;
			if (!rest.len) {
				*val = rest;
				return true;
			}
			if (rest.s[0] == '=') {
				rest.s++, rest.len--;
				while (rest.len && (rest.s[0] == ' ' || rest.s[0] == '\t'))
					rest.s++, rest.len--;
				while (rest.len && (rest.s[rest.len - 1] == ' ' || rest.s[rest.len - 1] == '\t'))
					rest.len--;
				if (rest.len >= 2 && rest.s[0] == '"' && rest.s[rest.len - 1] == '"')
					rest.s++, rest.len -= 2;
				*val = rest;
				return true;
			}
		}
		i = j + 1;
	}
	return false;
}

static bool reg_parse_uint(sip_str s, uint64_t *out)
{
	uint64_t v = 0;
	if (!s.len || s.len > 19)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.s[i] < '0' || s.s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.s[i] - '0');
	}
	*out = v;
	return true;
}

/* q-value (RFC 3261 §20.10: "0" to "1" with up to three decimals) in
 * thousandths; -1 when malformed. */
static int reg_parse_q(sip_str s)
{
	if (!s.len || (s.s[0] != '0' && s.s[0] != '1'))
		return -1;
	int v = (s.s[0] - '0') * 1000, scale = 100;
	if (s.len == 1)
		return v;
	if (s.s[1] != '.' || s.len > 5)
		return -1;
	for (size_t i = 2; i < s.len; i++, scale /= 10) {
		if (s.s[i] < '0' || s.s[i] > '9')
			return -1;
		v += (s.s[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

/* One Contact of the request, resolved. */
struct reg_want {
	sip_str uri;
	sip_str params;        /* its header parameters but expires and q */
	sip_str instance;      /* +sip.instance, quotes removed; empty: none */
	uint32_t reg_id;       /* 0: none */
	uint64_t expires;      /* seconds from now; 0 removes */
	int q;
};

/* Whether the request's contact w updates binding c: the same URI, or
 * the same +sip.instance and reg-id (RFC 5626 §6; instance URNs compare
 * without case, as uuid URNs do). */
static bool reg_want_matches(const struct reg_want *w, const reg_contact *c)
{
	if (sip_str_eq(w->uri, reg_field(c, REG_CONTACT)))
		return true;
	if (!w->instance.len)
		return false;
	sip_str ci = reg_instance(c);
	return ci.len && sip_str_caseeq(ci, w->instance) && reg_reg_id(c) == w->reg_id;
}

/* Whether binding c goes or is replaced by the request (its contacts w,
 * or "*"). */
static bool reg_replaced(const struct reg_want *w, unsigned n, bool star, const reg_contact *c)
{
	for (unsigned i = 0; i < n && !star; i++)
		if (reg_want_matches(&w[i], c))
			return true;
	return star;
}

/* The header parameters of a Contact value without expires and q, which
 * the registrar writes itself, in the arena ("" when nothing is left). */
static sip_str reg_params_keep(sip_arena *ar, sip_str params)
{
	char *out = params.len ? sip_arena_alloc(ar, params.len) : NULL;
	size_t k = 0, i = 0;
	if (!out)
		return SIP_STR_NULL;
	while (i < params.len) {
		size_t j = i;
		bool quoted = false;
		while (j < params.len && (quoted || params.s[j] != ';')) {
			if (params.s[j] == '"')
				quoted = !quoted;
			j++;
		}
		sip_str p = sip_str_make(params.s + i, j - i);
		while (p.len && (p.s[0] == ' ' || p.s[0] == '\t'))
			p.s++, p.len--;
		while (p.len && (p.s[p.len - 1] == ' ' || p.s[p.len - 1] == '\t'))
			p.len--;
		size_t nl = 0;
		while (nl < p.len && p.s[nl] != '=' && p.s[nl] != ' ' && p.s[nl] != '\t')
			nl++;
		sip_str name = sip_str_make(p.s, nl);
		if (p.len && !sip_str_eq_lit_case(name, "expires") && !sip_str_eq_lit_case(name, "q")) {
			if (k)
				out[k++] = ';';
			memcpy(out + k, p.s, p.len);
			k += p.len;
		}
		i = j + 1;
	}
	return sip_str_make(out, k);
}

static void reg_fail(struct reg_result *out, int code, const char *reason)
{
	out->code = code;
	out->reason = reason;
	out->hdrs = SIP_STR_NULL;
}

/* All header values of type ty joined with ", ". */
static sip_str reg_join_hdrs(sip_msg *m, enum sip_hdr_type ty, sip_arena *a)
{
	size_t n = 0;
	for (sip_hdr *h = m->first[ty]; h; h = h->next_same)
		n += h->body.len + 2;
	if (!n)
		return SIP_STR_NULL;
	char *p = sip_arena_alloc(a, n);
	if (!p)
		return SIP_STR_NULL;
	size_t k = 0;
	for (sip_hdr *h = m->first[ty]; h; h = h->next_same) {
		if (k) {
			p[k++] = ',';
			p[k++] = ' ';
		}
		memcpy(p + k, h->body.s, h->body.len);
		k += h->body.len;
	}
	return sip_str_make(p, k);
}

/* Format a q-value in thousandths as RFC 3261 writes it ("0.5", "1"). */
static void reg_fmt_q(char *buf, size_t sz, int q)
{
	if (q >= 1000)
		snprintf(buf, sz, "1");
	else if (q % 100 == 0)
		snprintf(buf, sz, "0.%d", q / 100);
	else if (q % 10 == 0)
		snprintf(buf, sz, "0.%02d", q / 10);
	else
		snprintf(buf, sz, "0.%03d", q);
}

/* The 200 OK's headers: every current binding with its remaining expiry
 * and the parameters its Contact was registered with, +sip.instance and
 * reg-id among them (§10.3 step 8, RFC 5626 §6), and the Path of the
 * request echoed (RFC 3327 §5.3). */
static sip_str reg_ok_hdrs(reg_aor *a, sip_str path, int64_t now, sip_arena *ar)
{
	size_t n = path.len ? path.len + 8 : 0;
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next)
		n += c->len[REG_CONTACT] + c->len[REG_PARAMS] + 48;
	char *p = sip_arena_alloc(ar, n + 1);
	if (!p)
		return SIP_STR_NULL;
	size_t k = 0;
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next) {
		sip_str u = reg_field(c, REG_CONTACT);
		char q[8] = "";
		if (c->q >= 0)
			reg_fmt_q(q, sizeof q, c->q);
		sip_str pr = reg_field(c, REG_PARAMS);
		k += (size_t)snprintf(p + k, n + 1 - k, "Contact: <%.*s>;expires=%lld%s%s%s%.*s\r\n",
				      (int)u.len, u.s, (long long)(c->expires - now),
				      c->q >= 0 ? ";q=" : "", q, pr.len ? ";" : "", (int)pr.len, pr.s);
	}
	if (path.len)
		k += (size_t)snprintf(p + k, n + 1 - k, "Path: %.*s\r\n", (int)path.len, path.s);
	return sip_str_make(p, k);
}

/* Write the planned changes of one request to the database in one
 * transaction. Returns SIP_OK or the failing status (rolled back). */
static int reg_db_apply(sip_str aor, const reg_aor *a, const struct reg_want *w, unsigned n,
			reg_contact **fresh, bool star)
{
	int rc = reg_prepare();
	if (rc != SIP_OK)
		return rc;
	if ((rc = db_exec(reg_db, "BEGIN")) != SIP_OK)
		return rc;
	if (star) {
		db_stmt *st = reg_st.del_aor;
		if ((rc = db_bind_text(st, 1, aor)) == SIP_OK)
			rc = db_step(st);
		db_reset(st);
	}
	/* The rows of the bindings replaced go (a new URI for an instance
	 * leaves none behind), then the new ones are written. */
	for (const reg_contact *c = a && !star ? a->contacts : NULL; c && rc == SIP_OK; c = c->next)
		if (reg_replaced(w, n, false, c))
			rc = reg_db_delete(aor, reg_field(c, REG_CONTACT));
	for (unsigned i = 0; i < n && rc == SIP_OK; i++)
		if (fresh[i])
			rc = reg_db_upsert(aor, fresh[i]);
	if (rc == SIP_OK)
		rc = db_exec(reg_db, "COMMIT");
	if (rc != SIP_OK && rc != SIP_EDBDOWN)
		db_exec(reg_db, "ROLLBACK");
	return rc;
}

/* ---- asynchronous write-through ---- */

static const struct reg_writer *reg_writer;

/* What one job writes: the bindings of aor as memory held them (none:
 * the rows go), or with sweep set, the removal of rows expired before it. */
struct reg_snap {
	int64_t sweep;
	unsigned n;
	size_t aor_len;
	reg_contact **c;
	char aor[];
};

/* Addresses-of-record whose last write failed (loop thread only). */
struct reg_dirty {
	struct reg_dirty *next;
	size_t len;
	char aor[];
};
#define REG_DIRTY_MAX 4096
static struct {
	struct reg_dirty *head;
	unsigned n;
	bool overflow_logged;
} reg_dirty;

static void reg_dirty_clear(void)
{
	while (reg_dirty.head) {
		struct reg_dirty *e = reg_dirty.head;
		reg_dirty.head = e->next;
		sip_mem_free(e);
	}
	reg_dirty.n = 0;
}

unsigned reg_dirty_count(void)
{
	return reg_dirty.n;
}

static void reg_wst_forget(void);

void reg_set_writer(const struct reg_writer *w)
{
	reg_writer = w;
	reg_wst_forget();
}

static void reg_snap_free(struct reg_snap *s)
{
	for (unsigned i = 0; s && i < s->n; i++)
		sip_mem_free(s->c[i]);
	if (s)
		sip_mem_free(s->c);
	sip_mem_free(s);
}

/* A copy of a's bindings (a may be NULL: none). */
static struct reg_snap *reg_snap_make(sip_str aor, const reg_aor *a)
{
	struct reg_snap *s = sip_mem_alloc(sizeof *s + aor.len + 1);
	if (!s)
		return NULL;
	memset(s, 0, sizeof *s);
	if (aor.len)
		memcpy(s->aor, aor.s, aor.len);
	s->aor[aor.len] = '\0';
	s->aor_len = aor.len;
	unsigned n = 0;
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next)
		n++;
	s->c = sip_mem_alloc((n ? n : 1) * sizeof *s->c);
	if (!s->c) {
		sip_mem_free(s);
		return NULL;
	}
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next) {
		size_t sz = sizeof *c;
		for (int i = 0; i < REG_NFIELDS; i++)
			sz += c->len[i];
		reg_contact *d = sip_mem_alloc(sz);
		if (!d) {
			reg_snap_free(s);
			return NULL;
		}
		memcpy(d, c, sz);
		d->next = NULL;
		s->c[s->n++] = d;
	}
	return s;
}

/* Worker thread: its statements on its handle. Forgotten at
 * reg_set_writer(), which the loop calls only while no worker runs jobs
 * for the registrar (start-up, after the worker stopped). */
static struct {
	db *d;
	db_stmt *del_aor, *ins, *del_expired;
} reg_wst;

static void reg_wst_forget(void)
{
	reg_wst.d = NULL;
	reg_wst.del_aor = reg_wst.ins = reg_wst.del_expired = NULL;
}

static int reg_job_run(db *d, void *arg)
{
	struct reg_snap *s = arg;
	int rc = SIP_OK;
	if (reg_wst.d != d) {
		reg_wst.d = d;
		reg_wst.del_aor = reg_wst.ins = reg_wst.del_expired = NULL;
	}
	if (!reg_wst.ins) {
		rc = db_prepare(d, REG_INSERT, &reg_wst.ins);
		if (rc == SIP_OK)
			rc = db_prepare(d, "DELETE FROM location WHERE aor = $1", &reg_wst.del_aor);
		if (rc == SIP_OK)
			rc = db_prepare(d, "DELETE FROM location WHERE expires <= $1",
					&reg_wst.del_expired);
		if (rc != SIP_OK)
			return rc;
	}
	if (s->sweep) {
		if ((rc = db_bind_int(reg_wst.del_expired, 1, s->sweep)) == SIP_OK)
			rc = db_step(reg_wst.del_expired);
		db_reset(reg_wst.del_expired);
		return rc;
	}
	sip_str aor = sip_str_make(s->aor, s->aor_len);
	if ((rc = db_exec(d, "BEGIN")) != SIP_OK)
		return rc;
	if ((rc = db_bind_text(reg_wst.del_aor, 1, aor)) == SIP_OK)
		rc = db_step(reg_wst.del_aor);
	db_reset(reg_wst.del_aor);
	db_stmt *st = reg_wst.ins;
	for (unsigned i = 0; i < s->n && rc == SIP_OK; i++)
		rc = reg_db_insert(st, aor, s->c[i]);
	if (rc == SIP_OK)
		rc = db_exec(d, "COMMIT");
	if (rc != SIP_OK && rc != SIP_EDBDOWN)
		db_exec(d, "ROLLBACK");
	return rc;
}

static void reg_dirty_add(sip_str aor)
{
	for (struct reg_dirty *e = reg_dirty.head; e; e = e->next)
		if (e->len == aor.len && memcmp(e->aor, aor.s, aor.len) == 0)
			return;
	if (reg_dirty.n >= REG_DIRTY_MAX) {
		if (!reg_dirty.overflow_logged)
			LOG_ERR("registrar: more than %u registrations not stored; the rest are stored"
				" at their next REGISTER", REG_DIRTY_MAX);
		reg_dirty.overflow_logged = true;
		return;
	}
	struct reg_dirty *e = sip_mem_alloc(sizeof *e + aor.len);
	if (!e)
		return;
	e->len = aor.len;
	memcpy(e->aor, aor.s, aor.len);
	e->next = reg_dirty.head;
	reg_dirty.head = e;
	reg_dirty.n++;
}

/* Loop thread: a failed write marks its address-of-record. */
static void reg_job_done(int status, void *arg)
{
	struct reg_snap *s = arg;
	if (status != SIP_OK && !s->sweep) {
		sip_str aor = sip_str_make(s->aor, s->aor_len);
		LOG_WARN("registrar: cannot store the bindings of " SIP_STR_FMT ": %s; will retry",
			 SIP_STR_ARG(aor), sip_strerror(status));
		reg_dirty_add(aor);
	}
	reg_snap_free(s);
}

/* Queue the write of aor's bindings as a holds them now. */
static void reg_queue_aor(sip_str aor, const reg_aor *a)
{
	struct reg_snap *s = reg_snap_make(aor, a);
	int rc = s ? reg_writer->submit(reg_job_run, reg_job_done, s) : SIP_NOMEM;
	if (rc != SIP_OK) {
		reg_snap_free(s);
		reg_dirty_add(aor);
	}
}

/* Write the marked addresses-of-record again, as many as the queue takes. */
static void reg_dirty_flush(reg_table *t)
{
	while (reg_dirty.head && reg_writer && reg_writer->ready()) {
		struct reg_dirty *e = reg_dirty.head;
		reg_dirty.head = e->next;
		reg_dirty.n--;
		sip_str aor = sip_str_make(e->aor, e->len);
		reg_queue_aor(aor, reg_aor_find(t, aor, reg_hash(aor)));
		sip_mem_free(e);
	}
	if (!reg_dirty.head)
		reg_dirty.overflow_logged = false;
}

void reg_save(reg_table *t, sip_msg *m, sip_str received, uint32_t flags, int64_t now,
	      sip_arena *ar, struct reg_result *out)
{
	struct reg_want w[REG_MAX_CONTACTS_PER_REQ];
	reg_contact *fresh[REG_MAX_CONTACTS_PER_REQ];
	unsigned n = 0;
	bool star = false;

	if (!m->is_request || m->method != SIP_METHOD_REGISTER)
		return reg_fail(out, 400, "Not a REGISTER");
	sip_naddr *to = sip_msg_to(m);
	sip_str aor = to ? reg_aor_of(ar, to->uri_str) : SIP_STR_NULL;
	if (!aor.len)
		return reg_fail(out, 400, "Bad To URI");

	/* Step 6: the expiry every contact asks for. */
	uint64_t hdr_exp = reg_conf.default_expires;
	bool has_hdr_exp = false;
	if (m->first[SIP_HDR_EXPIRES]) {
		if (!reg_parse_uint(m->first[SIP_HDR_EXPIRES]->body, &hdr_exp))
			return reg_fail(out, 400, "Bad Expires");
		has_hdr_exp = true;
	}
	for (sip_hdr *h = m->first[SIP_HDR_CONTACT]; h; h = h->next_same) {
		sip_naddr *c = sip_hdr_naddrs(m, h);
		if (!c)
			return reg_fail(out, 400, "Bad Contact");
		for (; c; c = c->next) {
			if (c->star) {
				star = true;
				continue;
			}
			if (n == REG_MAX_CONTACTS_PER_REQ)
				return reg_fail(out, 400, "Too Many Contacts");
			sip_str v;
			uint64_t e = hdr_exp;
			if (reg_param(c->params, "expires", &v) && !reg_parse_uint(v, &e))
				return reg_fail(out, 400, "Bad Contact expires");
			int q = -1;
			if (reg_param(c->params, "q", &v) && (q = reg_parse_q(v)) < 0)
				return reg_fail(out, 400, "Bad Contact q");
			if (!c->uri_str.len || c->uri_str.len > REG_MAX_FIELD)
				return reg_fail(out, 400, "Bad Contact");
			if (e > 0 && reg_conf.min_expires && e < reg_conf.min_expires) {
				out->code = 423;
				out->reason = "Interval Too Brief";
				out->hdrs = sip_arena_printf(ar, "Min-Expires: %u\r\n", reg_conf.min_expires);
				return;
			}
			if (reg_conf.max_expires && e > reg_conf.max_expires)
				e = reg_conf.max_expires;
			struct reg_want nw = { .uri = c->uri_str, .expires = e, .q = q };
			nw.params = reg_params_keep(ar, c->params);
			if (c->params.len && !nw.params.s)
				return reg_fail(out, 500, "Server Internal Error");
			if (nw.params.len > REG_MAX_FIELD)
				return reg_fail(out, 400, "Bad Contact");
			/* RFC 5626 §6: reg-id counts only with an instance. */
			if (reg_param(nw.params, "+sip.instance", &v) && v.len) {
				nw.instance = v;
				uint64_t id = 0;
				if (reg_param(nw.params, "reg-id", &v)
				    && (!reg_parse_uint(v, &id) || id == 0 || id > INT32_MAX))
					return reg_fail(out, 400, "Bad Contact reg-id");
				nw.reg_id = (uint32_t)id;
			}
			/* The same URI, or the same instance and reg-id, twice in
			 * one request: the last one wins. */
			unsigned i;
			for (i = 0; i < n; i++)
				if (sip_str_eq(w[i].uri, nw.uri)
				    || (nw.instance.len && sip_str_caseeq(w[i].instance, nw.instance)
					&& w[i].reg_id == nw.reg_id))
					break;
			w[i] = nw;
			if (i == n)
				n++;
		}
	}
	/* "*" must come alone and with Expires: 0 (§10.2.2). */
	if (star && (n || !has_hdr_exp || hdr_exp != 0))
		return reg_fail(out, 400, "Invalid Contact *");

	uint32_t h = reg_hash(aor);
	reg_aor *a = reg_aor_find(t, aor, h);
	if (a) {
		reg_aor_expire(t, a, now);
		if (!a->contacts) {
			reg_aor_unlink(t, a);
			a = NULL;
		}
	}
	sip_str path = reg_join_hdrs(m, SIP_HDR_PATH, ar);
	if (!n && !star) {
		/* A query: list the bindings (step 8). */
		out->code = 200;
		out->reason = "OK";
		out->hdrs = reg_ok_hdrs(a, path, now, ar);
		return;
	}

	/* Step 7 ordering: a binding updated from the same Call-ID must see a
	 * higher CSeq, else the whole request fails. A binding is updated by
	 * a contact with its URI or with its instance (RFC 5626). */
	uint32_t cseq = m->cseq.num;
	unsigned long kept = 0;
	for (reg_contact *c = a ? a->contacts : NULL; c; c = c->next) {
		if (!reg_replaced(w, n, star, c)) {
			kept++;
			continue;
		}
		if (sip_str_eq(reg_field(c, REG_CALLID), m->callid) && cseq <= c->cseq)
			return reg_fail(out, 500, "Out of Order");
	}
	if (reg_conf.max_contacts) {
		unsigned long total = kept;
		for (unsigned i = 0; i < n; i++)
			total += w[i].expires != 0;
		if (total > reg_conf.max_contacts)
			return reg_fail(out, 403, "Too Many Registered Contacts");
	}

	/* Build the new bindings before touching anything. */
	sip_hdr *uah = m->first[SIP_HDR_USER_AGENT];
	sip_str ua = uah ? uah->body : SIP_STR_NULL;
	if (ua.len > 255)
		ua.len = 255;
	for (unsigned i = 0; i < n; i++) {
		fresh[i] = NULL;
		if (!w[i].expires)
			continue;
		sip_str f[REG_NFIELDS] = {
			[REG_CONTACT] = w[i].uri, [REG_CALLID] = m->callid, [REG_PATH] = path,
			[REG_RECEIVED] = received, [REG_UA] = ua, [REG_PARAMS] = w[i].params,
		};
		if (!(fresh[i] = reg_contact_new(f))) {
			while (i--)
				sip_mem_free(fresh[i]);
			return reg_fail(out, 500, "Server Internal Error");
		}
		fresh[i]->expires = now + (int64_t)w[i].expires;
		fresh[i]->q = (int16_t)w[i].q;
		fresh[i]->cseq = cseq;
		fresh[i]->flags = flags;
	}

	bool queue = t->persist && reg_writer;
	if (queue && !reg_writer->ready()) {
		for (unsigned i = 0; i < n; i++)
			sip_mem_free(fresh[i]);
		LOG_WARN("registrar: database unavailable; not changing the bindings of " SIP_STR_FMT,
			 SIP_STR_ARG(aor));
		return reg_fail(out, 503, "Service Unavailable");
	}
	if (!queue && reg_db && t->persist) {
		int rc = reg_db_apply(aor, a, w, n, fresh, star);
		if (rc != SIP_OK) {
			for (unsigned i = 0; i < n; i++)
				sip_mem_free(fresh[i]);
			LOG_WARN("registrar: cannot store the bindings of " SIP_STR_FMT ": %s",
				 SIP_STR_ARG(aor), sip_strerror(rc));
			if (rc == SIP_EDBDOWN)
				return reg_fail(out, 503, "Service Unavailable");
			return reg_fail(out, 500, "Server Internal Error");
		}
	}

	/* Apply: removals first, then the new bindings in q order. */
	if (a) {
		for (reg_contact **pp = &a->contacts; *pp;) {
			if (reg_replaced(w, n, star, *pp)) {
				reg_contact *c = *pp;
				*pp = c->next;
				sip_mem_free(c);
				t->n_contacts--;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (!fresh[i])
			continue;
		if (!a && !(a = reg_aor_add(t, aor, h))) {
			for (; i < n; i++)
				sip_mem_free(fresh[i]);
			return reg_fail(out, 500, "Server Internal Error");
		}
		reg_contact_insert(a, fresh[i]);
		t->n_contacts++;
	}
	if (a && !a->contacts) {
		reg_aor_unlink(t, a);
		a = NULL;
	}
	if (queue)
		reg_queue_aor(aor, a);
	out->code = 200;
	out->reason = "OK";
	out->hdrs = reg_ok_hdrs(a, path, now, ar);
}

int reg_remove_aor(reg_table *t, sip_str aor)
{
	uint32_t h = reg_hash(aor);
	bool queue = t->persist && reg_writer;
	if (queue && !reg_writer->ready())
		return SIP_EDBDOWN;
	if (!queue && reg_db && t->persist) {
		int rc = reg_prepare();
		if (rc == SIP_OK && (rc = db_bind_text(reg_st.del_aor, 1, aor)) == SIP_OK)
			rc = db_step(reg_st.del_aor);
		db_reset(reg_st.del_aor);
		if (rc != SIP_OK)
			return rc;
	}
	reg_aor *a = reg_aor_find(t, aor, h);
	if (a) {
		for (reg_contact *c = a->contacts; c; c = c->next)
			t->n_contacts--;
		for (reg_contact *c = a->contacts, *cn; c; c = cn) {
			cn = c->next;
			sip_mem_free(c);
		}
		a->contacts = NULL;
		reg_aor_unlink(t, a);
	}
	if (queue)
		reg_queue_aor(aor, NULL);
	return SIP_OK;
}

/* Sweep buckets [from, to) of t; returns the bindings removed. */
static unsigned long reg_sweep_range(reg_table *t, uint32_t from, uint32_t to, int64_t now)
{
	unsigned long n = 0;
	for (uint32_t i = from; i < to && i <= t->mask; i++)
		for (reg_aor *a = t->buckets[i], *an; a; a = an) {
			an = a->next;
			n += reg_aor_expire(t, a, now);
			if (!a->contacts)
				reg_aor_unlink(t, a);
		}
	return n;
}

void reg_foreach(reg_table *t, int64_t now, void (*fn)(const reg_contact *c, void *arg), void *arg)
{
	if (!t)
		return;
	for (uint32_t i = 0; i <= t->mask; i++)
		for (reg_aor *a = t->buckets[i]; a; a = a->next)
			for (reg_contact *c = a->contacts; c; c = c->next)
				if (c->expires > now)
					fn(c, arg);
}

static void reg_db_sweep(int64_t now)
{
	if (reg_writer) {
		struct reg_snap *sn = reg_writer->ready() ? reg_snap_make(SIP_STR_NULL, NULL) : NULL;
		if (sn) {
			sn->sweep = now;
			if (reg_writer->submit(reg_job_run, reg_job_done, sn) != SIP_OK)
				reg_snap_free(sn);
		}
		return;
	}
	if (!reg_db || reg_prepare() != SIP_OK)
		return;
	if (db_bind_int(reg_st.del_expired, 1, now) == SIP_OK)
		db_step(reg_st.del_expired);
	db_reset(reg_st.del_expired);
}

unsigned long reg_sweep(reg_table *t, int64_t now)
{
	unsigned long n = reg_sweep_range(t, 0, t->mask + 1, now);
	if (t->persist)
		reg_db_sweep(now);
	if (t->persist && reg_dirty.head)
		reg_dirty_flush(t);
	return n;
}

/* The timer sweeps an eighth of each table per second, so a full pass
 * takes 8 s and no tick walks 100,000 bindings at once; lookups skip
 * expired bindings meanwhile. The database rows go at the end of a pass. */
#define REG_SWEEP_MS     1000
#define REG_SWEEP_SLICES 8

static struct {
	sip_timer_wheel *w;
	sip_timer tm;
} reg_tmr;

static void reg_on_timer(sip_timer *tm, void *arg)
{
	(void)arg;
	int64_t now = (int64_t)time(NULL);
	for (reg_table *t = reg_tables; t; t = t->next) {
		uint32_t slice = (t->mask + 1) / REG_SWEEP_SLICES;
		if (!slice)
			slice = t->mask + 1;
		uint32_t from = t->sweep_at;
		unsigned long n = reg_sweep_range(t, from, from + slice, now);
		if (n)
			LOG_DEBUG("registrar: %lu bindings of %s expired", n, t->name);
		t->sweep_at = from + slice > t->mask ? 0 : from + slice;
		if (t->sweep_at == 0 && t->persist)
			reg_db_sweep(now);
		if (t->persist && reg_dirty.head)
			reg_dirty_flush(t);
	}
	sip_timer_add(reg_tmr.w, tm, REG_SWEEP_MS);
}

void reg_timer_start(sip_timer_wheel *w)
{
	reg_tmr.w = w;
	sip_timer_init(&reg_tmr.tm, reg_on_timer, NULL);
	sip_timer_add(w, &reg_tmr.tm, REG_SWEEP_MS);
}

void reg_timer_stop(void)
{
	if (reg_tmr.w)
		sip_timer_cancel(reg_tmr.w, &reg_tmr.tm);
	reg_tmr.w = NULL;
}
