/* The dialog module's statistics and control commands (proxy/ctl.h):
 * "dlg list" shows the dialogs that have not ended, "dlg end" ends one
 * (BYE to both sides), "dlg profile" shows a profile's sizes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/stats.h"
#include "dialog/dialog.h"
#include "dialog/dlg_mod.h"
#include "dialog/profile.h"
#include "net/loop.h"
#include "proxy/host.h"

static int64_t dlg_active_stat(void)
{
	return (int64_t)dlg_active();
}

struct dlg_ctl_walk {
	proxy_ctl_out *o;
	uint64_t now;
	unsigned n;
};

static void dlg_ctl_one(const dlg *d, void *arg)
{
	struct dlg_ctl_walk *w = arg;
	proxy_ctl_out *o = w->o;
	proxy_ctl_printf(o, "%s{\"id\":%llu,\"state\":\"%s\",\"callid\":", w->n++ ? "," : "",
			 (unsigned long long)d->id, dlg_state_name(d->state));
	proxy_ctl_json_str(o, d->callid.s, d->callid.len);
	proxy_ctl_printf(o, ",\"from_tag\":");
	proxy_ctl_json_str(o, d->caller_tag.s, d->caller_tag.len);
	proxy_ctl_printf(o, ",\"to_tag\":");
	proxy_ctl_json_str(o, d->callee_tag.s, d->callee_tag.len);
	proxy_ctl_printf(o, ",\"from\":");
	proxy_ctl_json_str(o, d->caller_uri.s, d->caller_uri.len);
	proxy_ctl_printf(o, ",\"to\":");
	proxy_ctl_json_str(o, d->callee_uri.s, d->callee_uri.len);
	proxy_ctl_printf(o, ",\"age_s\":%llu,\"duration_s\":%llu,\"timeout_s\":%u,"
			 "\"keepalive_s\":%u,\"profiles\":[",
			 (unsigned long long)((w->now - d->created_ms) / 1000),
			 (unsigned long long)(d->confirmed_ms ? (w->now - d->confirmed_ms) / 1000 : 0),
			 d->timeout_s, d->keepalive_s);
	unsigned k = 0;
	for (const struct dlg_pmember *m = d->profiles; m; m = m->next) {
		const char *name = dlg_profile_name(m->idx);
		proxy_ctl_printf(o, "%s{\"name\":", k++ ? "," : "");
		proxy_ctl_json_str(o, name, strlen(name));
		if (dlg_profile_has_value(m->idx)) {
			sip_str v = dlg_pmember_value(m);
			proxy_ctl_printf(o, ",\"value\":");
			proxy_ctl_json_str(o, v.s, v.len);
		}
		proxy_ctl_printf(o, "}");
	}
	proxy_ctl_printf(o, "]}");
}

static bool dlg_ctl_list(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: dlg list");
	struct dlg_ctl_walk w = { o, sip_loop_clock_ms(), 0 };
	proxy_ctl_printf(o, ",\"dialogs\":[");
	dlg_foreach(dlg_ctl_one, &w);
	proxy_ctl_printf(o, "]");
	return true;
}

struct dlg_ctl_end {
	unsigned n;
};

static void dlg_ctl_end_one(dlg *d, void *arg)
{
	struct dlg_ctl_end *e = arg;
	if (dlg_hangup(d, DLG_END_OPERATOR))
		e->n++;
}

/* dlg end ID|CALL-ID: a number is a dialog id (dlg list), anything else
 * a Call-ID (every dialog of it). */
static bool dlg_ctl_end(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc != 1 || !*argv[0])
		return proxy_ctl_error(o, "usage: dlg end ID|CALLID");
	struct dlg_ctl_end e = { 0 };
	char *end;
	unsigned long long id = strtoull(argv[0], &end, 10);
	dlg *d;
	if (!*end && argv[0][0] >= '0' && argv[0][0] <= '9' && (d = dlg_by_id(id)))
		dlg_ctl_end_one(d, &e);
	else
		dlg_by_callid(sip_str_make(argv[0], strlen(argv[0])), dlg_ctl_end_one, &e);
	if (!e.n)
		return proxy_ctl_error(o, "no confirmed dialog %s", argv[0]);
	proxy_ctl_printf(o, ",\"ended\":%u", e.n);
	return true;
}

struct dlg_ctl_values {
	proxy_ctl_out *o;
	unsigned n;
};

static void dlg_ctl_value(sip_str v, unsigned long n, void *arg)
{
	struct dlg_ctl_values *w = arg;
	proxy_ctl_printf(w->o, "%s{\"value\":", w->n++ ? "," : "");
	proxy_ctl_json_str(w->o, v.s, v.len);
	proxy_ctl_printf(w->o, ",\"size\":%lu}", n);
}

/* dlg profile [NAME [VALUE]]: every profile's size; one profile's size
 * and its values; the size for one value. */
static bool dlg_ctl_profile(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc > 2)
		return proxy_ctl_error(o, "usage: dlg profile [NAME [VALUE]]");
	if (argc == 0) {
		proxy_ctl_printf(o, ",\"profiles\":[");
		unsigned k = 0;
		for (unsigned i = 0; i < dlg_profile_count(); i++) {
			const char *name = dlg_profile_name(i);
			if (!name)
				continue;
			proxy_ctl_printf(o, "%s{\"name\":", k++ ? "," : "");
			proxy_ctl_json_str(o, name, strlen(name));
			proxy_ctl_printf(o, ",\"values\":%s,\"size\":%lu}",
					 dlg_profile_has_value(i) ? "true" : "false",
					 dlg_profile_size(i, SIP_STR_NULL, true));
		}
		proxy_ctl_printf(o, "]");
		return true;
	}
	int p = dlg_profile_find(sip_str_make(argv[0], strlen(argv[0])));
	if (p < 0)
		return proxy_ctl_error(o, "no dialog profile %s", argv[0]);
	proxy_ctl_printf(o, ",\"profile\":");
	proxy_ctl_json_str(o, argv[0], strlen(argv[0]));
	if (argc == 2) {
		proxy_ctl_printf(o, ",\"value\":");
		proxy_ctl_json_str(o, argv[1], strlen(argv[1]));
		proxy_ctl_printf(o, ",\"size\":%lu",
				 dlg_profile_size((unsigned)p, sip_str_make(argv[1], strlen(argv[1])),
						  false));
		return true;
	}
	proxy_ctl_printf(o, ",\"size\":%lu", dlg_profile_size((unsigned)p, SIP_STR_NULL, true));
	if (dlg_profile_has_value((unsigned)p)) {
		struct dlg_ctl_values w = { o, 0 };
		proxy_ctl_printf(o, ",\"values\":[");
		dlg_profile_foreach_value((unsigned)p, dlg_ctl_value, &w);
		proxy_ctl_printf(o, "]");
	}
	return true;
}

void dlg_ctl_init(void)
{
	sip_stat_gauge("dialog.active", dlg_active_stat);
	proxy_ctl_register("dlg list", "", "the dialogs that have not ended", dlg_ctl_list);
	proxy_ctl_register("dlg end", "ID|CALLID",
			   "end a call: a BYE to each side (a dialog id of dlg list, or a Call-ID)",
			   dlg_ctl_end);
	proxy_ctl_register("dlg profile", "[NAME [VALUE]]",
			   "the dialogs in each profile, or in one (per value)", dlg_ctl_profile);
}
