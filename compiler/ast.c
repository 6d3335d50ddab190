#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include "ast.h"

/* The compiler arena: a chain of large chunks, freed when the process
 * exits. Allocations are zeroed and 16-byte aligned. */
struct cc_chunk {
	struct cc_chunk *prev;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

static struct cc_chunk *cc_arena;

void *cc_alloc(size_t n)
{
	const size_t chunk_min = 64 * 1024;

	n = (n + 15) & ~(size_t)15;
	if (!cc_arena || cc_arena->size - cc_arena->used < n) {
		size_t size = n > chunk_min ? n : chunk_min;
		struct cc_chunk *c = malloc(sizeof *c + size);
		if (!c) {
			fputs("sipcc: error: out of memory\n", stderr);
			exit(1);
		}
		c->prev = cc_arena;
		c->used = 0;
		c->size = size;
		cc_arena = c;
	}
	void *p = cc_arena->data + cc_arena->used;
	cc_arena->used += n;
	memset(p, 0, n);
	return p;
}

char *cc_strndup(const char *s, size_t n)
{
	char *d = cc_alloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *cc_strdup(const char *s)
{
	return cc_strndup(s, strlen(s));
}

/* The names of the status types, by number. One compiler run loads the
 * stdlib once, but a test may load it again: a name keeps its number. */
#define CC_STATUS_MAX 64
static const char *cc_status_names[CC_STATUS_MAX];
static int cc_nstatus;

enum cc_type cc_status_type_new(const char *name)
{
	for (int i = 0; i < cc_nstatus; i++)
		if (strcmp(cc_status_names[i], name) == 0)
			return (enum cc_type)(CC_TY_STATUS + i);
	if (cc_nstatus == CC_STATUS_MAX)
		return CC_TY_ERROR;
	cc_status_names[cc_nstatus] = name;
	return (enum cc_type)(CC_TY_STATUS + cc_nstatus++);
}

const char *cc_type_name(enum cc_type t)
{
	if (cc_type_is_status(t))
		return (int)t - CC_TY_STATUS < cc_nstatus ? cc_status_names[(int)t - CC_TY_STATUS] : "?";
	switch (t) {
	case CC_TY_ERROR: return "<error>";
	case CC_TY_VOID: return "void";
	case CC_TY_BOOL: return "bool";
	case CC_TY_INT: return "int";
	case CC_TY_STR: return "str";
	case CC_TY_METHOD: return "method";
	case CC_TY_ROUTE: return "route";
	case CC_TY_URI: return "uri";
	case CC_TY_IP: return "ip";
	case CC_TY_FLAG: return "flag";
	case CC_TY_BFLAG: return "bflag";
	case CC_TY_AVP: return "avp";
	case CC_TY_REGEX: return "regex";
	case CC_TY_STATUS: break;
	case CC_TY_SQL: return "sql";
	case CC_TY_TIMEREC: return "timerec";
	case CC_TY_PROFILE: return "profile";
	}
	return "?";
}

const char *cc_route_kind_name(enum cc_route_kind k)
{
	switch (k) {
	case CC_RK_REQUEST: return "request";
	case CC_RK_REPLY: return "reply";
	case CC_RK_FAILURE: return "failure";
	case CC_RK_BRANCH: return "branch";
	case CC_RK_LOCAL: return "local";
	case CC_RK_ERROR: return "error";
	case CC_RK_STARTUP: return "startup";
	case CC_RK_TIMER: return "timer";
	case CC_RK_EVENT: return "event";
	case CC_RK_NAMED: return "named";
	case CC_RK__COUNT: break;
	}
	return "?";
}

struct cc_expr *cc_expr_new(enum cc_expr_kind k, struct cc_loc loc)
{
	struct cc_expr *e = cc_alloc(sizeof *e);

	e->kind = k;
	e->loc = loc;
	return e;
}

struct cc_stmt *cc_stmt_new(enum cc_stmt_kind k, struct cc_loc loc)
{
	struct cc_stmt *s = cc_alloc(sizeof *s);

	s->kind = k;
	s->loc = loc;
	return s;
}

struct cc_fn_decl *cc_find_fn(const struct cc_program *p, const char *name)
{
	for (struct cc_fn_decl *f = p->fns; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

struct cc_pv_decl *cc_find_pv(const struct cc_program *p, const char *name)
{
	for (struct cc_pv_decl *v = p->pvs; v; v = v->next)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

struct cc_const_decl *cc_find_const(const struct cc_program *p, const char *name)
{
	for (struct cc_const_decl *c = p->consts; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct cc_status_decl *cc_find_status(const struct cc_program *p, const char *name)
{
	for (struct cc_status_decl *d = p->statuses; d; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

struct cc_event_decl *cc_find_event(const struct cc_program *p, const char *name)
{
	for (struct cc_event_decl *d = p->events; d; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

struct cc_route *cc_find_route(const struct cc_program *p, const char *name)
{
	for (struct cc_route *r = p->routes; r; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

struct cc_define *cc_find_define(const struct cc_program *p, const char *name)
{
	for (struct cc_define *d = p->defines; d; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

struct cc_profile_decl *cc_find_profile(const struct cc_program *p, const char *name)
{
	for (struct cc_profile_decl *d = p->profiles; d; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

struct cc_avp_decl *cc_find_dlgvar(const struct cc_program *p, const char *name)
{
	for (struct cc_avp_decl *a = p->dlgvars; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

struct cc_avp_decl *cc_find_avp(const struct cc_program *p, const char *name)
{
	for (struct cc_avp_decl *a = p->avps; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

struct cc_flag_decl *cc_find_flag(const struct cc_program *p, const char *name)
{
	for (struct cc_flag_decl *f = p->flags; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

struct cc_setting_decl *cc_find_setting(const struct cc_program *p, const char *module,
					const char *key)
{
	for (struct cc_setting_decl *d = p->settings; d; d = d->next)
		if (strcmp(d->module, module) == 0 && strcmp(d->key, key) == 0)
			return d;
	return NULL;
}

/* Whether s (n bytes) is one of the values of d, case ignored. */
static bool cc_setting_value_known(const struct cc_setting_decl *d, const char *s, size_t n)
{
	for (int i = 0; i < d->n_values; i++)
		if (strlen(d->values[i]) == n && strncasecmp(d->values[i], s, n) == 0)
			return true;
	return false;
}

/* The next comma-separated item of s[*i..n), blanks trimmed. */
static void cc_setting_item(const char *s, size_t n, size_t *i, size_t *a, size_t *b)
{
	size_t j = *i;
	while (j < n && s[j] != ',')
		j++;
	*a = *i;
	*b = j;
	while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
		(*a)++;
	while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
		(*b)--;
	*i = j + 1;
}

/* address = PROTO ":" IP ":" PORT, IP dotted IPv4 or "[" IPv6 "]": what a
 * module would otherwise refuse at start-up (the collector of siptrace). */
static bool cc_setting_addr_ok(const struct cc_setting_decl *d, const char *s, size_t n)
{
	const char *c1 = memchr(s, ':', n);
	if (!c1 || !cc_setting_value_known(d, s, (size_t)(c1 - s)))
		return false;
	const char *ip = c1 + 1, *end = s + n, *c2 = end;
	while (c2 > ip && c2[-1] != ':')
		c2--;
	if (c2 <= ip + 1 || c2 == end || end - c2 > 5)
		return false;
	long port = 0;
	for (const char *p = c2; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return false;
	char buf[64], bin[16];
	size_t len = (size_t)(c2 - 1 - ip);
	bool v6 = ip[0] == '[';
	if (v6) {
		if (len < 3 || ip[len - 1] != ']')
			return false;
		ip++;
		len -= 2;
	}
	if (len >= sizeof buf)
		return false;
	memcpy(buf, ip, len);
	buf[len] = '\0';
	return inet_pton(v6 ? AF_INET6 : AF_INET, buf, bin) == 1;
}

bool cc_setting_value_ok(const struct cc_setting_decl *d, const char *s, size_t n,
			 const char **bad)
{
	if (!d->values)
		return true;
	if (d->values_addr) {
		if (n == 0 || cc_setting_addr_ok(d, s, n))
			return true;
		if (bad)
			*bad = cc_strndup(s, n);
		return false;
	}
	if (!d->values_list) {
		if (cc_setting_value_known(d, s, n))
			return true;
		if (bad)
			*bad = cc_strndup(s, n);
		return false;
	}
	for (size_t i = 0; i <= n;) {
		size_t start = i, a, b;
		cc_setting_item(s, n, &i, &a, &b);
		bool ok = b > a && cc_setting_value_known(d, s + a, b - a);
		for (size_t k = 0; ok && k < start;) {
			size_t ka, kb;
			cc_setting_item(s, n, &k, &ka, &kb);
			ok = !(kb - ka == b - a && strncasecmp(s + ka, s + a, b - a) == 0);
		}
		if (!ok) {
			if (bad)
				*bad = cc_strndup(s + a, b - a);
			return false;
		}
	}
	return true;
}

static const struct { const char *name; unsigned bit; } cc_marks[] = {
	{ "auth", CC_MARK_AUTH },
	{ "trusted", CC_MARK_TRUSTED },
	{ "local_check", CC_MARK_LOCAL_CHECK },
	{ "dialog", CC_MARK_DIALOG },
	{ "relay", CC_MARK_RELAY },
	{ "reply", CC_MARK_REPLY },
	{ "save_contact", CC_MARK_SAVE_CONTACT },
	{ "gateway", CC_MARK_GATEWAY },
	{ "dialog_track", CC_MARK_DIALOG_TRACK },
	{ "readonly", CC_MARK_READONLY },
	{ "async", CC_MARK_ASYNC },
	{ "profile_add", CC_MARK_PROFILE_ADD },
};

unsigned cc_mark_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof cc_marks / sizeof cc_marks[0]; i++)
		if (strcmp(cc_marks[i].name, name) == 0)
			return cc_marks[i].bit;
	return 0;
}

const char *cc_mark_name(unsigned mark)
{
	for (size_t i = 0; i < sizeof cc_marks / sizeof cc_marks[0]; i++)
		if (cc_marks[i].bit == mark)
			return cc_marks[i].name;
	return "?";
}

const char *const cc_allow_names[] = {
	"open_relay", "toll_fraud", "unauth_register", "no_final", NULL,
};

unsigned cc_allow_from_name(const char *name)
{
	for (int i = 0; cc_allow_names[i]; i++)
		if (strcmp(cc_allow_names[i], name) == 0)
			return 1u << i;
	return 0;
}

bool cc_expr_is_wait(const struct cc_expr *e)
{
	if (!e || e->kind != E_CALL)
		return false;
	if (e->u.call.fn)
		return (e->u.call.fn->marks & CC_MARK_ASYNC) != 0;
	return e->u.call.route && e->u.call.route->async;
}

static bool cc_expr_waits(const struct cc_expr *e)
{
	if (!e)
		return false;
	switch (e->kind) {
	case E_CALL:
		if (cc_expr_is_wait(e))
			return true;
		for (int i = 0; i < e->u.call.nargs; i++)
			if (cc_expr_waits(e->u.call.args[i]))
				return true;
		return false;
	case E_UNARY:
		return cc_expr_waits(e->u.unary.e);
	case E_BINARY:
		return cc_expr_waits(e->u.binary.l) || cc_expr_waits(e->u.binary.r);
	default:
		return false;
	}
}

const struct cc_expr *cc_stmt_expr(const struct cc_stmt *st)
{
	switch (st->kind) {
	case S_EXPR: return st->u.expr;
	case S_IF: return st->u.if_.cond;
	case S_WHILE: return st->u.while_.cond;
	case S_SWITCH: return st->u.switch_.subject;
	case S_RETURN: return st->u.ret.value;
	case S_ASSIGN: return st->u.assign.value;
	case S_VAR: return st->u.var.init;
	default: return NULL;
	}
}

bool cc_stmt_waits(const struct cc_stmt *st)
{
	if (st->kind == S_ROUTE)
		return st->u.route_call.target && st->u.route_call.target->async;
	return cc_expr_waits(cc_stmt_expr(st));
}
