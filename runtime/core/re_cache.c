#include "core/re_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void entry_free(struct sip_re_entry *e)
{
	if (e->pat && e->ok)
		regfree(&e->re);
	free(e->pat);
	e->pat = NULL;
	e->ok = false;
}

const regex_t *sip_re_cache_get(struct sip_re_cache *c, const char *s, size_t len,
				bool anchored, bool *fresh)
{
	if (fresh)
		*fresh = false;
	for (unsigned i = 0; i < SIP_RE_CACHE_SIZE; i++) {
		struct sip_re_entry *e = &c->e[i];
		if (e->pat && strlen(e->pat) == len && memcmp(e->pat, s, len) == 0)
			return e->ok ? &e->re : NULL;
	}
	struct sip_re_entry *e = &c->e[c->next++ % SIP_RE_CACHE_SIZE];
	entry_free(e);
	char *src = malloc(len + 5);
	if (!src || !(e->pat = malloc(len + 1))) {
		free(src);
		return NULL;
	}
	memcpy(e->pat, s, len);
	e->pat[len] = '\0';
	snprintf(src, len + 5, anchored ? "^(%s)$" : "%s", e->pat);
	e->ok = regcomp(&e->re, src, REG_EXTENDED | REG_NOSUB) == 0;
	free(src);
	if (fresh)
		*fresh = true;
	return e->ok ? &e->re : NULL;
}

void sip_re_cache_clear(struct sip_re_cache *c)
{
	for (unsigned i = 0; i < SIP_RE_CACHE_SIZE; i++)
		entry_free(&c->e[i]);
}
