/* The dialog module's statistics and control command (proxy/ctl.h):
 * "dlg list" shows the dialogs that have not ended. */
#include <stdint.h>
#include "core/stats.h"
#include "dialog/dialog.h"
#include "net/loop.h"
#include "proxy/host.h"

void dlg_ctl_init(void);

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
	proxy_ctl_printf(o, ",\"age_s\":%llu,\"duration_s\":%llu,\"timeout_s\":%u}",
			 (unsigned long long)((w->now - d->created_ms) / 1000),
			 (unsigned long long)(d->confirmed_ms ? (w->now - d->confirmed_ms) / 1000 : 0),
			 d->timeout_s);
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

void dlg_ctl_init(void)
{
	sip_stat_gauge("dialog.active", dlg_active_stat);
	proxy_ctl_register("dlg list", "", "the dialogs that have not ended", dlg_ctl_list);
}
