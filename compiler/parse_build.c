/* The builders the grammar's actions call (parse.y): each checks what it
 * can while parsing (names declared twice, literals out of range, items in
 * the wrong kind of file) and links what it builds into the program or
 * returns it to the grammar. All memory is in the arena. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "parse_int.h"
#include "sema_int.h"

bool cc_parse_policy_only(struct cc_parse_ctx *ps, struct cc_loc loc,
			  const char *what)
{
	if (ps->mode == CC_SRC_POLICY)
		return true;
	cc_diag_report(CC_D_MISPLACED, loc,
		       "'%s' is only allowed in a policy, not in a stdlib declaration file", what);
	return false;
}

bool cc_parse_stdlib_only(struct cc_parse_ctx *ps, struct cc_loc loc,
			  const char *what)
{
	if (ps->mode == CC_SRC_STDLIB)
		return true;
	cc_diag_report(CC_D_MISPLACED, loc,
		       "'%s' declarations are only allowed in stdlib .sipi files", what);
	return false;
}

/* listen PROTO ADDR[:PORT]: split and validate the address token. */
void cc_parse_listen(struct cc_parse_ctx *ps, struct cc_loc loc,
		     const char *proto, struct cc_loc proto_loc,
		     const char *addr, struct cc_loc addr_loc)
{
	unsigned char buf[16];
	const char *host, *colon;
	size_t hlen;
	bool v6 = addr[0] == '[';
	bool ok = true;
	long port = 0;

	if (strcmp(proto, "udp") != 0 && strcmp(proto, "tcp") != 0 && strcmp(proto, "tls") != 0 &&
	    strcmp(proto, "ws") != 0 && strcmp(proto, "wss") != 0) {
		cc_diag_report(CC_D_BAD_LITERAL, proto_loc,
			       "unsupported transport '%s'", proto);
		cc_diag_note((struct cc_loc){0}, "supported transports: udp, tcp, tls, ws, wss");
		ok = false;
	}
	if (v6) {
		const char *close = strchr(addr, ']');
		host = addr + 1;
		hlen = (size_t)(close - host);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strchr(addr, ':');
		host = addr;
		hlen = colon ? (size_t)(colon - addr) : strlen(addr);
	}
	char *h = cc_strndup(host, hlen);
	if (inet_pton(v6 ? AF_INET6 : AF_INET, h, buf) != 1) {
		cc_diag_report(CC_D_BAD_LITERAL, addr_loc, "invalid IP%s address '%s'",
			       v6 ? "v6" : "v4", h);
		ok = false;
	}
	if (!colon) {
		cc_diag_report(CC_D_BAD_LITERAL, addr_loc,
			       "missing port in listen address (e.g. %s:5060)", addr);
		ok = false;
	} else {
		port = strtol(colon + 1, NULL, 10);
		if (port < 1 || port > 65535 || strlen(colon + 1) > 5) {
			cc_diag_report(CC_D_BAD_LITERAL, addr_loc,
				       "port %s is out of range (1-65535)", colon + 1);
			ok = false;
		}
	}
	if (!ok)
		return;

	struct cc_listen *l = cc_alloc(sizeof *l), **tail;
	l->proto = proto;
	l->addr = h;
	l->port = (int)port;
	l->loc = loc;
	for (tail = &ps->prog->listens; *tail; tail = &(*tail)->next)
		;
	*tail = l;
}

/* domain "NAME": one of the domains this proxy is responsible for. */
void cc_parse_domain(struct cc_parse_ctx *ps, struct cc_loc loc, const char *s, size_t len)
{
	struct cc_domain *d = cc_alloc(sizeof *d), **tail;

	d->name = cc_strndup(s, len);
	d->loc = loc;
	if (len == 0)
		cc_diag_report(CC_D_BAD_LITERAL, loc, "empty domain name");
	for (tail = &ps->prog->domains; *tail; tail = &(*tail)->next)
		;
	*tail = d;
}

/* define NAME = LITERAL: a compile-time value (overridable with -D); a
 * "@gateway" before it marks it as naming a gateway. */
void cc_parse_define(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		     struct cc_expr *value)
{
	struct cc_define *d = cc_alloc(sizeof *d), **tail;

	d->name = name;
	d->value = value;
	d->loc = loc;
	d->gateway = ps->pending_gateway;
	ps->pending_gateway = false;
	for (tail = &ps->prog->defines; *tail; tail = &(*tail)->next)
		;
	*tail = d;
}

static bool cc_parse_kind_word(const char *w, enum cc_route_kind *k)
{
	for (int i = 0; i < CC_RK_NAMED; i++) {
		if (strcmp(w, cc_route_kind_name((enum cc_route_kind)i)) == 0) {
			*k = (enum cc_route_kind)i;
			return true;
		}
	}
	return false;
}

/* route request|local|error|reply|startup { }, route failure|reply|branch
 * NAME { }, route timer NAME every N { }, route event MODULE.EVENT { },
 * route NAME { }. Entry routes without a name are named after their kind;
 * an event route is named after its event (several may handle one). An
 * annotation before the route applies to it. */
