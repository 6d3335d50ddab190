/* The running policy and the swap of a loaded one (proxy/policy.h). */
#include "proxy/policy.h"
#include "proxy/proxy_int.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/log.h"
#include "core/status.h"
#include "dialog/profile.h"
#include "proxy/ctl.h"
#include "proxy/event.h"
#include "proxy/module.h"
#include "proxy/modules.h"
#include "proxy/routes.h"
#include "proxy/settings.h"

static unsigned last_gen = 1;
static struct proxy_policy *tried;     /* the loaded ones, newest first */
static sip_timer_wheel *wheel;
#define S proxy_policy_stage

/* ---- running ---- */

/* Run route fn of kind with no message (startup and timer routes) on a
 * context of its own; what it returned, SIPCC_RET_EXIT without memory. */
static int64_t run_bare(sipcc_route_fn fn, int kind)
{
	struct proxy_mctx *mc = proxy_mctx_take();
	if (!mc) {
		LOG_ERR("out of memory: a %s route does not run",
			kind == SIPCC_ROUTE_TIMER ? "timer" : "startup");
		return SIPCC_RET_EXIT;
	}
	proxy_ctx_init(&mc->ctx, NULL, &mc->arena, NULL, NULL, kind);
	int64_t r = fn(&mc->ctx);
	proxy_mctx_give(mc);
	return r;
}

/* Re-armed before the route runs, so a slow route does not make the
 * period drift by its own run time. */
static void timer_fire(sip_timer *t, void *arg)
{
	struct proxy_policy_timer *r = arg;
	sip_timer_add(wheel, t, r->every_ms);
	run_bare(r->fn, SIPCC_ROUTE_TIMER);
}

static void timers_arm(struct proxy_policy *p)
{
	for (unsigned i = 0; i < p->n_timers; i++) {
		sip_timer_init(&p->timers[i].t, timer_fire, &p->timers[i]);
		sip_timer_add(wheel, &p->timers[i].t, p->timers[i].every_ms);
	}
}

static void timers_cancel(struct proxy_policy *p)
{
	for (unsigned i = 0; wheel && i < p->n_timers; i++)
		sip_timer_cancel(wheel, &p->timers[i].t);
}

/* The startup routes of the running policy, in order; false when one
 * ended with drop (the ones after it do not run). */
static bool startup_run(struct proxy_policy *p)
{
	for (unsigned i = 0; i < p->n_startup; i++)
		if (run_bare(p->startup[i], SIPCC_ROUTE_STARTUP) == SIPCC_RET_DROP)
			return false;
	return true;
}

int proxy_policy_start(sip_timer_wheel *w)
{
	wheel = w;
	proxy_policy->since = time(NULL);
	proxy_policy_ctl_register();
	if (!startup_run(proxy_policy)) {
		LOG_ERR("a startup route ended with drop: the proxy does not start");
		return SIP_DECLINED;
	}
	timers_arm(proxy_policy);
	proxy_events_start(w);
	return SIP_OK;
}

void proxy_policy_stop(void)
{
	timers_cancel(proxy_policy);
	proxy_events_stop();
}

/* ---- loading ---- */

static bool listen_has(const struct proxy_listen *v, unsigned n, const struct proxy_listen *l)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v[i].proto, l->proto) == 0 && strcmp(v[i].addr, l->addr) == 0
		    && v[i].port == l->port)
			return true;
	return false;
}

