/* Database layer against a real backend. With DB_URL unset it runs on a
 * temporary SQLite file; test_db_pgsql.sh and test_db_mysql.sh set DB_URL
 * to a PostgreSQL or MariaDB server they started, and DB_TEST_STOP /
 * DB_TEST_START to shell commands that stop and start that server for the
 * down-and-back test (MariaDB: DB_TEST_SERVER_PIDFILE, the server's pid file, for the hung
 * server). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "db/db.h"
#include "test/tmpdb.h"

static char db_url[4096];
static char sqlite_path[256];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static db *open_ok(void)
{
	db *d = NULL;
	int rc = db_open(db_url, &d);

	if (rc != SIP_OK)
		fail_msg("db_open(%s): %s: %s", db_url, sip_strerror(rc), d ? db_error(d) : "");
	return d;
}

/* Every test starts from an empty database. */
static int setup_empty(void **state)
{
	db *d = open_ok();

	assert_int_equal(db_schema_drop(d), SIP_OK);
	*state = d;
	return 0;
}

static int teardown_close(void **state)
{
	db_close(*state);
	return 0;
}

/* Count rows of a constant query. */
static int64_t count_rows(db *d, db_stmt *st)
{
	int64_t n = -1;

	assert_int_equal(db_step(st), DB_ROW);
	n = db_column_int(st, 0);
	assert_int_equal(db_step(st), SIP_OK);
	(void)d;
	return n;
}

static void test_bad_urls(void **state)
{
	db *d = (db *)1;

	(void)state;
	assert_int_equal(db_open("oracle://root@localhost/x", &d), SIP_EINVAL);
	assert_null(d);
	/* MariaDB URLs the adapter refuses before any connection attempt. */
	assert_int_equal(db_open("mysql://root@localhost", &d), SIP_EINVAL);
	assert_null(d);
	assert_int_equal(db_open("mysql://root@localhost:99999/x", &d), SIP_EINVAL);
	assert_int_equal(db_open("mariadb://root@localhost/x?no_such_option=1", &d), SIP_EINVAL);
	assert_int_equal(db_open("mysql://r%zzt@localhost/x", &d), SIP_EINVAL);
	assert_int_equal(db_open("mysql://root@[::1/x", &d), SIP_EINVAL);
	assert_null(d);
	assert_int_equal(db_open("sqlite:", &d), SIP_EINVAL);
	assert_null(d);
	assert_int_equal(db_open("", &d), SIP_EINVAL);
	assert_int_equal(db_open("postgresql://localhost/x?no_such_option=1", &d), SIP_EINVAL);
	assert_null(d);
}

static void test_migrate_twice(void **state)
{
	db *d = *state;
	db_stmt *ins, *cnt;
	int version = -1;

	assert_int_equal(db_schema_version(d, &version), SIP_OK);
	assert_int_equal(version, 0);
	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_schema_version(d, &version), SIP_OK);
	assert_int_equal(version, DB_SCHEMA_VERSION);

	assert_int_equal(db_prepare(d, "INSERT INTO domain (domain) VALUES ($1)", &ins), SIP_OK);
	assert_int_equal(db_bind_text(ins, 1, SIP_STR_LIT("voip.example.com")), SIP_OK);
	assert_int_equal(db_step(ins), SIP_OK);
	assert_int_equal(db_changes(ins), 1);

	/* A second run changes nothing and keeps the data. */
	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_schema_version(d, &version), SIP_OK);
	assert_int_equal(version, DB_SCHEMA_VERSION);
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM domain", &cnt), SIP_OK);
	assert_int_equal(count_rows(d, cnt), 1);
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM sipcc_version", &cnt), SIP_OK);
	assert_int_equal(count_rows(d, cnt), 1);

	/* Every v1 table and column is there. */
	assert_int_equal(db_exec(d, "INSERT INTO subscriber (username, domain, password, ha1,"
			 " ha1_sha256) VALUES ('a', 'b', 'c', 'd', 'e')"), SIP_OK);
	assert_int_equal(db_exec(d, "INSERT INTO location (aor, contact, expires, q, callid,"
			 " cseq, path, received, user_agent, flags) VALUES ('a@b',"
			 " 'sip:a@192.0.2.1', 1, 1000, 'x', 2, NULL, NULL, 'ua', 0)"), SIP_OK);
	assert_int_equal(db_exec(d, "INSERT INTO alias (alias_username, alias_domain, username,"
			 " domain) VALUES ('1000', 'b', 'a', 'b')"), SIP_OK);
	assert_int_equal(db_exec(d, "SELECT no_such_column FROM subscriber"), SIP_EDB);

	/* db_schema_drop() knows every table the migrations made: none is
	 * left, and the database is at version 0 again. */
	assert_int_equal(db_schema_drop(d), SIP_OK);
	const char *be = db_backend(d);
	if (strcmp(be, "sqlite") == 0)
		assert_int_equal(db_prepare(d, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				 " AND name NOT LIKE 'sqlite_%'", &cnt), SIP_OK);
	else if (strcmp(be, "postgres") == 0)
		assert_int_equal(db_prepare(d, "SELECT count(*) FROM information_schema.tables"
				 " WHERE table_schema = current_schema()", &cnt), SIP_OK);
	else
		assert_int_equal(db_prepare(d, "SELECT count(*) FROM information_schema.tables"
				 " WHERE table_schema = DATABASE()", &cnt), SIP_OK);
	assert_int_equal(count_rows(d, cnt), 0);
	db_finalize(cnt);
	assert_int_equal(db_schema_version(d, &version), SIP_OK);
	assert_int_equal(version, 0);
}

