/* The runtime's tables and their versioned migrations. The version lives
 * in sipcc_version (one row); migration N takes a database from version
 * N-1 to N and is never edited once released: a change is a new entry.
 * Each entry has its SQL per backend where the dialects differ (row ids,
 * integer widths).
 *
 * MariaDB commits DDL implicitly, so there a migration is not one
 * transaction: its statements are written to be run again (IF NOT EXISTS)
 * and a migration that failed half-way completes on the next run; the lock
 * is a named lock (GET_LOCK) instead of a table lock. */
#include <string.h>

#include "core/log.h"
#include "db/db.h"

typedef struct db_migration {
	int version;
	const char *what;
	const char *const *sqlite;    /* NULL-terminated statement lists */
	const char *const *pgsql;
	const char *const *mysql;     /* MariaDB 10.4 or later */
} db_migration;

/* v1: subscribers (credentials: plain password and/or the digest HA1 for
 * MD5 and SHA-256), registrations, served domains and aliases.
 * location.expires is a Unix time; q is in thousandths (0..1000, -1 when
 * the contact gave none) so no backend rounds it; cseq holds an unsigned
 * 32-bit CSeq. */
static const char *const v1_sqlite[] = {
	"CREATE TABLE subscriber ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" username TEXT NOT NULL,"
	" domain TEXT NOT NULL DEFAULT '',"
	" password TEXT NOT NULL DEFAULT '',"
	" ha1 TEXT NOT NULL DEFAULT '',"
	" ha1_sha256 TEXT NOT NULL DEFAULT '',"
	" UNIQUE (username, domain))",
	"CREATE TABLE location ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" aor TEXT NOT NULL,"
	" contact TEXT NOT NULL,"
	" expires INTEGER NOT NULL,"
	" q INTEGER NOT NULL DEFAULT -1,"
	" callid TEXT NOT NULL DEFAULT '',"
	" cseq INTEGER NOT NULL DEFAULT 0,"
	" path TEXT,"
	" received TEXT,"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (aor, contact))",
	"CREATE INDEX location_expires ON location (expires)",
	"CREATE TABLE domain ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" domain TEXT NOT NULL UNIQUE)",
	"CREATE TABLE alias ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" alias_username TEXT NOT NULL,"
	" alias_domain TEXT NOT NULL DEFAULT '',"
	" username TEXT NOT NULL,"
	" domain TEXT NOT NULL DEFAULT '',"
	" UNIQUE (alias_username, alias_domain))",
	NULL
};

static const char *const v1_pgsql[] = {
	"CREATE TABLE subscriber ("
	" id BIGSERIAL PRIMARY KEY,"
	" username TEXT NOT NULL,"
	" domain TEXT NOT NULL DEFAULT '',"
	" password TEXT NOT NULL DEFAULT '',"
	" ha1 TEXT NOT NULL DEFAULT '',"
	" ha1_sha256 TEXT NOT NULL DEFAULT '',"
	" UNIQUE (username, domain))",
	"CREATE TABLE location ("
	" id BIGSERIAL PRIMARY KEY,"
	" aor TEXT NOT NULL,"
	" contact TEXT NOT NULL,"
	" expires BIGINT NOT NULL,"
	" q INTEGER NOT NULL DEFAULT -1,"
	" callid TEXT NOT NULL DEFAULT '',"
	" cseq BIGINT NOT NULL DEFAULT 0,"
	" path TEXT,"
	" received TEXT,"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (aor, contact))",
	"CREATE INDEX location_expires ON location (expires)",
	"CREATE TABLE domain ("
	" id BIGSERIAL PRIMARY KEY,"
	" domain TEXT NOT NULL UNIQUE)",
	"CREATE TABLE alias ("
	" id BIGSERIAL PRIMARY KEY,"
	" alias_username TEXT NOT NULL,"
	" alias_domain TEXT NOT NULL DEFAULT '',"
	" username TEXT NOT NULL,"
	" domain TEXT NOT NULL DEFAULT '',"
	" UNIQUE (alias_username, alias_domain))",
	NULL
};

/* MariaDB: TEXT columns as on the other backends (UNIQUE on TEXT is a hash
 * key, MariaDB 10.4+), with prefix indexes for the lookups; utf8mb4_bin
 * compares bytes, like SQLite and PostgreSQL, not case-insensitively as
 * MariaDB's default collation would. */
