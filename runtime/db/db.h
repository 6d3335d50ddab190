/* Database access for the runtime: one handle per worker over a backend
 * adapter (SQLite embedded, PostgreSQL and MariaDB/MySQL shared), chosen by
 * the URL scheme:
 *
 *   sqlite:/var/lib/sipcc/sipcc.db      sqlite:relative/path.db
 *   postgres://user:pass@host:port/dbname   (postgresql:// too; any libpq
 *                                            URI parameter may follow '?')
 *   mysql://user:pass@host:port/dbname      (mariadb:// too; ?socket=PATH)
 *   redis://[:password@]host[:port][/db]    (shared state only: the
 *                                            cluster.store of proxy/modules.h)
 *
 * Redis has no SQL: there a statement is one Redis command, its words
 * separated by blanks, a word in single quotes taken as it is (a Lua
 * script: no single quote inside), and a word $n the bound value n:
 *
 *   db_prepare(d, "HSET sipcc:loc:$1 $2 $3", &st)
 *   db_prepare(d, "EVAL 'return redis.call(\"INCR\", KEYS[1])' 1 $1", &st)
 *
 * Its reply is read as rows: nil or an empty array is no row; an array
 * whose elements are all arrays is one row per element, its elements the
 * columns; any other array is one row of its elements; an integer, a
 * string or a status is one row of one column (text and int both read
 * it; nil inside a row is NULL). changes() is an integer reply's value,
 * else 1. An error reply is SIP_EDB with its text in db_error(); a lost or
 * refused connection SIP_EDBDOWN, as with the other backends. Each command
 * runs on its own (no transactions: use a script for what must be atomic);
 * db_exec_sql() takes the same command text, without $n.
 *
 * Statements are prepared only: their text is program text with numbered
 * placeholders $1..$n (the same spelling on every backend) and values are
 * bound, so nothing taken from a message ever becomes SQL. db_prepare() and
 * db_exec() are macros that only compile with a string literal.
 *
 * When a backend reports its connection lost, the handle closes it and
 * every call fails fast with SIP_EDBDOWN until the next reconnect attempt,
 * which is spaced by an exponential backoff (100 ms doubling to 5 s by
 * default). Prepared statements survive a reconnect: they are prepared again
 * on first use. Every wait (connect, query, lock) is bounded.
 *
 * Results: SIP_OK, DB_ROW from db_step(), or a status of core/status.h:
 * SIP_EDBDOWN (database unreachable: a SIP 500/503 case), SIP_EDBCONSTRAINT
 * (unique or not-null violation), SIP_ETIMEOUT (a lock held too long),
 * SIP_EDB (any other database error; db_error() says which), SIP_EINVAL,
 * SIP_NOMEM.
 *
 * A handle and its statements belong to one thread. */
#ifndef SIPCC_DB_DB_H
#define SIPCC_DB_DB_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"
#include "core/status.h"

#define DB_ROW 1

typedef struct db db;
typedef struct db_stmt db_stmt;

/* One backend: a table of functions registered by name (the URL scheme).
 * conn and stmt are the backend's own objects. Every function that can fail
 * returns a status as described above; SIP_EDBDOWN from any of them makes
 * the handle drop the connection and reconnect later. */