/* The change serials: a write to a cached table, by any statement, bumps
 * its row of sipcc_change (a trigger, on every backend); a write to a
 * table that is not cached bumps none. */
static int64_t serial_of(db *d, const char *tbl)
{
	db_stmt *st;
	int64_t v = -1;
	assert_int_equal(db_prepare(d, "SELECT serial FROM sipcc_change WHERE tbl = $1", &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, (sip_str){ tbl, strlen(tbl) }), SIP_OK);
	if (db_step(st) == DB_ROW)
		v = db_column_int(st, 0);
	db_finalize(st);
	return v;
}

static void test_change_serials(void **state)
{
	db *d = *state;
	static const char *const watched[] = { "subscriber", "alias", "domain", "dr_gateway",
		"dr_rule", "usr_preferences", "grp", "address", "dialplan", "blacklist" };
	int64_t before[10];

	assert_int_equal(db_schema_migrate(d), SIP_OK);
	for (int i = 0; i < 10; i++) {
		before[i] = serial_of(d, watched[i]);
		assert_true(before[i] >= 0);
	}
	assert_int_equal(db_exec(d, "INSERT INTO grp (username, domain, grp) VALUES"
			 " ('alice', 'example.com', 'pstn')"), SIP_OK);
	int64_t g1 = serial_of(d, "grp");
	assert_true(g1 > before[6]);
	assert_int_equal(db_exec(d, "UPDATE grp SET grp = 'intl' WHERE username = 'alice'"), SIP_OK);
	int64_t g2 = serial_of(d, "grp");
	assert_true(g2 > g1);
	assert_int_equal(db_exec(d, "DELETE FROM grp"), SIP_OK);
	assert_true(serial_of(d, "grp") > g2);
	assert_int_equal(db_exec(d, "INSERT INTO usr_preferences (username, domain, attribute,"
			 " type, value) VALUES ('alice', 'example.com', 'cfu', 0, 'sip:bob@example.com')"),
			 SIP_OK);
	assert_int_equal(db_exec(d, "INSERT INTO address (grp, ip, mask, port, proto, pattern,"
			 " context_info) VALUES (1, '192.0.2.0', 24, 0, 'any', '', 'gw')"), SIP_OK);
	assert_int_equal(db_exec(d, "INSERT INTO dialplan (dpid, pr, match_op, match_exp,"
			 " match_flags, subst_exp, repl_exp, attrs) VALUES (1, 1, 1, '^0([1-9][0-9]+)$',"
			 " 0, '^0(.*)$', '+44\\1', 'national')"), SIP_OK);
	assert_int_equal(db_exec(d, "INSERT INTO blacklist (username, domain, prefix, whitelist)"
			 " VALUES ('', '', '900', 0)"), SIP_OK);
	assert_true(serial_of(d, "usr_preferences") > before[5]);
	assert_true(serial_of(d, "address") > before[7]);
	assert_true(serial_of(d, "dialplan") > before[8]);
	assert_true(serial_of(d, "blacklist") > before[9]);
	/* The location table is not cached: nothing moves. */
	int64_t dom = serial_of(d, "domain"), sub = serial_of(d, "subscriber");
	assert_int_equal(db_exec(d, "INSERT INTO location (aor, contact, expires) VALUES"
			 " ('a@b', 'sip:a@192.0.2.1', 1)"), SIP_OK);
	assert_int_equal(serial_of(d, "domain"), dom);
	assert_int_equal(serial_of(d, "subscriber"), sub);
	assert_int_equal(db_exec(d, "INSERT INTO domain (domain) VALUES ('example.com')"), SIP_OK);
	assert_true(serial_of(d, "domain") > dom);
}

