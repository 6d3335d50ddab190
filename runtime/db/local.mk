# Database layer: the adapter interface and handle (db.c), one file per
# backend, and the schema with its migrations. Needs $(SQLITE_CFLAGS)
# $(PQ_CFLAGS) $(MARIADB_CFLAGS) to compile and $(SQLITE_LIBS) $(PQ_LIBS)
# $(MARIADB_LIBS) $(HIREDIS_LIBS) to link.
DB_SRC = runtime/db/db.c runtime/db/db_sqlite.c runtime/db/db_pgsql.c runtime/db/schema.c \
	runtime/db/db_mysql.c runtime/db/db_redis.c
EXTRA_DIST += runtime/db/db.h
# The worker thread that runs queries off the event loop.
DB_SRC += runtime/db/db_worker.c
EXTRA_DIST += runtime/db/db_worker.h
# Tables cached from the database: loaded by the worker, swapped in whole
# (needs runtime/core/timer.c, TIMER_SRC in core).
DB_CACHE_SRC = runtime/db/db_cache.c runtime/db/db_rows.c
EXTRA_DIST += runtime/db/db_cache.h runtime/db/db_rows.h
# Change notifications (PostgreSQL LISTEN, Redis SUBSCRIBE) on a thread
# of their own, for proxies sharing state (needs $(HIREDIS_CFLAGS)).
DB_SRC += runtime/db/db_listen.c
EXTRA_DIST += runtime/db/db_listen.h
