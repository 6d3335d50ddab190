/* Test support: remove a test's SQLite database file with the WAL and
 * shared-memory files SQLite keeps beside it. Header only, for the
 * cmocka tests that make a database of their own. */
#ifndef SIPCC_TEST_TMPDB_H
#define SIPCC_TEST_TMPDB_H

#include <stdio.h>
#include <unistd.h>

static inline void sipt_sqlite_unlink(const char *path)
{
	static const char *const sides[] = { "", "-wal", "-shm" };
	char p[4200];
	for (size_t i = 0; path && path[0] && i < sizeof sides / sizeof sides[0]; i++)
		if (snprintf(p, sizeof p, "%s%s", path, sides[i]) < (int)sizeof p)
			unlink(p);
}

#endif