/* Values that would break SQL built by pasting text; bound, they are
 * stored and found byte for byte. */
static void test_bound_values(void **state)
{
	static const char *const hostile[] = {
		"o'brien", "\"quoted\"", "back\\slash", "'); DROP TABLE subscriber; --",
		"$1", "?", "%_*", "caf\xc3\xa9 \xe2\x98\x8e", "line\r\nbreak", "",
	};
	size_t n = sizeof(hostile) / sizeof(hostile[0]);
	db *d = *state;
	db_stmt *ins, *sel, *cnt;
	char big[5000];

	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_prepare(d, "INSERT INTO subscriber (username, domain, password)"
				    " VALUES ($1, $2, $3)", &ins), SIP_OK);
	assert_int_equal(db_prepare(d, "SELECT username, password, id FROM subscriber"
				    " WHERE username = $1 AND domain = $2", &sel), SIP_OK);
	for (size_t i = 0; i < n; i++) {
		sip_str v = sip_str_make(hostile[i], strlen(hostile[i]));
		assert_int_equal(db_bind_text(ins, 1, v), SIP_OK);
		assert_int_equal(db_bind_text(ins, 2, SIP_STR_LIT("example.com")), SIP_OK);
		assert_int_equal(db_bind_text(ins, 3, v), SIP_OK);
		assert_int_equal(db_step(ins), SIP_OK);
	}
	memset(big, 'x', sizeof(big));
	big[0] = '\'';
	assert_int_equal(db_bind_text(ins, 1, sip_str_make(big, sizeof(big))), SIP_OK);
	assert_int_equal(db_step(ins), SIP_OK);

	for (size_t i = 0; i < n; i++) {
		sip_str v = sip_str_make(hostile[i], strlen(hostile[i])), got;
		assert_int_equal(db_bind_text(sel, 1, v), SIP_OK);
		assert_int_equal(db_bind_text(sel, 2, SIP_STR_LIT("example.com")), SIP_OK);
		assert_int_equal(db_step(sel), DB_ROW);
		assert_int_equal(db_column_count(sel), 3);
		got = db_column_text(sel, 0);
		assert_int_equal(got.len, v.len);
		assert_memory_equal(got.s, v.s, v.len ? v.len : 1);
		got = db_column_text(sel, 1);
		assert_true(sip_str_eq(got, v));
		assert_true(db_column_int(sel, 2) > 0);
		assert_int_equal(db_step(sel), SIP_OK);
	}
	assert_int_equal(db_bind_text(sel, 1, sip_str_make(big, sizeof(big))), SIP_OK);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_int_equal(db_column_text(sel, 0).len, sizeof(big));
	db_reset(sel);

	/* No match for a prefix: the comparison is on the whole value. */
	assert_int_equal(db_bind_text(sel, 1, SIP_STR_LIT("o'")), SIP_OK);
	assert_int_equal(db_step(sel), SIP_OK);
	assert_true(db_column_null(sel, 0));

	/* A NUL is refused at bind, uniformly, and the statement still works. */
	assert_int_equal(db_bind_text(ins, 1, sip_str_make("nul\0here", 8)), SIP_EINVAL);
	assert_int_equal(db_bind_text(ins, 1, SIP_STR_LIT("after-nul")), SIP_OK);
	assert_int_equal(db_step(ins), SIP_OK);

	assert_int_equal(db_prepare(d, "SELECT count(*) FROM subscriber", &cnt), SIP_OK);
	assert_int_equal(count_rows(d, cnt), (int64_t)n + 2);
}

