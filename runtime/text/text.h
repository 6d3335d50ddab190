/* String and address matching for policies (stdlib/text.sipi). The
 * functions follow the calling convention of proxy/policy_abi.h. */
#ifndef SIPCC_TEXT_TEXT_H
#define SIPCC_TEXT_TEXT_H

#include <stdint.h>
#include <stddef.h>
#include "core/str.h"

struct sip_ctx;

int64_t sipcc_fn_starts_with(struct sip_ctx *ctx, const char *s, size_t slen,
			     const char *prefix, size_t plen);
int64_t sipcc_fn_ends_with(struct sip_ctx *ctx, const char *s, size_t slen,
			   const char *suffix, size_t xlen);
int64_t sipcc_fn_contains(struct sip_ctx *ctx, const char *s, size_t slen,
			  const char *part, size_t plen);
int64_t sipcc_fn_regex_match(struct sip_ctx *ctx, const char *s, size_t slen,
			     const char *re, size_t relen);
void sipcc_fn_regex_subst(struct sip_ctx *ctx, sip_str *out, const char *s, size_t slen,
			  const char *re, size_t relen, const char *repl, size_t rlen);
int64_t sipcc_fn_ip_in_net(struct sip_ctx *ctx, const char *ip, size_t iplen,
			   const char *net, size_t netlen);

/* Drop every cached compiled expression (tests, worker shutdown). */
void text_regex_cache_clear(void);

#endif