struct cc_route *cc_parse_route(struct cc_parse_ctx *ps, struct cc_loc loc,
				 const char *w1, struct cc_loc l1,
				 const char *w2, struct cc_loc l2, struct cc_stmt *body)
{
	enum cc_route_kind kind;
	const char *name;
	struct cc_loc name_loc;

	unsigned allow = ps->pending_allow;

	ps->pending_allow = 0;
	if (!cc_parse_policy_only(ps, loc, "route"))
		return NULL;
	if (!w2) {
		name = w1;
		name_loc = l1;
		if (!cc_parse_kind_word(w1, &kind)) {
			kind = CC_RK_NAMED;
		} else if (kind == CC_RK_EVENT) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l1, "an event route needs the event's name");
			cc_diag_note((struct cc_loc){0},
				     "write 'route event MODULE.EVENT { ... }', e.g. 'route event registrar.contact_inserted'");
			return NULL;
		} else if (kind == CC_RK_FAILURE || kind == CC_RK_BRANCH || kind == CC_RK_TIMER) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l1, "a %s route needs a name", w1);
			cc_diag_note((struct cc_loc){0}, "write 'route %s NAME { ... }'", w1);
			return NULL;
		}
	} else {
		name = w2;
		name_loc = l2;
		if (!cc_parse_kind_word(w1, &kind) ||
		    !(kind == CC_RK_FAILURE || kind == CC_RK_REPLY || kind == CC_RK_BRANCH ||
		      kind == CC_RK_TIMER || kind == CC_RK_EVENT)) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l1,
				       "'%s' is not a kind of named route", w1);
			cc_diag_note((struct cc_loc){0},
				     "use 'route failure NAME', 'route reply NAME', 'route branch NAME', 'route timer NAME every N', 'route event MODULE.EVENT' or 'route NAME'");
			return NULL;
		}
		if (kind != CC_RK_EVENT && strchr(w2, '.')) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l2,
				       "a route name has no '.': only an event route names a MODULE.EVENT");
			return NULL;
		}
		if (kind != CC_RK_EVENT && cc_parse_kind_word(w2, &(enum cc_route_kind){0})) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, l2,
				       "'%s' is a route kind and cannot name a route", w2);
			return NULL;
		}
	}

	struct cc_route *r = cc_alloc(sizeof *r), **tail;
	r->kind = kind;
	r->name = name;
	r->body = body;
	r->loc = name_loc;
	r->index = ps->prog->nroutes++;
	r->result = CC_TY_VOID;
	r->allow = allow;
	if (allow)
		r->allow_loc = ps->pending_loc;
	for (tail = &ps->prog->routes; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	return r;
}

/* The parameters and result of route NAME(PARAMS)[: TYPE]. Only named
 * routes take them; entry routes are called by the proxy with nothing. */
void cc_parse_route_sig(struct cc_parse_ctx *ps, struct cc_route *r,
			struct cc_param_list *params, struct cc_type_ref result,
			struct cc_loc result_loc)
{
	(void)ps;
	if (!r)
		return;
	if (r->kind != CC_RK_NAMED) {
		cc_diag_report(CC_D_BAD_ROUTE_HEAD, r->loc,
			       "only a named route can take parameters or return a value");
		cc_diag_note((struct cc_loc){0}, "the proxy runs %s routes with no arguments",
			     cc_route_kind_name(r->kind));
		return;
	}
	if (result.ty == CC_TY_ROUTE || result.ty == CC_TY_METHOD ||
	    (result.ty >= CC_TY_FLAG && !cc_type_is_status(result.ty))) {
		cc_diag_report(CC_D_BAD_ROUTE_HEAD, result_loc,
			       "a route cannot return %s (use str, int, bool, uri, ip or a status type)",
			       cc_type_name(result.ty));
		result.ty = CC_TY_ERROR;
	}
	r->result = result.ty;
	if (!params)
		return;
	r->params = params->v;
	r->nparams = params->n;
	for (int i = 0; i < params->n; i++) {
		enum cc_type t = params->v[i].type;
		if (t == CC_TY_VOID || t == CC_TY_ROUTE || t == CC_TY_METHOD ||
		    (t >= CC_TY_FLAG && !cc_type_is_status(t))) {
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, params->v[i].loc,
				       "parameter '%s' cannot have type %s (use str, int, bool, uri, ip or a status type)",
				       params->v[i].name, cc_type_name(t));
			params->v[i].type = CC_TY_ERROR;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(params->v[i].name, params->v[j].name) == 0)
				cc_diag_report(CC_D_DUP_NAME, params->v[i].loc,
					       "duplicate parameter '%s'", params->v[i].name);
	}
}

/* flag NAME / bflag NAME: the next free bit of its kind. */
void cc_parse_flag(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		   bool branch)
{
	struct cc_flag_decl *f, **tail;
	int *count = branch ? &ps->prog->nbflags : &ps->prog->nflags;

	if (!cc_parse_policy_only(ps, loc, branch ? "bflag" : "flag"))
		return;
	if ((f = cc_find_flag(ps->prog, name))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "flag '%s' is declared twice", name);
		cc_diag_note(f->loc, "previous declaration is here");
		return;
	}
	if (*count >= 64) {
		cc_diag_report(CC_D_BAD_DECL, loc, "too many %sflags (at most 64)", branch ? "b" : "");
		return;
	}
	f = cc_alloc(sizeof *f);
	f->name = name;
	f->branch = branch;
	f->index = (*count)++;
	f->loc = loc;
	for (tail = &ps->prog->flags; *tail; tail = &(*tail)->next)
		;
	*tail = f;
}

/* avp NAME: str|int  and  dlgvar NAME: str|int  (dialog) */
void cc_parse_avp(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		  const char *type, struct cc_loc type_loc, bool dialog)
{
	struct cc_avp_decl *a, **tail;
	enum cc_type t = cc_parse_type(ps, type, type_loc, false).ty;
	const char *what = dialog ? "dialog variable" : "AVP";

	if (!cc_parse_policy_only(ps, loc, dialog ? "dlgvar" : "avp"))
		return;
	if ((a = dialog ? cc_find_dlgvar(ps->prog, name) : cc_find_avp(ps->prog, name))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "%s '%s' is declared twice", what, name);
		cc_diag_note(a->loc, "previous declaration is here");
		return;
	}
	if (t != CC_TY_ERROR && t != CC_TY_STR && t != CC_TY_INT) {
		cc_diag_report(CC_D_BAD_DECL, type_loc, "%s %s holds str or int values, not %s",
			       dialog ? "a" : "an", what, cc_type_name(t));
		t = CC_TY_ERROR;
	}
	if (dialog && ps->prog->ndlgvars >= 64) {
		cc_diag_report(CC_D_BAD_DECL, loc, "too many dialog variables (at most 64)");
		return;
	}
	a = cc_alloc(sizeof *a);
	a->name = name;
	a->type = t == CC_TY_ERROR ? CC_TY_STR : t;
	a->dialog = dialog;
	a->index = dialog ? ps->prog->ndlgvars++ : ps->prog->navps++;
	a->loc = loc;
	for (tail = dialog ? &ps->prog->dlgvars : &ps->prog->avps; *tail; tail = &(*tail)->next)
		;
	*tail = a;
}