typedef struct db_adapter {
	const char *name;
	/* The database runs inside this process (SQLite): no round trip to
	 * lose, so writes are kept prepared for reuse as reads are
	 * (db_finalize). */
	bool in_process;
	/* Open a connection for the full URL; on failure *err is set to a
	 * message (static or in errbuf) and no connection is left open. */
	int (*connect)(const char *url, void **conn, char *errbuf, size_t errsz);
	void (*close)(void *conn);
	/* Run constant SQL without parameters or results (DDL, BEGIN...). */
	int (*exec)(void *conn, const char *sql);
	/* Prepare sql; id is unique per connection (a server-side name).
	 * *nparams is set to the number of placeholders. */
	int (*prepare)(void *conn, const char *sql, unsigned id, void **stmt, int *nparams);
	void (*finalize)(void *conn, void *stmt);
	/* Forget the previous execution and its bindings. */
	void (*reset)(void *conn, void *stmt);
	/* Bind parameter idx (1-based). Text has no NUL inside and one after
	 * its last byte; it stays valid until the next reset. */
	int (*bind_text)(void *conn, void *stmt, int idx, sip_str v);
	int (*bind_int)(void *conn, void *stmt, int idx, int64_t v);
	int (*bind_null)(void *conn, void *stmt, int idx);
	/* Execute on the first call after a reset, then advance: DB_ROW when a
	 * row is ready, SIP_OK when there are no more. */
	int (*step)(void *conn, void *stmt);
	int (*column_count)(void *stmt);
	bool (*column_null)(void *stmt, int col);
	/* Valid until the next step or reset. */
	sip_str (*column_text)(void *stmt, int col);
	int64_t (*column_int)(void *stmt, int col);
	/* Rows changed by the last completed INSERT/UPDATE/DELETE. */
	long (*changes)(void *conn, void *stmt);
	const char *(*error)(void *conn);
	bool (*conn_lost)(void *conn);
	/* Write into buf (size bytes, NUL-terminated) the backend's upsert of
	 * one row: insert table (cols[0..ncols)) VALUES ($1..$ncols) or, when
	 * a row with the same values in the first nkey columns (a unique key
	 * of the table) exists, update its other columns. The names are
	 * checked identifiers. SIP_OK, or SIP_ELIMIT when buf is too small.
	 * SQLite and PostgreSQL share db_upsert_sql_on_conflict(). */
	int (*upsert_sql)(char *buf, size_t size, const char *table, const char *const *cols,
			  unsigned ncols, unsigned nkey);
} db_adapter;

/* The "INSERT ... ON CONFLICT (key) DO UPDATE SET c = excluded.c" form of
 * upsert_sql (SQLite >= 3.24, PostgreSQL >= 9.5). */
int db_upsert_sql_on_conflict(char *buf, size_t size, const char *table, const char *const *cols,
			      unsigned ncols, unsigned nkey);
/* For adapters' upsert_sql: append to buf at *len (false when it does not
 * fit), and the "INSERT INTO t (a, b) VALUES ($1, $2)" every form begins
 * with. */
bool db_sql_cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool db_upsert_insert(char *buf, size_t size, size_t *len, const char *table,
		      const char *const *cols, unsigned ncols);

/* For adapters parsing their URL: copy s[0..n) percent-decoded into out
 * (NUL-terminated). False when an escape is malformed, the result holds
 * a NUL or does not fit. */
bool db_url_decode(const char *s, size_t n, char *out, size_t outsz);

extern const db_adapter db_sqlite_adapter;
extern const db_adapter db_pgsql_adapter;
extern const db_adapter db_mysql_adapter;
extern const db_adapter db_redis_adapter;

typedef struct db_stats {
	unsigned long connect_attempts;
	unsigned long connects;     /* attempts that succeeded */
	unsigned long lost;         /* connections found lost */
	unsigned long fast_fails;   /* calls refused while waiting to reconnect */
	unsigned long prepares;     /* statements prepared on the server */
	unsigned long stmt_reuses;  /* db_prepare() answered from the handle's cache */
} db_stats;

/* Open a handle for url and connect. Returns SIP_OK; SIP_EINVAL for an
 * unknown scheme or a malformed URL (no handle); SIP_EDBDOWN when the first
 * connection failed: *out is then a handle that will retry, so a proxy can
 * start before its database; SIP_NOMEM. */
int db_open(const char *url, db **out);
/* Why url names no database the proxy can use as its "database" (an
 * unknown scheme; Redis, which only keeps shared state), as a sentence for
 * the operator; NULL when its scheme has an adapter (the rest of the URL
 * is checked when connecting). db_store_url_problem() is the same for
 * cluster.store, where Redis is welcome. */
const char *db_store_url_problem(const char *url);
const char *db_url_problem(const char *url);
/* Finalize the handle's statements and close its connection. */
void db_close(db *d);
/* Backoff between reconnect attempts (ms); defaults 100 and 5000. */
void db_set_backoff(db *d, unsigned min_ms, unsigned max_ms);
/* Adapter name: "sqlite", "postgres" or "mysql". */
const char *db_backend(const db *d);
/* Text of the last error on this handle ("" when none). */
const char *db_error(const db *d);
void db_get_stats(const db *d, db_stats *out);
/* Whether the handle has a live connection now (no attempt is made). */
bool db_is_up(const db *d);
/* Connect unless connected, as any call would: at once SIP_EDBDOWN while
 * the backoff delay runs. SIP_OK when a connection is up (it is not
 * probed: a dead one shows at the next statement). */
int db_ping(db *d);

/* Run program text without parameters or results (DDL, BEGIN, COMMIT).
 * sql must be a constant; use db_exec() with a literal. */
