/* Module start-up and the shared database handle (see modules.h). */
#include "proxy/modules.h"

#include <stddef.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/settings.h"

/* Defined by the modules; NULL when the policy did not link them. */
void reg_module_init(sip_timer_wheel *w) __attribute__((weak));
void reg_module_destroy(void) __attribute__((weak));
void auth_module_init(sip_timer_wheel *w) __attribute__((weak));
void auth_module_destroy(void) __attribute__((weak));
void domain_module_init(sip_timer_wheel *w) __attribute__((weak));
void domain_module_destroy(void) __attribute__((weak));
void dlg_module_init(sip_timer_wheel *w) __attribute__((weak));
void dlg_module_destroy(void) __attribute__((weak));
void dr_module_init(sip_timer_wheel *w) __attribute__((weak));
void dr_module_destroy(void) __attribute__((weak));

#define PROXY_DB_MAX_HOOKS 8
#define PROXY_DB_RETRY_MS  1000

static struct {
	db *d;
	bool wanted, ready;
	void (*hooks[PROXY_DB_MAX_HOOKS])(db *d);
	unsigned n_hooks;
	sip_timer_wheel *w;
	sip_timer retry;
} M;

void proxy_db_want(void (*on_ready)(db *d))
{
	M.wanted = true;
	if (on_ready && M.n_hooks < PROXY_DB_MAX_HOOKS)
		M.hooks[M.n_hooks++] = on_ready;
}

db *proxy_db(void)
{
	return M.d;
}

bool proxy_db_ready(void)
{
	/* Not db_is_up(): a lost connection is only re-established by the
	 * next call, so callers must keep calling and map SIP_EDBDOWN. */
	return M.d && M.ready;
}

/* Bring the schema up to date; on success the modules load their state.
 * Until then, and whenever it fails, try again a second later. */
static void proxy_db_try(sip_timer *tm, void *arg)
{
	(void)arg;
	int rc = db_schema_migrate(M.d);
	if (rc == SIP_OK) {
		M.ready = true;
		LOG_NOTICE("db: %s database ready", db_backend(M.d));
		for (unsigned i = 0; i < M.n_hooks; i++)
			M.hooks[i](M.d);
		return;
	}
	if (!sip_timer_armed(tm))
		sip_timer_add(M.w, tm, PROXY_DB_RETRY_MS);
}

int proxy_modules_init(sip_timer_wheel *w, const char *url)
{
	M.w = w;
	sip_timer_init(&M.retry, proxy_db_try, NULL);
	if (domain_module_init)
		domain_module_init(w);
	if (auth_module_init)
		auth_module_init(w);
	if (reg_module_init)
		reg_module_init(w);
	if (dlg_module_init)
		dlg_module_init(w);
	if (dr_module_init)
		dr_module_init(w);
	if (!url)
		url = sipcc_database_url();     /* the policy's "database" line */
	if (!M.wanted && !url)
		return SIP_OK;
	if (!url)
		url = PROXY_DB_DEFAULT_URL;
	int rc = db_open(url, &M.d);
	if (rc == SIP_EINVAL || rc == SIP_NOMEM) {
		LOG_ERR("cannot use the database '%s': %s", url, sip_strerror(rc));
		return rc;
	}
	if (rc == SIP_EDBDOWN)
		LOG_WARN("db: %s is down at start-up (%s); retrying in the background",
			 db_backend(M.d), db_error(M.d));
	proxy_db_try(&M.retry, NULL);
	return SIP_OK;
}

void proxy_modules_destroy(void)
{
	if (M.w)
		sip_timer_cancel(M.w, &M.retry);
	if (reg_module_destroy)
		reg_module_destroy();
	if (auth_module_destroy)
		auth_module_destroy();
	if (domain_module_destroy)
		domain_module_destroy();
	if (dlg_module_destroy)
		dlg_module_destroy();
	if (dr_module_destroy)
		dr_module_destroy();
	if (M.d)
		db_close(M.d);
	M.d = NULL;
	M.ready = M.wanted = false;
	M.n_hooks = 0;
}
