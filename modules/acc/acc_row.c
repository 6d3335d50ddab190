/* Accounting records: building them from messages and dialogs, the SQL
 * that stores them and the log line (see acc.h). */
#include "acc/acc.h"

#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/status.h"

const char *acc_kind_table(enum acc_kind k)
{
	switch (k) {
	case ACC_KIND_ACC: return "acc";
	case ACC_KIND_MISSED: return "missed_calls";
	case ACC_KIND_CDR: return "acc_cdrs";
	}
	return "acc";
}

bool acc_kind_of_table(sip_str table, enum acc_kind *out)
{
	if (sip_str_eq(table, SIP_STR_LIT("acc")))
		*out = ACC_KIND_ACC;
	else if (sip_str_eq(table, SIP_STR_LIT("missed_calls")))
		*out = ACC_KIND_MISSED;
	else
		return false;
	return true;
}

/* By enum dlg_end_reason: policy and operator both "ended" (hangup_by
 * tells them apart). */
static const char *const acc_end_names[] = {
	"bye", "rejected", "timeout", "shutdown", "ended", "ended", "keepalive",
	"session_expired", "media_timeout",
};

const char *acc_end_reason_name(enum dlg_end_reason why)
{
	return (unsigned)why < sizeof acc_end_names / sizeof acc_end_names[0] ? acc_end_names[why] : "";
}

/* The strings of a record, in the order they are copied. */
#define ACC_NSTR 16
static void acc_strs(acc_row *r, sip_str **v)
{
	sip_str *all[ACC_NSTR] = {
		&r->method, &r->from_tag, &r->to_tag, &r->callid, &r->sip_reason, &r->src_ip,
		&r->from_user, &r->from_domain, &r->to_user, &r->to_domain, &r->ruri_user,
		&r->ruri_domain, &r->caller, &r->callee, &r->end_reason, &r->hangup_by,
	};
	memcpy(v, all, sizeof all);
}

/* Copy the strings of tmp into one block with the record in front: the
 * record owns them and is freed with one call. */
static acc_row *acc_row_pack(const acc_row *tmp)
{
	acc_row src = *tmp;
	sip_str *sv[ACC_NSTR];
	size_t total = sizeof(acc_row);

	acc_strs(&src, sv);
	for (unsigned i = 0; i < ACC_NSTR; i++)
		total += sv[i]->len + 1;
	acc_row *r = sip_mem_alloc(total);
	if (!r)
		return NULL;
	*r = src;
	r->next = NULL;
	char *p = (char *)(r + 1);
	sip_str *dv[ACC_NSTR];
	acc_strs(r, dv);
	for (unsigned i = 0; i < ACC_NSTR; i++) {
		if (sv[i]->len)
			memcpy(p, sv[i]->s, sv[i]->len);
		p[sv[i]->len] = '\0';
		*dv[i] = sip_str_make(p, sv[i]->len);
		p += sv[i]->len + 1;
	}
	return r;
}

void acc_row_free(acc_row *r)
{
	sip_mem_free(r);
}

acc_row *acc_row_request(const struct acc_req_in *in)
{
	acc_row t;
	sip_msg *req = in->req, *resp = in->resp;
	sip_msg *h = req ? req : resp;

	if (!h || (req && !req->is_request) || (!req && resp->is_request))
		return NULL;
	memset(&t, 0, sizeof t);
	t.kind = in->kind;
	t.method = req ? req->method_str : resp->cseq.method_str;
	t.from_tag = h->from_tag;
	t.to_tag = resp && resp->to_tag.len ? resp->to_tag : h->to_tag;
	t.callid = h->callid;
	t.sip_code = resp ? resp->status : in->code;
	t.sip_reason = in->reason.len || !resp ? in->reason : resp->reason;
	t.src_ip = in->src_ip;
	t.time = in->time;
	t.gw_id = in->gw_id;
	sip_naddr *f = sip_msg_from(h), *to = sip_msg_to(h);
	if (f) {
		t.from_user = f->uri.user;
		t.from_domain = f->uri.host;
	}
	if (to) {
		t.to_user = to->uri.user;
		t.to_domain = to->uri.host;
	}
	sip_uri ru, *u = NULL;
	if (in->ruri.len)
		u = sip_uri_parse(in->ruri, &ru) == SIP_OK ? &ru : NULL;
	else if (req)
		u = sip_msg_ruri(req);
	if (u) {
		t.ruri_user = u->user;
		t.ruri_domain = u->host;
	}
	return acc_row_pack(&t);
}