/* profile NAME  and  profile NAME: str  (a dialog profile, without or
 * with a value per dialog). */
void cc_parse_profile(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		      const char *type, struct cc_loc type_loc)
{
	struct cc_profile_decl *d, **tail;
	enum cc_type t = CC_TY_VOID;

	if (!cc_parse_policy_only(ps, loc, "profile"))
		return;
	if ((d = cc_find_profile(ps->prog, name))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "dialog profile '%s' is declared twice", name);
		cc_diag_note(d->loc, "previous declaration is here");
		return;
	}
	if (type) {
		t = cc_parse_type(ps, type, type_loc, false).ty;
		if (t != CC_TY_ERROR && t != CC_TY_STR) {
			cc_diag_report(CC_D_BAD_DECL, type_loc,
				       "a dialog profile's values are str, not %s", cc_type_name(t));
		}
		t = CC_TY_STR;
	}
	d = cc_alloc(sizeof *d);
	d->name = name;
	d->type = t;
	d->index = ps->prog->nprofiles++;
	d->loc = loc;
	for (tail = &ps->prog->profiles; *tail; tail = &(*tail)->next)
		;
	*tail = d;
}

/* Append a statement to a block (st is NULL after a syntax error). */
struct cc_stmt_list cc_parse_stmt_add(struct cc_stmt_list l, struct cc_stmt *st)
{
	if (!st)
		return l;
	if (l.last)
		l.last->next = st;
	else
		l.first = st;
	l.last = st;
	return l;
}

/* if (COND) THEN [else ELS]; els is NULL without an else. */
struct cc_stmt *cc_parse_if(struct cc_loc loc, struct cc_expr *cond, struct cc_stmt *then,
			    struct cc_stmt *els)
{
	struct cc_stmt *st = cc_stmt_new(S_IF, loc);

	st->u.if_.cond = cond;
	st->u.if_.then = then;
	st->u.if_.els = els;
	return st;
}

/* while (COND) [max N] BODY: every loop is bounded, by N or by
 * CC_WHILE_MAX_DEFAULT iterations. */
struct cc_stmt *cc_parse_while(struct cc_loc loc, struct cc_expr *cond, struct cc_stmt *body,
			       int64_t max, struct cc_loc max_loc)
{
	struct cc_stmt *st = cc_stmt_new(S_WHILE, loc);

	st->u.while_.cond = cond;
	st->u.while_.body = body;
	st->u.while_.max = max;
	if (max < 1 || max > 1000000)
		cc_diag_report(CC_D_BAD_LITERAL, max_loc,
			       "loop bound %lld is out of range (1-1000000)", (long long)max);
	return st;
}

struct cc_stmt *cc_parse_switch(struct cc_loc loc, struct cc_expr *subject,
				struct cc_case *cases)
{
	struct cc_stmt *st = cc_stmt_new(S_SWITCH, loc);

	st->u.switch_.subject = subject;
	st->u.switch_.cases = cases;
	return st;
}

/* "case V:" or "default:". Consecutive labels share one group of
 * statements; a label after statements starts a new group (the previous
 * one falls through into it unless it breaks). */
struct cc_case_list cc_parse_case_label(struct cc_case_list l, struct cc_expr *value,
					struct cc_loc loc)
{
	struct cc_case *c = l.last;

	if (!c || c->first) {
		c = cc_alloc(sizeof *c);
		c->loc = loc;
		if (l.last)
			l.last->next = c;
		else
			l.first = c;
		l.last = c;
	}
	if (!value) {
		c->is_default = true;
		return l;
	}
	struct cc_expr **v = cc_alloc(sizeof *v * (size_t)(c->nvalues + 1));
	if (c->nvalues)
		memcpy(v, c->values, sizeof *v * (size_t)c->nvalues);
	v[c->nvalues++] = value;
	c->values = v;
	return l;
}

/* A statement of a switch, appended to the group of the last label. */
struct cc_case_list cc_parse_case_stmt(struct cc_parse_ctx *ps, struct cc_case_list l,
				       struct cc_stmt *st)
{
	if (!st)
		return l;
	if (!l.last) {
		ps->syntax_errors++;
		cc_diag_report(CC_D_SYNTAX, st->loc, "statement before the first 'case' of a switch");
		return l;
	}
	struct cc_stmt **tail;
	for (tail = &l.last->first; *tail; tail = &(*tail)->next)
		;
	*tail = st;
	return l;
}

/* var NAME: TYPE [= INIT]; init is NULL without an initial value. */
struct cc_stmt *cc_parse_var(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			     struct cc_loc name_loc, const char *type, struct cc_loc type_loc,
			     struct cc_expr *init)
{
	struct cc_stmt *st = cc_stmt_new(S_VAR, loc);

	st->u.var.name = name;
	st->u.var.name_loc = name_loc;
	st->u.var.type = cc_parse_type(ps, type, type_loc, false).ty;
	st->u.var.type_loc = type_loc;
	st->u.var.init = init;
	return st;
}

/* NAME = VALUE: a variable (is_ident), a pseudo-variable, or $name(arg)
 * with its argument; sema finds which it writes. */
struct cc_stmt *cc_parse_assign(struct cc_loc loc, const char *name, const char *arg,
				struct cc_loc name_loc, struct cc_expr *value, bool is_ident)
{
	struct cc_stmt *st = cc_stmt_new(S_ASSIGN, loc);

	st->u.assign.name = name;
	st->u.assign.arg = arg;
	st->u.assign.name_loc = name_loc;
	st->u.assign.value = value;
	st->u.assign.is_ident = is_ident;
	return st;
}

/* route(NAME); a call of a named route without arguments. */
struct cc_stmt *cc_parse_route_call(struct cc_loc loc, const char *name, struct cc_loc name_loc)
{
	struct cc_stmt *st = cc_stmt_new(S_ROUTE, loc);

	st->u.route_call.name = name;
	st->u.route_call.name_loc = name_loc;
	return st;
}

/* NAME(ARGS): names are kept only when some argument is named. */
struct cc_expr *cc_parse_call(struct cc_loc loc, const char *name, struct cc_arg_list *args)
{
	struct cc_expr *e = cc_expr_new(E_CALL, loc);

