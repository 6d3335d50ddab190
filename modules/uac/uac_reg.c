/* Registrations with the trunks that have a registrar (OpenSIPS
 * uac_registrant): the proxy REGISTERs at start and whenever the trunk
 * table changes, answers the registrar's digest challenge with the
 * trunk's credentials, registers again when three quarters of the
 * interval the registrar granted have passed, and after a failure tries
 * again after uac.reg_retry seconds, doubled after each failure in a row
 * up to uac.reg_retry_max. Each registration's state is on the control
 * socket ("trunk status"); is_from_trunk() recognises the calls the
 * trunks send.
 *
 * Requests go out through the host's local UAC (proxy/uac.h): one
 * client transaction each, one callback with the final status. A trunk
 * removed from the table while its REGISTER is out is freed when the
 * callback comes; its binding at the registrar is left to expire.
 *
 * On several workers: registrations are sent, answered, timed and
 * listed on worker 0 (its timers, the REGISTERs' answers come back to
 * their sender, the control socket), which alone changes them.
 * is_from_trunk() reads them on any worker: the list, the fields it
 * matches on and the state change under R.lock held for writing, and
 * uac_reg_match holds it for reading. Worker 0 reads without it. */
#include "uac/uac.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/host.h"

enum uac_reg_state { REG_IDLE, REG_SENT, REG_AUTH, REG_OK, REG_FAILED };
static const char *const reg_state_name[] = { "idle", "registering", "authenticating",
					      "registered", "failed" };

struct uac_reg {
	struct uac_reg *next;
	int64_t id;
	sip_arena arena;            /* the strings below */
	sip_str name, realm, user, password, registrar, aor, contact, contact_user, reg_host;
	int reg_port;               /* the registrar URI's port, else 5060 */
	int expires;                /* asked for */
	char callid[40];
	char tag[20];
	uint32_t cseq;
	enum uac_reg_state state;
	int last_code;
	int granted;                /* seconds the registrar granted */
	time_t registered_at, next_at;
	unsigned failures;          /* in a row */
	unsigned registrations;     /* 200s so far */
	bool pending;               /* a REGISTER is out: its callback comes */
	bool gone;                  /* removed from the table meanwhile */
	bool dirty;                 /* changed meanwhile: register again */
	sip_timer timer;
};

static struct {
	sip_timer_wheel *w;
	struct uac_reg *head;
	struct uac_reg *limbo;      /* removed while their REGISTER is out */
	int retry_s, retry_max_s, timeout_s;
	bool ready;
	pthread_rwlock_t lock;      /* head, the links, what uac_reg_match reads */
} R = { .lock = PTHREAD_RWLOCK_INITIALIZER };

/* g's state, as uac_reg_match may read it on another worker. */
static void reg_state_set(struct uac_reg *g, enum uac_reg_state st)
{
	pthread_rwlock_wrlock(&R.lock);
	g->state = st;
	pthread_rwlock_unlock(&R.lock);
}

static void reg_send(struct uac_reg *g, const struct uac_chal *c, bool proxy);

static void reg_free(struct uac_reg *g)
{
	if (R.w)
		sip_timer_cancel(R.w, &g->timer);
	sip_arena_destroy(&g->arena);
	sip_mem_free(g);
}

static void reg_rand_hex(char *out, size_t n)
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		memset(b, 0x5a, sizeof b);
	for (size_t i = 0; i < n / 2 && i < sizeof b; i++)
		sip_fmt_hex(out + 2 * i, b[i], 2);
	out[n] = '\0';
}

static void reg_timer_fn(sip_timer *t, void *arg)
{
	(void)t;
	struct uac_reg *g = arg;
	if (!g->pending)
		reg_send(g, NULL, false);
}

static void reg_later(struct uac_reg *g, unsigned s)
{
	sip_timer_cancel(R.w, &g->timer);
	sip_timer_add(R.w, &g->timer, (uint64_t)s * 1000u);
	g->next_at = time(NULL) + (time_t)s;
}

/* The interval the registrar granted our Contact: its expires parameter
 * in the 200's Contact list, else the Expires header, else what was
 * asked. */
