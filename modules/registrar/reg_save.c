/* REGISTER processing (RFC 3261 §10.3, RFC 3327 Path, RFC 5626 instances):
 * the Contacts of a request checked and resolved, the changes to the
 * bindings decided before anything is touched, written through to the
 * database and applied to the table all or nothing, and the 200's
 * Contact list. Also the removal of an address-of-record, which follows
 * the same write-then-apply order. */
#include "registrar/reg_int.h"

#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/status.h"

struct reg_conf reg_conf = { 60, 3600, 86400, 0 };

#define REG_MAX_CONTACTS_PER_REQ 32

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

/* Whether binding c goes or is replaced by the request (its contacts w,
 * or "*"). */
static bool reg_replaced(const struct reg_want *w, unsigned n, bool star, const reg_contact *c)
{
	for (unsigned i = 0; i < n && !star; i++)
		if (reg_contact_matches(c, w[i].uri, w[i].instance, w[i].reg_id))
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

/* Write the bindings aor has once the request (its contacts w, "*",
 * the new bindings fresh) is applied to a (may be NULL): those it keeps,
 * then the new ones. */
static int reg_save_store(reg_table *t, sip_str aor, const reg_aor *a, const struct reg_want *w,
			  unsigned n, bool star, reg_contact *const *fresh, sip_arena *ar,
			  reg_store_done done, void *arg)
{
	unsigned k = n, nb = 0;
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next)
		k++, nb++;
	const reg_contact **after = sip_arena_alloc(ar, (k + nb) * sizeof *after + 1);
	if (!after)
		return SIP_NOMEM;
	const reg_contact **before = after + k;
	k = nb = 0;
	for (const reg_contact *c = a ? a->contacts : NULL; c; c = c->next) {
		before[nb++] = c;
		if (!reg_replaced(w, n, star, c))
			after[k++] = c;
	}
	for (unsigned i = 0; i < n; i++)
		if (fresh[i])
			after[k++] = fresh[i];
	return reg_store_write_wait(t, aor, before, nb, after, k, done, arg);
}

static void reg_apply(reg_table *t, sip_msg *m, sip_str aor, const struct reg_want *w, unsigned n,
		      bool star, sip_str received, uint32_t flags, int64_t now, sip_arena *ar,
		      struct reg_result *out, reg_store_done done, void *arg);

void reg_save(reg_table *t, sip_msg *m, sip_str received, uint32_t flags, int64_t now,
	      sip_arena *ar, struct reg_result *out)
{
	reg_save_wait(t, m, received, flags, now, ar, out, NULL, NULL);
}

void reg_save_wait(reg_table *t, sip_msg *m, sip_str received, uint32_t flags, int64_t now,
		   sip_arena *ar, struct reg_result *out, void (*done)(int status, void *arg),
		   void *arg)
{
	out->pending = false;
	struct reg_want w[REG_MAX_CONTACTS_PER_REQ];
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

	reg_table_wrlock(t);
	reg_apply(t, m, aor, w, n, star, received, flags, now, ar, out, done, arg);
	reg_table_unlock(t);
}

/* The request's part under t's exclusive lock (the checks against the
 * bindings, the write-through queued, the change): a REGISTER on
 * another worker sees the bindings before or after it, never half. */
static void reg_apply(reg_table *t, sip_msg *m, sip_str aor, const struct reg_want *w, unsigned n,
		      bool star, sip_str received, uint32_t flags, int64_t now, sip_arena *ar,
		      struct reg_result *out, reg_store_done done, void *arg)
{
	reg_contact *fresh[REG_MAX_CONTACTS_PER_REQ];
	reg_aor *a = reg_aor_find(t, aor);
	if (a) {
		reg_aor_expire(t, a, now);
		if (!a->contacts) {
			reg_aor_prune(t, a);
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
			[REG_NODE] = reg_own_node(),
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

	/* The database first: without a worker the reply waits for the write
	 * and a failed one leaves memory as it was; with one the write is
	 * queued, and with done the reply waits for it (SIP_AGAIN): memory
	 * changes now, so the next REGISTER of the address-of-record builds on
	 * this one, and is put back when the write fails (reg_store.c).
	 * Applying the change to memory cannot fail. */
	int rc = reg_store_on(t) ? reg_store_ready() : SIP_OK;
	bool adds = false;
	for (unsigned i = 0; i < n; i++)
		adds = adds || fresh[i];
	bool made = rc == SIP_OK && !a && adds;
	if (made && !(a = reg_aor_add(t, aor))) {
		made = false;
		rc = SIP_NOMEM;
	}
	if (rc == SIP_OK && reg_store_on(t))
		rc = reg_save_store(t, aor, a, w, n, star, fresh, ar, done, arg);
	if (rc == SIP_AGAIN) {
		out->pending = true;
		rc = SIP_OK;
	}
	if (rc != SIP_OK) {
		for (unsigned i = 0; i < n; i++)
			sip_mem_free(fresh[i]);
		if (made)
			reg_aor_prune(t, a);
		LOG_WARN("registrar: cannot store the bindings of " SIP_STR_FMT ": %s; not changing them",
			 SIP_STR_ARG(aor), sip_strerror(rc));
		if (rc == SIP_EDBDOWN)
			return reg_fail(out, 503, "Service Unavailable");
		return reg_fail(out, 500, "Server Internal Error");
	}

	/* Apply: removals first, then the new bindings in q order. A new
	 * binding that replaces one is a refresh, a binding that goes with
	 * no new one in its place a deletion. */
	bool again[REG_MAX_CONTACTS_PER_REQ] = { false };
	for (reg_contact **pp = a ? &a->contacts : NULL; pp && *pp;) {
		if (reg_replaced(w, n, star, *pp)) {
			reg_contact *c = *pp;
			*pp = c->next;
			bool refreshed = false;
			for (unsigned i = 0; i < n; i++)
				if (fresh[i] && reg_contact_matches(c, w[i].uri, w[i].instance, w[i].reg_id))
					refreshed = again[i] = true;
			if (reg_on_change && !refreshed)
				reg_on_change(REG_DELETED, aor, c, now);
			sip_mem_free(c);
			t->n_contacts--;
		} else {
			pp = &(*pp)->next;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (!fresh[i])
			continue;
		reg_contact_insert(t, a, fresh[i]);
		if (reg_on_change)
			reg_on_change(again[i] ? REG_REFRESHED : REG_INSERTED, aor, fresh[i], now);
	}
	if (a && !a->contacts) {
		reg_aor_prune(t, a);
		a = NULL;
	}
	out->code = 200;
	out->reason = "OK";
	out->hdrs = reg_ok_hdrs(a, path, now, ar);
}

/* Memory first or database first makes no difference to a worker's
 * queue, and without one a database that refuses leaves memory as it
 * was. */
int reg_remove_aor(reg_table *t, sip_str aor)
{
	reg_table_wrlock(t);
	if (reg_store_on(t)) {
		int rc = reg_store_ready();
		if (rc == SIP_OK)
			rc = reg_store_write(aor, NULL, 0);
		if (rc != SIP_OK) {
			reg_table_unlock(t);
			return rc;
		}
	}
	reg_aor *a = reg_aor_find(t, aor);
	if (a)
		reg_aor_drop(t, a);
	reg_table_unlock(t);
	return SIP_OK;
}