	e->u.call.name = name;
	if (args) {
		e->u.call.args = args->args;
		e->u.call.arg_names = args->any_named ? args->names : NULL;
		e->u.call.nargs = args->n;
	}
	return e;
}

/* A string literal; tmpl when it interpolates pseudo-variables ("$fU@$fd"). */
struct cc_expr *cc_parse_str(const char *s, size_t len, bool tmpl, struct cc_loc loc)
{
	struct cc_expr *e = cc_expr_new(E_STR, loc);

	e->u.str.s = s;
	e->u.str.len = len;
	e->u.str.tmpl = tmpl;
	return e;
}

/* $name(arg): $avp(x) names a declared AVP, anything else is a
 * pseudo-variable taking an argument ($hdr(User-Agent)). */
struct cc_expr *cc_parse_pvarg(const char *name, const char *arg, struct cc_loc loc)
{
	struct cc_expr *e;

	if (strcmp(name, "$avp") == 0 || strcmp(name, "$dlg") == 0) {
		e = cc_expr_new(E_AVP, loc);
		e->u.avp.name = arg;
		e->u.avp.dialog = name[1] == 'd';
		return e;
	}
	e = cc_expr_new(E_PV, loc);
	e->u.pv.name = name;
	e->u.pv.arg = arg;
	return e;
}

/* !E or -E; the negation of an integer literal is folded into it. */
struct cc_expr *cc_parse_unary(enum cc_unop op, struct cc_expr *e, struct cc_loc loc)
{
	if (op == U_NEG && e->kind == E_INT) {
		e->u.ival = -e->u.ival;
		e->loc = loc;
		return e;
	}
	struct cc_expr *u = cc_expr_new(E_UNARY, loc);

	u->u.unary.op = op;
	u->u.unary.e = e;
	return u;
}

struct cc_expr *cc_parse_binary(enum cc_binop op, struct cc_expr *l,
				struct cc_expr *r, struct cc_loc loc)
{
	struct cc_expr *e = cc_expr_new(E_BINARY, loc);

	e->u.binary.op = op;
	e->u.binary.l = l;
	e->u.binary.r = r;
	return e;
}

/* Append an argument, growing the arrays in the arena. */
struct cc_arg_list *cc_parse_arg_add(struct cc_arg_list *a,
				     const char *name, struct cc_expr *e)
{
	if (!a)
		a = cc_alloc(sizeof *a);
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 4;
		struct cc_expr **args = cc_alloc(sizeof *args * (size_t)cap);
		const char **names = cc_alloc(sizeof *names * (size_t)cap);
		if (a->n) {
			memcpy(args, a->args, sizeof *args * (size_t)a->n);
			memcpy(names, a->names, sizeof *names * (size_t)a->n);
		}
		a->args = args;
		a->names = names;
		a->cap = cap;
	}
	a->args[a->n] = e;
	a->names[a->n] = name;
	a->n++;
	if (name)
		a->any_named = true;
	return a;
}

/* NAME: TYPE in a route's or a function's parameter list. */
struct cc_param cc_parse_param(const char *name, struct cc_type_ref ty, struct cc_loc loc)
{
	struct cc_param p;

	memset(&p, 0, sizeof p);
	p.name = name;
	p.type = ty.ty;
	p.route_kind = ty.rk;
	p.avp_type = ty.ty == CC_TY_AVP ? ty.elem : CC_TY_ERROR;
	p.loc = loc;
	return p;
}

/* NAME: TYPE = LITERAL: an optional parameter of a stdlib function (the
 * literal is the argument a call leaves out). A policy's routes take
 * every argument. */
struct cc_param cc_parse_param_default(struct cc_parse_ctx *ps, struct cc_param p,
				       struct cc_loc eq_loc, struct cc_expr *def)
{
	if (ps->mode != CC_SRC_STDLIB) {
		cc_diag_report(CC_D_MISPLACED, eq_loc,
			       "default arguments are only allowed in stdlib .sipi files");
		return p;
	}
	p.def = def;
	return p;
}

struct cc_param_list *cc_parse_param_add(struct cc_param_list *l,
					 struct cc_param p)
{
	if (!l)
		l = cc_alloc(sizeof *l);
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		struct cc_param *v = cc_alloc(sizeof *v * (size_t)cap);
		if (l->n)
			memcpy(v, l->v, sizeof *v * (size_t)l->n);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return l;
}

/* A type: bool, int, str, method, void, "route KIND", or the name of a
 * status type. */
struct cc_type_ref cc_parse_type(struct cc_parse_ctx *ps, const char *name,
				 struct cc_loc loc, bool is_route)
{
	static const enum cc_type plain[] = {
		CC_TY_VOID, CC_TY_BOOL, CC_TY_INT, CC_TY_STR, CC_TY_METHOD,
		CC_TY_URI, CC_TY_IP, CC_TY_FLAG, CC_TY_BFLAG, CC_TY_AVP, CC_TY_REGEX,
		CC_TY_SQL, CC_TY_TIMEREC,
	};
	struct cc_type_ref t = { CC_TY_ERROR, CC_RK_NAMED, CC_TY_ERROR };

	if (is_route) {
		t.ty = CC_TY_ROUTE;
		if (!cc_parse_kind_word(name, &t.rk) && strcmp(name, "named") != 0) {
			cc_diag_report(CC_D_BAD_DECL, loc, "unknown route kind '%s'", name);
			t.ty = CC_TY_ERROR;
		}
		return t;
	}
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (strcmp(name, cc_type_name(plain[i])) == 0)
			t.ty = plain[i];
	if (t.ty != CC_TY_ERROR)
		return t;
	struct cc_status_decl *st = cc_find_status(ps->prog, name);
	if (st) {
		t.ty = st->type;
	} else if (ps->mode == CC_SRC_POLICY) {
		/* A policy is read before the stdlib: the name stands for a
		 * status type the stdlib must declare, which sema checks
		 * (cc_sema_type_declared). */
		t.ty = cc_status_type_new(name);
		if (t.ty == CC_TY_ERROR)
			cc_diag_report(CC_D_BAD_DECL, loc, "unknown type '%s'", name);
	} else {
		cc_diag_report(CC_D_BAD_DECL, loc, "unknown type '%s'", name);
	}
	return t;
}

