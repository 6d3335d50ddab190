/* Dialog profiles (OpenSIPS dialog profiles): named sets of dialogs the
 * proxy counts, so a policy can limit concurrent calls (per caller, per
 * account, per gateway). The policy declares each profile ("profile
 * NAME;" without values, "profile NAME: str;" with a value per member,
 * such as the caller's URI); the compiled policy registers them at
 * start-up by index (sipcc_reg_profile).
 *
 * A dialog is in a profile without values at most once, and in a profile
 * with values at most once per value. A dialog leaves every profile when
 * it ends, however it ends (dlg_end calls dlg_profile_clear). Counting is
 * per profile and per value, kept as the dialogs come and go, so a size
 * is one lookup. The counters are every worker's (a limit holds across
 * workers): they and the declarations are shared under one lock, taken
 * by each function here; a dialog's list of memberships is changed under
 * it by the dialog's owner. */
#ifndef SIPCC_DIALOG_PROFILE_H
#define SIPCC_DIALOG_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"

#define DLG_MAX_PROFILES 64

typedef struct dlg dlg;

/* One membership of a dialog: a list per dialog (dlg.profiles). */
struct dlg_pvalue;
struct dlg_pmember {
	unsigned idx;                /* the profile */
	struct dlg_pvalue *value;    /* its counter for the value (NULL: no values) */
	struct dlg_pmember *next;
};

/* Declare profile idx (0 .. DLG_MAX_PROFILES-1) named name (not copied: a
 * literal of the policy), with values or without. SIP_OK, SIP_EINVAL. */
int dlg_profile_register(unsigned idx, const char *name, bool has_value);
/* Forget every declaration and counter (tests; after the dialogs left). */
void dlg_profile_reset(void);
/* Highest registered index + 1. */
unsigned dlg_profile_count(void);
/* The name of profile idx, NULL when it is not declared. */
const char *dlg_profile_name(unsigned idx);
bool dlg_profile_has_value(unsigned idx);
/* The index of the profile called name, -1 when none. */
int dlg_profile_find(sip_str name);

/* Put d in profile idx (with value v for a profile with values; v is
 * ignored for one without). SIP_OK (also when it was in already),
 * SIP_EINVAL (no such profile, a value missing, d has ended), SIP_NOMEM. */
int dlg_profile_add(dlg *d, unsigned idx, sip_str v);
/* The same, unless the profile (with value v, for one with values)
 * already holds max dialogs: then SIP_ELIMIT and d is not added. The
 * count and the add are one step (a limit holds however many workers
 * admit calls at once). */
int dlg_profile_add_max(dlg *d, unsigned idx, sip_str v, unsigned long max);
/* Take d out of profile idx: with value v, or (any_value) with every
 * value. True when it was in. */
bool dlg_profile_remove(dlg *d, unsigned idx, sip_str v, bool any_value);
/* Whether d is in profile idx (with value v, or with any value). */
bool dlg_profile_is_in(const dlg *d, unsigned idx, sip_str v, bool any_value);
/* Dialogs in profile idx: with value v, or (any_value) all of them. */
unsigned long dlg_profile_size(unsigned idx, sip_str v, bool any_value);
/* d leaves every profile. */
void dlg_profile_clear(dlg *d);
/* From any thread while d cannot be recycled (its worker's lock held):
 * fn for each profile d is in, with the profile's name and d's value
 * ("" for a profile without values), under the profiles' lock (fn must
 * not call the functions here). */
void dlg_profile_members(const dlg *d, void (*fn)(unsigned idx, const char *name, bool has_value,
						  sip_str v, void *arg),
			 void *arg);
/* The value of membership m ("" for a profile without values). */
sip_str dlg_pmember_value(const struct dlg_pmember *m);
/* fn(value, count) for each value of profile idx with members. */
void dlg_profile_foreach_value(unsigned idx, void (*fn)(sip_str v, unsigned long n, void *arg),
			       void *arg);

/* While closed, sipcc_reg_profile() only records (a policy being loaded
 * into a running proxy registers: proxy/policy.h); closing forgets what
 * an earlier close recorded. dlg_profile_reg_apply() then registers the
 * recorded profiles the running policy does not have (the ones after
 * its own: the loaded policy may only add profiles). */
void dlg_profile_reg_close(bool closed);
void dlg_profile_reg_apply(void);

#endif
