/* String and address matching for policies (modules/text/text.sipi). The
 * functions follow the calling convention of proxy/policy_abi.h. */
#ifndef SIPCC_TEXT_TEXT_H
#define SIPCC_TEXT_TEXT_H

/* The policy functions (sipcc_fn_starts_with, ...) are declared in
 * proxy/policy_fns.h, generated from modules/text/text.sipi. */
#include "proxy/policy_fns.h"

/* Drop every cached compiled expression (tests, worker shutdown). */
void text_regex_cache_clear(void);

#endif