static void test_ints_nulls_errors(void **state)
{
	db *d = *state;
	db_stmt *ins, *sel, *upd, *bad;
	const int64_t far = (int64_t)1 << 40;

	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_prepare(d, "INSERT INTO location (aor, contact, expires, q, cseq, path,"
				    " received) VALUES ($1, $2, $3, $4, $5, $6, $7)", &ins), SIP_OK);
	assert_int_equal(db_bind_text(ins, 1, SIP_STR_LIT("alice@example.com")), SIP_OK);
	assert_int_equal(db_bind_text(ins, 2, SIP_STR_LIT("sip:alice@192.0.2.10:5060")), SIP_OK);
	assert_int_equal(db_bind_int(ins, 3, far), SIP_OK);
	assert_int_equal(db_bind_int(ins, 4, -1), SIP_OK);
	assert_int_equal(db_bind_int(ins, 5, 4294967295LL), SIP_OK);
	assert_int_equal(db_bind_null(ins, 6), SIP_OK);
	assert_int_equal(db_bind_text(ins, 7, SIP_STR_LIT("sip:198.51.100.7:5062")), SIP_OK);
	assert_int_equal(db_step(ins), SIP_OK);
	/* Same binding (aor, contact) twice: the unique key says no. */
	assert_int_equal(db_step(ins), SIP_EDBCONSTRAINT);
	assert_true(strlen(db_error(d)) > 0);

	assert_int_equal(db_prepare(d, "SELECT expires, q, cseq, path, received FROM location"
				    " WHERE aor = $1", &sel), SIP_OK);
	assert_int_equal(db_bind_text(sel, 1, SIP_STR_LIT("alice@example.com")), SIP_OK);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_int_equal(db_column_int(sel, 0), far);
	assert_int_equal(db_column_int(sel, 1), -1);
	assert_int_equal(db_column_int(sel, 2), 4294967295LL);
	assert_true(db_column_null(sel, 3));
	assert_int_equal(db_column_text(sel, 3).len, 0);
	assert_false(db_column_null(sel, 4));
	assert_true(sip_str_eq(db_column_text(sel, 4), SIP_STR_LIT("sip:198.51.100.7:5062")));
	assert_true(db_column_null(sel, 9));
	assert_int_equal(db_step(sel), SIP_OK);
	/* After the end, the next step runs the query again. */
	assert_int_equal(db_step(sel), DB_ROW);
	db_reset(sel);

	/* The same parameter used twice, and the rows-changed count. */
	assert_int_equal(db_prepare(d, "UPDATE location SET cseq = $1, expires = $1 WHERE aor = $2",
				    &upd), SIP_OK);
	assert_int_equal(db_bind_int(upd, 1, 7), SIP_OK);
	assert_int_equal(db_bind_text(upd, 2, SIP_STR_LIT("nobody@example.com")), SIP_OK);
	assert_int_equal(db_step(upd), SIP_OK);
	assert_int_equal(db_changes(upd), 0);
	assert_int_equal(db_bind_text(upd, 2, SIP_STR_LIT("alice@example.com")), SIP_OK);
	assert_int_equal(db_step(upd), SIP_OK);
	assert_int_equal(db_changes(upd), 1);

	/* Missing and extra parameters, parameter 0, bad SQL. */
	assert_int_equal(db_prepare(d, "SELECT aor FROM location WHERE aor = $1 AND contact = $2",
				    &bad), SIP_OK);
	assert_int_equal(db_bind_text(bad, 1, SIP_STR_LIT("a")), SIP_OK);
	assert_int_equal(db_step(bad), SIP_EINVAL);
	assert_int_equal(db_bind_text(bad, 2, SIP_STR_LIT("b")), SIP_OK);
	assert_int_equal(db_bind_text(bad, 3, SIP_STR_LIT("c")), SIP_OK);
	assert_int_equal(db_step(bad), SIP_EINVAL);
	assert_int_equal(db_bind_int(bad, 0, 1), SIP_EINVAL);
	assert_int_equal(db_prepare(d, "SELEC aor FROM location", &bad), SIP_OK);
	assert_int_equal(db_step(bad), SIP_EDB);
	assert_true(strlen(db_error(d)) > 0);
	/* The handle is still fine after all of that. */
	assert_true(db_is_up(d));
	assert_int_equal(db_bind_text(sel, 1, SIP_STR_LIT("alice@example.com")), SIP_OK);
	assert_int_equal(db_step(sel), DB_ROW);
	db_finalize(sel);
	db_finalize(upd);
}

static void test_reopen(void **state)
{
	db *d = *state;
	db_stmt *st;
	int version = 0;

	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_prepare(d, "INSERT INTO alias (alias_username, alias_domain, username,"
				    " domain) VALUES ($1, $2, $3, $4)", &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, SIP_STR_LIT("+15551234")), SIP_OK);
	assert_int_equal(db_bind_text(st, 2, SIP_STR_LIT("example.com")), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, SIP_STR_LIT("alice")), SIP_OK);
	assert_int_equal(db_bind_text(st, 4, SIP_STR_LIT("example.com")), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_close(d);

	*state = d = open_ok();
	assert_int_equal(db_schema_version(d, &version), SIP_OK);
	assert_int_equal(version, DB_SCHEMA_VERSION);
	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_prepare(d, "SELECT username FROM alias WHERE alias_username = $1", &st),
			 SIP_OK);
	assert_int_equal(db_bind_text(st, 1, SIP_STR_LIT("+15551234")), SIP_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(sip_str_eq(db_column_text(st, 0), SIP_STR_LIT("alice")));
}

