/* The test engine: a compiled policy run in-process, without a network,
 * against the loop transport (net/transport.h), with a database, a clock
 * and callers under the test's control. sipcc test links the policy with
 * this library instead of the proxy's main (sipt_main.c runs the cases of
 * test files, sipt_case.c); a C test links it the same way and drives the
 * proxy through the functions below:
 *
 *     sipt_db_create("/tmp/t.db");                 schema of the runtime
 *     sipt_db_open("/tmp/t.db", &d);
 *     sipt_db_insert(d, "subscriber", 3, cols, vals, NULL, 0);
 *     sipt_db_close(d);
 *     sipt_start("sqlite:/tmp/t.db", "127.0.0.1", 5060);
 *     sipt_clock_set(1796623200);                  what $time says
 *     sipt_deliver(invite, strlen(invite), "10.0.0.11", 5060);
 *     sipt_run();                                  until nothing moves
 *     for (size_t i = 0; i < sipt_out_count(); i++)
 *         ... sipt_out_get(i)->text, ->dst, ->site ...
 *     sipt_stop();
 *
 * One proxy per process: sipt_start() once (sipcc test forks a process
 * per case). Everything runs on the caller's thread, but the database
 * worker's. */
#ifndef SIPCC_TEST_SIPT_H
#define SIPCC_TEST_SIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A message the proxy sent. */
struct sipt_out {
	const char *text;       /* as sent, NUL-terminated */
	size_t len;
	char dst[72];           /* "IP:PORT" it went to */
	int dst_port;
	char dst_ip[64];
	/* The policy statement that sent it, "file:line:col" (the last one
	 * reached before it was sent), or "" when the policy was compiled
	 * without probes or no statement ran. */
	const char *site;
	/* The policy's flags (flag NAME), the current branch's flags (bflag
	 * NAME) and its AVPs ("name=value" lines, newest first) when that
	 * statement was reached; 0, 0 and "" without probes. */
	uint64_t flags, bflags;
	const char *avps;
};

/* A new SQLite database file at path with the runtime's schema (any
 * previous file is replaced). SIP_OK or an error (logged). */
int sipt_db_create(const char *path);
/* Open the SQLite file at path to insert rows (db/db.h); several rows
 * go in one transaction: sipt_db_close() commits. */
struct db;
int sipt_db_open(const char *path, struct db **out);
void sipt_db_close(struct db *d);
/* Insert one row into table: n columns, each a text value (SQLite
 * converts "3600" for an integer column). Names must be identifiers.
 * SIP_OK, SIP_EINVAL (a name), or the database's error, with why filled
 * (may be NULL). */
int sipt_db_insert(struct db *d, const char *table, unsigned n,
		   const char *const *cols, const char *const *vals, char *why, size_t whysz);

/* Register the linked policy (sipcc_policy_init), once per process:
 * sipt_start() does it when it was not done; call it first to read the
 * statement probes before starting. */
void sipt_policy_init(void);
/* Start the proxy of the linked policy: its modules on the database at
 * db_url (NULL: the policy's), listening on the loop transport at ip:port.
 * SIP_OK or an error (logged). */
int sipt_start(const char *db_url, const char *ip, int port);
/* Stop it (modules, database worker). */
void sipt_stop(void);

/* What the policy's wall clock says from now on, seconds since the epoch
 * ($time, $utime, $Ts, check_time_rec); 0: the real clock. */
void sipt_clock_set(int64_t unix_time);

/* Let ms milliseconds pass: the loop's clock (timers: retransmissions,
 * final-response timers, dialog timeouts; the age of the credentials the
 * auth module keeps, auth.cache_expire) and the policy's wall clock
 * when sipt_clock_set() set it, in steps of at most half a second with
 * the loop run at each, then sipt_run(). */
void sipt_advance(uint64_t ms);

/* Hand msg to the proxy as received from ip:port (copied). */
int sipt_deliver(const char *msg, size_t len, const char *ip, int port);
/* Run the loop until the proxy is idle: no database job pending, no
 * message waiting, nothing sent for a few rounds (at most about two
 * seconds); then what modules hold back for a later batch (acc's
 * records, the modules' flush) is written and waited for too. Due timers
 * run; retransmission timers are not waited for. */
void sipt_run(void);

/* Messages sent since the start or the last sipt_out_clear(). */
size_t sipt_out_count(void);
const struct sipt_out *sipt_out_get(size_t i);
void sipt_out_clear(void);

/* Statement probes: the policy's statements ("file:line:col"), and how
 * often each was reached. sipt_hits_share() moves the counters into
 * memory the caller gives (shared between processes: sipcc test counts
 * over every case's process); n must be sipt_site_count(). */
unsigned sipt_site_count(void);
const char *sipt_site(unsigned i);
uint32_t sipt_site_hits(unsigned i);
void sipt_hits_share(uint32_t *hits);
/* The bit of flag (or bflag, *branch set) name in sipt_out.flags
 * (bflags); -1 when the policy declares no such flag. */
int sipt_flag_bit(const char *name, bool *branch);
/* The last statement reached, "" when none. */
const char *sipt_site_last(void);

#endif
