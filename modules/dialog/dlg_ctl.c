/* The dialog module's statistics and control commands (proxy/ctl.h):
 * "dlg list" shows the dialogs that have not ended, "dlg end" ends one
 * (BYE to both sides), "dlg profile" shows a profile's sizes.
 *
 * The commands run on worker 0; the dialogs live on the worker of their
 * call. "dlg list" reads each worker's table under its lock
 * (dlg_foreach); "dlg end" is run by the dialog's worker (posted to it:
 * only the owner ends its dialogs and sends their BYEs), and the reply
 * waits for it (proxy_ctl_defer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"
#include "dialog/dialog.h"
#include "dialog/dlg_mod.h"
#include "dialog/profile.h"
#include "core/worker.h"
#include "net/loop.h"
#include "proxy/host.h"
#include "proxy/worker.h"

static int64_t dlg_active_stat(void)
{
	return (int64_t)dlg_active();
}

struct dlg_ctl_walk {
	proxy_ctl_out *o;
	uint64_t now;
	unsigned n, k;
};

static void dlg_ctl_member(unsigned idx, const char *name, bool has_value, sip_str v, void *arg)
{
	struct dlg_ctl_walk *w = arg;
	(void)idx;
	proxy_ctl_printf(w->o, "%s{\"name\":", w->k++ ? "," : "");
	proxy_ctl_json_str(w->o, name, strlen(name));
	if (has_value) {
		proxy_ctl_printf(w->o, ",\"value\":");
		proxy_ctl_json_str(w->o, v.s, v.len);
	}
	proxy_ctl_printf(w->o, "}");
}

static void dlg_ctl_one(const dlg *d, void *arg)
{
	struct dlg_ctl_walk *w = arg;
	proxy_ctl_out *o = w->o;
	proxy_ctl_printf(o, "%s{\"id\":%llu,\"worker\":%u,\"state\":\"%s\",\"callid\":",
			 w->n++ ? "," : "", (unsigned long long)d->id, d->worker,
			 dlg_state_name(d->state));
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
	w->k = 0;
	dlg_profile_members(d, dlg_ctl_member, w);
	proxy_ctl_printf(o, "]}");
}

static bool dlg_ctl_list(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: dlg list");
	struct dlg_ctl_walk w = { o, sip_loop_clock_ms(), 0, 0 };
	proxy_ctl_printf(o, ",\"dialogs\":[");
	dlg_foreach(dlg_ctl_one, &w);
	proxy_ctl_printf(o, "]");
	return true;
}

/* One "dlg end": run on the worker of the dialog(s), then (its reply
 * deferred) back on worker 0 to answer. */
struct dlg_ctl_end {
	proxy_ctl_later *later;      /* NULL: answered at once, on worker 0 */
	uint64_t id;                 /* the dialog, or 0: every dialog of callid */
	unsigned n;                  /* dialogs ended */
	char arg[];                  /* the argument as given (a Call-ID) */
};

static void dlg_ctl_end_one(dlg *d, void *arg)
{
	struct dlg_ctl_end *e = arg;
	if (dlg_hangup(d, DLG_END_OPERATOR))
		e->n++;
}

/* On the dialog's worker: end it (they) there. */
static void dlg_ctl_end_here(struct dlg_ctl_end *e)
{
	dlg *d;
	if (e->id && (d = dlg_by_id(e->id)))
		dlg_ctl_end_one(d, e);
	else if (!e->id)
		dlg_by_callid(sip_str_make(e->arg, strlen(e->arg)), dlg_ctl_end_one, e);
}

static bool dlg_ctl_end_answer(proxy_ctl_out *o, const struct dlg_ctl_end *e)
{
	if (!e->n)
		return proxy_ctl_error(o, "no confirmed dialog %s", e->arg);
	proxy_ctl_printf(o, ",\"ended\":%u", e->n);
	return true;
}

/* Back on worker 0: the deferred reply. */
static void dlg_ctl_end_reply(void *arg)
{
	struct dlg_ctl_end *e = arg;
	proxy_ctl_finish(e->later, dlg_ctl_end_answer(proxy_ctl_later_out(e->later), e));
	sip_mem_free(e);
}

static void dlg_ctl_end_posted(void *arg)
{
	struct dlg_ctl_end *e = arg;
	dlg_ctl_end_here(e);
	if (proxy_worker_post(0, dlg_ctl_end_reply, e) != SIP_OK)
		/* The reply is worker 0's: the client waits until it goes. */
		LOG_ERR("dialog: dlg end %s: ended %u, cannot answer (no memory)", e->arg, e->n);
}

/* dlg end ID|CALL-ID: a number is a dialog id (dlg list), anything else
 * a Call-ID (every dialog of it). */
static bool dlg_ctl_end(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc != 1 || !*argv[0])
		return proxy_ctl_error(o, "usage: dlg end ID|CALLID");
	size_t len = strlen(argv[0]);
	struct dlg_ctl_end *e = sip_mem_alloc(sizeof *e + len + 1);
	if (!e)
		return proxy_ctl_error(o, "no memory");
	memset(e, 0, sizeof *e);
	memcpy(e->arg, argv[0], len + 1);
	char *end;
	unsigned long long id = strtoull(argv[0], &end, 10);
	int owner = -1;
	if (!*end && argv[0][0] >= '0' && argv[0][0] <= '9' && (owner = dlg_worker_of_id(id)) >= 0)
		e->id = id;
	else
		owner = (int)proxy_callid_owner(sip_str_make(argv[0], len), sip_workers_n);
	if ((unsigned)owner != sip_worker_id) {
		/* The reply is finished by dlg_ctl_end_reply, which runs on this
		 * loop after the handler returned. Not deferred or not queued:
		 * an error now (the command frees what it deferred). */
		e->later = proxy_ctl_defer(o);
		if (e->later && proxy_worker_post((unsigned)owner, dlg_ctl_end_posted, e) == SIP_OK)
			return true;
		sip_mem_free(e);
		return proxy_ctl_error(o, "no memory");
	}
	dlg_ctl_end_here(e);
	bool ok = dlg_ctl_end_answer(o, e);
	sip_mem_free(e);
	return ok;
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