#define V1_MY_TABLE " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
static const char *const v1_mysql[] = {
	"CREATE TABLE IF NOT EXISTS subscriber ("
	" id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" username TEXT NOT NULL,"
	" domain TEXT NOT NULL DEFAULT '',"
	" password TEXT NOT NULL DEFAULT '',"
	" ha1 TEXT NOT NULL DEFAULT '',"
	" ha1_sha256 TEXT NOT NULL DEFAULT '',"
	" UNIQUE KEY subscriber_user (username, domain),"
	" KEY subscriber_lookup (username(64), domain(64)))" V1_MY_TABLE,
	"CREATE TABLE IF NOT EXISTS location ("
	" id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" aor TEXT NOT NULL,"
	" contact TEXT NOT NULL,"
	" expires BIGINT NOT NULL,"
	" q INTEGER NOT NULL DEFAULT -1,"
	" callid TEXT NOT NULL DEFAULT '',"
	" cseq BIGINT NOT NULL DEFAULT 0,"
	" path TEXT,"
	" received TEXT,"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE KEY location_binding (aor, contact),"
	" KEY location_aor (aor(128)),"
	" KEY location_expires (expires))" V1_MY_TABLE,
	"CREATE TABLE IF NOT EXISTS domain ("
	" id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" domain TEXT NOT NULL,"
	" UNIQUE KEY domain_name (domain))" V1_MY_TABLE,
	"CREATE TABLE IF NOT EXISTS alias ("
	" id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" alias_username TEXT NOT NULL,"
	" alias_domain TEXT NOT NULL DEFAULT '',"
	" username TEXT NOT NULL,"
	" domain TEXT NOT NULL DEFAULT '',"
	" UNIQUE KEY alias_name (alias_username, alias_domain))" V1_MY_TABLE,
	NULL
};

/* v2: dynamic routing to gateways (runtime/drouting). The ids are chosen
 * by whoever provisions (sipcc-ctl takes the next free one), so the same
 * SQL works on every backend: no auto-increment, VARCHAR with a length
 * (MySQL indexes and defaults no TEXT). dr_rule.gwlist holds gateway ids
 * separated by commas, in the order they are tried. */
static const char *const v2_sql[] = {
	"CREATE TABLE dr_gateway ("
	" id INTEGER NOT NULL PRIMARY KEY,"
	" address VARCHAR(255) NOT NULL,"
	" strip INTEGER NOT NULL DEFAULT 0,"
	" prefix VARCHAR(64) NOT NULL DEFAULT '',"
	" attrs VARCHAR(255) NOT NULL DEFAULT '')",
	"CREATE TABLE dr_rule ("
	" id INTEGER NOT NULL PRIMARY KEY,"
	" groupid INTEGER NOT NULL,"
	" prefix VARCHAR(64) NOT NULL DEFAULT '',"
	" priority INTEGER NOT NULL DEFAULT 0,"
	" gwlist VARCHAR(255) NOT NULL)",
	"CREATE INDEX dr_rule_group ON dr_rule (groupid, prefix)",
	NULL
};

/* v3: accounting (runtime/acc). acc holds one row per accounted
 * transaction (the final reply's code and reason), missed_calls the
 * INVITEs that ended negative, as OpenSIPS and Kamailio name them;
 * acc_cdrs one row per accounted dialog. Times are Unix seconds, durations
 * milliseconds. VARCHAR with a length and no defaults on TEXT so the same
 * SQL runs on every backend; only the row id differs. */
#define V3_ACC_COLS(ID) \
	" id " ID "," \
	" method VARCHAR(32) NOT NULL DEFAULT ''," \
	" from_tag VARCHAR(128) NOT NULL DEFAULT ''," \
	" to_tag VARCHAR(128) NOT NULL DEFAULT ''," \
	" callid VARCHAR(255) NOT NULL DEFAULT ''," \
	" sip_code INTEGER NOT NULL DEFAULT 0," \
	" sip_reason VARCHAR(255) NOT NULL DEFAULT ''," \
	" time BIGINT NOT NULL," \
	" src_ip VARCHAR(64) NOT NULL DEFAULT ''," \
	" from_user VARCHAR(128) NOT NULL DEFAULT ''," \
	" from_domain VARCHAR(128) NOT NULL DEFAULT ''," \
	" to_user VARCHAR(128) NOT NULL DEFAULT ''," \
	" to_domain VARCHAR(128) NOT NULL DEFAULT ''," \
	" ruri_user VARCHAR(128) NOT NULL DEFAULT ''," \
	" ruri_domain VARCHAR(128) NOT NULL DEFAULT '')"
#define V3_CDR_COLS(ID) \
	" id " ID "," \
	" caller VARCHAR(255) NOT NULL DEFAULT ''," \
	" callee VARCHAR(255) NOT NULL DEFAULT ''," \
	" callid VARCHAR(255) NOT NULL DEFAULT ''," \
	" from_tag VARCHAR(128) NOT NULL DEFAULT ''," \
	" to_tag VARCHAR(128) NOT NULL DEFAULT ''," \
	" start_time BIGINT NOT NULL," \
	" end_time BIGINT NOT NULL," \
	" duration_ms BIGINT NOT NULL," \
	" end_reason VARCHAR(16) NOT NULL DEFAULT ''," \
	" hangup_by VARCHAR(16) NOT NULL DEFAULT '')"
#define V3_SQL(ID, TAIL) { \
	"CREATE TABLE acc (" V3_ACC_COLS(ID) TAIL, \
	"CREATE INDEX acc_callid ON acc (callid)", \
	"CREATE TABLE missed_calls (" V3_ACC_COLS(ID) TAIL, \
	"CREATE INDEX missed_calls_callid ON missed_calls (callid)", \
	"CREATE TABLE acc_cdrs (" V3_CDR_COLS(ID) TAIL, \
	"CREATE INDEX acc_cdrs_callid ON acc_cdrs (callid)", \
	NULL }
