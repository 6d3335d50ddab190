/* Module settings and the database URL a policy sets at compile time.
 *
 * sipcc_policy_init() registers every setting the stdlib declares
 * ("setting auth.nonce_expire: int = 30"), with the value of the policy's
 * "use auth { nonce_expire = 60; }" or the declared default, and the URL
 * of a "database" line. Modules read them when they start. */
#ifndef SIPCC_PROXY_SETTINGS_H
#define SIPCC_PROXY_SETTINGS_H

#include <stdint.h>

/* The value of MODULE.KEY: an int or bool setting's value, or dflt when
 * the policy's program has no such int setting. */
int64_t sipcc_setting_int(const char *module, const char *key, int64_t dflt);
/* sipcc_setting_int kept within lo..hi: a value outside is logged
 * ("MODULE: KEY = V is out of range (LO..HI); using DFLT") and dflt is
 * returned instead. */
int64_t sipcc_setting_int_range(const char *module, const char *key, int64_t dflt, int64_t lo,
				int64_t hi);
/* A str setting's value (a constant of the program), or dflt. */
const char *sipcc_setting_str(const char *module, const char *key, const char *dflt);

/* The policy's "database" URL, NULL when it has none. The proxy's --db
 * overrides it (the caller decides; this only reports the policy's). */
const char *sipcc_database_url(void);

#endif
