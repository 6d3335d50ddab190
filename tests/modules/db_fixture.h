/* The database of a module's cache test (tests/modules/NAME/test_NAME.c):
 * every test starts from an empty database at the current schema. With
 * DB_URL set (a test_NAME_pgsql.sh wrapper that started a PostgreSQL
 * server) it is that one; otherwise a fresh SQLite file in /tmp, removed
 * at the end. Included by the test's C file: quoted, "../db_fixture.h". */
#ifndef SIPCC_TESTS_MODULES_DB_FIXTURE_H
#define SIPCC_TESTS_MODULES_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "core/status.h"
#include "db/db.h"

static char db_fixture_path[256];

/* Open the database of the test called name, drop every table and migrate
 * it to the current schema: 0, or -1 (a cmocka setup's failure). */
static __attribute__((unused)) int db_fixture_open(const char *name, db **d)
{
	char url[4096];
	const char *env = getenv("DB_URL");
	if (env && *env) {
		snprintf(url, sizeof url, "%s", env);
		db_fixture_path[0] = '\0';
	} else {
		snprintf(db_fixture_path, sizeof db_fixture_path, "/tmp/%s.%ld.db", name,
			 (long)getpid());
		unlink(db_fixture_path);
		snprintf(url, sizeof url, "sqlite:%s", db_fixture_path);
	}
	if (db_open(url, d) != SIP_OK)
		return -1;
	if (db_schema_drop(*d) != SIP_OK || db_schema_migrate(*d) != SIP_OK)
		return -1;
	return 0;
}

/* Close it, and remove the SQLite file. */
static __attribute__((unused)) void db_fixture_close(db *d)
{
	db_close(d);
	if (db_fixture_path[0])
		unlink(db_fixture_path);
}

#endif
