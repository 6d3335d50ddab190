/* Forking (RFC 3261 §16.5-16.7): the destination set a request is relayed
 * to, serial forking by q-value, and per-transaction final-response
 * timers (stdlib/tm.sipi).
 *
 * The destination set is the Request-URI (with $du) plus the branches
 * appended to it (lookup() of several contacts, append_branch()); t_relay()
 * sends one client transaction to each, in parallel. lookup() puts the
 * contacts of the highest q in the set and keeps the others, best first,
 * for t_next_contacts(), which a failure route calls to try the next q
 * group. t_load_contacts() puts the destination set back in front of
 * the kept contacts (sorted by q), so Kamailio's lookup(),
 * t_load_contacts(), t_next_contacts(), t_relay() works as there. What a
 * route sets lives in the message arena; t_relay() copies what the
 * transaction needs later into the transaction. */
#ifndef SIPCC_PROXY_FORK_H
#define SIPCC_PROXY_FORK_H

#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"
#include "txn/txn.h"

struct sip_ctx;

/* One destination: a Request-URI, the next hop when it is not the URI
 * ($du, or the first Path value), the Path of its binding (RFC 3327: put
 * in a Route header of that branch only) and its q in thousandths (-1:
 * none given). */
struct proxy_dest {
	struct proxy_dest *next;
	sip_str uri, du, path;
	int q;
	uint64_t bflags;        /* the branch's flags (script/script.h) */
};

struct proxy_fork {
	struct proxy_dest *dset;        /* branches besides the Request-URI */
	struct proxy_dest *serial;      /* contacts left for t_next_contacts() */
	bool serial_set;                /* serial was filled by this route */
	sip_str path;                   /* Path of the Request-URI's branch */
	int q;                          /* q of the Request-URI's contact, -1: none */
	uint32_t fr_ms, fr_inv_ms;      /* t_set_fr() before the transaction exists */
};

/* ctx's forking state, made on first use in the message arena; NULL when
 * no memory is left. */
struct proxy_fork *proxy_fork(struct sip_ctx *ctx);

/* Read the tm settings (fr_timer, fr_inv_timer) into the transaction layer. */
void proxy_fork_init(void);

/* Contacts found by a location lookup: proxy_fork_begin() forgets the
 * destination set and the serial contacts, proxy_fork_add() appends one
 * (strings copied; call them best first; du is its next hop when it has
 * no Path, e.g. the WebSocket connection it registered over; bflags are
 * the flags saved with it), proxy_fork_next() moves the
 * contacts of the best q left into the Request-URI and the destination
 * set, each branch with its contact's flags (after lookup(), plus the
 * flags set so far).
 * False when no contact is left. */
void proxy_fork_begin(struct sip_ctx *ctx);
int proxy_fork_add(struct sip_ctx *ctx, sip_str uri, sip_str path, sip_str du, int q,
		   uint64_t bflags);
bool proxy_fork_next(struct sip_ctx *ctx);

/* For proxy_relay(): the transaction s now exists; hand it the timers and
 * the serial contacts of ctx. */
void proxy_fork_bind(struct sip_ctx *ctx, txn *s);
/* For proxy_relay(): the Request-URI cannot be reached; make the first
 * destination of the set the Request-URI instead. False when the set is
 * empty. */
bool proxy_fork_shift(struct sip_ctx *ctx);
/* For building a branch: insert the Route line of the branch's Path. */
int proxy_fork_path_edit(struct sip_ctx *ctx);

#endif