/* A query given back with db_finalize is prepared once per connection:
 * the next db_prepare of the same text gets it again, without its
 * bindings, and the server sees no new prepare; two users of one text at
 * once get two statements; a write is not kept. */
static void test_stmt_cache(void **state)
{
	db *d = *state;
	db_stmt *st, *st2;
	db_stats s0, s;

	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_exec(d, "INSERT INTO domain (domain) VALUES ('a.example.com')"), SIP_OK);
	db_get_stats(d, &s0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(db_prepare(d, "SELECT count(*) FROM domain WHERE domain = $1", &st),
				 SIP_OK);
		/* Unbound again: the last round's value is not reused. */
		assert_int_equal(db_step(st), SIP_EINVAL);
		assert_int_equal(db_bind_text(st, 1, SIP_STR_LIT("a.example.com")), SIP_OK);
		assert_int_equal(count_rows(d, st), 1);
		db_finalize(st);
	}
	db_get_stats(d, &s);
	assert_int_equal(s.prepares - s0.prepares, 1);
	assert_int_equal(s.stmt_reuses - s0.stmt_reuses, 4);

	/* Held twice at once: two statements, each with its own binding. */
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM domain WHERE domain = $1", &st), SIP_OK);
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM domain WHERE domain = $1", &st2), SIP_OK);
	assert_ptr_not_equal(st, st2);
	assert_int_equal(db_bind_text(st, 1, SIP_STR_LIT("a.example.com")), SIP_OK);
	assert_int_equal(db_bind_text(st2, 1, SIP_STR_LIT("b.example.com")), SIP_OK);
	assert_int_equal(count_rows(d, st2), 0);
	assert_int_equal(count_rows(d, st), 1);
	db_finalize(st);
	db_finalize(st2);
	/* A write given back to a server's handle is not kept: prepared again
	 * in its next use. SQLite, in the process, keeps it as a read. */
	bool kept = strcmp(db_backend(d), "sqlite") == 0;
	db_get_stats(d, &s0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(db_prepare(d, "INSERT INTO domain (domain) VALUES ($1)", &st), SIP_OK);
		assert_int_equal(db_bind_text(st, 1, i ? SIP_STR_LIT("c.example.com")
						    : SIP_STR_LIT("d.example.com")), SIP_OK);
		assert_int_equal(db_step(st), SIP_OK);
		db_finalize(st);
	}
	db_get_stats(d, &s);
	assert_int_equal(s.prepares - s0.prepares, kept ? 1 : 2);
	assert_int_equal(s.stmt_reuses - s0.stmt_reuses, kept ? 1 : 0);
	/* db_query_int of the loaders is cached too. */
	int64_t n = 0;
	db_get_stats(d, &s0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(db_query_int(d, "SELECT count(*) FROM alias", &n), SIP_OK);
	db_get_stats(d, &s);
	assert_int_equal(s.prepares - s0.prepares, 1);
}

/* The adapter's upsert: a new key inserts, an existing one updates the
 * other columns, a key of only key columns is left alone; names that are
 * not identifiers are refused before any SQL is made. */