static int reg_granted(struct uac_reg *g, const sip_msg *resp_c)
{
	sip_msg *resp = (sip_msg *)resp_c;
	int granted = -1;
	for (sip_hdr *h = resp->first[SIP_HDR_CONTACT]; h && granted < 0; h = h->next_same)
		for (sip_naddr *n = sip_hdr_naddrs(resp, h); n; n = n->next) {
			sip_str v;
			if (!sip_str_caseeq(n->uri_str, g->contact) || !uac_param(n->params, "expires", &v))
				continue;
			granted = 0;
			for (size_t i = 0; i < v.len && v.s[i] >= '0' && v.s[i] <= '9' && granted < 1000000; i++)
				granted = granted * 10 + (v.s[i] - '0');
			break;
		}
	sip_hdr *e = resp->first[SIP_HDR_EXPIRES];
	if (granted < 0 && e) {
		granted = 0;
		for (size_t i = 0; i < e->body.len && e->body.s[i] >= '0' && e->body.s[i] <= '9' &&
		     granted < 1000000; i++)
			granted = granted * 10 + (e->body.s[i] - '0');
	}
	return granted < 0 ? g->expires : granted;
}

static void reg_failed(struct uac_reg *g, int code)
{
	unsigned wait = (unsigned)(R.retry_s > 0 ? R.retry_s : 1);
	for (unsigned i = 0; i < g->failures && wait < (unsigned)R.retry_max_s; i++)
		wait *= 2;
	if (R.retry_max_s > 0 && wait > (unsigned)R.retry_max_s)
		wait = (unsigned)R.retry_max_s;
	g->failures++;
	reg_state_set(g, REG_FAILED);
	LOG_WARN("uac: registration of trunk " SIP_STR_FMT " at " SIP_STR_FMT " failed with %d;"
		 " trying again in %u s", SIP_STR_ARG(g->name), SIP_STR_ARG(g->registrar), code, wait);
	reg_later(g, wait);
}

/* The final answer to a REGISTER. */
static void reg_done(void *arg, int code, const sip_msg *resp)
{
	struct uac_reg *g = arg;
	g->pending = false;
	if (g->gone) {
		for (struct uac_reg **pp = &R.limbo; *pp; pp = &(*pp)->next)
			if (*pp == g) {
				*pp = g->next;
				break;
			}
		reg_free(g);
		return;
	}
	g->last_code = code;
	if (g->dirty) {
		g->dirty = false;
		reg_send(g, NULL, false);
		return;
	}
	if (code >= 200 && code < 300 && resp) {
		g->granted = reg_granted(g, resp);
		reg_state_set(g, REG_OK);
		g->failures = 0;
		g->registrations++;
		g->registered_at = time(NULL);
		int again = g->granted > 0 ? g->granted * 3 / 4 : g->expires * 3 / 4;
		LOG_NOTICE("uac: trunk " SIP_STR_FMT " registered at " SIP_STR_FMT " for %d s",
			   SIP_STR_ARG(g->name), SIP_STR_ARG(g->registrar), g->granted);
		reg_later(g, (unsigned)(again > 0 ? again : 1));
		return;
	}
	if ((code == 401 || code == 407) && resp && g->state != REG_AUTH) {
		sip_msg *r = (sip_msg *)resp;
		bool proxy = code == 407;
		struct uac_chal c;
		for (sip_hdr *h = r->first[proxy ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE]; h;
		     h = h->next_same)
			if (uac_chal_parse(h->body, &c) && (!g->realm.len || sip_str_eq(g->realm, c.realm))) {
				reg_send(g, &c, proxy);
				return;
			}
		LOG_WARN("uac: trunk " SIP_STR_FMT ": no challenge of %d to answer (realm \"" SIP_STR_FMT
			 "\" expected)", SIP_STR_ARG(g->name), code, SIP_STR_ARG(g->realm));
	}
	reg_failed(g, code);
}

/* Send the REGISTER of g, with credentials answering c when given. */
static void reg_send(struct uac_reg *g, const struct uac_chal *c, bool proxy)
{
	_Alignas(16) char abuf[2048];
	sip_arena a;
	sip_arena_init_buf(&a, abuf, sizeof abuf, 2048);
	sip_str auth = SIP_STR_LIT("");
	g->cseq++;
	if (c) {
		char cn[17];
		reg_rand_hex(cn, 16);
		auth = uac_auth_line(&a, proxy, c, g->user, g->password, SIP_STR_LIT("REGISTER"), g->registrar,
				     sip_str_make(cn, 16));
	}
	sip_str hdrs = sip_arena_printf(&a, "Contact: <" SIP_STR_FMT ">\r\nExpires: %d\r\n" SIP_STR_FMT,
					SIP_STR_ARG(g->contact), g->expires, SIP_STR_ARG(auth));
	sip_str from = sip_arena_printf(&a, "<" SIP_STR_FMT ">;tag=%s", SIP_STR_ARG(g->aor), g->tag);
	sip_str to = sip_arena_printf(&a, "<" SIP_STR_FMT ">", SIP_STR_ARG(g->aor));
	if (!hdrs.s || !from.s || !to.s || (c && !auth.len)) {
		sip_arena_destroy(&a);
		reg_failed(g, 500);
		return;
	}
	struct proxy_uac_req req = {
		.method = SIP_STR_LIT("REGISTER"), .ruri = g->registrar, .from = from, .to = to,
		.callid = sip_str_make(g->callid, strlen(g->callid)), .cseq = g->cseq, .headers = hdrs,
		.timeout_ms = R.timeout_s > 0 ? (uint32_t)R.timeout_s * 1000u : 0,
		.body = SIP_STR_LIT(""),    /* not NULL: proxy_uac_send copies it */
	};
	int rc = proxy_uac_send(&req, reg_done, g);
	sip_arena_destroy(&a);
	if (rc != SIP_OK) {
		reg_failed(g, 503);
		return;
	}
	g->pending = true;
	reg_state_set(g, c ? REG_AUTH : REG_SENT);
	g->next_at = 0;
}

