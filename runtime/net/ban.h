/* The ban list: source addresses whose packets the transports drop as soon
 * as they are read, before anything parses them (an IP's every port; a
 * datagram from a banned address costs one hash lookup). Filled by the
 * flood detection (the pike module) and by hand on the control socket
 * ("ban add IP [SECONDS]"); each entry ends at its expiry, or never.
 *
 * A UDP datagram or a message on a TCP, TLS or WebSocket connection from a
 * banned address is dropped in tp_deliver(); a new connection from one is
 * closed as soon as it is accepted, and those open when the address is
 * banned are closed then (each counted as a drop).
 *
 * Single-threaded, like the loop that reads the sockets. At most
 * TP_BAN_MAX entries: beyond, tp_ban_add() says SIP_ELIMIT. */
#ifndef SIPCC_NET_BAN_H
#define SIPCC_NET_BAN_H

#include <stdbool.h>
#include <stdint.h>
#include "net/transport.h"

#define TP_BAN_MAX 65536u

/* An address without its port, as a hash key: family (AF_INET or
 * AF_INET6) and 4 or 16 bytes. */
typedef struct tp_addr_key {
	uint8_t family;
	uint8_t len;
	uint8_t b[16];
} tp_addr_key;

/* The key of a's address; false for a family other than IPv4 and IPv6.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address. */
bool tp_addr_key_of(const sip_addr *a, tp_addr_key *k);
uint32_t tp_addr_key_hash(const tp_addr_key *k);
bool tp_addr_key_eq(const tp_addr_key *a, const tp_addr_key *b);
/* "1.2.3.4" or "2001:db8::1" into buf; returns buf. */
const char *tp_addr_key_str(const tp_addr_key *k, char *buf, size_t sz);

/* What one entry says, for listings. */
typedef struct tp_ban_info {
	tp_addr_key key;
	const char *by;             /* "ctl", "pike": who banned it */
	uint64_t since_ms;          /* when it was (last) banned */
	uint64_t until_ms;          /* when it ends; 0: never */
	uint64_t dropped;           /* packets and connections dropped since */
} tp_ban_info;

/* Ban k for seconds (0: until removed) from now, by (a constant string,
 * kept). An address banned already gets the new end and by; its count
 * of drops goes on. SIP_OK, SIP_ELIMIT when the list is full, SIP_NOMEM. */
int tp_ban_add(const tp_addr_key *k, uint32_t seconds, const char *by);
/* Lift the ban on k; false when there was none. */
bool tp_ban_rm(const tp_addr_key *k);
/* k's entry, when banned now, into *info (may be NULL). */
bool tp_ban_get(const tp_addr_key *k, tp_ban_info *info);
/* Entries now (expired ones not yet removed are left out of listings and
 * lookups, and removed by tp_ban_expire()). */
unsigned tp_ban_count(void);
/* Call fn for each entry banned now; expired ones are removed on the way. */
void tp_ban_foreach(void (*fn)(const tp_ban_info *info, void *arg), void *arg);
/* Remove the expired entries, each logged with its count of drops; called
 * every second or so by the proxy. Returns how many went. */
unsigned tp_ban_expire(void);
/* Empty the list and free it (at exit, and between tests). */
void tp_ban_clear(void);

/* Packets and connections dropped because of a ban, in all (the counter
 * "net.ban_dropped"). */
extern int64_t tp_ban_dropped;

/* The drop test of the receive path: true when src is banned now (the
 * packet is then counted and must be dropped). Costs nothing while the
 * list is empty. */
bool tp_ban_check_slow(const sip_addr *src);
/* Entries in the list: changed under its lock, read here without it by
 * every worker (atomic). */
extern unsigned tp_ban_n;
static inline bool tp_ban_check(const sip_addr *src)
{
	return __atomic_load_n(&tp_ban_n, __ATOMIC_RELAXED) && tp_ban_check_slow(src);
}

/* The clock the list uses (monotonic ms: sip_loop_clock_ms by default);
 * tests set their own. */
void tp_ban_set_clock(uint64_t (*clock)(void));

#endif