static void test_upsert(void **state)
{
	db *d = *state;
	db_stmt *st, *sel;
	static const char *const cols[] = { "k1", "k2", "v", "n" };
	static const db_upsert up = { "up_t", cols, 4, 2 };
	static const db_upsert keys_only = { "up_t", cols, 2, 2 };

	assert_int_equal(db_exec(d, "DROP TABLE IF EXISTS up_t"), SIP_OK);
	assert_int_equal(db_exec(d, "CREATE TABLE up_t (k1 VARCHAR(64) NOT NULL, k2 INTEGER NOT NULL,"
				 " v VARCHAR(64), n INTEGER, PRIMARY KEY (k1, k2))"), SIP_OK);
	assert_int_equal(db_prepare_upsert(d, &up, &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, SIP_STR_LIT("alice")), SIP_OK);
	assert_int_equal(db_bind_int(st, 2, 1), SIP_OK);
	assert_int_equal(db_bind_text(st, 3, SIP_STR_LIT("first")), SIP_OK);
	assert_int_equal(db_bind_int(st, 4, 10), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	assert_int_equal(db_changes(st), 1);
	assert_int_equal(db_bind_text(st, 3, SIP_STR_LIT("second")), SIP_OK);
	assert_int_equal(db_bind_null(st, 4), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	assert_true(db_changes(st) >= 1);
	assert_int_equal(db_bind_int(st, 2, 2), SIP_OK);      /* another key */
	assert_int_equal(db_bind_text(st, 3, SIP_STR_LIT("other")), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);

	assert_int_equal(db_prepare(d, "SELECT v, n FROM up_t WHERE k1 = $1 AND k2 = $2", &sel),
			 SIP_OK);
	assert_int_equal(db_bind_text(sel, 1, SIP_STR_LIT("alice")), SIP_OK);
	assert_int_equal(db_bind_int(sel, 2, 1), SIP_OK);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_true(sip_str_eq(db_column_text(sel, 0), SIP_STR_LIT("second")));
	assert_true(db_column_null(sel, 1));
	assert_int_equal(db_step(sel), SIP_OK);
	db_finalize(sel);
	int64_t n = 0;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM up_t", &n), SIP_OK);
	assert_int_equal(n, 2);

	/* Only key columns: an existing row stays as it is. */
	assert_int_equal(db_prepare_upsert(d, &keys_only, &st), SIP_OK);
	assert_int_equal(db_bind_text(st, 1, SIP_STR_LIT("alice")), SIP_OK);
	assert_int_equal(db_bind_int(st, 2, 1), SIP_OK);
	assert_int_equal(db_step(st), SIP_OK);
	db_finalize(st);
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM up_t WHERE v = 'second'", &n), SIP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM up_t", &n), SIP_OK);
	assert_int_equal(n, 2);

	static const char *const bad_cols[] = { "k1", "v; DROP TABLE up_t" };
	static const db_upsert bad = { "up_t", bad_cols, 2, 1 };
	static const db_upsert bad_table = { "up_t x", cols, 4, 2 };
	static const db_upsert no_key = { "up_t", cols, 4, 0 };
	assert_int_equal(db_prepare_upsert(d, &bad, &st), SIP_EINVAL);
	assert_int_equal(db_prepare_upsert(d, &bad_table, &st), SIP_EINVAL);
	assert_int_equal(db_prepare_upsert(d, &no_key, &st), SIP_EINVAL);
	assert_int_equal(db_exec(d, "DROP TABLE up_t"), SIP_OK);
}

/* A database that cannot be reached: the first attempt fails, then calls
 * fail at once without a new attempt until the backoff delay has run, and
 * the delay doubles up to its cap. Independent of DB_URL. */
static void test_backoff(void **state)
{
	db *d = NULL;
	db_stats s;
	int64_t t0;

	(void)state;
	assert_int_equal(db_open("sqlite:/nonexistent-dir/sub/x.db", &d), SIP_EDBDOWN);
	assert_non_null(d);
	assert_false(db_is_up(d));
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 1);

	/* The default first delay is 100 ms; inside it nothing is tried. */
	t0 = now_ms();
	assert_int_equal(db_exec(d, "SELECT 1"), SIP_EDBDOWN);
	assert_int_equal(db_schema_migrate(d), SIP_EDBDOWN);
	assert_true(now_ms() - t0 < 50);
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 1);
	assert_int_equal(s.fast_fails, 2);
	assert_non_null(strstr(db_error(d), "next connection attempt"));

	/* Delays from now on: 200, 400, 400 (the cap). */
	db_set_backoff(d, 200, 400);
	sleep_ms(150);
	assert_int_equal(db_exec(d, "SELECT 1"), SIP_EDBDOWN);
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 2);
	sleep_ms(100);
	assert_int_equal(db_exec(d, "SELECT 1"), SIP_EDBDOWN);
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 2);
	sleep_ms(150);
	assert_int_equal(db_exec(d, "SELECT 1"), SIP_EDBDOWN);
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 3);
	sleep_ms(250);
	assert_int_equal(db_exec(d, "SELECT 1"), SIP_EDBDOWN);
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 3);
	sleep_ms(200);
	assert_int_equal(db_exec(d, "SELECT 1"), SIP_EDBDOWN);
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 4);
	sleep_ms(450);
	assert_int_equal(db_exec(d, "SELECT 1"), SIP_EDBDOWN);
	db_get_stats(d, &s);
	assert_int_equal(s.connect_attempts, 5);
	assert_int_equal(s.connects, 0);
	db_close(d);
}

