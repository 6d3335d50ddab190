/* RFC 3263 next hops for the proxy: relays wait for DNS, and fail over
 * across the targets of a name.
 *
 * A next hop whose host is a name is located with net/resolve.h. When the
 * answer is cached the request is relayed at once to the first target.
 * Otherwise the relay waits: the server transaction is created (it absorbs
 * retransmissions and an INVITE gets its 100 Trying), the request as the
 * policy left it is kept with what the relay needs ($du, the new
 * Request-URI, Max-Forwards, Record-Route, the armed routes), and t_relay()
 * returns true. The message waits as any other that waits
 * (proxy_wait_then, proxy/proxy.h), with no route code to run again: t_relay
 * is not async at the language level, so "if (isflagset(F) && t_relay())"
 * stays valid. A failure route's relay to a name holds its transaction the
 * same way. When the lookups end (proxy_resume_then), the relay runs from
 * the kept copy; a name that does not resolve gets 503 (408 when the DNS
 * server does not answer). A CANCEL meanwhile ends it with 487.
 *
 * Failover (RFC 3263 §4.3, RFC 2782): when a name gave more than one
 * target, a branch that ends with 503 (from the next hop, or a transport
 * error such as a refused TCP connection) or 408 (timer B/F: a UDP target
 * that does not answer) is retried at the next target, before the failure
 * route runs; once every target failed the best response goes upstream
 * (or the failure route runs) as usual. A target that fails at once while
 * sending is skipped the same way. The Record-Route of a resumed relay is
 * the one of the socket the chosen target is reached from.
 *
 * Not done: the records' TTLs (answers are kept dns.cache_ttl seconds);
 * stateless forward() to a name that is not cached yet fails (it cannot
 * wait); TLS to a target reached by failover is verified against its IP
 * address, not the name of the URI. */
#ifndef SIPCC_PROXY_DNS_H
#define SIPCC_PROXY_DNS_H

#include <stdbool.h>
#include <stdint.h>
#include "net/loop.h"
#include "net/transport.h"
#include "proxy/proxy.h"
#include "txn/txn.h"

/* Start the resolver with the dns.* settings; server (--dns), when not
 * NULL, replaces dns.server. SIP_OK or an error (logged). */
int proxy_dns_init(sip_loop *loop, const char *server);
void proxy_dns_destroy(void);

/* A relay is being prepared: forget the targets of the previous one. */
void proxy_dns_clear(void);
/* The destination of a next hop whose host is a name: SIP_OK with *dst
 * and *tp (in: the URI's transport= or NULL), SIP_AGAIN while it is being
 * looked up, else an error. */
int proxy_dns_dest(sip_str host, int port, bool secure, sip_addr *dst, const sip_transport **tp);
/* Suspend the stateful relay of ctx until the lookup proxy_dns_dest()
 * started ends; SIP_OK (ctx->txn is then set) or an error. */
int proxy_dns_suspend(struct sip_ctx *ctx);
/* The relay of ctx went out on server transaction s: keep the other
 * targets for failover. */
void proxy_dns_relayed(struct sip_ctx *ctx, txn *s);
/* Sending the relay of ctx on s failed at once: true when it went to
 * another target of the same name instead. */
bool proxy_dns_send_failed(struct sip_ctx *ctx, txn *s);
/* Every branch of s failed with code: true when a new branch went to the
 * next target (the failure route and the final response wait). */
bool proxy_dns_failover(txn *s, int code);
/* Armed as s's failure route when only failover needs the callback. */
int64_t proxy_dns_failover_route(struct sip_ctx *ctx);

#endif