static const char *const v3_sqlite[] = V3_SQL("INTEGER PRIMARY KEY AUTOINCREMENT", "");
static const char *const v3_pgsql[] = V3_SQL("BIGSERIAL PRIMARY KEY", "");
/* MariaDB runs DDL outside transactions: the statements must be safe to
 * run again after a half-done migration. */
static const char *const v3_mysql[] = {
	"CREATE TABLE IF NOT EXISTS acc (" V3_ACC_COLS("BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY") V1_MY_TABLE,
	"CREATE INDEX IF NOT EXISTS acc_callid ON acc (callid)",
	"CREATE TABLE IF NOT EXISTS missed_calls (" V3_ACC_COLS("BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY") V1_MY_TABLE,
	"CREATE INDEX IF NOT EXISTS missed_calls_callid ON missed_calls (callid)",
	"CREATE TABLE IF NOT EXISTS acc_cdrs (" V3_CDR_COLS("BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY") V1_MY_TABLE,
	"CREATE INDEX IF NOT EXISTS acc_cdrs_callid ON acc_cdrs (callid)",
	NULL
};

/* v4: RFC 5626 in the location table: the header parameters a binding's
 * Contact was registered with (params, echoed in the 200 OK and read back
 * at start-up) and, for whoever reads the table, its +sip.instance and
 * reg-id (0: none), which identify the binding of a device across new
 * connections and Contact URIs. */
static const char *const v4_sql[] = {
	"ALTER TABLE location ADD COLUMN params TEXT",
	"ALTER TABLE location ADD COLUMN instance TEXT",
	"ALTER TABLE location ADD COLUMN reg_id INTEGER NOT NULL DEFAULT 0",
	NULL
};
/* MariaDB: safe to run again after a half-done migration. */
static const char *const v4_mysql[] = {
	"ALTER TABLE location ADD COLUMN IF NOT EXISTS params TEXT",
	"ALTER TABLE location ADD COLUMN IF NOT EXISTS instance TEXT",
	"ALTER TABLE location ADD COLUMN IF NOT EXISTS reg_id INTEGER NOT NULL DEFAULT 0",
	NULL
};

/* v5: the provider's data, changed without a rebuild, and the change
 * serials that tell a running proxy to reload it.
 *
 * usr_preferences  per-user (username and domain) or per-domain (username
 *                  '') attributes, as OpenSIPS's usr_preferences: type 0
 *                  a string, 1 an integer (the value column holds its
 *                  text either way).
 * grp              group membership (OpenSIPS group: grp is a name).
 * address          trusted peers and address permissions (OpenSIPS
 *                  permissions): an address or a network (ip/mask), a
 *                  port (0: any), a transport ('any', 'udp', 'tcp', 'tls',
 *                  'ws', 'wss'), a regular expression on the From URI
 *                  ('' : any) and a tag (context_info) for the policy.
 * dialplan         translation rules (OpenSIPS dialplan): match_op 0 an
 *                  exact string, 1 a regular expression; match_flags 1
 *                  ignores case; subst_exp/repl_exp the rewrite, repl_exp
 *                  with \1..\9; rules of a dpid are tried by pr, lowest
 *                  first, then by id.
 * blacklist        number prefixes refused (whitelist 0) or allowed as an
 *                  exception (whitelist 1), global (username and domain
 *                  '') or per user.
 * sipcc_change     one row per cached table: its serial is bumped by a
 *                  trigger on every change, whoever writes (sipcc-ctl, a
 *                  web panel, plain SQL), and a running proxy that sees a
 *                  serial move reloads what is cached from that table. */
#define V5_PREFS(CREATE, ID, TAIL) \
	CREATE " usr_preferences (" \
	" id " ID "," \
	" username VARCHAR(128) NOT NULL DEFAULT ''," \
	" domain VARCHAR(128) NOT NULL DEFAULT ''," \
	" attribute VARCHAR(64) NOT NULL," \
	" type INTEGER NOT NULL DEFAULT 0," \
	" value VARCHAR(255) NOT NULL DEFAULT ''," \
	" UNIQUE (username, domain, attribute))" TAIL
#define V5_GRP(CREATE, ID, TAIL) \
	CREATE " grp (" \
	" id " ID "," \
	" username VARCHAR(128) NOT NULL," \
	" domain VARCHAR(128) NOT NULL DEFAULT ''," \
	" grp VARCHAR(64) NOT NULL," \
	" UNIQUE (username, domain, grp))" TAIL
#define V5_ADDRESS(CREATE, ID, TAIL) \
	CREATE " address (" \
	" id " ID "," \
	" grp INTEGER NOT NULL DEFAULT 0," \
	" ip VARCHAR(64) NOT NULL," \
	" mask INTEGER NOT NULL DEFAULT 32," \
	" port INTEGER NOT NULL DEFAULT 0," \
	" proto VARCHAR(4) NOT NULL DEFAULT 'any'," \
	" pattern VARCHAR(255) NOT NULL DEFAULT ''," \
	" context_info VARCHAR(64) NOT NULL DEFAULT '')" TAIL
