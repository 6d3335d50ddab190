/* The text a stored dialog keeps its variables and profile memberships
 * in (dlg_share.c writes it into the shared store when the dialog is
 * confirmed, another proxy reads it back when it takes the dialog over).
 * One item per line, a kind letter, the index of the variable or profile,
 * '=' and the value:
 *
 *   I3=-42            an int variable
 *   S1=5:hello        a str variable: its length, ':' and its bytes
 *   P0=0:             a profile without values (the value is "")
 *   P2=13:sip:a@b.com a profile with a value
 *
 * A str value is counted, so it may hold any byte but NUL (what the store
 * takes). No proxy here: tests link it alone. */
#ifndef SIPCC_MODULES_DIALOG_DLG_IMAGE_H
#define SIPCC_MODULES_DIALOG_DLG_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"

enum dlg_img_kind {
	DLG_IMG_INT = 'I',
	DLG_IMG_STR = 'S',
	DLG_IMG_PROFILE = 'P',
};

struct dlg_img_item {
	enum dlg_img_kind kind;
	unsigned idx;
	int64_t ival;                /* DLG_IMG_INT */
	sip_str sval;                /* DLG_IMG_STR, DLG_IMG_PROFILE: into the text */
};

/* A text being written (sip_mem_alloc'd; free p with sip_mem_free). */
struct dlg_img_buf {
	char *p;
	size_t len, cap;
	bool failed;                 /* out of memory: the text is incomplete */
};

/* Append one item (sval for str and profile items, ival for int). */
void dlg_img_put(struct dlg_img_buf *b, enum dlg_img_kind kind, unsigned idx, int64_t ival,
		 sip_str sval);
/* The text written so far ("" when none or failed). */
sip_str dlg_img_text(const struct dlg_img_buf *b);
void dlg_img_free(struct dlg_img_buf *b);

/* Read the item at *pos of text into *it and move *pos past it. 1 for an
 * item, 0 at the end, SIP_EINVAL for text that is not items (*pos is then
 * left where the bad item starts). */
int dlg_img_next(sip_str text, size_t *pos, struct dlg_img_item *it);

#endif
