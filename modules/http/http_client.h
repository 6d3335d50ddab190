/* An HTTP client that never blocks the event loop: libcurl's multi
 * interface, whose sockets are watched by the loop (net/loop.h) and whose
 * timeouts are timers on the wheel (core/timer.h). No thread of our own:
 * every transfer moves when the loop sees its socket ready or its timer
 * due, and its callback runs from the loop's top level. */
#ifndef SIPCC_MODULES_HTTP_CLIENT_H
#define SIPCC_MODULES_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/timer.h"
#include "net/loop.h"

/* What a transfer ended with, besides an HTTP status (100-599). The
 * numbers are the policy's constants (modules/http/http.sipi). */
enum {
	HTTP_CONNECT_FAILED = -1,   /* refused, unreachable, unknown host */
	HTTP_TIMEOUT = -2,          /* no whole answer within the timeout */
	HTTP_ERROR = -3,            /* anything else: bad URL, answer too big,
				       too many requests, TLS, protocol */
};

struct http_req {
	const char *method;         /* "GET", "POST", ... */
	const char *url;            /* NUL-terminated */
	const char *body;           /* sent when body_len > 0 (copied) */
	size_t body_len;
	const char *content_type;   /* NULL or "": none */
	unsigned timeout_ms;        /* the whole transfer */
	unsigned connect_timeout_ms;
	size_t max_body;            /* a longer answer ends with HTTP_ERROR */
};

struct http_resp {
	int code;                   /* status, or HTTP_CONNECT_FAILED... */
	const char *body;           /* valid during the callback */
	size_t body_len;
	const char *hdrs;           /* the header lines received */
	size_t hdrs_len;
	const char *err;            /* why, when code < 0 */
	uint64_t ms;                /* how long it took */
};

/* The TLS settings of every https:// transfer (http.ca_file, http.verify,
 * http.client_cert, http.client_key), as PEM text read at start-up: the
 * caller keeps it while the client runs. A length of 0: none. */
struct http_tls {
	const char *ca;             /* the CAs trusted instead of the system's */
	size_t ca_len;
	bool verify;                /* the server's certificate and host name */
	const char *cert, *key;     /* presented to a server that asks */
	size_t cert_len, key_len;
};

/* Called once per transfer, from the loop's top level (never from inside
 * http_client_start). */
typedef void (*http_done_fn)(void *arg, const struct http_resp *r);

struct http_xfer;

/* Use loop and wheel (once per worker thread, before its first transfer:
 * the client is the calling worker's; the first call also starts
 * libcurl). SIP_OK, or SIP_EIO when libcurl cannot start. */
int http_client_init(sip_loop *loop, sip_timer_wheel *w);
/* End every transfer of the calling worker (their callbacks are not
 * called) and free its client; the worker that started libcurl lets go
 * of it (last: after the other workers' destroy). */
void http_client_destroy(void);
/* Start r; fn(arg, resp) when it ends. SIP_OK; SIP_ESTATE before init;
 * SIP_ELIMIT over http.max_transfers; SIP_NOMEM. */
int http_client_start(const struct http_req *r, http_done_fn fn, void *arg);
/* Transfers under way, on every worker. */
unsigned http_client_running(void);
/* At most this many transfers at once, on every worker together (0: no
 * limit). */
void http_client_set_max(unsigned n);
/* Use t for the transfers started from now on (before the workers start:
 * every worker reads it without a lock). */
void http_client_set_tls(const struct http_tls *t);

#endif
