/* A small cache of compiled POSIX extended regular expressions, for the
 * patterns a policy passes to a function as literals (t_check_status,
 * check_route_param): a handful per policy, so a table of
 * SIP_RE_CACHE_SIZE entries replaced round-robin spares compiling one
 * per call. Not locked: one per worker (SIP_PER_WORKER). */
#ifndef SIPCC_CORE_RE_CACHE_H
#define SIPCC_CORE_RE_CACHE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define SIP_RE_CACHE_SIZE 8

struct sip_re_cache {
	struct sip_re_entry {
		char *pat;          /* as given, NUL-terminated; NULL: free slot */
		regex_t re;
		bool ok;            /* it compiled */
	} e[SIP_RE_CACHE_SIZE];
	unsigned next;
};

/* The compiled form of pattern s[0..len), compiled on first use (as
 * "^(s)$" when anchored: the whole subject must match); NULL when it is
 * not a regular expression or memory ran out. *fresh (when not NULL) says
 * whether this call compiled it, so a caller can report a bad pattern
 * once. */
const regex_t *sip_re_cache_get(struct sip_re_cache *c, const char *s, size_t len,
				bool anchored, bool *fresh);
/* Free every compiled pattern of c. */
void sip_re_cache_clear(struct sip_re_cache *c);

#endif
