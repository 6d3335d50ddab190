/* What the files of the dialog module share (not for other modules:
 * they use struct dlg_api). */
#ifndef SIPCC_MODULES_DIALOG_DLG_MOD_H
#define SIPCC_MODULES_DIALOG_DLG_MOD_H

#include <stdbool.h>
#include <stdint.h>
#include "dialog/dialog.h"
#include "proxy/host.h"

/* dlg_ctl.c: the control commands and statistics. */
void dlg_ctl_init(void);

/* dlg_hangup.c: what the proxy sends in a dialog on its own. */
/* The URI of m's Contact, "" when none. */
sip_str dlg_contact_uri(sip_msg *m);
/* "sip:IP:PORT;transport=T" for address a on socket sock's transport,
 * in buf; an empty str when it does not fit. */
sip_str dlg_addr_uri(const sip_addr *a, const sip_socket *sock, char *buf, size_t sz);
/* Keep how to reach the caller, from the initial INVITE ctx routes. */
void dlg_learn_caller(dlg *d, struct sip_ctx *ctx);
/* Keep how to reach the callee, from the 2xx resp to server transaction
 * s that confirms d. */
void dlg_learn_callee(dlg *d, txn *s, sip_msg *resp);
/* End the confirmed dialog d now with a BYE to each side (why:
 * DLG_END_POLICY, DLG_END_OPERATOR). False when d is not confirmed. */
bool dlg_hangup(dlg *d, enum dlg_end_reason why);
/* Probe d's sides with in-dialog OPTIONS every seconds (0: stop). */
void dlg_keepalive(dlg *d, uint32_t seconds);
/* The dialog callbacks of the module: a confirmed dialog starts its
 * probes; one that ends by timeout, policy, operator or keep-alive sends
 * its BYEs. */
void dlg_ka_state(dlg *d, enum dlg_state from, void *arg);
void dlg_hangup_on_end(dlg *d, enum dlg_end_reason why, uint64_t ms, void *arg);
/* At exit (of each worker), free what still waits for an answer there. */
void dlg_hangup_destroy(void);

/* dlg_share.c: dialogs and profiles shared through cluster.store. */
void dlg_share_init(void);
void dlg_share_worker_start(sip_timer_wheel *w);
void dlg_share_worker_stop(void);
/* Whether the store is Redis and sharing is on (after init). */
bool dlg_share_on(void);
/* set_dlg_profile(_max) through the store (max -1: no limit): 1 when d
 * is in the profile, 0 when not, or when the message now waits for the
 * store (the route calls again on resume and gets the answer). */
int dlg_share_profile_add(struct sip_ctx *ctx, dlg *d, unsigned idx, sip_str v, int64_t max);
/* unset_dlg_profile: the store forgets the membership too. */
void dlg_share_profile_remove(dlg *d, unsigned idx, sip_str v, bool any_value);
/* Whether the last profile call or dlg_restore() of ctx failed because
 * the store did not answer. */
bool dlg_share_store_down(struct sip_ctx *ctx);
/* A new message on ctx: forget the last one's failure. */
void dlg_share_request(struct sip_ctx *ctx);
/* d changed (a Contact, a variable): its record is written again. */
void dlg_share_changed(dlg *d);
/* dlg_restore(): the dialog of ctx's in-dialog request from the store,
 * made this proxy's, into *out. SIP_OK, SIP_AGAIN (the message waits for
 * the store; call again on resume), SIP_ENOTFOUND, or why the store
 * could not be asked. */
int dlg_share_restore(struct sip_ctx *ctx, dlg **out);
/* dlg_api.end_claim (dialog.h). */
int dlg_share_end_claim(dlg *d, void (*fn)(bool mine, void *arg), void *arg);

#endif