/* Our address for a Contact: the first listening socket's. */
static sip_str reg_our_hostport(sip_arena *a)
{
	if (!proxy_conf.n_listen)
		return SIP_STR_LIT("127.0.0.1");
	const struct proxy_listen *l = &proxy_conf.listen[0];
	bool v6 = strchr(l->addr, ':') != NULL;
	return sip_arena_printf(a, "%s%s%s:%d", v6 ? "[" : "", l->addr, v6 ? "]" : "", l->port);
}

/* Fill g from t (copies); false without memory. */
static bool reg_fill(struct uac_reg *g, const uac_trunk *t)
{
	sip_arena_reset(&g->arena);
	sip_arena *a = &g->arena;
	g->id = t->id;
	g->name = sip_arena_strdup(a, t->name);
	g->realm = sip_arena_strdup(a, t->realm);
	g->user = sip_arena_strdup(a, t->username);
	g->password = sip_arena_strdup(a, t->password);
	g->registrar = sip_arena_strdup(a, t->registrar);
	g->reg_host = sip_arena_strdup(a, t->reg_host);
	g->expires = t->expires > 0 ? t->expires : 3600;
	g->aor = t->aor.len ? sip_arena_strdup(a, t->aor)
			    : sip_arena_printf(a, "sip:" SIP_STR_FMT "@" SIP_STR_FMT, SIP_STR_ARG(t->username),
					       SIP_STR_ARG(t->reg_host));
	if (t->contact.len) {
		g->contact = sip_arena_strdup(a, t->contact);
	} else {
		sip_str hp = reg_our_hostport(a);
		g->contact = sip_arena_printf(a, "sip:" SIP_STR_FMT "@" SIP_STR_FMT, SIP_STR_ARG(t->username),
					      SIP_STR_ARG(hp));
	}
	sip_uri u;
	g->contact_user = g->contact.s && sip_uri_parse(g->contact, &u) == SIP_OK ? u.user : SIP_STR_NULL;
	g->reg_port = sip_uri_parse(g->registrar, &u) == SIP_OK && u.port ? u.port : 5060;
	return g->name.s && g->registrar.s && g->aor.s && g->contact.s;
}

static bool reg_same(const struct uac_reg *g, const uac_trunk *t)
{
	return sip_str_eq(g->name, t->name) && sip_str_eq(g->realm, t->realm) &&
	       sip_str_eq(g->user, t->username) && sip_str_eq(g->password, t->password) &&
	       sip_str_eq(g->registrar, t->registrar) && (!t->aor.len || sip_str_eq(g->aor, t->aor)) &&
	       (!t->contact.len || sip_str_eq(g->contact, t->contact)) &&
	       g->expires == (t->expires > 0 ? t->expires : 3600);
}

/* A new snapshot of the trunk table: a registration for each trunk with
 * a registrar, new or changed ones sent now (on the timer: nothing is
 * sent here), those of removed trunks dropped. R.lock is held for
 * writing throughout. */