acc_row *acc_row_cdr(const dlg *d, enum dlg_end_reason why, uint64_t duration_ms,
		     int64_t now_ms, const char *hangup_by)
{
	acc_row t;

	memset(&t, 0, sizeof t);
	t.kind = ACC_KIND_CDR;
	t.caller = d->caller_uri;
	t.callee = d->callee_uri;
	t.callid = d->callid;
	t.from_tag = d->caller_tag;
	t.to_tag = d->callee_tag;
	t.end_time = now_ms / 1000;
	t.start_time = (now_ms - (int64_t)duration_ms) / 1000;
	t.duration_ms = (int64_t)duration_ms;
	t.gw_id = d->gw_id;
	const char *er = acc_end_reason_name(why);
	t.end_reason = sip_str_make(er, strlen(er));
	if (hangup_by)
		t.hangup_by = sip_str_make(hangup_by, strlen(hangup_by));
	return acc_row_pack(&t);
}

/* Bind the columns common to acc and missed_calls, in the order of the
 * INSERTs below. */
static int acc_bind_req(db_stmt *st, const acc_row *r)
{
	const sip_str s[] = {
		r->method, r->from_tag, r->to_tag, r->callid,
	};
	const sip_str s2[] = {
		r->sip_reason,
	};
	const sip_str s3[] = {
		r->src_ip, r->from_user, r->from_domain, r->to_user, r->to_domain,
		r->ruri_user, r->ruri_domain,
	};
	int rc = SIP_OK, i = 1;

	for (unsigned k = 0; rc == SIP_OK && k < sizeof s / sizeof s[0]; k++)
		rc = db_bind_text(st, i++, s[k]);
	if (rc == SIP_OK)
		rc = db_bind_int(st, i++, r->sip_code);
	for (unsigned k = 0; rc == SIP_OK && k < sizeof s2 / sizeof s2[0]; k++)
		rc = db_bind_text(st, i++, s2[k]);
	if (rc == SIP_OK)
		rc = db_bind_int(st, i++, r->time);
	for (unsigned k = 0; rc == SIP_OK && k < sizeof s3 / sizeof s3[0]; k++)
		rc = db_bind_text(st, i++, s3[k]);
	if (rc == SIP_OK)
		rc = db_bind_int(st, i++, r->gw_id);
	return rc;
}

int acc_row_insert(db *d, const acc_row *r)
{
	db_stmt *st = NULL;
	int rc;

	switch (r->kind) {
	case ACC_KIND_ACC:
		rc = db_prepare(d, "INSERT INTO acc (method, from_tag, to_tag, callid, sip_code,"
				" sip_reason, time, src_ip, from_user, from_domain, to_user, to_domain,"
				" ruri_user, ruri_domain, gw_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
				" $9, $10, $11, $12, $13, $14, $15)", &st);
		if (rc == SIP_OK)
			rc = acc_bind_req(st, r);
		break;
	case ACC_KIND_MISSED:
		rc = db_prepare(d, "INSERT INTO missed_calls (method, from_tag, to_tag, callid,"
				" sip_code, sip_reason, time, src_ip, from_user, from_domain, to_user,"
				" to_domain, ruri_user, ruri_domain, gw_id) VALUES ($1, $2, $3, $4, $5,"
				" $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)", &st);
		if (rc == SIP_OK)
			rc = acc_bind_req(st, r);
		break;
	case ACC_KIND_CDR:
	default:
		rc = db_prepare(d, "INSERT INTO acc_cdrs (caller, callee, callid, from_tag, to_tag,"
				" start_time, end_time, duration_ms, end_reason, hangup_by, gw_id)"
				" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", &st);
		if (rc == SIP_OK && (rc = db_bind_text(st, 1, r->caller)) == SIP_OK
		    && (rc = db_bind_text(st, 2, r->callee)) == SIP_OK
		    && (rc = db_bind_text(st, 3, r->callid)) == SIP_OK
		    && (rc = db_bind_text(st, 4, r->from_tag)) == SIP_OK
		    && (rc = db_bind_text(st, 5, r->to_tag)) == SIP_OK
		    && (rc = db_bind_int(st, 6, r->start_time)) == SIP_OK
		    && (rc = db_bind_int(st, 7, r->end_time)) == SIP_OK
		    && (rc = db_bind_int(st, 8, r->duration_ms)) == SIP_OK
		    && (rc = db_bind_text(st, 9, r->end_reason)) == SIP_OK
		    && (rc = db_bind_text(st, 10, r->hangup_by)) == SIP_OK)
			rc = db_bind_int(st, 11, r->gw_id);
		break;
	}
	if (rc == SIP_OK) {
		rc = db_step(st);
		if (rc == DB_ROW)
			rc = SIP_OK;
	}
	db_finalize(st);
	return rc;
}

