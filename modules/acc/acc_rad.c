/* Accounting records as RADIUS accounting requests (RFC 2866), with the
 * attributes OpenSIPS's acc module sends to a RADIUS server and billing
 * systems read: the record's Call-ID is Acct-Session-Id, the SIP method,
 * code and tags are the Sip-* attributes of OpenSIPS's dictionary. The
 * radius module sends them (modules/radius/radius.h); this file only
 * builds them. */
#include "acc/acc_rad.h"

#include <stdio.h>
#include <string.h>

uint32_t acc_rad_sip_method(sip_str m)
{
	static const char *const names[] = {
		"INVITE", "CANCEL", "ACK", "BYE", "INFO", "OPTIONS", "UPDATE", "REGISTER",
		"MESSAGE", "SUBSCRIBE", "NOTIFY", "PRACK", "REFER", "PUBLISH",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (m.len == strlen(names[i]) && !memcmp(m.s, names[i], m.len))
			return 1u << i;
	return 0;
}

/* As OpenSIPS's acc does: an answered INVITE starts a session, a BYE or
 * a CANCEL ends one, a CDR is its end; what ended >= 300 failed; another
 * answered request is an interim update. */
uint32_t acc_rad_status(const acc_row *r)
{
	if (r->kind == ACC_KIND_CDR)
		return RAD_ACCT_STOP;
	if (r->kind == ACC_KIND_MISSED || r->sip_code >= 300)
		return RAD_ACCT_FAILED;
	if (sip_str_eq(r->method, SIP_STR_LIT("INVITE")))
		return RAD_ACCT_START;
	if (sip_str_eq(r->method, SIP_STR_LIT("BYE")) || sip_str_eq(r->method, SIP_STR_LIT("CANCEL")))
		return RAD_ACCT_STOP;
	return RAD_ACCT_INTERIM;
}

/* Acct-Terminate-Cause (RFC 2866 §5.10) of a dialog's end. */
static uint32_t acc_rad_cause(sip_str end_reason)
{
	if (sip_str_eq(end_reason, SIP_STR_LIT("bye")))
		return 1;    /* User-Request */
	if (sip_str_eq(end_reason, SIP_STR_LIT("timeout")))
		return 5;    /* Session-Timeout */
	if (sip_str_eq(end_reason, SIP_STR_LIT("shutdown")))
		return 10;   /* NAS-Request */
	return 6;            /* Admin-Reset: ended by the policy or the operator */
}

/* "sip:user@domain" (or "sip:domain") into buf; an empty domain gives "". */
static sip_str acc_rad_uri(sip_str user, sip_str domain, char *buf, size_t sz)
{
	if (!domain.len)
		return SIP_STR_NULL;
	int n = user.len ? snprintf(buf, sz, "sip:" SIP_STR_FMT "@" SIP_STR_FMT, SIP_STR_ARG(user),
				    SIP_STR_ARG(domain))
			 : snprintf(buf, sz, "sip:" SIP_STR_FMT, SIP_STR_ARG(domain));
	if (n < 0)
		return SIP_STR_NULL;
	return sip_str_make(buf, (size_t)n < sz ? (size_t)n : sz - 1);
}

size_t acc_rad_attrs(const acc_row *r, struct acc_rad_buf *b)
{
	struct rad_attr *a = b->a;
	size_t n = 0;
#define STR(nm, v) a[n++] = (struct rad_attr){ .name = (nm), .s = (v) }
#define INT(nm, v) a[n++] = (struct rad_attr){ .name = (nm), .is_int = true, .i = (uint32_t)(v) }
	INT("Acct-Status-Type", acc_rad_status(r));
	INT("Service-Type", 15);     /* Sip-Session */
	STR("Acct-Session-Id", r->callid);
	STR("Sip-From-Tag", r->from_tag);
	STR("Sip-To-Tag", r->to_tag);
	if (r->kind == ACC_KIND_CDR) {
		STR("Calling-Station-Id", r->caller);
		STR("Called-Station-Id", r->callee);
		INT("Sip-Method", acc_rad_sip_method(SIP_STR_LIT("BYE")));
		/* Whole seconds, rounded: what Acct-Session-Time counts. */
		INT("Acct-Session-Time", (r->duration_ms + 500) / 1000);
		INT("Acct-Terminate-Cause", acc_rad_cause(r->end_reason));
		INT("Event-Timestamp", r->end_time);
		return n;
	}
	STR("Calling-Station-Id", acc_rad_uri(r->from_user, r->from_domain, b->from,
					      sizeof b->from));
	STR("Called-Station-Id", acc_rad_uri(r->to_user, r->to_domain, b->to, sizeof b->to));
	STR("Sip-Translated-Request-URI", acc_rad_uri(r->ruri_user, r->ruri_domain, b->ruri,
						      sizeof b->ruri));
	INT("Sip-Method", acc_rad_sip_method(r->method));
	INT("Sip-Response-Code", r->sip_code);
	STR("Sip-Src-IP", r->src_ip);
	INT("Event-Timestamp", r->time);
#undef STR
#undef INT
	return n;
}
