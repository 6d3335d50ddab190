/* The registrar's statistics and control commands (proxy/ctl.h):
 * "ul show [AOR]" lists the bindings held in memory, "ul rm AOR" removes
 * those of one address-of-record (memory and database). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "core/stats.h"
#include "core/status.h"
#include "proxy/host.h"
#include "registrar/registrar.h"

void reg_ctl_init(void);

static const sip_str reg_ctl_table = SIP_STR_LIT("location");

static int64_t reg_contacts_stat(void)
{
	return (int64_t)reg_table_count(reg_table_get(reg_ctl_table, false));
}

static int64_t reg_aors_stat(void)
{
	return (int64_t)reg_table_aors(reg_table_get(reg_ctl_table, false));
}

/* "alice@example.com" or a SIP URI into the canonical address-of-record,
 * in a; empty when it is not one. */
static sip_str reg_ctl_aor(sip_arena *a, const char *arg)
{
	size_t n = strlen(arg);
	if (n > 4 && (strncasecmp(arg, "sip:", 4) == 0 || strncasecmp(arg, "sips:", 5) == 0))
		return reg_aor_of(a, sip_str_make(arg, n));
	sip_str uri = sip_arena_printf(a, "sip:%s", arg);
	return uri.len ? reg_aor_of(a, uri) : SIP_STR_NULL;
}

struct reg_ctl_walk {
	proxy_ctl_out *o;
	int64_t now;
	unsigned n;
};

static void reg_ctl_field(proxy_ctl_out *o, const char *key, const reg_contact *c,
			  enum reg_field f)
{
	sip_str v = reg_field(c, f);
	proxy_ctl_printf(o, ",\"%s\":", key);
	proxy_ctl_json_str(o, v.s ? v.s : "", v.len);
}

/* The unexpired bindings of one address-of-record, from first on. */
static void reg_ctl_show_one(struct reg_ctl_walk *w, sip_str aor, const reg_contact *first)
{
	unsigned k = 0;
	for (const reg_contact *c = first; c; c = c->next) {
		if (c->expires <= w->now)
			continue;
		if (!k++) {
			proxy_ctl_printf(w->o, "%s{\"aor\":", w->n++ ? "," : "");
			proxy_ctl_json_str(w->o, aor.s, aor.len);
			proxy_ctl_printf(w->o, ",\"contacts\":[");
		} else {
			proxy_ctl_printf(w->o, ",");
		}
		proxy_ctl_printf(w->o, "{\"expires\":%lld", (long long)(c->expires - w->now));
		reg_ctl_field(w->o, "contact", c, REG_CONTACT);
		if (c->q >= 0)
			proxy_ctl_printf(w->o, ",\"q\":%d.%03d", c->q / 1000, c->q % 1000);
		reg_ctl_field(w->o, "callid", c, REG_CALLID);
		proxy_ctl_printf(w->o, ",\"cseq\":%u", c->cseq);
		reg_ctl_field(w->o, "received", c, REG_RECEIVED);
		reg_ctl_field(w->o, "path", c, REG_PATH);
		reg_ctl_field(w->o, "user_agent", c, REG_UA);
		reg_ctl_field(w->o, "params", c, REG_PARAMS);
		sip_str inst = reg_instance(c);
		if (inst.len) {
			proxy_ctl_printf(w->o, ",\"instance\":");
			proxy_ctl_json_str(w->o, inst.s, inst.len);
			proxy_ctl_printf(w->o, ",\"reg_id\":%u", reg_reg_id(c));
		}
		proxy_ctl_printf(w->o, ",\"flags\":%u}", c->flags);
	}
	if (k)
		proxy_ctl_printf(w->o, "]}");
}

static void reg_ctl_show_aor(const reg_aor *a, void *arg)
{
	reg_ctl_show_one(arg, sip_str_make(a->aor, a->len), a->contacts);
}

static bool reg_ctl_show(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc > 1)
		return proxy_ctl_error(o, "usage: ul show [AOR]");
	reg_table *t = reg_table_get(reg_ctl_table, false);
	struct reg_ctl_walk w = { o, (int64_t)time(NULL), 0 };
	proxy_ctl_printf(o, ",\"aors\":[");
	if (argc == 1) {
		sip_arena a;
		sip_arena_init(&a, 512);
		sip_str aor = reg_ctl_aor(&a, argv[0]);
		if (!aor.len) {
			sip_arena_destroy(&a);
			return proxy_ctl_error(o, "'%s' is not an address-of-record (user@domain)", argv[0]);
		}
		reg_ctl_show_one(&w, aor, t ? reg_lookup(t, aor, w.now, &a) : NULL);
		sip_arena_destroy(&a);
	} else {
		reg_table_foreach(t, reg_ctl_show_aor, &w);
	}
	proxy_ctl_printf(o, "]");
	return true;
}

static bool reg_ctl_rm(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc != 1)
		return proxy_ctl_error(o, "usage: ul rm AOR");
	reg_table *t = reg_table_get(reg_ctl_table, false);
	sip_arena a;
	sip_arena_init(&a, 512);
	sip_str aor = reg_ctl_aor(&a, argv[0]);
	bool ok = false;
	if (!aor.len) {
		proxy_ctl_error(o, "'%s' is not an address-of-record (user@domain)", argv[0]);
	} else if (reg_lookup_status(t, aor, (int64_t)time(NULL), SIP_STR_NULL) != REG_FOUND) {
		proxy_ctl_error(o, "no registration for %.*s", (int)aor.len, aor.s);
	} else {
		int rc = reg_remove_aor(t, aor);
		if (rc != SIP_OK) {
			proxy_ctl_error(o, "cannot remove %.*s: %s", (int)aor.len, aor.s, sip_strerror(rc));
		} else {
			proxy_ctl_printf(o, ",\"removed\":");
			proxy_ctl_json_str(o, aor.s, aor.len);
			ok = true;
		}
	}
	sip_arena_destroy(&a);
	return ok;
}

void reg_ctl_init(void)
{
	sip_stat_gauge("usrloc.contacts", reg_contacts_stat);
	sip_stat_gauge("usrloc.aors", reg_aors_stat);
	proxy_ctl_register("ul show", "[AOR]", "registrations held in memory (of one address-of-record)",
			   reg_ctl_show);
	proxy_ctl_register("ul rm", "AOR", "remove every registration of an address-of-record",
			   reg_ctl_rm);
}