/* Whether the database is away (rather than refusing a record). */
static bool acc_status_down(int rc)
{
	return rc == SIP_EDBDOWN || rc == SIP_ETIMEOUT;
}

static int acc_rows_one_by_one(db *d, acc_row *head)
{
	int first = SIP_OK;

	for (acc_row *r = head; r; r = r->next) {
		r->status = acc_row_insert(d, r);
		if (r->status != SIP_OK && first == SIP_OK)
			first = r->status;
	}
	return first;
}

int acc_rows_insert(db *d, acc_row *head)
{
	int rc;

	if (!head)
		return SIP_OK;
	if (!head->next)
		return head->status = acc_row_insert(d, head);
	rc = db_exec(d, "BEGIN");
	for (acc_row *r = head; rc == SIP_OK && r; r = r->next)
		rc = acc_row_insert(d, r);
	if (rc == SIP_OK)
		rc = db_exec(d, "COMMIT");
	if (rc == SIP_OK) {
		for (acc_row *r = head; r; r = r->next)
			r->status = SIP_OK;
		return SIP_OK;
	}
	db_exec(d, "ROLLBACK");
	if (acc_status_down(rc)) {
		for (acc_row *r = head; r; r = r->next)
			r->status = rc;
		return rc;
	}
	return acc_rows_one_by_one(d, head);
}

size_t acc_row_format(const acc_row *r, char *buf, size_t sz)
{
	int n;

	if (r->kind == ACC_KIND_CDR)
		n = snprintf(buf, sz, "ACC: call ended: callid=" SIP_STR_FMT " caller=" SIP_STR_FMT
			     " callee=" SIP_STR_FMT " from_tag=" SIP_STR_FMT " to_tag=" SIP_STR_FMT
			     " start=%lld end=%lld duration_ms=%lld reason=" SIP_STR_FMT
			     " hangup_by=" SIP_STR_FMT,
			     SIP_STR_ARG(r->callid), SIP_STR_ARG(r->caller), SIP_STR_ARG(r->callee),
			     SIP_STR_ARG(r->from_tag), SIP_STR_ARG(r->to_tag), (long long)r->start_time,
			     (long long)r->end_time, (long long)r->duration_ms,
			     SIP_STR_ARG(r->end_reason), SIP_STR_ARG(r->hangup_by));
	else
		n = snprintf(buf, sz, "ACC: %s: method=" SIP_STR_FMT " from_tag=" SIP_STR_FMT
			     " to_tag=" SIP_STR_FMT " callid=" SIP_STR_FMT " code=%d reason="
			     SIP_STR_FMT " src_ip=" SIP_STR_FMT " from=" SIP_STR_FMT "@" SIP_STR_FMT
			     " to=" SIP_STR_FMT "@" SIP_STR_FMT " ruri=" SIP_STR_FMT "@" SIP_STR_FMT,
			     r->kind == ACC_KIND_MISSED ? "missed call" : "transaction",
			     SIP_STR_ARG(r->method), SIP_STR_ARG(r->from_tag), SIP_STR_ARG(r->to_tag),
			     SIP_STR_ARG(r->callid), r->sip_code, SIP_STR_ARG(r->sip_reason),
			     SIP_STR_ARG(r->src_ip), SIP_STR_ARG(r->from_user),
			     SIP_STR_ARG(r->from_domain), SIP_STR_ARG(r->to_user),
			     SIP_STR_ARG(r->to_domain), SIP_STR_ARG(r->ruri_user),
			     SIP_STR_ARG(r->ruri_domain));
	if (n < 0)
		return 0;
	return (size_t)n < sz ? (size_t)n : (sz ? sz - 1 : 0);
}
