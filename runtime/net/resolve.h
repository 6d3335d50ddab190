/* RFC 3263 server location: NAPTR, SRV (RFC 2782) and A/AAAA through
 * c-ares, with its sockets in the event loop. Nothing here blocks.
 *
 * sip_resolve() answers from a cache. On a miss it starts the lookups and
 * says SIP_AGAIN; when they end (answers, NXDOMAIN, or c-ares's timeouts,
 * dns.timeout per try, two tries) the done callback runs with the cache
 * key, and the caller asks again and gets the answer from the cache. The
 * proxy suspends a relay on SIP_AGAIN and resumes it from that callback
 * (proxy/dns.c), so a request is never dropped for want of an answer and
 * the loop never waits for DNS.
 *
 * What is resolved (RFC 3263 §4):
 *   - port in the URI: A/AAAA of the host; transport as given, else UDP
 *     (TLS for sips:);
 *   - transport but no port: SRV _sip._udp/_sip._tcp/_sips._tcp of that
 *     transport, else A/AAAA with the default port;
 *   - neither: NAPTR (services SIP+D2U, SIP+D2T, SIPS+D2T with the "s"
 *     flag, order then preference, only transports the proxy listens on;
 *     sips: only SIPS+D2T), each NAPTR's SRV; without NAPTR records the
 *     SRV names of every transport the proxy has; without SRV records
 *     A/AAAA with UDP (TLS) and the default port (not when an SRV record
 *     says "." : the service is not offered).
 * The targets come out in RFC 2782 order (priority, then a weighted random
 * order within a priority), each SRV target expanded to its addresses of a
 * family the proxy has a socket for (IPv4 ones first). Answers are kept dns.cache_ttl
 * seconds (failures 5 s); the TTLs of the records are not looked at. */
#ifndef SIPCC_NET_RESOLVE_H
#define SIPCC_NET_RESOLVE_H

#include <stdbool.h>
#include "core/str.h"
#include "net/loop.h"
#include "net/transport.h"

#define SIP_RES_MAX_TARGETS 8

typedef struct sip_res_target {
	const sip_transport *tp;
	sip_addr addr;              /* with the port */
} sip_res_target;

typedef struct sip_res_result {
	unsigned n;
	sip_res_target t[SIP_RES_MAX_TARGETS];
} sip_res_result;

struct sip_res_conf {
	const char *servers;        /* "ip[:port],..." (c-ares CSV); NULL or "": resolv.conf */
	unsigned timeout_ms;        /* per try */
	unsigned cache_s;
};

/* The lookups of key ended (status SIP_OK, SIP_ENOTFOUND or SIP_ETIMEOUT). */
typedef void (*sip_res_done_fn)(const char *key, int status, void *arg);

/* Set up c-ares on loop. SIP_OK, or SIP_EINVAL (logged) for a bad server
 * list or a c-ares that cannot start. */
int sip_resolver_init(sip_loop *loop, const struct sip_res_conf *conf,
		      sip_res_done_fn done, void *arg);
void sip_resolver_destroy(void);

/* Locate host (not a literal IP) per RFC 3263. port 0: none in the URI;
 * tp NULL: no transport= parameter. SIP_OK with *out filled (n >= 1),
 * SIP_AGAIN while looking up (*key, when not NULL, is the key the done
 * callback will name; valid until then), SIP_ENOTFOUND or SIP_ETIMEOUT
 * (cached for a few seconds), SIP_NOMEM, or SIP_ESTATE when the resolver
 * was not set up. */
int sip_resolve(sip_str host, int port, const sip_transport *tp, bool secure,
		sip_res_result *out, const char **key);

/* The cache key sip_resolve() uses (for callers matching done callbacks). */
void sip_resolve_key(sip_str host, int port, const sip_transport *tp, bool secure,
		     char *buf, size_t sz);

#endif
