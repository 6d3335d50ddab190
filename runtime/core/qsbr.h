/* Memory shared by the workers and replaced while they read it: freed
 * once no worker can still hold it (quiescent-state-based reclamation,
 * the scheme of the Linux kernel's RCU and of liburcu's QSBR flavour).
 *
 * Readers take no lock and count nothing: a worker may use what it read
 * from a shared pointer (a cached table's snapshot, db_cache_get) until
 * its event loop next turns, i.e. within the handling of one event. The
 * loop says so at each turn (sip_qsbr_quiescent) and while it waits for
 * events (offline: it holds nothing then, so an idle worker never delays
 * a free).
 *
 * A writer publishes the new copy (an atomic store, or under its own
 * lock), then retires the old one with sip_qsbr_retire(): the old copy is
 * freed, by whichever worker next turns its loop, once every worker has
 * passed a quiescent point or been offline since. With one worker (and in
 * programs without workers) a retired copy is freed at once: the caller
 * is the only reader and is between two uses.
 *
 * Every function may be called from any worker thread. */
#ifndef SIPCC_CORE_QSBR_H
#define SIPCC_CORE_QSBR_H

#include <stddef.h>

/* The calling worker holds no shared copy: what was retired before may
 * be freed as far as it is concerned. Then frees what is due. */
void sip_qsbr_quiescent(void);
/* The calling worker waits for events (holds nothing until it is online
 * again) / is back. */
void sip_qsbr_offline(void);
void sip_qsbr_online(void);

/* Free p with fn(p) once every worker has passed a quiescent point (at
 * once with one worker). Without memory for its record p is not freed
 * (logged): never while another worker may read it. */
void sip_qsbr_retire(void (*fn)(void *p), void *p);
/* Copies retired and not yet freed. */
size_t sip_qsbr_pending(void);
/* Free everything retired, now (at exit, once the other workers have
 * stopped). */
void sip_qsbr_drain(void);

#endif