#define V5_DIALPLAN(CREATE, ID, TAIL) \
	CREATE " dialplan (" \
	" id " ID "," \
	" dpid INTEGER NOT NULL," \
	" pr INTEGER NOT NULL DEFAULT 0," \
	" match_op INTEGER NOT NULL DEFAULT 1," \
	" match_exp VARCHAR(255) NOT NULL," \
	" match_flags INTEGER NOT NULL DEFAULT 0," \
	" subst_exp VARCHAR(255) NOT NULL DEFAULT ''," \
	" repl_exp VARCHAR(255) NOT NULL DEFAULT ''," \
	" attrs VARCHAR(255) NOT NULL DEFAULT ''," \
	" disabled INTEGER NOT NULL DEFAULT 0)" TAIL
#define V5_BLACKLIST(CREATE, ID, TAIL) \
	CREATE " blacklist (" \
	" id " ID "," \
	" username VARCHAR(128) NOT NULL DEFAULT ''," \
	" domain VARCHAR(128) NOT NULL DEFAULT ''," \
	" prefix VARCHAR(64) NOT NULL," \
	" whitelist INTEGER NOT NULL DEFAULT 0," \
	" description VARCHAR(255) NOT NULL DEFAULT ''," \
	" UNIQUE (username, domain, prefix))" TAIL
#define V5_CHANGE(CREATE, TAIL) \
	CREATE " sipcc_change (" \
	" tbl VARCHAR(64) NOT NULL PRIMARY KEY," \
	" serial BIGINT NOT NULL DEFAULT 0)" TAIL
/* The tables whose changes are counted. */
#define V5_ROWS \
	" ('subscriber', 0), ('alias', 0), ('domain', 0), ('dr_gateway', 0)," \
	" ('dr_rule', 0), ('usr_preferences', 0), ('grp', 0), ('address', 0)," \
	" ('dialplan', 0), ('blacklist', 0)"
#define V5_EACH(X) X("subscriber") X("alias") X("domain") X("dr_gateway") X("dr_rule") \
	X("usr_preferences") X("grp") X("address") X("dialplan") X("blacklist")
#define V5_BUMP(T) "UPDATE sipcc_change SET serial = serial + 1 WHERE tbl = '" T "'"
/* SQLite: a trigger per table and event, each row. */
#define V5_SQ_TRIG(T) \
	"CREATE TRIGGER " T "_chg_i AFTER INSERT ON " T " BEGIN " V5_BUMP(T) "; END", \
	"CREATE TRIGGER " T "_chg_u AFTER UPDATE ON " T " BEGIN " V5_BUMP(T) "; END", \
	"CREATE TRIGGER " T "_chg_d AFTER DELETE ON " T " BEGIN " V5_BUMP(T) "; END",
/* PostgreSQL: one function, a statement-level trigger per table. */
#define V5_PG_TRIG(T) \
	"CREATE TRIGGER " T "_chg AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " T \
	" FOR EACH STATEMENT EXECUTE FUNCTION sipcc_change_bump()",
/* MariaDB: a trigger per table and event, each row; safe to run again. */
#define V5_MY_TRIG(T) \
	"CREATE TRIGGER IF NOT EXISTS " T "_chg_i AFTER INSERT ON " T " FOR EACH ROW " V5_BUMP(T), \
	"CREATE TRIGGER IF NOT EXISTS " T "_chg_u AFTER UPDATE ON " T " FOR EACH ROW " V5_BUMP(T), \
	"CREATE TRIGGER IF NOT EXISTS " T "_chg_d AFTER DELETE ON " T " FOR EACH ROW " V5_BUMP(T),
