/* Accounting records as RADIUS accounting requests (acc_rad.c): the
 * attributes of a record, which the radius module sends. */
#ifndef SIPCC_ACC_ACC_RAD_H
#define SIPCC_ACC_ACC_RAD_H

#include <stddef.h>
#include <stdint.h>
#include "acc/acc.h"
#include "radius/radius.h"

/* Where the attributes of one request are built: the strings made for
 * them (the URIs) live here too. */
struct acc_rad_buf {
	struct rad_attr a[RAD_ATTRS_MAX];
	char from[RAD_VALUE_MAX + 1], to[RAD_VALUE_MAX + 1], ruri[RAD_VALUE_MAX + 1];
};

/* The Sip-Method number of OpenSIPS's dictionary (INVITE 1, CANCEL 2,
 * ACK 4, BYE 8, INFO 16, OPTIONS 32, UPDATE 64, REGISTER 128, MESSAGE
 * 256, SUBSCRIBE 512, NOTIFY 1024, PRACK 2048, REFER 4096, PUBLISH
 * 8192); 0 for another method. */
uint32_t acc_rad_sip_method(sip_str method);
/* The Acct-Status-Type of r: Stop for a CDR, Failed for a missed call or
 * a code >= 300, Start for an INVITE, Stop for a BYE or CANCEL, else
 * Interim-Update. */
uint32_t acc_rad_status(const acc_row *r);
/* The attributes of r into b->a (its strings point into r and b);
 * returns how many. Empty strings are among them: the radius module
 * leaves them out. */
size_t acc_rad_attrs(const acc_row *r, struct acc_rad_buf *b);

#endif
