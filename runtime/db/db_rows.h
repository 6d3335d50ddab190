/* Pieces of a cached table's snapshot (db_cache.h) that every such table
 * builds the same way: the snapshot and its arena, a hash table sized
 * from the row count, the rows left out and why, and the log of a new
 * snapshot that speaks only when something changed.
 *
 * A load counts the rows first ("SELECT count(*) FROM t"), then reads
 * them: db_snap_new() gives the snapshot, db_snap_buckets() its hash
 * table for that count, db_bad_rows_new() room for every row to be bad;
 * a row no lookup could use goes to db_bad_row_add() and the load goes
 * on. The loaded() callback hands the result to db_rows_report(), which
 * logs the bad rows and says whether to log the summary line: only when
 * the count or the bad rows differ from the last snapshot, so a timed
 * reload of the same table says nothing. */
#ifndef SIPCC_DB_DB_ROWS_H
#define SIPCC_DB_DB_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"
#include "db/db_cache.h"

/* *slot, created from def the first time: a module's accessor of its
 * one cache. NULL on no memory (and *slot stays NULL). */
db_cache *db_cache_once(const db_cache_def *def, db_cache **slot);
/* db_cache_load_now(c, d), or SIP_NOMEM when c is NULL (the accessor
 * above failed): a module's "load now" for tests and tools. */
int db_cache_refresh(db_cache *c, db *d);

/* A new zeroed snapshot of size bytes whose FIRST member is its
 * sip_arena, initialised with block_size; NULL on no memory. */
void *db_snap_new(size_t size, size_t block_size);
/* Free such a snapshot (NULL is fine): its arena, then itself. A
 * db_cache_def's .free when the snapshot holds nothing else. */
void db_snap_free(void *snap);

/* Zeroed buckets in a for a hash table of about n rows, and *mask (a
 * power of two minus one, 63 at the least, 2^25 - 1 at the most); NULL
 * on no memory. */
void *db_snap_buckets(sip_arena *a, int64_t n, uint32_t *mask);

/* A row left out of a snapshot, and why. */
typedef struct db_bad_row {
	int64_t id;
	sip_str why;    /* NUL-terminated */
} db_bad_row;

/* Room in a for n bad rows (one at the least); NULL on no memory. */
db_bad_row *db_bad_rows_new(sip_arena *a, int64_t n);
/* Append (id, why) to bad[*n_bad]; why stays the caller's (in the
 * snapshot's arena or static). */
void db_bad_row_add(db_bad_row *bad, unsigned *n_bad, int64_t id, const char *why);

/* What the last report of one cache said (static in its module). */
typedef struct db_rows_report {
	uint32_t last;
	bool logged;
} db_rows_report;

/* On a new snapshot of n usable rows and bad[0..n_bad): when they differ
 * from the last report's (or on the first), log each bad row as
 * "<row> <id> <verb>: <why>" at error level ("blacklist: row 7 skipped:
 * bad prefix ...") and return true: the caller then logs its summary
 * line. False when nothing changed. */
bool db_rows_report_bad(db_rows_report *r, const char *row, const char *verb, unsigned n,
			const db_bad_row *bad, unsigned n_bad);

#endif
