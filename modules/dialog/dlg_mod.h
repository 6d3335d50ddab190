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

#endif