/* "avp str" or "avp int": a parameter that takes an AVP declared with
 * that type, so a function that stores a string (or a number) into the
 * AVP it is given cannot be handed one of the other type. */
struct cc_type_ref cc_parse_avp_type(struct cc_parse_ctx *ps, const char *elem,
				     struct cc_loc loc)
{
	struct cc_type_ref t = { CC_TY_AVP, CC_RK_NAMED, CC_TY_ERROR };

	(void)ps;
	if (strcmp(elem, "str") == 0) {
		t.elem = CC_TY_STR;
	} else if (strcmp(elem, "int") == 0) {
		t.elem = CC_TY_INT;
	} else {
		cc_diag_report(CC_D_BAD_DECL, loc, "an AVP holds str or int values, not '%s'", elem);
		t.ty = CC_TY_ERROR;
	}
	return t;
}

/* A route kind in an "in (...)" list, as a CC_RK_BIT mask. */
unsigned cc_parse_kind(struct cc_parse_ctx *ps, const char *name,
		       struct cc_loc loc)
{
	enum cc_route_kind k;

	(void)ps;
	if (strcmp(name, "any") == 0)
		return CC_RK_ANY;
	if (cc_parse_kind_word(name, &k))
		return CC_RK_BIT(k);
	cc_diag_report(CC_D_BAD_DECL, loc, "unknown route kind '%s'", name);
	return 0;
}

/* True when name is already declared as a function, pv or const. */
static bool cc_parse_decl_dup(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name)
{
	struct cc_loc prev;

	if (cc_find_fn(ps->prog, name))
		prev = cc_find_fn(ps->prog, name)->loc;
	else if (cc_find_pv(ps->prog, name))
		prev = cc_find_pv(ps->prog, name)->loc;
	else if (cc_find_const(ps->prog, name))
		prev = cc_find_const(ps->prog, name)->loc;
	else
		return false;
	cc_diag_report(CC_D_DUP_NAME, loc, "'%s' is already declared", name);
	cc_diag_note(prev, "previous declaration is here");
	return true;
}

/* module NAME [requires(...)] [after(...)]; the first line of a stdlib
 * file that belongs to a runtime module (struct cc_module_decl). */
void cc_parse_module(struct cc_parse_ctx *ps, struct cc_loc loc,
		     const char *name, struct cc_loc name_loc, struct cc_module_decl *m)
{
	if (ps->module || ps->decl_seen) {
		cc_diag_report(CC_D_BAD_DECL, loc,
			       "'module' must be the first declaration of its file, and only one");
		return;
	}
	for (struct cc_module_decl *o = ps->prog->modules; o; o = o->next)
		if (strcmp(o->name, name) == 0) {
			cc_diag_report(CC_D_DUP_NAME, name_loc, "module '%s' is declared twice", name);
			cc_diag_note(o->loc, "previous declaration is here");
			return;
		}
	struct cc_module_decl **tail;
	int order = 0;
	m->name = name;
	m->loc = name_loc;
	for (tail = &ps->prog->modules; *tail; tail = &(*tail)->next)
		order++;
	m->order = order;
	*tail = m;
	ps->module = m;
}

/* requires(A, B) or after(A, B) after "module NAME". */
struct cc_module_decl *cc_parse_module_deps(struct cc_module_decl *m, const char *word,
					    struct cc_loc loc, struct cc_name_list *names)
{
	bool req = strcmp(word, "requires") == 0;
	if (!req && strcmp(word, "after") != 0) {
		cc_diag_report(CC_D_SYNTAX, loc,
			       "unexpected identifier '%s', expected 'requires' or 'after'", word);
		return m;
	}
	const char ***v = req ? &m->requires : &m->after;
	struct cc_loc **l = req ? &m->requires_locs : &m->after_locs;
	int *n = req ? &m->nrequires : &m->nafter;
	const char **nv = cc_alloc(sizeof *nv * (size_t)(*n + names->n + 1));
	struct cc_loc *nl = cc_alloc(sizeof *nl * (size_t)(*n + names->n + 1));
	for (int i = 0; i < *n; i++) {
		nv[i] = (*v)[i];
		nl[i] = (*l)[i];
	}
	for (int i = 0; i < names->n; i++) {
		nv[*n + i] = names->v[i];
		nl[*n + i] = names->locs[i];
	}
	*v = nv;
	*l = nl;
	*n += names->n;
	return m;
}

/* fn NAME(PARAMS): TYPE in (KINDS) [marks(...)] calls SYMBOL [doc "..."];
 * a stdlib function, owned by the file's module. */
void cc_parse_fn(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		 struct cc_param_list *params, struct cc_type_ref result,
		 unsigned kinds, unsigned marks, const char *symbol, const char *doc)
{
	struct cc_fn_decl *f, **tail;

	if (cc_parse_decl_dup(ps, loc, name))
		return;
	if (result.ty == CC_TY_ROUTE)
		cc_diag_report(CC_D_BAD_DECL, loc, "a function cannot return a route");
	f = cc_alloc(sizeof *f);
	f->name = name;
	if (params) {
		f->params = params->v;
		f->nparams = params->n;
		for (int i = 0; i < params->n; i++) {
			if (params->v[i].type == CC_TY_VOID)
				cc_diag_report(CC_D_BAD_DECL, params->v[i].loc,
					       "parameter '%s' cannot be void", params->v[i].name);
			for (int j = 0; j < i; j++)
				if (strcmp(params->v[i].name, params->v[j].name) == 0)
					cc_diag_report(CC_D_DUP_NAME, params->v[i].loc,
						       "duplicate parameter '%s'", params->v[i].name);
		}
	}
	f->result = result.ty;
	f->kinds = kinds;
	f->marks = marks;
	f->symbol = symbol;
	f->doc = doc;
	f->loc = loc;
	f->owner = ps->module;
	ps->decl_seen = true;
	for (tail = &ps->prog->fns; *tail; tail = &(*tail)->next)
		;
	*tail = f;
}

/* pv NAME[(ARG)]: TYPE [rw] in (KINDS) calls SYMBOL [doc "..."]; a
 * pseudo-variable, with the name of its argument when it takes one. */
