/* The dialogs whose end deletes a media session: the ids of the tracked
 * dialogs that got an rtpengine offer. A dialog without one costs no
 * command when it ends. Held in the runtime's hash table (core/htable.h),
 * one small allocation per dialog; no limit but memory. Shared by every
 * worker, under a lock of its own. */
#ifndef SIPCC_RTPENGINE_DLGSET_H
#define SIPCC_RTPENGINE_DLGSET_H

#include <stdbool.h>
#include <stdint.h>

/* Follow dialog id (nothing when it is followed already: a re-offer).
 * SIP_OK, or SIP_NOMEM (then its media is deleted only by the policy). */
int rtpe_dlgset_add(uint64_t id);
/* Stop following id: true when it was followed. */
bool rtpe_dlgset_take(uint64_t id);
/* How many dialogs are followed. */
unsigned long rtpe_dlgset_count(void);
/* Forget every dialog and free the table. */
void rtpe_dlgset_clear(void);

#endif
