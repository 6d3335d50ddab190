/* Accounting, as the acc module of OpenSIPS and Kamailio does it: one
 * record per accounted transaction (written when its final reply goes
 * out, so the SIP code is known), one per missed call (an INVITE that
 * ended negative), and one CDR per accounted dialog when it ends.
 *
 * A record (acc_row) is one heap block that owns copies of its strings,
 * so it outlives the message it was built from and can wait in a queue
 * while the database is away. This header is the part without the
 * proxy: building records from messages and dialogs, writing one with a
 * database handle, and the text of the log line; acc_fn.c is the module
 * (policy functions, the proxy and dialog hooks, the write queue). */
#ifndef SIPCC_ACC_ACC_H
#define SIPCC_ACC_ACC_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"
#include "db/db.h"
#include "dialog/dialog.h"
#include "sip/msg.h"

/* The write queue's batches (acc_fn.c): a record waits at most
 * ACC_FLUSH_MS from the first one queued, or until ACC_BATCH records
 * wait, before they go to the database worker as one transaction. Half
 * a second rather than 100 ms: at 50 calls a second (3 rows a call) the
 * commits and the database thread's wake-ups of 100 ms batches cost
 * about an eighth of the provider's CPU per call (bench/provider,
 * alternating: 627-749 us a call against 707-904). */
#define ACC_BATCH         64
#define ACC_FLUSH_MS      500

enum acc_kind {
	ACC_KIND_ACC,        /* table acc */
	ACC_KIND_MISSED,     /* table missed_calls */
	ACC_KIND_CDR,        /* table acc_cdrs */
};

/* What a record holds. Every sip_str points into the row's own block. */
typedef struct acc_row {
	enum acc_kind kind;
	struct acc_row *next;        /* the module's queue, a batch */
	unsigned worker;             /* the worker whose queue it is in */
	int status;                  /* acc_rows_insert: how its write went */
	/* acc and missed_calls */
	sip_str method, from_tag, to_tag, callid, sip_reason, src_ip;
	sip_str from_user, from_domain, to_user, to_domain, ruri_user, ruri_domain;
	int sip_code;
	int64_t time;                /* Unix seconds */
	/* acc_cdrs (callid, from_tag and to_tag too) */
	sip_str caller, callee, end_reason, hangup_by;
	int64_t start_time, end_time; /* Unix seconds */
	int64_t duration_ms;
	int64_t gw_id;               /* all three: the drouting gateway, 0: none */
} acc_row;

/* The table a kind goes to: "acc", "missed_calls", "acc_cdrs". */
const char *acc_kind_table(enum acc_kind k);
/* The kind for a table name a policy gave; false when it is none of the
 * two request tables (table names are never taken from the policy into
 * SQL). */
bool acc_kind_of_table(sip_str table, enum acc_kind *out);

/* The fields of a request record. req is the request; resp, when not
 * NULL, is the final reply, whose To tag and code win over req's and
 * code (its reason too, unless reason is set). Either may be NULL, not
 * both: from a reply alone, the method is its CSeq's and From, To and
 * Call-ID are its own. ruri, when set, replaces req's Request-URI (the
 * one the request had when it was marked). */
struct acc_req_in {
	enum acc_kind kind;
	sip_msg *req;
	sip_msg *resp;
	sip_str ruri;
	int code;
	sip_str reason;
	sip_str src_ip;
	int64_t time;
	int64_t gw_id;               /* the drouting gateway it went to, 0: none */
};
/* Build a record; NULL without memory or without a request. */
acc_row *acc_row_request(const struct acc_req_in *in);
/* A CDR for dialog d that ended for why after duration_ms; now is the
 * wall clock in ms at its end. hangup_by is "caller", "callee" or "".
 * Its gateway is d->gw_id. */
acc_row *acc_row_cdr(const dlg *d, enum dlg_end_reason why, uint64_t duration_ms,
		     int64_t now_ms, const char *hangup_by);
void acc_row_free(acc_row *r);

/* Insert r into its table through d. SIP_OK or a status of db.h. */
int acc_row_insert(db *d, const acc_row *r);
/* Insert the records of the list head (linked by next) in one
 * transaction, each into its table: one commit for the batch, not one a
 * row. Each record's status says how its write went. When one is
 * refused (an error other than SIP_EDBDOWN or SIP_ETIMEOUT), the
 * transaction is rolled back and each record is written alone, so only
 * the refused ones fail; when the database goes away, every record of
 * the batch not committed has that status. Returns SIP_OK when all were
 * written, else the first record's error. */
int acc_rows_insert(db *d, acc_row *head);

/* The log line of a record (no newline), cut to sz. Returns its length. */
size_t acc_row_format(const acc_row *r, char *buf, size_t sz);

/* "bye", "rejected", "timeout", "shutdown". */
const char *acc_end_reason_name(enum dlg_end_reason why);

#endif
