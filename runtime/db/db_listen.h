/* Change notifications from a database, on a connection and a thread of
 * their own: PostgreSQL LISTEN (libpq, PQconsumeInput/PQnotifies) or
 * Redis SUBSCRIBE (hiredis). What a proxy that shares state with others
 * (proxy/modules.h, cluster.store) learns of their changes through.
 *
 *   postgres://... (postgresql://)        LISTEN channel; the payloads of
 *                                         NOTIFY / pg_notify(channel, x)
 *   redis://[:PASSWORD@]HOST[:PORT][/DB]  SUBSCRIBE channel; the messages
 *                                         of PUBLISH channel x
 *
 * The thread connects, listens, and reconnects by itself when the
 * connection is refused or lost, spaced by a backoff (100 ms doubling to
 * 5 s); a Redis connection is pinged while it is idle, so a server that
 * went away without closing it is noticed within DB_LISTEN_DEAD_MS (a
 * PostgreSQL one relies on TCP keep-alives). Notifications sent while no
 * connection listened are lost: after every connection made (the first
 * included, since changes may have been made before it) the listener
 * reports it, so the caller reloads what it keeps.
 *
 * Delivery is on the caller's thread: what the thread receives is queued
 * (at most DB_LISTEN_QUEUE_MAX; beyond it the rest is dropped and a
 * reconnection reported instead, the same "reload" for the caller) and
 * an eventfd becomes readable; the caller's loop watches db_listen_fd()
 * and calls db_listen_drain(), which calls fn for each in the order they
 * came. */
#ifndef SIPCC_DB_DB_LISTEN_H
#define SIPCC_DB_DB_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#define DB_LISTEN_QUEUE_MAX 65536
#define DB_LISTEN_DEAD_MS   15000

typedef struct db_listener db_listener;

/* On the thread that drains: payload (len bytes, NUL-terminated) of one
 * notification, or NULL after a connection was made (the first or a new
 * one: notifications may have been missed). */
typedef void (*db_listen_fn)(const char *payload, size_t len, void *arg);

/* Start listening on channel of the database at url; *out is the
 * listener. SIP_OK (the thread runs; the first connection may still be
 * under way or refused), SIP_EINVAL for a URL the listener does not
 * handle (a scheme without notifications: SQLite, MySQL), SIP_NOMEM,
 * SIP_EIO when the thread or its eventfd cannot be made. */
int db_listen_start(const char *url, const char *channel, db_listen_fn fn, void *arg,
		    db_listener **out);
/* Whether url names a database db_listen_start() can listen to. */
bool db_listen_supported(const char *url);
/* The descriptor to watch for reading (an eventfd). */
int db_listen_fd(const db_listener *l);
/* Call fn for what came since the last drain; on the caller's thread. */
void db_listen_drain(db_listener *l);
/* Whether the listener's connection is up now. */
bool db_listen_up(const db_listener *l);
/* How many connections were made since the start (for tests and
 * statistics). */
unsigned long db_listen_connects(const db_listener *l);
/* Stop the thread, close the connection, free l and what it queued
 * (fn is not called). NULL is ignored. */
void db_listen_stop(db_listener *l);

#endif
