/* The registry behind settings.h: a small table filled once by
 * sipcc_policy_init() before anything reads it, so no locking. */
#include "proxy/settings.h"

#include <string.h>
#include <stdio.h>
#include "core/log.h"
#include "proxy/policy.h"
#include "proxy/policy_abi.h"

#define SETTINGS_MAX 256

static struct setting {
	const char *module, *key;
	const char *s;          /* NULL for int and bool settings */
	int64_t i;
} settings[SETTINGS_MAX];
static unsigned n_settings;
static const char *database_url;

static struct setting *setting_find(const char *module, const char *key)
{
	for (unsigned k = 0; k < n_settings; k++)
		if (strcmp(settings[k].module, module) == 0 && strcmp(settings[k].key, key) == 0)
			return &settings[k];
	return NULL;
}

/* A setting of a policy being loaded: a value other than the running
 * one's would need the modules started again. */
static void setting_stage(const char *module, const char *key, const char *s, int64_t i)
{
	const struct setting *st = setting_find(module, key);
	char have[96], want[96];
	if (!st)
		snprintf(have, sizeof have, "not set");
	else if (st->s)
		snprintf(have, sizeof have, "\"%.80s\"", st->s);
	else
		snprintf(have, sizeof have, "%lld", (long long)st->i);
	if (s)
		snprintf(want, sizeof want, "\"%.80s\"", s);
	else
		snprintf(want, sizeof want, "%lld", (long long)i);
	if (strcmp(have, want) != 0)
		proxy_policy_stage_problem("setting %s.%s is %s in the new policy, %s in the "
					   "running one", module, key, want, have);
}

void sipcc_reg_setting(const char *module, const char *key, const char *s, int64_t i)
{
	if (proxy_policy_staging()) {
		setting_stage(module, key, s, i);
		return;
	}
	struct setting *st = setting_find(module, key);
	if (st) {
		st->s = s;
		st->i = i;
		return;
	}
	if (n_settings >= SETTINGS_MAX) {
		LOG_WARN("too many settings; ignoring %s.%s", module, key);
		return;
	}
	settings[n_settings++] = (struct setting){ module, key, s, i };
}

int64_t sipcc_setting_int(const char *module, const char *key, int64_t dflt)
{
	const struct setting *st = setting_find(module, key);
	return st && !st->s ? st->i : dflt;
}

int64_t sipcc_setting_int_range(const char *module, const char *key, int64_t dflt, int64_t lo,
				int64_t hi)
{
	int64_t v = sipcc_setting_int(module, key, dflt);
	if (v >= lo && v <= hi)
		return v;
	LOG_WARN("%s: %s = %lld is out of range (%lld..%lld); using %lld", module, key,
		 (long long)v, (long long)lo, (long long)hi, (long long)dflt);
	return dflt;
}

const char *sipcc_setting_str(const char *module, const char *key, const char *dflt)
{
	const struct setting *st = setting_find(module, key);
	return st && st->s ? st->s : dflt;
}

void sipcc_reg_database(const char *url)
{
	if (proxy_policy_staging()) {
		proxy_policy_stage_database(url);
		return;
	}
	database_url = url;
}

const char *sipcc_database_url(void)
{
	return database_url;
}
