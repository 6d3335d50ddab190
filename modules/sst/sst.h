/* Session timers (RFC 4028) as a proxy sees them: the header values the
 * sst module reads and the deadline it keeps. Pure functions, unit tested
 * without the proxy (tests/modules/sst). */
#ifndef SIPCC_SST_SST_H
#define SIPCC_SST_SST_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"

#define SST_MIN_SE_DEFAULT 90u      /* RFC 4028 §4: the smallest Min-SE */
#define SST_MAX_SE         86400u   /* larger values are taken as this */

/* Who refreshes the session (the refresher parameter). */
enum sst_refresher { SST_REFRESHER_NONE = 0, SST_REFRESHER_UAC, SST_REFRESHER_UAS };

/* Session-Expires = delta-seconds *(SEMI se-params), se-params = refresher-param
 * / generic-param, refresher-param = "refresher" EQUAL ("uas" / "uac").
 * *delta gets the interval (SST_MAX_SE at most), *who the refresher (NONE
 * when absent). SIP_OK, or SIP_EPARSE (no number, a number that is 0,
 * a refresher that is neither uac nor uas, junk). */
int sst_parse_se(sip_str body, uint32_t *delta, enum sst_refresher *who);
/* Min-SE = delta-seconds *(SEMI generic-param). SIP_OK or SIP_EPARSE. */
int sst_parse_min_se(sip_str body, uint32_t *delta);
/* True when the option-tag list of a Supported or Require value holds
 * "timer" (case-insensitive). */
bool sst_has_timer(sip_str body);
/* "uac", "uas" or "" (none). */
const char *sst_refresher_name(enum sst_refresher who);
/* Milliseconds from a refresh answered with interval se until the proxy
 * gives up on the session: RFC 4028 §10, the side that does not refresh
 * sends its BYE at se - min(32, se/3) seconds; the proxy does the same. */
uint64_t sst_deadline_ms(uint32_t se);

#endif