static void reg_sync(void)
{
	if (!R.ready)
		return;
	pthread_rwlock_wrlock(&R.lock);
	for (struct uac_reg *g = R.head; g; g = g->next)
		g->gone = true;
	for (const uac_trunk *t = uac_trunks(); t; t = t->next) {
		if (!t->registrar.len)
			continue;
		struct uac_reg *g = R.head;
		while (g && g->id != t->id)
			g = g->next;
		if (g && reg_same(g, t)) {
			g->gone = false;
			continue;
		}
		bool fresh = !g;
		if (fresh) {
			g = sip_mem_alloc(sizeof *g);
			if (!g)
				continue;
			memset(g, 0, sizeof *g);
			sip_arena_init(&g->arena, 1024);
			sip_timer_init(&g->timer, reg_timer_fn, g);
			reg_rand_hex(g->callid, 32);
			reg_rand_hex(g->tag, 16);
			g->next = R.head;
			R.head = g;
		}
		g->gone = false;
		if (!reg_fill(g, t)) {
			LOG_ERR("uac: out of memory for the registration of trunk " SIP_STR_FMT, SIP_STR_ARG(t->name));
			g->gone = true;
			continue;
		}
		g->failures = 0;
		if (g->pending) {
			g->dirty = true;
		} else {
			g->state = REG_IDLE;        /* R.lock held */
			reg_later(g, 0);
		}
	}
	for (struct uac_reg **pp = &R.head; *pp;) {
		struct uac_reg *g = *pp;
		if (!g->gone) {
			pp = &g->next;
			continue;
		}
		*pp = g->next;
		LOG_NOTICE("uac: trunk " SIP_STR_FMT " is no longer registered to", SIP_STR_ARG(g->name));
		if (g->pending) {
			sip_timer_cancel(R.w, &g->timer);   /* freed by its callback */
			g->next = R.limbo;
			R.limbo = g;
		} else {
			reg_free(g);
		}
	}
	pthread_rwlock_unlock(&R.lock);
}

/* On any worker. The trunk returned is the snapshot's (valid while the
 * caller's loop turn lasts), not the registration. */
const uac_trunk *uac_reg_match(sip_str src_ip, int src_port, sip_str ruri_user)
{
	const uac_trunk *t = NULL;
	pthread_rwlock_rdlock(&R.lock);
	for (const struct uac_reg *g = R.head; g; g = g->next) {
		bool hit = (sip_str_caseeq(g->reg_host, src_ip) && g->reg_port == src_port) ||
			   (ruri_user.len && g->state == REG_OK && sip_str_eq(g->contact_user, ruri_user));
		if (hit) {
			t = uac_trunk_by_name(g->name);
			break;
		}
	}
	pthread_rwlock_unlock(&R.lock);
	return t;
}

/* "trunk status": one object per registration. */
static bool reg_ctl_status(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: trunk status");
	time_t now = time(NULL);
	proxy_ctl_printf(o, ",\"trunks\":[");
	bool first = true;
	for (const struct uac_reg *g = R.head; g; g = g->next) {
		proxy_ctl_printf(o, "%s{\"name\":", first ? "" : ",");
		first = false;
		proxy_ctl_json_str(o, g->name.s, g->name.len);
		proxy_ctl_printf(o, ",\"registrar\":");
		proxy_ctl_json_str(o, g->registrar.s, g->registrar.len);
		proxy_ctl_printf(o, ",\"aor\":");
		proxy_ctl_json_str(o, g->aor.s, g->aor.len);
		proxy_ctl_printf(o, ",\"contact\":");
		proxy_ctl_json_str(o, g->contact.s, g->contact.len);
		long left = g->state == REG_OK ? (long)(g->registered_at + g->granted - now) : 0;
		proxy_ctl_printf(o, ",\"state\":\"%s\",\"last_code\":%d,\"expires\":%ld,\"failures\":%u,"
				 "\"registrations\":%u,\"next_in\":%ld}", reg_state_name[g->state], g->last_code,
				 left > 0 ? left : 0L, g->failures, g->registrations,
				 g->next_at > now ? (long)(g->next_at - now) : 0L);
	}
	proxy_ctl_printf(o, "]");
	return true;
}

static void reg_db_ready(db *d)
{
	(void)d;
	R.ready = true;
	reg_sync();
}

void uac_reg_init(sip_timer_wheel *w)
{
	R.w = w;
	R.retry_s = (int)sipcc_setting_int_range("uac", "reg_retry", 30, 1, 86400);
	R.retry_max_s = (int)sipcc_setting_int_range("uac", "reg_retry_max", 600, 1, 86400);
	R.timeout_s = (int)sipcc_setting_int_range("uac", "reg_timeout", 10, 0, 3600);
	uac_trunk_on_loaded = reg_sync;
	proxy_db_want(reg_db_ready);
	proxy_ctl_register("trunk status", "", "the registrations with the trunks and their state",
			   reg_ctl_status);
}

/* At exit the loop has stopped: no callback of a REGISTER still out can
 * come any more (the host drops them), so everything goes. */
void uac_reg_destroy(void)
{
	uac_trunk_on_loaded = NULL;
	pthread_rwlock_wrlock(&R.lock);
	struct uac_reg *lists[2] = { R.head, R.limbo };
	for (int i = 0; i < 2; i++)
		while (lists[i]) {
			struct uac_reg *g = lists[i];
			lists[i] = g->next;
			reg_free(g);
		}
	R.head = R.limbo = NULL;
	R.ready = false;
	pthread_rwlock_unlock(&R.lock);
}