static bool name_has(const char *const *v, unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* The next item of kind (a "bflag", "dlgvar" or "profile" declaration,
 * "KIND NAME[: TYPE]") in a state string from *pos on, into item; false
 * when there is none. */
static bool state_next(const char **pos, const char *kind, char *item, size_t n)
{
	size_t kl = strlen(kind);
	for (const char *p = *pos; *p;) {
		const char *end = strstr(p, "; ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *next = end ? end + 2 : p + len;
		if (len > kl && strncmp(p, kind, kl) == 0 && p[kl] == ' ') {
			snprintf(item, n, "%.*s", (int)len, p);
			*pos = next;
			return true;
		}
		p = next;
	}
	*pos = "";
	return false;
}

/* The declarations whose values outlive a message (sipcc_reg_policy's
 * state) may grow, not change: of each kind, the running policy's must
 * be the first ones of the new policy's, in the same order (a new one
 * after them takes an index nothing uses yet). */
static void state_compare(const char *cur, const char *nw)
{
	static const char *const kinds[] = { "bflag", "dlgvar", "profile" };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const char *pc = cur, *pn = nw;
		char ic[160], in[160];
		while (state_next(&pc, kinds[k], ic, sizeof ic)) {
			if (!state_next(&pn, kinds[k], in, sizeof in)) {
				proxy_policy_stage_problem("it drops \"%s\" (kept with registrations and "
							   "dialogs)", ic);
				break;
			}
			if (strcmp(ic, in) != 0) {
				proxy_policy_stage_problem("it declares \"%s\" where the running one "
							   "declares \"%s\" (kept with registrations "
							   "and dialogs; new ones may only follow those "
							   "of their kind)", in, ic);
				break;
			}
		}
	}
}

/* Whether np, registered while staging, fits the running proxy; each
 * misfit is a problem of S. */
static void stage_compare(const struct proxy_policy *np)
{
	const struct proxy_policy *cur = proxy_policy;
	if (!np->request)
		proxy_policy_stage_problem("it has no request route");
	if (!S.over_listen) {
		for (unsigned i = 0; i < S.n_listen; i++)
			if (!listen_has(proxy_conf.listen, proxy_conf.n_listen, &S.listen[i]))
				proxy_policy_stage_problem("it listens on %s:%s:%d, the running proxy does not",
					      S.listen[i].proto, S.listen[i].addr, S.listen[i].port);
		for (unsigned i = 0; i < proxy_conf.n_listen; i++)
			if (!listen_has(S.listen, S.n_listen, &proxy_conf.listen[i]))
				proxy_policy_stage_problem("it does not listen on %s:%s:%d, the running proxy does",
					      proxy_conf.listen[i].proto, proxy_conf.listen[i].addr,
					      proxy_conf.listen[i].port);
	}
	for (unsigned i = 0; i < S.n_domains; i++)
		if (!name_has(proxy_conf.domains, proxy_conf.n_domains, S.domains[i]))
			proxy_policy_stage_problem("domain %s is new", S.domains[i]);
	for (unsigned i = 0; i < proxy_conf.n_domains; i++)
		if (!name_has(S.domains, S.n_domains, proxy_conf.domains[i]))
			proxy_policy_stage_problem("domain %s is gone", proxy_conf.domains[i]);
	const char *db = sipcc_database_url();
	if (!S.over_database && strcmp(S.database ? S.database : "", db ? db : "") != 0)
		proxy_policy_stage_problem("its database is \"%s\", the running one \"%s\"",
			      S.database ? S.database : "", db ? db : "");
	for (unsigned i = 0; i < S.n_mods; i++)
		if (!proxy_module_running(S.mods[i]))
			proxy_policy_stage_problem("module %s is not running", S.mods[i]->name);
	state_compare(cur->state ? cur->state : "", np->state ? np->state : "");
}

int proxy_policy_check(void (*init)(void), struct proxy_policy *np, char *msg, size_t n)
{
	struct proxy_policy *cur = proxy_policy;
	proxy_policy_stage_begin();
	dlg_profile_reg_close(true);
	proxy_policy_reg = np;
	init();
	proxy_policy_reg = cur;
	dlg_profile_reg_close(false);
	S.on = false;
	stage_compare(np);
	if (!S.nproblems)
		return SIP_OK;
	snprintf(msg, n, "%s%s", S.problems, S.plen + 8 >= sizeof S.problems ? "; ..." : "");
	return SIP_EINVAL;
}

/* A private copy of the shared object at path, so the file may be
 * rebuilt in place later and a second load of the same path is new code
 * (the dynamic loader would give the first copy back). The descriptor,
 * or -1 with why in msg. */
static int policy_copy(const char *path, char *msg, size_t n)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(msg, n, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	int fd = memfd_create("sipcc-policy", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, n, "cannot copy %s: %s", path, strerror(errno));
		close(in);
		return -1;
	}
	char buf[65536];
	for (;;) {
		ssize_t got = read(in, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(msg, n, "cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		for (ssize_t off = 0; off < got;) {
			ssize_t w = write(fd, buf + off, (size_t)(got - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				snprintf(msg, n, "cannot copy %s: %s", path, strerror(errno));
				goto fail;
			}
			off += w;
		}
	}
	close(in);
	return fd;
fail:
	close(in);
	close(fd);
	return -1;
}

int proxy_policy_load(const char *path, char *msg, size_t n)
{
	struct proxy_policy *cur = proxy_policy;
	int fd = policy_copy(path, msg, n);
	if (fd < 0)
		return SIP_EIO;
	char fdpath[64];
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	/* The copy stays open: the loader knows an object by its name too,
	 * and a number given again would name the first copy. */
	void *h = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		close(fd);
		const char *e = dlerror();
		snprintf(msg, n, "%s is not a loadable policy (build it with sipcc build --hot): %s",
			 path, e ? e : "dlopen failed");
		return SIP_EINVAL;
	}
	int rc = SIP_EINVAL;
	struct proxy_policy *np = NULL;
	char *copy = NULL;
	const char *abi = dlsym(h, "sipcc_policy_abi");
	void (*init)(void) = (void (*)(void))dlsym(h, "sipcc_policy_init");
	char why[2100];
	if (!abi || !init) {
		snprintf(msg, n, "%s is not a policy (no sipcc_policy_abi or sipcc_policy_init)", path);
		goto refuse;
	}
	if (!cur->abi || strcmp(abi, cur->abi) != 0) {
		snprintf(msg, n, "%s was built for another runtime (\"%s\"; this proxy: \"%s\"): "
			 "build it with the sipcc that built the proxy", path, abi,
			 cur->abi ? cur->abi : "");
		goto refuse;
	}
	np = calloc(1, sizeof *np);
	copy = strdup(path);
	if (!np || !copy) {
		snprintf(msg, n, "out of memory");
		rc = SIP_NOMEM;
		goto refuse;
	}
	if (proxy_policy_check(init, np, why, sizeof why) != SIP_OK) {
		snprintf(msg, n, "%s does not fit the running proxy (restart it with the new "
			 "policy instead): %s", path, why);
		goto refuse;
	}

	/* From here on the new code runs: it stays mapped whatever happens.
	 * Its new profiles (after the running ones) are counted from now. */
	dlg_profile_reg_apply();
	np->older = tried;
	tried = np;
	np->gen = ++last_gen;
	np->path = copy;
	np->since = time(NULL);
	timers_cancel(cur);
	proxy_policy = np;
	if (!startup_run(np)) {
		proxy_policy = cur;
		timers_arm(cur);
		snprintf(msg, n, "a startup route of %s ended with drop: generation %u keeps running",
			 path, cur->gen);
		return SIP_DECLINED;
	}
	timers_arm(np);
	LOG_NOTICE("policy generation %u loaded from %s (generation %u was running)", np->gen,
		   path, cur->gen);
	return SIP_OK;

refuse:         /* none of its code ran beyond its registration: nothing points into it */
	free(np);
	free(copy);
	dlclose(h);
	close(fd);
	return rc;
}

/* ---- control commands ---- */

static void policy_print(proxy_ctl_out *o, const struct proxy_policy *p)
{
	proxy_ctl_printf(o, ",\"generation\":%u,\"file\":", p->gen);
	if (p->path)
		proxy_ctl_json_str(o, p->path, strlen(p->path));
	else
		proxy_ctl_printf(o, "null");
	proxy_ctl_printf(o, ",\"since\":%lld,\"abi\":", (long long)p->since);
	proxy_ctl_json_str(o, p->abi ? p->abi : "", p->abi ? strlen(p->abi) : 0);
	proxy_ctl_printf(o, ",\"routes\":{\"startup\":%u,\"timer\":%u,\"event\":%u}",
			 p->n_startup, p->n_timers, p->n_events);
}

static bool ctl_policy_status(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc != 0)
		return proxy_ctl_error(o, "usage: policy status");
	policy_print(o, proxy_policy);
	return true;
}

static bool ctl_policy_load(int argc, char **argv, proxy_ctl_out *o)
{
	if (argc != 1)
		return proxy_ctl_error(o, "usage: policy load FILE (a policy built with sipcc build --hot)");
	if (argv[0][0] != '/')
		return proxy_ctl_error(o, "policy load: %s: give an absolute path (the proxy's "
				       "working directory is not the client's)", argv[0]);
	char msg[2300];
	if (proxy_policy_load(argv[0], msg, sizeof msg) != SIP_OK) {
		LOG_WARN("policy load %s refused: %s", argv[0], msg);
		return proxy_ctl_error(o, "%s", msg);
	}
	policy_print(o, proxy_policy);
	return true;
}

void proxy_policy_ctl_register(void)
{
	proxy_ctl_register("policy status", "",
			   "the running policy: generation, file it was loaded from, since when",
			   ctl_policy_status);
	proxy_ctl_register("policy load", "FILE",
			   "swap in the policy FILE (sipcc build --hot) between two messages, "
			   "keeping transactions, dialogs, registrations and connections",
			   ctl_policy_load);
}
