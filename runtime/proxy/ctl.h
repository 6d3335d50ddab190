/* The control socket (--ctl PATH): a Unix stream socket served from the
 * event loop, for monitoring and run-time control like the MI/RPC
 * interface of OpenSIPS and Kamailio (opensips-cli, kamcmd).
 *
 * Protocol: one command per line ("stats core.", "ul show alice@example.com"),
 * at most PROXY_CTL_LINE_MAX bytes, words separated by spaces; one JSON
 * object per line back: {"ok":true,...} or {"ok":false,"error":"..."}.
 * An unknown command or bad arguments get an error and the connection
 * stays open; a line that is too long or not text gets an error and the
 * connection is closed. At most PROXY_CTL_MAX_CLIENTS clients at once
 * (one more is told so and closed), each closed after PROXY_CTL_IDLE_MS
 * without a command.
 *
 * Commands are registered by name, so a module adds its own ("ul show"
 * from the registrar, "dlg list" from the dialog module) without this
 * file knowing it. Built in: help, stats, uptime, version, log level. */
#ifndef SIPCC_PROXY_CTL_H
#define SIPCC_PROXY_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/loop.h"

#define PROXY_CTL_LINE_MAX    1024
#define PROXY_CTL_MAX_CLIENTS 16
#define PROXY_CTL_MAX_ARGS    8
#define PROXY_CTL_MAX_CMDS    64
#define PROXY_CTL_IDLE_MS     60000
#define PROXY_CTL_REPLY_MAX   (4u << 20)

/* A reply being built: the fields after {"ok":true (each written with a
 * leading comma by the handler). */
typedef struct proxy_ctl_out {
	char *buf;
	size_t len, cap;
	bool overflow;              /* over PROXY_CTL_REPLY_MAX or out of memory */
	char err[1024];             /* set by proxy_ctl_error() */
	struct proxy_ctl_later *later;  /* set by proxy_ctl_defer() */
} proxy_ctl_out;

void proxy_ctl_printf(proxy_ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s[0..n) as a JSON string (quoted, escaped). */
void proxy_ctl_json_str(proxy_ctl_out *o, const char *s, size_t n);
/* Make the reply an error; returns false for the handler to return. */
bool proxy_ctl_error(proxy_ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A command: argv holds the words after the command's name. True when
 * done; false after proxy_ctl_error(). */
typedef bool (*proxy_ctl_fn)(int argc, char **argv, proxy_ctl_out *o);

/* A reply that is finished later, on the loop's thread, by a callback
 * (a reload that the database worker runs: the loop must not wait for
 * it). The handler calls proxy_ctl_defer(o) and returns true; what it
 * printed so far is kept. The client's reply, and the commands it sent
 * after this one, wait until proxy_ctl_finish(). Returns NULL without
 * memory (the handler then answers at once). */
typedef struct proxy_ctl_later proxy_ctl_later;
proxy_ctl_later *proxy_ctl_defer(proxy_ctl_out *o);
/* The reply to complete (proxy_ctl_printf, proxy_ctl_error). */
proxy_ctl_out *proxy_ctl_later_out(proxy_ctl_later *l);
/* Send the reply (ok as a handler returns it) to the client that asked,
 * or log it for SIGHUP, or drop it when the client has gone; frees l. */
void proxy_ctl_finish(proxy_ctl_later *l, bool ok);

/* Who else may wait for a deferred reply: proxy_ctl_exec's caller (the
 * JSON-RPC interface) has fn called with the finished reply (a JSON
 * object and a newline, as proxy_ctl_exec writes it; o->err set when
 * ok is false) instead of a socket client getting it; o is freed after
 * fn returns. */
typedef void (*proxy_ctl_later_fn)(void *arg, proxy_ctl_out *o, bool ok);
void proxy_ctl_later_notify(proxy_ctl_later *l, proxy_ctl_later_fn fn, void *arg);

/* Register a command of one or two words ("stats", "ul show"); usage
 * shows its arguments ("[PREFIX]"), help says what it does (constant
 * strings, kept). A name registered again gets the new handler.
 * SIP_ELIMIT beyond PROXY_CTL_MAX_CMDS. */
int proxy_ctl_register(const char *name, const char *usage, const char *help, proxy_ctl_fn fn);
/* Whether a command of that name ("dr reload") is registered. */
bool proxy_ctl_has(const char *name);

/* Run one command line (no newline; modified in place) and put the whole
 * reply, a JSON object and a newline, in o (o->buf owned by the caller:
 * free it with proxy_ctl_out_free). When the command deferred its reply,
 * o->later is set instead and o is empty. */
void proxy_ctl_exec(char *line, proxy_ctl_out *o);
void proxy_ctl_out_free(proxy_ctl_out *o);

/* Serve path on loop (permissions 0600; a stale socket file is replaced,
 * a live one is refused with SIP_EADDRINUSE). */
int proxy_ctl_listen(sip_loop *loop, const char *path);
/* Close every client and the socket, remove the socket file. */
void proxy_ctl_close(void);
/* Clients connected now. */
unsigned proxy_ctl_clients(void);

/* SIGHUP: safe from a signal handler. Within a second the loop runs the
 * reload commands registered ("dr reload", "domain reload") and logs
 * what they answered (when they answer: a reload runs on the database
 * worker, and is logged when it ends). proxy_ctl_hup_start arms the check on w;
 * proxy_ctl_hup_stop disarms it. */
void proxy_ctl_hup(void);
void proxy_ctl_hup_start(sip_timer_wheel *w);
void proxy_ctl_hup_stop(void);

#endif
