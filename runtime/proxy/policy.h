/* The policy the proxy runs, and a newly compiled one swapped in while it
 * runs ("sipcc build --hot", "policy load" on the control socket).
 *
 * A policy is what sipcc_policy_init() registers: its routes (request,
 * reply, error, local, startup, timer and event routes), its AVP names,
 * and what must match the running proxy (listen addresses, domains,
 * database, modules, settings, the ABI and the declarations whose values
 * outlive a message). The first one is linked into the executable; a
 * loaded one is a shared object whose undefined symbols the executable
 * provides (it is linked with --export-dynamic and the whole runtime).
 *
 * The swap happens between two messages (a control command runs from the
 * loop): new messages, timers and events run with the new policy; a
 * context keeps the policy it started with (ctx->policy), and a server
 * transaction the one that routed it (txn.u_policy), so a request that
 * waits resumes in its own routes and a transaction routed by the old
 * policy finishes with the old reply and failure routes. A policy is
 * never unloaded: its code may be referenced by a transaction, a waiting
 * frame or a timer until the proxy stops, and it is small. */
#ifndef SIPCC_PROXY_POLICY_H
#define SIPCC_PROXY_POLICY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "core/timer.h"
#include "proxy/policy_abi.h"
#include "proxy/proxy.h"

#define POLICY_MAX_STARTUP 16
#define POLICY_MAX_TIMERS  32
#define POLICY_MAX_EVENTS  64
#define POLICY_MAX_AVPS    256

struct proxy_policy_timer {
	const char *name;
	sipcc_route_fn fn;
	uint64_t every_ms;
	sip_timer t;
};

struct proxy_policy {
	unsigned gen;               /* 1: the one linked in; +1 per load */
	char *path;                 /* the shared object; NULL when linked in */
	time_t since;               /* when it became the running one */
	const char *abi, *state;    /* sipcc_reg_policy()'s */
	sipcc_route_fn request, error, reply, local;
	sipcc_route_fn startup[POLICY_MAX_STARTUP];
	unsigned n_startup;
	struct proxy_policy_timer timers[POLICY_MAX_TIMERS];
	unsigned n_timers;
	struct { const char *name; sipcc_route_fn fn; } events[POLICY_MAX_EVENTS];
	unsigned n_events;
	struct { const char *name; bool is_int; } avps[POLICY_MAX_AVPS];
	struct proxy_policy *older;     /* every policy that ran or was tried,
					   newest first (never freed) */
};

/* The policy new messages run with: every worker reads it as it starts on
 * a message, worker 0 stores a new one (policy load) with an atomic
 * store, and none is ever freed, so a worker still on the old one is safe. */
extern struct proxy_policy *_Atomic proxy_policy;
/* The policy sipcc_policy_init() is registering into (the running one at
 * start, a loaded one while it registers). */
extern struct proxy_policy *proxy_policy_reg;

/* While a loaded policy registers, the registrations that must match the
 * running proxy are compared instead of applied: each reg function asks
 * first and, when staging, hands its values here. */
bool proxy_policy_staging(void);
#define POLICY_STAGE_MAX_MODULES 64
struct proxy_policy_stage {
	bool on;
	bool over_listen, over_database;    /* proxy_policy_overrides() */
	struct proxy_listen listen[PROXY_MAX_LISTEN];
	unsigned n_listen;
	const char *domains[PROXY_MAX_DOMAINS];
	unsigned n_domains;
	const char *database;
	struct sipcc_module *mods[POLICY_STAGE_MAX_MODULES];
	unsigned n_mods;
	char problems[2048];        /* "; "-separated, what does not fit */
	size_t plen;
	unsigned nproblems;
};
extern struct proxy_policy_stage proxy_policy_stage;
void proxy_policy_stage_begin(void);
/* A misfit of the policy being loaded ("; "-joined in problems). */
void proxy_policy_stage_vproblem(const char *fmt, va_list ap);
void proxy_policy_stage_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void proxy_policy_stage_listen(const char *proto, const char *addr, int64_t port);
void proxy_policy_stage_domain(const char *name);
void proxy_policy_stage_database(const char *url);
void proxy_policy_stage_module(struct sipcc_module *m);

/* The policy's listen lines were replaced by --listen, its database by
 * --db: a loaded policy's are not compared. */
void proxy_policy_overrides(bool listen, bool database);

/* Run the startup routes of the running policy, then arm its timer routes
 * and the event queue on w. SIP_OK, or SIP_DECLINED when a startup route
 * ended with drop (the proxy does not start). */
int proxy_policy_start(sip_timer_wheel *w);
void proxy_policy_stop(void);

/* Register the policy of init into np (zeroed) while staging, and compare
 * it with the running proxy: SIP_OK when it fits, else SIP_EINVAL with
 * every misfit in msg ("; "-separated). Nothing of the running proxy
 * changes. */
int proxy_policy_check(void (*init)(void), struct proxy_policy *np, char *msg, size_t n);

/* Load the policy in the shared object path and make it the running one:
 * SIP_OK, or an error with why said in msg (nothing changed; the caller
 * logs it). */
int proxy_policy_load(const char *path, char *msg, size_t n);

/* The declaration "avp NAME: TYPE" of index idx (sipcc_reg_avp) in the
 * policy ctx runs (a swapped-in policy may number its AVPs otherwise): its
 * name, and in *is_int (when not NULL) whether it is an int; NULL when
 * that policy declared no such AVP. */
const char *proxy_avp_decl(const struct sip_ctx *ctx, int64_t idx, bool *is_int);
/* The AVP declaration idx of policy p (its name, is_int), NULL when none. */
const char *proxy_policy_avp(const struct proxy_policy *p, int64_t idx, bool *is_int);

/* The control commands "policy" / "policy status" and "policy load". */
void proxy_policy_ctl_register(void);

#endif
