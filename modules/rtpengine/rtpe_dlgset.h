/* The dialogs whose end deletes a media session: the ids of the tracked
 * dialogs that got an rtpengine offer, with the worker that owns each and
 * its Call-ID and From tag (what a query of its media session names). A
 * dialog without one costs no command when it ends. Held in the runtime's
 * hash table (core/htable.h), one small allocation per dialog; no limit
 * but memory. Shared by every worker, under a lock of its own. */
#ifndef SIPCC_RTPENGINE_DLGSET_H
#define SIPCC_RTPENGINE_DLGSET_H

#include <stdbool.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"

/* Follow dialog id of worker, with its Call-ID and the caller's tag
 * (copied; nothing when it is followed already: a re-offer). SIP_OK, or
 * SIP_NOMEM (then its media is deleted only by the policy). */
int rtpe_dlgset_add(uint64_t id, unsigned worker, sip_str callid, sip_str from_tag);
/* True when id is followed. */
bool rtpe_dlgset_has(uint64_t id);
/* A followed dialog, as rtpe_dlgset_collect copies it. */
struct rtpe_dlg_ref {
	uint64_t id;
	sip_str callid, from_tag;
};
/* The dialogs of worker followed now, copied into a (*out, an array in
 * a); their number (0 without memory). */
unsigned rtpe_dlgset_collect(unsigned worker, sip_arena *a, struct rtpe_dlg_ref **out);
/* Stop following id: true when it was followed. */
bool rtpe_dlgset_take(uint64_t id);
/* How many dialogs are followed. */
unsigned long rtpe_dlgset_count(void);
/* Forget every dialog and free the table. */
void rtpe_dlgset_clear(void);

#endif