void cc_parse_pv(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		 const char *arg, struct cc_type_ref ty, bool rw,
		 unsigned kinds, const char *symbol, const char *doc)
{
	struct cc_pv_decl *v, **tail;

	if (cc_parse_decl_dup(ps, loc, name))
		return;
	if (ty.ty == CC_TY_VOID || ty.ty == CC_TY_ROUTE)
		cc_diag_report(CC_D_BAD_DECL, loc, "a pseudo-variable cannot have type %s",
			       cc_type_name(ty.ty));
	v = cc_alloc(sizeof *v);
	v->name = name;
	v->arg_name = arg;
	v->type = ty.ty;
	v->writable = rw;
	v->kinds = kinds;
	v->symbol = symbol;
	v->doc = doc;
	v->loc = loc;
	v->owner = ps->module;
	ps->decl_seen = true;
	for (tail = &ps->prog->pvs; *tail; tail = &(*tail)->next)
		;
	*tail = v;
}

struct cc_name_list *cc_parse_pv_one_of(struct cc_parse_ctx *ps, const char *word,
					struct cc_loc loc, struct cc_name_list *names)
{
	(void)ps;
	if (strcmp(word, "one_of") != 0) {
		cc_diag_report(CC_D_BAD_DECL, loc, "expected one_of(...) or 'calls', not '%s'", word);
		return NULL;
	}
	return names;
}

void cc_parse_pv_args(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		      struct cc_name_list *names)
{
	struct cc_pv_decl *v = cc_find_pv(ps->prog, name);
	(void)loc;
	if (!v || !names)
		return;
	v->arg_values = names->v;
	v->n_arg_values = names->n;
}

const char *cc_parse_dotted(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = cc_alloc(la + lb + 2);
	memcpy(s, a, la);
	s[la] = '.';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

/* event NAME(PARAMS) [doc "..."]; an event of the file's module, named
 * MODULE.NAME, whose parameters an event route reads as variables. */
void cc_parse_event(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		    struct cc_param_list *params, const char *doc)
{
	struct cc_event_decl *d, **tail;

	if (!ps->module) {
		cc_diag_report(CC_D_BAD_DECL, loc,
			       "an event belongs to a module: declare 'module NAME;' first");
		return;
	}
	const char *full = cc_parse_dotted(ps->module->name, name);
	if ((d = cc_find_event(ps->prog, full))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "event '%s' is declared twice", full);
		cc_diag_note(d->loc, "previous declaration is here");
		return;
	}
	d = cc_alloc(sizeof *d);
	d->name = full;
	d->doc = doc;
	d->loc = loc;
	d->owner = ps->module;
	if (params) {
		d->params = params->v;
		d->nparams = params->n;
		for (int i = 0; i < params->n; i++) {
			enum cc_type t = params->v[i].type;
			if (!cc_type_is_str(t) && t != CC_TY_INT && t != CC_TY_BOOL)
				cc_diag_report(CC_D_BAD_DECL, params->v[i].loc,
					       "event parameter '%s' cannot have type %s (use str, int or bool)",
					       params->v[i].name, cc_type_name(t));
			for (int j = 0; j < i; j++)
				if (strcmp(params->v[i].name, params->v[j].name) == 0)
					cc_diag_report(CC_D_DUP_NAME, params->v[i].loc,
						       "duplicate parameter '%s'", params->v[i].name);
		}
	}
	ps->decl_seen = true;
	for (tail = &ps->prog->events; *tail; tail = &(*tail)->next)
		;
	*tail = d;
}

/* status NAME [doc "..."]; a status type of the stdlib (struct
 * cc_status_decl): a result that tells what happened, its values the
 * constants declared with it as their type. */
void cc_parse_status(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		     const char *doc)
{
	static const char *const builtin[] = {
		"void", "bool", "int", "str", "method", "route", "uri", "ip", "flag", "bflag",
		"avp", "regex", NULL,
	};
	struct cc_status_decl *d, **tail;

	for (int i = 0; builtin[i]; i++)
		if (strcmp(builtin[i], name) == 0) {
			cc_diag_report(CC_D_DUP_NAME, loc, "'%s' is a built-in type", name);
			return;
		}
	if ((d = cc_find_status(ps->prog, name))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "status type '%s' is declared twice", name);
		cc_diag_note(d->loc, "previous declaration is here");
		return;
	}
	enum cc_type t = cc_status_type_new(name);
	if (t == CC_TY_ERROR) {
		cc_diag_report(CC_D_BAD_DECL, loc, "too many status types");
		return;
	}
	d = cc_alloc(sizeof *d);
	d->name = name;
	d->type = t;
	d->doc = doc;
	d->loc = loc;
	ps->decl_seen = true;
	for (tail = &ps->prog->statuses; *tail; tail = &(*tail)->next)
		;
	*tail = d;
}

/* const NAME: TYPE = VALUE [doc "..."]; the value a literal of the type. */
void cc_parse_const(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
		    struct cc_type_ref ty, struct cc_expr *value, const char *doc)
{
	struct cc_const_decl *c, **tail;
	bool ok;

	if (cc_parse_decl_dup(ps, loc, name))
		return;
	switch (cc_type_is_status(ty.ty) ? CC_TY_STATUS : ty.ty) {
	case CC_TY_INT:
	case CC_TY_METHOD:
	case CC_TY_STATUS:
		ok = value->kind == E_INT;
		break;
	case CC_TY_BOOL:
		ok = value->kind == E_BOOL;
		break;
	case CC_TY_STR:
		ok = value->kind == E_STR;
		break;
	default:
		ok = false;
	}
	if (!ok) {
		cc_diag_report(CC_D_BAD_DECL, value->loc,
			       "value does not match the constant's type %s", cc_type_name(ty.ty));
		return;
	}
	c = cc_alloc(sizeof *c);
	c->name = name;
	c->type = ty.ty;
	if (value->kind == E_STR)
		c->sval = value->u.str.s;
	else
		c->ival = value->u.ival;
	c->doc = doc;
	c->loc = loc;
	for (tail = &ps->prog->consts; *tail; tail = &(*tail)->next)
		;
	*tail = c;
}