int db_exec_sql(db *d, const char *sql);
/* Prepare program text with $1..$n placeholders. The text is copied; the
 * statement belongs to the handle and is prepared on the server on first
 * use (again after a reconnect). SIP_OK or SIP_NOMEM; SQL errors show at
 * the first db_step(). Use db_prepare() with a literal.
 *
 * Statements that read are cached per handle: db_finalize() gives one
 * back to its handle, still prepared on the server (up to
 * DB_STMT_CACHE_MAX such idle statements), and the next db_prepare() of
 * the same text takes it again without its bindings, so a query is
 * prepared once per connection however often it is prepared and
 * finalized (the table loads of db_cache.h). A write (INSERT, UPDATE,
 * DELETE) given back to a server's handle is freed: prepared afresh in
 * its next use, its first round trip has no effect, so a server that hung
 * never receives a write that it could apply after the caller gave up
 * and tried again. SQLite's writes are kept like reads (no round trip).
 * A caller that keeps a write statement (the registrar) reuses it as
 * before. */
#define DB_STMT_CACHE_MAX 64
int db_prepare_sql(db *d, const char *sql, db_stmt **out);
/* One row written whether or not its key exists (the backend's upsert,
 * db_adapter.upsert_sql): table, then cols with the nkey key columns (a
 * unique key or the primary key of the table) first. Program constants,
 * like statement text; names that are not plain identifiers are refused. */
typedef struct db_upsert {
	const char *table;
	const char *const *cols;
	unsigned ncols, nkey;
} db_upsert;
/* Prepare u's upsert: bind column i (0-based) of u->cols as parameter
 * i + 1 and step once. SIP_OK, SIP_EINVAL (a name that is not an
 * identifier, nkey 0 or greater than ncols, too many columns), SIP_NOMEM. */
int db_prepare_upsert(db *d, const db_upsert *u, db_stmt **out);
/* Run a query without parameters whose first row's first column is an
 * integer (a count, a version) into *out. SIP_OK, SIP_ENOTFOUND without a
 * row, or an error. Use db_query_int() with a literal. */
int db_query_int_sql(db *d, const char *sql, int64_t *out);
#define db_exec(d, sql) db_exec_sql((d), "" sql "")
#define db_query_int(d, sql, out) db_query_int_sql((d), "" sql "", (out))
#define db_prepare(d, sql, out) db_prepare_sql((d), "" sql "", (out))

/* Bind parameter idx (1-based); the value is copied. A text value holding a
 * NUL byte is refused with SIP_EINVAL (no backend stores it alike). Binding
 * ends a running execution. */
int db_bind_text(db_stmt *st, int idx, sip_str v);
int db_bind_int(db_stmt *st, int idx, int64_t v);
int db_bind_null(db_stmt *st, int idx);
/* Execute (first call) and advance: DB_ROW, SIP_OK when done, or an error.
 * Every placeholder must be bound (SIP_EINVAL otherwise). After SIP_OK or
 * an error the next call executes again with the same bindings. */
int db_step(db_stmt *st);
/* End the running execution; the bindings are kept. */
void db_reset(db_stmt *st);
/* Column access for the row db_step() returned; col is 0-based. Text is
 * valid until the next db_step/db_reset; NULL reads as empty text or 0. */
int db_column_count(db_stmt *st);
bool db_column_null(db_stmt *st, int col);
sip_str db_column_text(db_stmt *st, int col);
int64_t db_column_int(db_stmt *st, int col);
/* Rows changed by the last execution that completed (an upsert that
 * updated counts 2 on MySQL/MariaDB, 1 elsewhere). */
long db_changes(db_stmt *st);
/* Release a statement: the handle keeps it prepared for the next
 * db_prepare() of its text (see above); db_close frees them all. */
void db_finalize(db_stmt *st);

/* ---- schema ---- */

/* Version the schema of runtime/db/schema.c reaches. */
#define DB_SCHEMA_VERSION 10

/* Apply the migrations the database lacks, each in its own transaction
 * together with the version bump, under a lock so proxies starting at the
 * same time do not apply one twice. Idempotent. Returns SIP_OK or an error;
 * on error the database stays at the last complete version. */
int db_schema_migrate(db *d);
/* Current schema version (0 for an empty database). */
int db_schema_version(db *d, int *version);
/* Drop every table the migrations create, and the version table: the
 * database is empty again (tests start from here). SIP_OK or an error. */
int db_schema_drop(db *d);

#endif
