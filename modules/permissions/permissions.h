/* Trusted peers and address permissions (OpenSIPS/Kamailio permissions):
 * the address table of the database (runtime/db/schema.c v5; sipcc-ctl
 * address ...), cached in memory (db/db_cache.h: built by the database
 * worker, swapped in whole, reloaded when the table changes, every
 * permissions.reload_interval seconds and on SIGHUP; the copy in use stays
 * while the database is down), so allow_trusted() and
 * check_source_address() never wait for a query.
 *
 * A row admits a request when its source address is in the row's network
 * (ip/mask, IPv4 or IPv6; an IPv4 network also covers the IPv4-mapped
 * IPv6 form of its addresses), its source port is the row's port (0: any),
 * its transport is the row's proto ('any': any) and, when the row has a
 * pattern, the POSIX extended regular expression matches the From URI.
 * Patterns are compiled when the table is loaded: a row whose pattern or
 * address is bad is left out of the snapshot (it admits nothing) and
 * reported with its id in the log; the other rows work.
 *
 * When several rows admit a request, the most specific gives its tag
 * (context_info): the longest network, then a row with a port, then one
 * with a transport, then one with a pattern, then the lowest id.
 *
 * perm_table.c holds the cache and the address parsing shared with
 * sipcc-ctl (no proxy dependency; unit tested), perm_fn.c the policy
 * functions of modules/permissions/permissions.sipi. */
#ifndef SIPCC_PERMISSIONS_PERMISSIONS_H
#define SIPCC_PERMISSIONS_PERMISSIONS_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"
#include "db/db.h"
#include "db/db_cache.h"

enum perm_proto {
	PERM_PROTO_ANY = 0,
	PERM_PROTO_UDP, PERM_PROTO_TCP, PERM_PROTO_TLS, PERM_PROTO_WS, PERM_PROTO_WSS,
};

typedef struct perm_row {
	int64_t id, grp;
	unsigned char net[16];      /* IPv4 mapped into ::ffff:0:0/96 */
	int bits;                   /* prefix length of net over its 128 bits */
	int port;                   /* 0: any */
	int proto;                  /* enum perm_proto */
	regex_t *re;                /* NULL: any From URI */
	sip_str ip;                 /* as written in the table, for logs */
	int mask;
	sip_str pattern, tag;
} perm_row;

/* What a request offers to the rows: its source, its transport and its
 * From URI (NUL-terminated; "" when it has none). */
typedef struct perm_src {
	unsigned char addr[16];     /* IPv4 mapped, as net */
	int port;
	int proto;                  /* enum perm_proto, or -1 for another one */
	const char *from;
} perm_src;

/* The module's cache of the address table (made on first use; NULL
 * without memory). */
db_cache *perm_table(void);
/* Load the table from d now, on the caller's thread (tests, tools). The
 * old snapshot stays in use when the query fails. SIP_OK or a database
 * status. */
int perm_refresh(db *d);
/* Drop the cache (nothing is trusted until the next load). */
void perm_cache_clear(void);
/* Number of usable rows cached, and of rows left out for a bad pattern
 * or address. */
unsigned perm_count(void);
unsigned perm_skipped(void);

/* The most specific row that admits src (see above): among every row when
 * all_groups, else among those of group grp. NULL when none does. The
 * row is valid until the loop next runs the database worker's
 * completions (db_cache_get). */
const perm_row *perm_match(const perm_src *src, bool all_groups, int64_t grp);

/* An IPv4 or IPv6 address (NUL-terminated text) as the 16 bytes of
 * perm_src.addr; *v4 tells which it was. False when it is neither. */
bool perm_addr_parse(const char *ip, unsigned char out[16], bool *v4);
/* The network ip/mask: mask 0..32 for IPv4, 0..128 for IPv6. Fills net
 * (host bits cleared) and *bits (over 128). NULL when fine, else what is
 * wrong. *host_bits tells whether ip had bits set beyond the mask
 * (10.0.0.1/8): the cache clears them, sipcc-ctl refuses them. */
const char *perm_net_parse(const char *ip, int64_t mask, unsigned char net[16], int *bits,
			   bool *host_bits);
/* A transport name (case-insensitive): "any", "udp", "tcp", "tls", "ws",
 * "wss"; -1 for another. */
int perm_proto_parse(sip_str s);
const char *perm_proto_name(int proto);

#endif