/* Stop the server under an open handle: the next query reports the
 * database down quickly, later ones fail fast, and once the server is back
 * a query after the backoff succeeds on a new connection with the
 * statement prepared again. */
static void test_down_and_back(void **state)
{
	const char *stop = getenv("DB_TEST_STOP"), *start = getenv("DB_TEST_START");
	db *d = *state;
	db_stmt *sel;
	db_stats s;
	int64_t t0, t;
	int rc = SIP_EDBDOWN;

	if (!stop || !start)
		skip();
	db_set_backoff(d, 100, 1000);
	assert_int_equal(db_schema_migrate(d), SIP_OK);
	assert_int_equal(db_exec(d, "INSERT INTO domain (domain) VALUES ('kept.example.com')"),
			 SIP_OK);
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM domain WHERE domain = $1", &sel),
			 SIP_OK);
	assert_int_equal(db_bind_text(sel, 1, SIP_STR_LIT("kept.example.com")), SIP_OK);
	assert_int_equal(count_rows(d, sel), 1);
	/* A statement kept by the handle, prepared on this connection. */
	int64_t n = 0;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM alias", &n), SIP_OK);

	assert_int_equal(system(stop), 0);
	t0 = now_ms();
	assert_int_equal(db_step(sel), SIP_EDBDOWN);
	t = now_ms() - t0;
	print_message("query after stop: %s in %lld ms (%s)\n", sip_strerror(SIP_EDBDOWN),
		      (long long)t, db_error(d));
	assert_true(t < 2000);
	assert_false(db_is_up(d));
	t0 = now_ms();
	assert_int_equal(db_step(sel), SIP_EDBDOWN);
	assert_true(now_ms() - t0 < 50);

	assert_int_equal(system(start), 0);
	t0 = now_ms();
	while (now_ms() - t0 < 20000) {
		int64_t t1 = now_ms();
		rc = db_step(sel);
		assert_true(now_ms() - t1 < 4000);
		if (rc != SIP_EDBDOWN)
			break;
		sleep_ms(50);
	}
	print_message("back after %lld ms\n", (long long)(now_ms() - t0));
	assert_int_equal(rc, DB_ROW);
	assert_int_equal(db_column_int(sel, 0), 1);
	assert_int_equal(db_step(sel), SIP_OK);
	assert_true(db_is_up(d));
	db_get_stats(d, &s);
	assert_true(s.lost >= 1);
	assert_true(s.connects >= 2);
	assert_true(s.fast_fails >= 1);
	/* The kept statement is prepared again on the new connection, once. */
	unsigned long prepares = s.prepares;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM alias", &n), SIP_OK);
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM alias", &n), SIP_OK);
	db_get_stats(d, &s);
	assert_int_equal(s.prepares - prepares, 1);
}

/* Whether every thread of process pid is stopped, waiting up to a second:
 * SIGSTOP reaches the threads of a process one after the other. */
