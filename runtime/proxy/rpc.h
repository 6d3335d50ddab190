/* JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over the control
 * commands: the management interface the HTTP listener serves on /rpc
 * (httpd.h), in the role of Kamailio's jsonrpcs and OpenSIPS' mi_http.
 *
 * A method is a control command (ctl.h) with its words joined by dots:
 * "stats", "ul.show", "dr.reload", "log.level". Its params are the
 * command's words, positionally: a JSON array of strings or numbers
 * ({"method":"ul.show","params":["alice@example.com"]}). The result is
 * the command's reply object without its "ok" member ({"stats":{...}});
 * a command that refuses gives a JSON-RPC error: -32602 when it says
 * how it is used ("usage: ..."), -32000 otherwise, with its message.
 * Unknown methods get -32601, malformed requests -32600, text that is
 * not JSON -32700. Batches (an array of requests, at most
 * PROXY_RPC_BATCH_MAX) and notifications (no id: run, not answered) work
 * as the specification says. There is no second list of commands: what
 * the control socket knows, this knows. */
#ifndef SIPCC_PROXY_RPC_H
#define SIPCC_PROXY_RPC_H

#include <stddef.h>

#define PROXY_RPC_BATCH_MAX 32

enum {
	PROXY_RPC_PARSE_ERROR = -32700,
	PROXY_RPC_INVALID_REQUEST = -32600,
	PROXY_RPC_METHOD_NOT_FOUND = -32601,
	PROXY_RPC_INVALID_PARAMS = -32602,
	PROXY_RPC_INTERNAL_ERROR = -32603,
	PROXY_RPC_COMMAND_FAILED = -32000,
};

/* The response body: body[0..len) (allocated with sip_mem_alloc; the
 * callee frees it), or NULL and 0 when nothing is answered (only
 * notifications). */
typedef void (*proxy_rpc_reply_fn)(void *arg, char *body, size_t len);

typedef struct proxy_rpc_req proxy_rpc_req;

/* Run the request (or batch) in body[0..len). fn is called once: before
 * this returns (SIP_OK, *pending NULL), or later from the loop when a
 * command finishes its reply later (a reload the database worker runs;
 * SIP_OK, *pending set). SIP_NOMEM: fn is not called. */
int proxy_rpc_handle(const char *body, size_t len, proxy_rpc_reply_fn fn, void *arg,
		     proxy_rpc_req **pending);
/* The caller of a pending request is gone: fn is not called; the request
 * is freed when its commands end. */
void proxy_rpc_cancel(proxy_rpc_req *r);

#endif