#define V5_NEW "CREATE TABLE"
#define V5_AGAIN "CREATE TABLE IF NOT EXISTS"
#define V5_SQL_ID "INTEGER PRIMARY KEY AUTOINCREMENT"
#define V5_PG_ID "BIGSERIAL PRIMARY KEY"
static const char *const v5_sqlite[] = {
	V5_PREFS(V5_NEW, V5_SQL_ID, ""), V5_GRP(V5_NEW, V5_SQL_ID, ""),
	V5_ADDRESS(V5_NEW, V5_SQL_ID, ""), V5_DIALPLAN(V5_NEW, V5_SQL_ID, ""),
	"CREATE INDEX dialplan_dpid ON dialplan (dpid, pr)",
	V5_BLACKLIST(V5_NEW, V5_SQL_ID, ""), V5_CHANGE(V5_NEW, ""),
	"INSERT INTO sipcc_change (tbl, serial) VALUES" V5_ROWS,
	V5_EACH(V5_SQ_TRIG)
	NULL
};
static const char *const v5_pgsql[] = {
	V5_PREFS(V5_NEW, V5_PG_ID, ""), V5_GRP(V5_NEW, V5_PG_ID, ""),
	V5_ADDRESS(V5_NEW, V5_PG_ID, ""), V5_DIALPLAN(V5_NEW, V5_PG_ID, ""),
	"CREATE INDEX dialplan_dpid ON dialplan (dpid, pr)",
	V5_BLACKLIST(V5_NEW, V5_PG_ID, ""), V5_CHANGE(V5_NEW, ""),
	"INSERT INTO sipcc_change (tbl, serial) VALUES" V5_ROWS,
	"CREATE OR REPLACE FUNCTION sipcc_change_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN UPDATE sipcc_change SET serial = serial + 1 WHERE tbl = TG_TABLE_NAME;"
	" RETURN NULL; END $$",
	V5_EACH(V5_PG_TRIG)
	NULL
};
#define V5_MY_ID "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
static const char *const v5_mysql[] = {
	V5_PREFS(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	V5_GRP(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	V5_ADDRESS(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	V5_DIALPLAN(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	"CREATE INDEX IF NOT EXISTS dialplan_dpid ON dialplan (dpid, pr)",
	V5_BLACKLIST(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	V5_CHANGE(V5_AGAIN, V1_MY_TABLE),
	"INSERT IGNORE INTO sipcc_change (tbl, serial) VALUES" V5_ROWS,
	V5_EACH(V5_MY_TRIG)
	NULL
};

/* v6: load balancing and gateway health.
 *
 * dispatcher       the destinations of load-balancing sets (OpenSIPS
 *                  dispatcher): a set id, the destination's SIP URI,
 *                  flags (1: disabled, never selected nor probed; 2:
 *                  probed when dispatcher.probing_mode is 0), a priority
 *                  (higher first for DS_PRIORITY), a weight (DS_WEIGHTED),
 *                  attributes for the policy and a description.
 * dr_gateway.probe 1: the gateway is probed with OPTIONS (drouting
 *                  ping_interval) and disabled while it does not answer.
 *
 * dispatcher is cached: its change serial and triggers as in v5. */
#define V6_DS(CREATE, ID, TAIL) \
	CREATE " dispatcher (" \
	" id " ID "," \
	" setid INTEGER NOT NULL," \
	" destination VARCHAR(255) NOT NULL," \
	" flags INTEGER NOT NULL DEFAULT 0," \
	" priority INTEGER NOT NULL DEFAULT 0," \
	" weight INTEGER NOT NULL DEFAULT 1," \
	" attrs VARCHAR(255) NOT NULL DEFAULT ''," \
	" description VARCHAR(255) NOT NULL DEFAULT ''," \
	" UNIQUE (setid, destination))" TAIL
static const char *const v6_sqlite[] = {
	V6_DS(V5_NEW, V5_SQL_ID, ""),
	"ALTER TABLE dr_gateway ADD COLUMN probe INTEGER NOT NULL DEFAULT 0",
	"INSERT INTO sipcc_change (tbl, serial) VALUES ('dispatcher', 0)",
	V5_SQ_TRIG("dispatcher")
	NULL
};
static const char *const v6_pgsql[] = {
	V6_DS(V5_NEW, V5_PG_ID, ""),
	"ALTER TABLE dr_gateway ADD COLUMN probe INTEGER NOT NULL DEFAULT 0",
	"INSERT INTO sipcc_change (tbl, serial) VALUES ('dispatcher', 0)",
	V5_PG_TRIG("dispatcher")
	NULL
};
static const char *const v6_mysql[] = {
	V6_DS(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	"ALTER TABLE dr_gateway ADD COLUMN IF NOT EXISTS probe INTEGER NOT NULL DEFAULT 0",
	"INSERT IGNORE INTO sipcc_change (tbl, serial) VALUES ('dispatcher', 0)",
	V5_MY_TRIG("dispatcher")
	NULL
};

/* v7: trunks, the upstream providers and gateways the proxy presents
 * itself to (OpenSIPS uac_auth credentials and uac_registrant). name is
 * what a policy and sipcc-ctl call the trunk; realm, username and
 * password answer its challenges (realm '' : whatever realm it asks
 * for). A trunk with a registrar URI is registered to: aor is the
 * address of record (default sip:USERNAME@REGISTRAR-HOST), contact the
 * Contact registered (default sip:USERNAME@ the proxy's address),
 * expires the interval asked for in seconds. Cached: its changes are
 * counted in sipcc_change like v5's tables. */
#define V7_TRUNK(CREATE, ID, TAIL) \
	CREATE " trunk (" \
	" id " ID "," \
	" name VARCHAR(64) NOT NULL UNIQUE," \
	" realm VARCHAR(128) NOT NULL DEFAULT ''," \
	" username VARCHAR(128) NOT NULL DEFAULT ''," \
	" password VARCHAR(128) NOT NULL DEFAULT ''," \
	" registrar VARCHAR(255) NOT NULL DEFAULT ''," \
	" aor VARCHAR(255) NOT NULL DEFAULT ''," \
	" contact VARCHAR(255) NOT NULL DEFAULT ''," \
	" expires INTEGER NOT NULL DEFAULT 3600)" TAIL
static const char *const v7_sqlite[] = {
	V7_TRUNK(V5_NEW, V5_SQL_ID, ""),
	"INSERT INTO sipcc_change (tbl, serial) VALUES ('trunk', 0)",
	V5_SQ_TRIG("trunk")
	NULL
};
static const char *const v7_pgsql[] = {
	V7_TRUNK(V5_NEW, V5_PG_ID, ""),
	"INSERT INTO sipcc_change (tbl, serial) VALUES ('trunk', 0)",
	V5_PG_TRIG("trunk")
	NULL
};
static const char *const v7_mysql[] = {
	V7_TRUNK(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	"INSERT IGNORE INTO sipcc_change (tbl, serial) VALUES ('trunk', 0)",
	V5_MY_TRIG("trunk")
	NULL
};

/* v8: the accounts of the web control panel (sipcc-web) and its audit
 * log. web_admin.pwhash is "pbkdf2-sha256$ITERATIONS$SALT$HASH" (salt and
 * hash in hex), never the password; role is 'admin' (may change the data)
 * or 'support' (reads only). web_audit keeps one row per change made
 * through the panel: when (Unix time), which account, what it did and to
 * which row. Neither table is cached by the proxy. */
#define V8_ADMIN(CREATE, ID, TAIL) \
	CREATE " web_admin (" \
	" id " ID "," \
	" name VARCHAR(64) NOT NULL UNIQUE," \
	" role VARCHAR(16) NOT NULL DEFAULT 'admin'," \
	" pwhash VARCHAR(255) NOT NULL," \
	" created BIGINT NOT NULL DEFAULT 0)" TAIL
#define V8_AUDIT(CREATE, ID, TAIL) \
	CREATE " web_audit (" \
	" id " ID "," \
	" time BIGINT NOT NULL," \
	" admin VARCHAR(64) NOT NULL," \
	" action VARCHAR(64) NOT NULL," \
	" object VARCHAR(255) NOT NULL DEFAULT ''," \
	" detail VARCHAR(255) NOT NULL DEFAULT '')" TAIL
static const char *const v8_sqlite[] = {
	V8_ADMIN(V5_NEW, V5_SQL_ID, ""), V8_AUDIT(V5_NEW, V5_SQL_ID, ""),
	"CREATE INDEX web_audit_time ON web_audit (time)",
	NULL
};
static const char *const v8_pgsql[] = {
	V8_ADMIN(V5_NEW, V5_PG_ID, ""), V8_AUDIT(V5_NEW, V5_PG_ID, ""),
	"CREATE INDEX web_audit_time ON web_audit (time)",
	NULL
};
static const char *const v8_mysql[] = {
	V8_ADMIN(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	V8_AUDIT(V5_AGAIN, V5_MY_ID, V1_MY_TABLE),
	"CREATE INDEX IF NOT EXISTS web_audit_time ON web_audit (time)",
	NULL
};

/* v9: subscriber.disabled, 1 for a subscriber whose credentials are
 * refused (www_authorize/proxy_authorize answer AUTH_USER_DISABLED) while
 * its row, password and data stay. The table's change serial (v5's
 * triggers fire on UPDATE) empties the proxy's credential cache, so a
 * subscriber disabled or enabled is seen at its next request.
 * gw_id in acc, missed_calls and acc_cdrs: the dr_gateway id the call
 * was last sent to by drouting (the gateway that answered, or failed
 * last), 0 when it went to no gateway; what ASR and ACD per gateway are
 * computed from.
 * web_session: the logged-in sessions of sipcc-web, so a restart of the
 * panel does not log its users out: sid is the SHA-256 (hex) of the
 * session cookie, never the cookie itself; csrf the session's form
 * token; admin the account; created and last (Unix time) for the
 * panel's idle and age limits. */
#define V9_SESSION(CREATE, TAIL) \
	CREATE " web_session (" \
	" sid VARCHAR(64) NOT NULL PRIMARY KEY," \
	" csrf VARCHAR(64) NOT NULL," \
	" admin VARCHAR(64) NOT NULL," \
	" created BIGINT NOT NULL," \
	" last BIGINT NOT NULL)" TAIL
static const char *const v9_sql[] = {
	"ALTER TABLE subscriber ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE acc ADD COLUMN gw_id BIGINT NOT NULL DEFAULT 0",
	"ALTER TABLE missed_calls ADD COLUMN gw_id BIGINT NOT NULL DEFAULT 0",
	"ALTER TABLE acc_cdrs ADD COLUMN gw_id BIGINT NOT NULL DEFAULT 0",
	V9_SESSION(V5_NEW, ""),
	NULL
};
static const char *const v9_mysql[] = {
	"ALTER TABLE subscriber ADD COLUMN IF NOT EXISTS disabled INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE acc ADD COLUMN IF NOT EXISTS gw_id BIGINT NOT NULL DEFAULT 0",
	"ALTER TABLE missed_calls ADD COLUMN IF NOT EXISTS gw_id BIGINT NOT NULL DEFAULT 0",
	"ALTER TABLE acc_cdrs ADD COLUMN IF NOT EXISTS gw_id BIGINT NOT NULL DEFAULT 0",
	V9_SESSION(V5_AGAIN, V1_MY_TABLE),
	NULL
};

/* v10: the proxy a binding was registered through (cluster.node of
 * proxy/modules.h; NULL for a proxy alone), so that among proxies sharing
 * the location only that one keeps the binding's NAT open. */
static const char *const v10_sql[] = {
	"ALTER TABLE location ADD COLUMN node TEXT",
	NULL
};
static const char *const v10_mysql[] = {
	"ALTER TABLE location ADD COLUMN IF NOT EXISTS node TEXT",
	NULL
};

/* Every entry needs its statements for all three backends; one left NULL
 * makes that migration fail on that backend with an error naming it. */
static const db_migration db_migrations[] = {
	{ 1, "subscriber, location, domain, alias", v1_sqlite, v1_pgsql, v1_mysql },
	{ 2, "dr_gateway, dr_rule", v2_sql, v2_sql, v2_sql },
	{ 3, "acc, missed_calls, acc_cdrs", v3_sqlite, v3_pgsql, v3_mysql },
	{ 4, "location params, instance, reg_id", v4_sql, v4_sql, v4_mysql },
	{ 5, "usr_preferences, grp, address, dialplan, blacklist, sipcc_change",
	  v5_sqlite, v5_pgsql, v5_mysql },
	{ 6, "dispatcher, dr_gateway probe", v6_sqlite, v6_pgsql, v6_mysql },
	{ 7, "trunk", v7_sqlite, v7_pgsql, v7_mysql },
	{ 8, "web_admin, web_audit", v8_sqlite, v8_pgsql, v8_mysql },
	{ 9, "subscriber disabled, acc gw_id, web_session", v9_sql, v9_sql, v9_mysql },
	{ 10, "location node", v10_sql, v10_sql, v10_mysql },
};

_Static_assert(sizeof(db_migrations) / sizeof(db_migrations[0]) == DB_SCHEMA_VERSION,
	       "DB_SCHEMA_VERSION must be the number of migrations");

/* Every table the migrations create, newest first (the order a cleanup
 * drops them in), then the version table. A migration that creates a
 * table adds it here; test_db checks that none is left behind. */
static const char *const db_tables_drop[] = {
	"DROP TABLE IF EXISTS web_session",
	"DROP TABLE IF EXISTS web_audit", "DROP TABLE IF EXISTS web_admin",
	"DROP TABLE IF EXISTS trunk",
	"DROP TABLE IF EXISTS dispatcher",
	"DROP TABLE IF EXISTS sipcc_change", "DROP TABLE IF EXISTS blacklist",
	"DROP TABLE IF EXISTS dialplan", "DROP TABLE IF EXISTS address",
	"DROP TABLE IF EXISTS grp", "DROP TABLE IF EXISTS usr_preferences",
	"DROP TABLE IF EXISTS acc_cdrs", "DROP TABLE IF EXISTS missed_calls",
	"DROP TABLE IF EXISTS acc", "DROP TABLE IF EXISTS dr_rule",
	"DROP TABLE IF EXISTS dr_gateway", "DROP TABLE IF EXISTS alias",
	"DROP TABLE IF EXISTS domain", "DROP TABLE IF EXISTS location",
	"DROP TABLE IF EXISTS subscriber", "DROP TABLE IF EXISTS sipcc_version",
};

int db_schema_drop(db *d)
{
	for (size_t i = 0; i < sizeof db_tables_drop / sizeof db_tables_drop[0]; i++) {
		int rc = db_exec_sql(d, db_tables_drop[i]);
		if (rc != SIP_OK)
			return rc;
	}
	return SIP_OK;
}

static bool db_is_pgsql(const db *d)
{
	return strcmp(db_backend(d), "postgres") == 0;
}

static bool db_is_mysql(const db *d)
{
	return strcmp(db_backend(d), "mysql") == 0;
}

static int db_read_version(db *d, int *version)
{
	int64_t v = 0;
	int rc = db_query_int(d, "SELECT COALESCE(MAX(version), 0) FROM sipcc_version", &v);

	*version = (int)v;
	return rc;
}

int db_schema_version(db *d, int *version)
{
	int64_t n = 0;
	int rc;

	*version = 0;
	if (db_is_pgsql(d))
		rc = db_query_int(d, "SELECT count(*) FROM information_schema.tables"
				  " WHERE table_name = 'sipcc_version'"
				  " AND table_schema = current_schema()", &n);
	else if (db_is_mysql(d))
		rc = db_query_int(d, "SELECT count(*) FROM information_schema.tables"
				  " WHERE table_name = 'sipcc_version'"
				  " AND table_schema = DATABASE()", &n);
	else
		rc = db_query_int(d, "SELECT count(*) FROM sqlite_master"
				  " WHERE type = 'table' AND name = 'sipcc_version'", &n);
	if (rc != SIP_OK || n == 0)
		return rc;
	return db_read_version(d, version);
}

/* MariaDB: under a named lock held by this connection (waiting up to 10 s
 * for another process's migration), read the version again, run the
 * statements (each commits by itself) and then bump the version. */
static int db_migrate_one_mysql(db *d, const db_migration *m, const char *const *sql)
{
	db_stmt *st = NULL;
	int64_t got = 0;
	int rc, version;

	rc = db_query_int(d, "SELECT GET_LOCK('sipcc_schema', 10)", &got);
	if (rc == SIP_OK && got != 1)
		rc = SIP_ETIMEOUT;
	if (rc != SIP_OK)
		goto fail;
	if ((rc = db_read_version(d, &version)) != SIP_OK)
		goto unlock;
	if (version >= m->version)
		goto unlock;
	for (; *sql; sql++)
		if ((rc = db_exec_sql(d, *sql)) != SIP_OK)
			goto unlock;
	if ((rc = db_exec(d, "BEGIN")) != SIP_OK || (rc = db_exec(d, "DELETE FROM sipcc_version")) != SIP_OK)
		goto unlock;
	if ((rc = db_prepare(d, "INSERT INTO sipcc_version (version) VALUES ($1)", &st)) != SIP_OK
	    || (rc = db_bind_int(st, 1, m->version)) != SIP_OK
	    || (rc = db_step(st)) != SIP_OK)
		goto unlock;
	if ((rc = db_exec(d, "COMMIT")) != SIP_OK)
		goto unlock;
	LOG_NOTICE("db: schema migrated to version %d (%s)", m->version, m->what);
unlock:
	db_finalize(st);
	if (rc != SIP_OK && rc != SIP_EDBDOWN)
		db_exec(d, "ROLLBACK");
	if (rc != SIP_EDBDOWN)
		db_query_int(d, "SELECT RELEASE_LOCK('sipcc_schema')", &got);
	if (rc == SIP_OK)
		return rc;
fail:
	LOG_ERR("db: migration to version %d failed: %s: %s", m->version, sip_strerror(rc),
		db_error(d));
	return rc;
}

/* Apply migration m unless another process got there first: the version is
 * read again under the write lock (SQLite's BEGIN IMMEDIATE, a table lock
 * on PostgreSQL), and the schema change and the version bump commit
 * together. Returns SIP_OK, or an error after rolling back. */
static int db_migrate_one(db *d, const db_migration *m)
{
	const char *const *sql = db_is_pgsql(d) ? m->pgsql : db_is_mysql(d) ? m->mysql : m->sqlite;
	db_stmt *st = NULL;
	int rc, version;

	if (!sql) {
		LOG_ERR("db: migration to version %d (%s) has no SQL for %s", m->version, m->what,
			db_backend(d));
		return SIP_ESTATE;
	}
	if (db_is_mysql(d))
		return db_migrate_one_mysql(d, m, sql);
	if (db_is_pgsql(d)) {
		rc = db_exec(d, "BEGIN");
		if (rc == SIP_OK)
			rc = db_exec(d, "LOCK TABLE sipcc_version IN EXCLUSIVE MODE");
	} else {
		rc = db_exec(d, "BEGIN IMMEDIATE");
	}
	if (rc != SIP_OK)
		goto fail;
	if ((rc = db_read_version(d, &version)) != SIP_OK)
		goto fail;
	if (version >= m->version)
		return db_exec(d, "ROLLBACK");
	for (; *sql; sql++)
		if ((rc = db_exec_sql(d, *sql)) != SIP_OK)
			goto fail;
	if ((rc = db_exec(d, "DELETE FROM sipcc_version")) != SIP_OK)
		goto fail;
	if ((rc = db_prepare(d, "INSERT INTO sipcc_version (version) VALUES ($1)", &st)) != SIP_OK
	    || (rc = db_bind_int(st, 1, m->version)) != SIP_OK
	    || (rc = db_step(st)) != SIP_OK)
		goto fail;
	db_finalize(st);
	st = NULL;
	if ((rc = db_exec(d, "COMMIT")) != SIP_OK)
		goto fail;
	LOG_NOTICE("db: schema migrated to version %d (%s)", m->version, m->what);
	return SIP_OK;
fail:
	LOG_ERR("db: migration to version %d failed: %s: %s", m->version, sip_strerror(rc),
		db_error(d));
	db_finalize(st);
	if (rc != SIP_EDBDOWN)
		db_exec(d, "ROLLBACK");
	return rc;
}

int db_schema_migrate(db *d)
{
	int rc, version;

	rc = db_exec(d, "CREATE TABLE IF NOT EXISTS sipcc_version (version INTEGER NOT NULL)");
	/* Two PostgreSQL clients creating the table at once: one loses on the
	 * catalog's unique index, and the table then exists. */
	if (rc == SIP_EDBCONSTRAINT)
		rc = db_exec(d, "CREATE TABLE IF NOT EXISTS sipcc_version (version INTEGER NOT NULL)");
	if (rc != SIP_OK)
		return rc;
	if ((rc = db_read_version(d, &version)) != SIP_OK)
		return rc;
	if (version > DB_SCHEMA_VERSION) {
		LOG_ERR("db: schema version %d is newer than this program's %d", version,
			DB_SCHEMA_VERSION);
		return SIP_ESTATE;
	}
	for (size_t i = 0; i < sizeof(db_migrations) / sizeof(db_migrations[0]); i++) {
		if (db_migrations[i].version <= version)
			continue;
		if ((rc = db_migrate_one(d, &db_migrations[i])) != SIP_OK)
			return rc;
	}
	return SIP_OK;
}