static bool wait_all_stopped(pid_t pid)
{
	char dir[64];

	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	for (int tries = 0; tries < 100; tries++) {
		DIR *dp = opendir(dir);
		struct dirent *e;
		bool all = dp != NULL;

		while (dp && (e = readdir(dp))) {
			char path[400], buf[256];
			FILE *f;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
			if (!(f = fopen(path, "r")))
				continue;
			size_t n = fread(buf, 1, sizeof buf - 1, f);
			fclose(f);
			buf[n] = '\0';
			char *rp = strrchr(buf, ')');
			if (rp && rp[1] == ' ' && rp[2] != 'T' && rp[2] != 't')
				all = false;
		}
		if (dp)
			closedir(dp);
		if (all)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* The whole server frozen: the query gives up after the adapter's read
 * timeout; once the server runs again a new connection gets the answer and
 * is a new server-side connection. */
static void test_hung_server_whole(db *d, pid_t server)
{
	db_stmt *id, *sel;
	int64_t t0, t, conn;
	int rc;

	db_set_backoff(d, 50, 200);
	assert_int_equal(db_prepare(d, "SELECT CONNECTION_ID()", &id), SIP_OK);
	assert_int_equal(db_step(id), DB_ROW);
	conn = db_column_int(id, 0);
	db_reset(id);
	assert_int_equal(db_prepare(d, "SELECT $1 + 1", &sel), SIP_OK);
	assert_int_equal(db_bind_int(sel, 1, 41), SIP_OK);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_int_equal(db_column_int(sel, 0), 42);
	db_reset(sel);

	assert_int_equal(kill(server, SIGSTOP), 0);
	assert_true(wait_all_stopped(server));
	t0 = now_ms();
	rc = db_step(sel);
	t = now_ms() - t0;
	kill(server, SIGCONT);
	print_message("query to a frozen server: %s after %lld ms\n", sip_strerror(rc),
		      (long long)t);
	assert_int_equal(rc, SIP_EDBDOWN);
	assert_true(t >= 4000 && t < 16000);

	t0 = now_ms();
	do {
		sleep_ms(50);
		rc = db_step(sel);
	} while (rc == SIP_EDBDOWN && now_ms() - t0 < 10000);
	assert_int_equal(rc, DB_ROW);
	assert_int_equal(db_column_int(sel, 0), 42);
	assert_int_equal(db_step(id), DB_ROW);
	assert_int_not_equal(db_column_int(id, 0), conn);
}

/* A server that stops answering mid-query (its backend process frozen):
 * the query gives up after the adapter's bounded wait and reports the
 * database down instead of blocking the worker; a new connection works.
 * PostgreSQL freezes the connection's backend process; MariaDB, one
 * process with a thread per connection, the whole server
 * (DB_TEST_SERVER_PIDFILE). Not for SQLite, which has no server. */
static void test_hung_server(void **state)
{
	const char *server = getenv("DB_TEST_SERVER_PIDFILE");
	db *d = *state;
	db_stmt *pid, *sel;
	int64_t t0, t, backend;
	int rc = SIP_EDBDOWN;

	if (strcmp(db_backend(d), "mysql") == 0 && server && *server) {
		FILE *f = fopen(server, "r");
		long p = 0;
		assert_non_null(f);
		assert_int_equal(fscanf(f, "%ld", &p), 1);
		fclose(f);
		test_hung_server_whole(d, (pid_t)p);
		return;
	}
	if (strcmp(db_backend(d), "postgres") != 0)
		skip();
	db_set_backoff(d, 50, 200);
	assert_int_equal(db_prepare(d, "SELECT pg_backend_pid()", &pid), SIP_OK);
	assert_int_equal(db_step(pid), DB_ROW);
	backend = db_column_int(pid, 0);
	assert_true(backend > 0);
	db_reset(pid);
	assert_int_equal(db_prepare(d, "SELECT $1::int + 1", &sel), SIP_OK);
	assert_int_equal(db_bind_int(sel, 1, 41), SIP_OK);

	assert_int_equal(kill((pid_t)backend, SIGSTOP), 0);
	t0 = now_ms();
	rc = db_step(sel);
	t = now_ms() - t0;
	kill((pid_t)backend, SIGCONT);
	print_message("query to a frozen server: %s after %lld ms\n", sip_strerror(rc),
		      (long long)t);
	assert_int_equal(rc, SIP_EDBDOWN);
	assert_true(t >= 4000 && t < 8000);

	t0 = now_ms();
	do {
		sleep_ms(50);
		rc = db_step(sel);
	} while (rc == SIP_EDBDOWN && now_ms() - t0 < 5000);
	assert_int_equal(rc, DB_ROW);
	assert_int_equal(db_column_int(sel, 0), 42);
	assert_int_equal(db_step(pid), DB_ROW);
	assert_int_not_equal(db_column_int(pid, 0), backend);
}

int main(void)
{
	const char *url = getenv("DB_URL");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_migrate_twice, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_bound_values, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_change_serials, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_ints_nulls_errors, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_reopen, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_stmt_cache, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_upsert, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_down_and_back, setup_empty, teardown_close),
		cmocka_unit_test_setup_teardown(test_hung_server, setup_empty, teardown_close),
	};
	int fd, failed;

	if (url && *url) {
		snprintf(db_url, sizeof(db_url), "%s", url);
	} else {
		snprintf(sqlite_path, sizeof(sqlite_path), "%s/sipcc-test-db-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		fd = mkstemp(sqlite_path);
		if (fd < 0) {
			perror("mkstemp");
			return 99;
		}
		close(fd);
		snprintf(db_url, sizeof(db_url), "sqlite:%s", sqlite_path);
	}
	failed = cmocka_run_group_tests_name(url && *url ? "db (DB_URL)" : "db (sqlite)", tests,
					     NULL, NULL);
	sipt_sqlite_unlink(sqlite_path);
	return failed;
}