struct cc_name_list *cc_parse_name_add(struct cc_name_list *l, const char *name,
				       struct cc_loc loc)
{
	if (!l)
		l = cc_alloc(sizeof *l);
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		const char **v = cc_alloc(sizeof *v * (size_t)cap);
		struct cc_loc *locs = cc_alloc(sizeof *locs * (size_t)cap);
		if (l->n) {
			memcpy(v, l->v, sizeof *v * (size_t)l->n);
			memcpy(locs, l->locs, sizeof *locs * (size_t)l->n);
		}
		l->v = v;
		l->locs = locs;
		l->cap = cap;
	}
	l->v[l->n] = name;
	l->locs[l->n++] = loc;
	return l;
}

/* @allow(LINT, ...) or @gateway: adds to *allow or sets *gateway. */
void cc_parse_annotation(struct cc_parse_ctx *ps, struct cc_loc loc, const char *name,
			 struct cc_name_list *args, unsigned *allow, bool *gateway)
{
	(void)ps;
	if (strcmp(name, "gateway") == 0) {
		if (args)
			cc_diag_report(CC_D_BAD_ANNOTATION, loc, "'@gateway' takes no arguments");
		*gateway = true;
		return;
	}
	if (strcmp(name, "allow") != 0) {
		struct cc_suggest sg;
		cc_suggest_init(&sg, name);
		cc_suggest_add(&sg, "allow");
		cc_suggest_add(&sg, "gateway");
		cc_diag_report(CC_D_BAD_ANNOTATION, loc, "unknown annotation '@%s'%s", name,
			       cc_suggest_text(&sg));
		cc_diag_note((struct cc_loc){0}, "annotations are @allow(CHECK, ...) and @gateway");
		return;
	}
	if (!args) {
		cc_diag_report(CC_D_BAD_ANNOTATION, loc,
			       "'@allow' needs the checks it allows, e.g. @allow(open_relay)");
		return;
	}
	for (int i = 0; i < args->n; i++) {
		unsigned bit = cc_allow_from_name(args->v[i]);
		if (bit) {
			*allow |= bit;
			continue;
		}
		struct cc_suggest sg;
		cc_suggest_init(&sg, args->v[i]);
		for (int k = 0; cc_allow_names[k]; k++)
			cc_suggest_add(&sg, cc_allow_names[k]);
		cc_diag_report(CC_D_BAD_ANNOTATION, args->locs[i], "unknown check '%s' in @allow%s",
			       args->v[i], cc_suggest_text(&sg));
		cc_diag_note((struct cc_loc){0},
			     "@allow takes open_relay, toll_fraud, unauth_register or no_final");
	}
}

/* An annotation as a top-level item: it waits in the parse context for
 * the route or define that follows; consecutive ones are reported at the
 * first. */
void cc_parse_annotate_item(struct cc_parse_ctx *ps, struct cc_loc at, struct cc_loc name_loc,
			    const char *name, struct cc_name_list *args)
{
	struct cc_loc loc = cc_loc_span(at, name_loc);
	struct cc_loc first = loc;

	if (ps->pending_allow || ps->pending_gateway)
		first = ps->pending_loc;
	cc_parse_annotation(ps, loc, name, args, &ps->pending_allow, &ps->pending_gateway);
	ps->pending_loc = first;
	ps->pending_set = true;
}

/* An annotation before a statement: only @allow, which the statement
 * keeps (st is NULL after a syntax error). Returns st. */
struct cc_stmt *cc_parse_annotate_stmt(struct cc_parse_ctx *ps, struct cc_loc at,
				       struct cc_loc name_loc, const char *name,
				       struct cc_name_list *args, struct cc_stmt *st)
{
	unsigned allow = 0;
	bool gateway = false;

	cc_parse_annotation(ps, cc_loc_span(at, name_loc), name, args, &allow, &gateway);
	if (gateway)
		cc_diag_report(CC_D_BAD_ANNOTATION, cc_loc_span(at, name_loc),
			       "'@gateway' goes before a define naming a gateway, not before a statement");
	if (st) {
		st->allow |= allow;
		st->allow_loc = at;
	}
	return st;
}

/* After each top-level item: an annotation must be followed by the route
 * (@allow) or define (@gateway) it is about. */
void cc_parse_pending_check(struct cc_parse_ctx *ps)
{
	if (ps->pending_set || ps->unclosed_reported) {
		ps->pending_set = false;
		return;
	}
	if (ps->pending_allow)
		cc_diag_report(CC_D_BAD_ANNOTATION, ps->pending_loc,
			       "'@allow' must stand before a route or a statement");
	if (ps->pending_gateway)
		cc_diag_report(CC_D_BAD_ANNOTATION, ps->pending_loc,
			       "'@gateway' must stand before a define");
	ps->pending_allow = 0;
	ps->pending_gateway = false;
}

/* marks(auth, relay) in a fn declaration. */
unsigned cc_parse_marks(struct cc_parse_ctx *ps, const char *word, struct cc_loc loc,
			struct cc_name_list *names)
{
	unsigned m = 0;

	(void)ps;
	if (strcmp(word, "marks") != 0) {
		cc_diag_report(CC_D_SYNTAX, loc, "unexpected identifier '%s', expected 'marks' or 'calls'",
			       word);
		return 0;
	}
	for (int i = 0; i < names->n; i++) {
		unsigned bit = cc_mark_from_name(names->v[i]);
		if (!bit)
			cc_diag_report(CC_D_BAD_DECL, names->locs[i], "unknown mark '%s'", names->v[i]);
		m |= bit;
	}
	return m;
}

/* The interval of a timer route: "every N UNIT" (ms, s, m, h), from 10 ms
 * (the timer wheel's tick) to a day. Other kinds take no interval. */
