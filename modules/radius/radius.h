/* RADIUS (RFC 2865, RFC 2866) for the other modules: accounting records
 * sent to the server with failover and kept while it is down, and
 * digest credentials checked by it (draft-sterman-aaa-sip, what OpenSIPS's
 * auth_aaa sends and FreeRADIUS's digest module checks).
 *
 * A request is a list of attributes named as in the dictionary
 * (radius.dictionary): the names are resolved on the module's threads,
 * where the RADIUS client library (radcli) runs, so nothing here needs
 * it. A record (rad_rec) is one heap block that owns copies of its
 * strings, so it outlives the message it was built from and can wait in
 * the queue while the server is away. This header is the part without
 * the library and the proxy (records, the bounded queue, the packing of
 * digest attributes), tested on its own; radius_fn.c is the module
 * (settings, threads, the policy functions). */
#ifndef SIPCC_RADIUS_RADIUS_H
#define SIPCC_RADIUS_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"

/* One attribute: a dictionary name and a value, a string (bytes: a
 * packed Digest-Attributes value is binary) or a 32-bit number (integer
 * and date attributes). */
struct rad_attr {
	const char *name;
	bool is_int;
	uint32_t i;
	sip_str s;
};

#define RAD_ATTRS_MAX  32
/* RFC 2865 §5: a value is 1 to 253 octets. */
#define RAD_VALUE_MAX  253

/* A request kept for sending: n attributes whose names and strings are
 * copies in the block. */
typedef struct rad_rec {
	struct rad_rec *next;        /* the queue */
	int64_t queued_ms;           /* when it was queued (monotonic) */
	unsigned n;
	struct rad_attr a[RAD_ATTRS_MAX];
	char data[];
} rad_rec;

/* A record of the n attributes of a (at most RAD_ATTRS_MAX; a string
 * longer than RAD_VALUE_MAX is cut there, an empty one left out: RADIUS
 * has no empty values). NULL without memory or with too many. */
rad_rec *rad_rec_new(const struct rad_attr *a, size_t n);
void rad_rec_free(rad_rec *r);
/* The attribute named name (case ignored), NULL when r has none. */
const struct rad_attr *rad_rec_find(const rad_rec *r, const char *name);

/* A FIFO of records with a bound; not locked (the module locks it). */
typedef struct rad_queue {
	rad_rec *head, *tail;
	unsigned n, max;
} rad_queue;

void rad_queue_init(rad_queue *q, unsigned max);
/* Append r. False when the queue holds max records already: r is not
 * taken (the caller drops and counts it). */
bool rad_queue_push(rad_queue *q, rad_rec *r);
/* Put r back in front (a record the server did not take). Never
 * refused: it had its place. */
void rad_queue_push_front(rad_queue *q, rad_rec *r);
/* Take the first record, NULL when empty. */
rad_rec *rad_queue_pop(rad_queue *q);
/* Free every record; returns how many there were. */
unsigned rad_queue_clear(rad_queue *q);

/* The sub-attributes of Digest-Attributes (draft-sterman-aaa-sip-00
 * §3.2), each packed into an attribute of its own. */
enum rad_digest_sub {
	RAD_DIGEST_REALM = 1,
	RAD_DIGEST_NONCE = 2,
	RAD_DIGEST_METHOD = 3,
	RAD_DIGEST_URI = 4,
	RAD_DIGEST_QOP = 5,
	RAD_DIGEST_ALGORITHM = 6,
	RAD_DIGEST_BODY_DIGEST = 7,
	RAD_DIGEST_CNONCE = 8,
	RAD_DIGEST_NONCE_COUNT = 9,
	RAD_DIGEST_USER_NAME = 10,
};
/* Pack one sub-attribute: type, length (of the whole, 2 + the value),
 * value, into out (RAD_VALUE_MAX bytes). Returns its length, 0 when the
 * value is empty or longer than RAD_VALUE_MAX - 2. */
size_t rad_digest_sub_pack(enum rad_digest_sub type, sip_str v, char *out);

/* The digest credentials a request carries, to be checked by the
 * server: the fields of the Authorization header and the request's
 * method. */
struct rad_digest_in {
	sip_str user_name;           /* User-Name (the digest username) */
	sip_str username, realm, nonce, uri, response, algorithm, qop, cnonce, nc;
	sip_str method;
};
/* The attributes of an Access-Request for in, into a (RAD_ATTRS_MAX);
 * the packed sub-attributes go to buf (RAD_ATTRS_MAX * RAD_VALUE_MAX
 * bytes). Returns how many; 0 when a value does not fit. */
size_t rad_digest_attrs(const struct rad_digest_in *in, struct rad_attr *a, char *buf);

/* radcli's server list for a setting's value ("HOST[:PORT]" separated
 * by commas, an IPv6 address in brackets, PORT dflt_port when left out):
 * "HOST:PORT:SECRET,..." (the caller frees it with sip_mem_free), with
 * *n the number of servers. NULL when the list is empty; NULL and *bad
 * when an item is malformed (no host, a port that is not 1..65535). */
char *rad_server_list(const char *list, const char *secret, int dflt_port, unsigned *n,
		      bool *bad);

/* Acct-Status-Type (RFC 2866 §5.1). */
enum {
	RAD_ACCT_START = 1,
	RAD_ACCT_STOP = 2,
	RAD_ACCT_INTERIM = 3,
	RAD_ACCT_FAILED = 15,
};

/* What another module calls through proxy_module_api("radius"). */
struct radius_api {
	/* Queue an accounting request (its attributes are copied). SIP_OK;
	 * SIP_ELIMIT when the queue is full (radius.queue_max: the record is
	 * dropped, counted and logged), SIP_ESTATE when no accounting server
	 * is configured, SIP_NOMEM. Never waits. */
	int (*acct_send)(const struct rad_attr *a, size_t n);
};

#endif
