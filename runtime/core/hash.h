/* The one string hash of the runtime: 32-bit FNV-1a. Every table keyed by
 * bytes (transactions, dialogs, registrations, domains, credentials,
 * statistics, TCP connections; all of them core/htable.h tables) hashes
 * with it; a key made of several parts chains them with sip_hash_more,
 * separated by sip_hash_sep so ("ab","c") and ("a","bc") differ. */
#ifndef SIPCC_CORE_HASH_H
#define SIPCC_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "core/str.h"

#define SIP_HASH_INIT 2166136261u

static inline uint32_t sip_hash_more(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

static inline uint32_t sip_hash_bytes(const void *p, size_t n)
{
	return sip_hash_more(SIP_HASH_INIT, p, n);
}

static inline uint32_t sip_hash_str(sip_str s)
{
	return sip_hash_more(SIP_HASH_INIT, s.s, s.len);
}

/* h continued with s, ASCII letters lowercased: for the parts of a key
 * compared without case (host names). */
static inline uint32_t sip_hash_more_lower(uint32_t h, sip_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.s[i];
		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 16777619u;
	}
	return h;
}

/* The hash of s with ASCII letters lowercased. */
static inline uint32_t sip_hash_str_lower(sip_str s)
{
	return sip_hash_more_lower(SIP_HASH_INIT, s);
}

/* A byte that ends one part of a multi-part key. */
static inline uint32_t sip_hash_sep(uint32_t h)
{
	return (h ^ 0xffu) * 16777619u;
}

/* The start of a key that begins with a subscriber, user (exact) then
 * host (without case), each part ended: a table keyed by user@host and
 * one more part (a group, a prefix, an attribute) continues it with
 * sip_hash_more, so that a lookup hashes the key as given, no copy. */
static inline uint32_t sip_hash_user_host(sip_str user, sip_str host)
{
	uint32_t h = sip_hash_sep(sip_hash_more(SIP_HASH_INIT, user.s, user.len));
	return sip_hash_sep(sip_hash_more_lower(h, host));
}

#endif