void cc_parse_timer(struct cc_parse_ctx *ps, struct cc_route *r, const char *every,
		    struct cc_loc every_loc, int64_t n, const char *unit,
		    struct cc_loc unit_loc)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	int64_t ms = -1;

	(void)ps;
	if (!r)
		return;
	if (r->kind != CC_RK_TIMER) {
		if (every)
			cc_diag_report(CC_D_BAD_ROUTE_HEAD, every_loc,
				       "only a timer route runs 'every' some time");
		return;
	}
	if (!every) {
		cc_diag_report(CC_D_BAD_ROUTE_HEAD, r->loc, "timer route '%s' needs an interval",
			       r->name);
		cc_diag_note((struct cc_loc){0}, "write 'route timer %s every 10s { ... }'", r->name);
		return;
	}
	if (strcmp(every, "every") != 0) {
		cc_diag_report(CC_D_SYNTAX, every_loc, "unexpected identifier '%s', expected 'every'",
			       every);
		return;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(unit, units[i].unit) == 0)
			ms = n > INT64_MAX / units[i].ms ? INT64_MAX : n * units[i].ms;
	if (ms < 0) {
		cc_diag_report(CC_D_BAD_LITERAL, unit_loc, "unknown time unit '%s' (use ms, s, m or h)",
			       unit);
		return;
	}
	if (ms < 10 || ms > 86400000) {
		cc_diag_report(CC_D_BAD_LITERAL, unit_loc,
			       "timer interval %lld%s is out of range (10ms to 24h)", (long long)n, unit);
		return;
	}
	r->every_ms = ms;
}

/* setting MODULE.KEY: TYPE = DEFAULT [doc "..."]; what a policy may set
 * in "use MODULE { ... }". NULL when refused (reported). */
struct cc_setting_decl *cc_parse_setting(struct cc_parse_ctx *ps, struct cc_loc loc,
					 const char *module, const char *key,
					 struct cc_type_ref ty, struct cc_expr *value,
					 const char *doc)
{
	struct cc_setting_decl *d, **tail;
	enum cc_type vt = value->kind == E_INT ? CC_TY_INT :
			  value->kind == E_BOOL ? CC_TY_BOOL : CC_TY_STR;

	if ((d = cc_find_setting(ps->prog, module, key))) {
		cc_diag_report(CC_D_DUP_NAME, loc, "setting '%s.%s' is already declared", module, key);
		cc_diag_note(d->loc, "previous declaration is here");
		return NULL;
	}
	if (ty.ty != CC_TY_INT && ty.ty != CC_TY_STR && ty.ty != CC_TY_BOOL) {
		cc_diag_report(CC_D_BAD_DECL, loc, "a setting is int, str or bool, not %s",
			       cc_type_name(ty.ty));
		return NULL;
	}
	if (vt != ty.ty) {
		cc_diag_report(CC_D_BAD_DECL, value->loc,
			       "default does not match the setting's type %s", cc_type_name(ty.ty));
		return NULL;
	}
	value->ty = vt;
	d = cc_alloc(sizeof *d);
	d->module = module;
	d->key = key;
	d->type = ty.ty;
	d->dflt = value;
	d->doc = doc;
	d->loc = loc;
	d->owner = ps->module;
	ps->decl_seen = true;
	for (tail = &ps->prog->settings; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	return d;
}

/* The values a str setting may take, declared after its default:
 * one_of("a", "b") (the value is one of them), list_of("a", "b") (a
 * comma-separated list of them, each at most once) or address_of("udp")
 * (an address PROTO:IP:PORT with one of them as PROTO, or ""). Sema checks a policy's
 * value against them, so a setting the runtime would have to refuse at
 * start-up is a compile error instead. d is NULL when the setting was
 * refused. */
void cc_parse_setting_values(struct cc_setting_decl *d, const char *word,
			     struct cc_loc loc, struct cc_arg_list *vals)
{
	if (!d)
		return;         /* the setting itself was refused */
	bool list = strcmp(word, "list_of") == 0;
	bool addr = strcmp(word, "address_of") == 0;

	if (!list && !addr && strcmp(word, "one_of") != 0) {
		cc_diag_report(CC_D_SYNTAX, loc, "unexpected identifier '%s', expected 'one_of',"
			       " 'list_of', 'address_of' or 'doc'", word);
		return;
	}
	if (d->type != CC_TY_STR) {
		cc_diag_report(CC_D_BAD_DECL, loc, "only a str setting takes %s()", word);
		return;
	}
	const char **v = cc_alloc(sizeof *v * (size_t)(vals->n + 1));
	for (int i = 0; i < vals->n; i++) {
		struct cc_expr *e = vals->args[i];
		if (e->kind != E_STR || vals->names[i] || e->u.str.len == 0) {
			cc_diag_report(CC_D_BAD_DECL, e->loc, "%s() takes non-empty string literals",
				       word);
			return;
		}
		v[i] = cc_strndup(e->u.str.s, e->u.str.len);
	}
	d->values = v;
	d->n_values = vals->n;
	d->values_list = list;
	d->values_addr = addr;
	if (!cc_setting_value_ok(d, d->dflt->u.str.s, d->dflt->u.str.len, NULL))
		cc_diag_report(CC_D_BAD_DECL, d->dflt->loc,
			       "the default is not one of the setting's values");
}

struct cc_use_list cc_parse_use_add(struct cc_use_list l, const char *key,
				    struct cc_loc key_loc, struct cc_expr *value)
{
	struct cc_use_item *it = cc_alloc(sizeof *it);

	it->key = key;
	it->key_loc = key_loc;
	it->value = value;
	if (l.last)
		l.last->next = it;
	else
		l.first = it;
	l.last = it;
	return l;
}

/* use MODULE { KEY = VALUE; ... }: checked against the stdlib's settings
 * by sema (the stdlib is loaded after the policy). */
void cc_parse_use(struct cc_parse_ctx *ps, struct cc_loc loc, const char *module,
		  struct cc_use_item *items)
{
	struct cc_use *u = cc_alloc(sizeof *u), **tail;

	u->module = module;
	u->loc = loc;
	u->items = items;
	for (tail = &ps->prog->uses; *tail; tail = &(*tail)->next)
		;
	*tail = u;
}

/* database "URL": the proxy's database unless --db overrides it; sema
 * checks the URL (the YAML front end sets it too). */
void cc_parse_database(struct cc_parse_ctx *ps, struct cc_loc loc, const char *url)
{
	if (ps->prog->database) {
		cc_diag_report(CC_D_DUP_NAME, loc, "the database is already set");
		cc_diag_note(ps->prog->database_loc, "previous 'database' is here");
		return;
	}
	ps->prog->database = url;
	ps->prog->database_loc = loc;
}
