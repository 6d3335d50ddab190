#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sema.h"
#include "sema_int.h"

/* Optimal string alignment distance (edits, with adjacent transpositions
 * counting as one). A change of case only costs nothing, so "$RU" finds
 * "$ru". */
static int cc_suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int *d = calloc((la + 1) * (lb + 1), sizeof *d);
	int r;

	if (!d)
		return 1 << 20;
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = (int)i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) !=
				   tolower((unsigned char)b[j - 1]);
			int v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < v)
				v = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

void cc_suggest_init(struct cc_suggest *sg, const char *name)
{
	sg->name = name;
	sg->best = NULL;
	sg->dist = 0;
}

/* Keep the candidate when it is close enough: at most a third of the
 * name's length in edits (at least one), and never the whole name. */
void cc_suggest_add(struct cc_suggest *sg, const char *candidate)
{
	int len = (int)strlen(sg->name);
	int limit = len / 3 > 1 ? len / 3 : 1;
	int d;

	if (strcmp(candidate, sg->name) == 0)
		return;
	d = cc_suggest_distance(sg->name, candidate);
	if (d > limit || d >= len)
		return;
	if (!sg->best || d < sg->dist) {
		sg->best = candidate;
		sg->dist = d;
	}
}

const char *cc_suggest_text(const struct cc_suggest *sg)
{
	size_t n;
	char *buf;

	if (!sg->best)
		return "";
	n = strlen(sg->best) + 32;
	buf = cc_alloc(n);
	snprintf(buf, n, "; did you mean '%s'?", sg->best);
	return buf;
}

const char *cc_sema_route_kind_desc(const struct cc_route *r)
{
	const char *kind = cc_route_kind_name(r->kind);
	char *buf = cc_alloc(32);

	if (r->kind == CC_RK_REQUEST)
		return "the request route";
	snprintf(buf, 32, "a %s route", kind);
	return buf;
}

const char *cc_sema_route_desc(const struct cc_route *r)
{
	const char *kind = cc_route_kind_name(r->kind);
	size_t n = strlen(r->name) + 48;
	char *buf = cc_alloc(n);

	if (r->kind == CC_RK_NAMED)
		snprintf(buf, n, "route '%s'", r->name);
	else if (strcmp(r->name, kind) == 0)
		snprintf(buf, n, "the %s route", kind);
	else
		snprintf(buf, n, "%s route '%s'", kind, r->name);
	return buf;
}

static enum cc_type cc_sema_literal_type(const struct cc_expr *e)
{
	switch (e->kind) {
	case E_INT: return CC_TY_INT;
	case E_STR: return CC_TY_STR;
	case E_BOOL: return CC_TY_BOOL;
	default: return CC_TY_ERROR;
	}
}

static bool cc_sema_is_ident(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool cc_sema_is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Build the literal for a -D value, read as the type the policy's default
 * has when there is one. Returns NULL when the text cannot be read so. */
static struct cc_expr *cc_sema_define_value(const char *text, const struct cc_define *def)
{
	enum cc_type want = def ? cc_sema_literal_type(def->value) : CC_TY_ERROR;
	struct cc_loc loc = def ? def->value->loc : (struct cc_loc){ .file = "<command line>" };
	bool is_bool = strcmp(text, "true") == 0 || strcmp(text, "false") == 0;
	bool is_int = cc_sema_is_int(text) && (text[0] != '-' || want == CC_TY_INT);
	struct cc_expr *e;

	if (want == CC_TY_ERROR)
		want = is_int ? CC_TY_INT : is_bool ? CC_TY_BOOL : CC_TY_STR;
	switch (want) {
	case CC_TY_INT:
		if (!is_int)
			return NULL;
		e = cc_expr_new(E_INT, loc);
		e->u.ival = strtoll(text, NULL, 10);
		break;
	case CC_TY_BOOL:
		if (!is_bool)
			return NULL;
		e = cc_expr_new(E_BOOL, loc);
		e->u.ival = text[0] == 't';
		break;
	default:
		e = cc_expr_new(E_STR, loc);
		e->u.str.s = cc_strdup(text);
		e->u.str.len = strlen(text);
		break;
	}
	e->ty = want;
	return e;
}

bool cc_sema_define(struct cc_program *p, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *name = eq ? cc_strndup(arg, (size_t)(eq - arg)) : arg;
	const char *text = eq ? eq + 1 : "true";
	struct cc_define *d = cc_find_define(p, name);
	struct cc_expr *v;

	if (!cc_sema_is_ident(name)) {
		cc_diag_fatal("invalid -D argument '%s': expected NAME=value or NAME", arg);
		return false;
	}
	if (d && d->loc.line > 0) {
		v = cc_sema_define_value(text, d);
		if (!v) {
			cc_diag_report(CC_D_BAD_DEFINE, (struct cc_loc){0},
				       "-D %s: '%s' is not a valid %s value",
				       name, text, cc_type_name(cc_sema_literal_type(d->value)));
			cc_diag_note(d->loc, "the policy's default for '%s' has type %s",
				     name, cc_type_name(cc_sema_literal_type(d->value)));
			return false;
		}
		d->value = v;
		d->from_cmdline = true;
		return true;
	}
	v = cc_sema_define_value(text, NULL);
	if (d) {
		d->value = v;
		return true;
	}
	d = cc_alloc(sizeof *d);
	d->name = cc_strdup(name);
	d->value = v;
	d->from_cmdline = true;
	d->loc = (struct cc_loc){ .file = "<command line>" };
	struct cc_define **tail;
	for (tail = &p->defines; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	return true;
}

/* The event an event route handles: one a module declares ("event NAME"
 * in its .sipi), named MODULE.NAME. */
static void cc_sema_event_route(struct cc_sema *s, struct cc_route *r)
{
	if ((r->event = cc_find_event(s->p, r->name)))
		return;
	struct cc_suggest sg;
	cc_suggest_init(&sg, r->name);
	for (const struct cc_event_decl *d = s->p->events; d; d = d->next)
		cc_suggest_add(&sg, d->name);
	cc_diag_report(CC_D_UNKNOWN_EVENT, r->loc, "unknown event '%s'%s", r->name,
		       cc_suggest_text(&sg));
	if (!sg.best && s->p->events)
		cc_diag_note((struct cc_loc){0}, "sipcc-policy(5) lists the events (STDLIB REFERENCE, Events)");
}

/* Duplicate routes and defines, defines that clash with the stdlib, the
 * request route every policy needs. */
static void cc_sema_decls(struct cc_sema *s, bool partial)
{
	struct cc_program *p = s->p;
	bool have_request = false;

	for (struct cc_route *r = p->routes; r; r = r->next) {
		if (r->kind == CC_RK_EVENT) {
			cc_sema_event_route(s, r);
			continue;   /* several routes may handle one event */
		}
		struct cc_route *first = cc_find_route(p, r->name);
		if (first != r) {
			if (r->kind == first->kind && r->kind != CC_RK_NAMED &&
			    strcmp(r->name, cc_route_kind_name(r->kind)) == 0)
				cc_diag_report(CC_D_DUP_ROUTE, r->loc,
					       "%s is defined twice", cc_sema_route_desc(r));
			else
				cc_diag_report(CC_D_DUP_ROUTE, r->loc,
					       "redefinition of route '%s'", r->name);
			cc_diag_note(first->loc, "previous definition is here");
		}
		if (r->kind == CC_RK_REQUEST)
			have_request = true;
	}
	for (struct cc_define *d = p->defines; d; d = d->next) {
		struct cc_define *first = cc_find_define(p, d->name);
		if (first != d) {
			cc_diag_report(CC_D_DUP_NAME, d->loc, "redefinition of define '%s'", d->name);
			cc_diag_note(first->loc, "previous definition is here");
		}
		const char *what = cc_find_const(p, d->name) ? "constant" :
				   cc_find_flag(p, d->name) ? "flag" :
				   cc_find_pv(p, d->name) ? "pseudo-variable" :
				   cc_find_fn(p, d->name) ? "function" : NULL;
		if (what) {
			cc_diag_report(CC_D_DUP_NAME, d->loc,
				       "define '%s' clashes with the stdlib %s of that name",
				       d->name, what);
			d->used = true;
		}
		d->value->ty = cc_sema_literal_type(d->value);
	}
	if (!have_request && !partial) {
		cc_diag_report(CC_D_NO_REQUEST_ROUTE, (struct cc_loc){ .file = s->file },
			       "the policy has no 'route request { ... }'");
		cc_diag_note((struct cc_loc){0},
			     "every policy needs a request route: it runs for each incoming request");
	}
}

/* Warnings about what the policy defines or is given but never uses. */
static void cc_sema_unused(struct cc_sema *s)
{
	for (struct cc_define *d = s->p->defines; d; d = d->next) {
		if (d->used || cc_find_define(s->p, d->name) != d)
			continue;
		if (d->from_cmdline)
			cc_diag_report(CC_D_UNUSED_CMD_DEFINE, (struct cc_loc){ .file = "<command line>" },
				       "-D %s is given but the policy never uses '%s'",
				       d->name, d->name);
		else
			cc_diag_report(CC_D_UNUSED_DEFINE, d->loc,
				       "define '%s' is never used", d->name);
	}
	for (int i = 0; i < s->nroutes; i++) {
		struct cc_route *r = s->routes[i];
		bool entry = r->kind == CC_RK_REQUEST || r->kind == CC_RK_LOCAL ||
			     r->kind == CC_RK_ERROR || r->kind == CC_RK_STARTUP ||
			     r->kind == CC_RK_TIMER || r->kind == CC_RK_EVENT ||
			     (r->kind == CC_RK_REPLY && strcmp(r->name, "reply") == 0);
		if (entry || s->referenced[i] || cc_find_route(s->p, r->name) != r)
			continue;
		cc_diag_report(CC_D_UNUSED_ROUTE, r->loc, "%s is never used",
			       cc_sema_route_desc(r));
	}
	for (struct cc_flag_decl *f = s->p->flags; f; f = f->next)
		if (!f->used)
			cc_diag_report(CC_D_UNUSED_DECL, f->loc, "%s '%s' is never used",
				       f->branch ? "branch flag" : "flag", f->name);
	for (struct cc_avp_decl *a = s->p->avps; a; a = a->next)
		if (!a->used)
			cc_diag_report(CC_D_UNUSED_DECL, a->loc, "AVP '%s' is never used", a->name);
	for (struct cc_avp_decl *a = s->p->dlgvars; a; a = a->next)
		if (!a->used)
			cc_diag_report(CC_D_UNUSED_DECL, a->loc, "dialog variable '%s' is never used",
				       a->name);
	for (struct cc_profile_decl *d = s->p->profiles; d; d = d->next)
		if (!d->used)
			cc_diag_report(CC_D_UNUSED_DECL, d->loc, "dialog profile '%s' is never used",
				       d->name);
}

static bool cc_sema_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* A str value outside the values its declaration lists: name the item
 * that is wrong, what it may be, and the closest value. */
static void cc_sema_bad_setting_value(const struct cc_setting_decl *d, const struct cc_expr *v,
				      const char *bad)
{
	struct cc_suggest sg;
	size_t n = 0;
	bool known = false;

	for (int i = 0; i < d->n_values; i++) {
		n += strlen(d->values[i]) + 4;
		known |= strcasecmp(d->values[i], bad) == 0;
	}
	char *list = cc_alloc(n + 1), *p = list;
	for (int i = 0; i < d->n_values; i++)
		p += sprintf(p, "%s\"%s\"", i ? ", " : "", d->values[i]);
	cc_suggest_init(&sg, bad);
	for (int i = 0; i < d->n_values && *bad; i++)
		cc_suggest_add(&sg, d->values[i]);
	if (d->values_addr)
		cc_diag_report(CC_D_BAD_SETTING, v->loc,
			       "setting '%s.%s' is an address PROTO:IP:PORT (PROTO %s; IP numeric,"
			       " IPv6 in brackets) or \"\", not \"%s\"",
			       d->module, d->key, list, bad);
	else if (!d->values_list)
		cc_diag_report(CC_D_BAD_SETTING, v->loc, "setting '%s.%s' is one of %s, not \"%s\"%s",
			       d->module, d->key, list, bad, cc_suggest_text(&sg));
	else if (!*bad && cc_sema_blank(v->u.str.s, v->u.str.len))
		cc_diag_report(CC_D_BAD_SETTING, v->loc,
			       "setting '%s.%s' must name at least one of %s", d->module, d->key, list);
	else if (!*bad)
		cc_diag_report(CC_D_BAD_SETTING, v->loc,
			       "setting '%s.%s' is a comma-separated list of %s; an item is empty",
			       d->module, d->key, list);
	else if (known)
		cc_diag_report(CC_D_BAD_SETTING, v->loc, "setting '%s.%s' lists \"%s\" twice",
			       d->module, d->key, bad);
	else
		cc_diag_report(CC_D_BAD_SETTING, v->loc,
			       "setting '%s.%s' is a comma-separated list of %s, not \"%s\"%s",
			       d->module, d->key, list, bad, cc_suggest_text(&sg));
	cc_diag_note(d->loc, "declared here");
}

/* use MODULE { KEY = VALUE; }: the module and its keys are declared by
 * "setting MODULE.KEY: TYPE = DEFAULT" in the stdlib; a value has the
 * declared type; a key is set once. */
static void cc_sema_uses(struct cc_sema *s)
{
	struct cc_program *p = s->p;

	for (struct cc_use *u = p->uses; u; u = u->next) {
		bool known = false;
		for (struct cc_setting_decl *d = p->settings; d; d = d->next)
			known |= strcmp(d->module, u->module) == 0;
		for (struct cc_module_decl *m = p->modules; m; m = m->next)
			known |= strcmp(m->name, u->module) == 0;
		if (!known) {
			struct cc_suggest sg;
			cc_suggest_init(&sg, u->module);
			for (struct cc_setting_decl *d = p->settings; d; d = d->next)
				cc_suggest_add(&sg, d->module);
			cc_diag_report(CC_D_UNKNOWN_SETTING, u->loc, "unknown module '%s'%s",
				       u->module, cc_suggest_text(&sg));
			continue;
		}
		for (struct cc_use_item *it = u->items; it; it = it->next) {
			struct cc_setting_decl *d = cc_find_setting(p, u->module, it->key);
			if (!d) {
				struct cc_suggest sg;
				cc_suggest_init(&sg, it->key);
				for (struct cc_setting_decl *o = p->settings; o; o = o->next)
					if (strcmp(o->module, u->module) == 0)
						cc_suggest_add(&sg, o->key);
				cc_diag_report(CC_D_UNKNOWN_SETTING, it->key_loc,
					       "module '%s' has no setting '%s'%s", u->module, it->key,
					       cc_suggest_text(&sg));
				continue;
			}
			/* A define's value (-D NAME=... on the command line wins):
			 * one policy, built once per proxy of a cluster. */
			if (it->value->kind == E_IDENT) {
				struct cc_define *df = cc_find_define(p, it->value->u.ident.name);
				if (!df) {
					cc_diag_report(CC_D_UNKNOWN_NAME, it->value->loc,
						       "unknown define '%s' (a setting takes a literal or "
						       "a define)", it->value->u.ident.name);
					continue;
				}
				df->used = true;
				struct cc_loc at = it->value->loc;
				struct cc_expr *v = cc_alloc(sizeof *v);
				*v = *df->value;
				v->loc = at;
				it->value = v;
			}
			enum cc_type vt = cc_sema_literal_type(it->value);
			it->value->ty = vt;
			if (vt != d->type) {
				cc_diag_report(CC_D_BAD_SETTING, it->value->loc,
					       "setting '%s.%s' takes %s, not %s", d->module, d->key,
					       cc_type_name(d->type), cc_type_name(vt));
				cc_diag_note(d->loc, "declared here");
				continue;
			}
			const char *bad = NULL;
			if (vt == CC_TY_STR && !cc_setting_value_ok(d, it->value->u.str.s,
								    it->value->u.str.len, &bad)) {
				cc_sema_bad_setting_value(d, it->value, bad);
				continue;
			}
			for (struct cc_use *u2 = p->uses; u2 && !it->decl; u2 = u2->next)
				for (struct cc_use_item *o = u2->items; o; o = o->next)
					if (o->decl == d) {
						cc_diag_report(CC_D_DUP_NAME, it->key_loc,
							       "setting '%s.%s' is set twice", d->module, d->key);
						cc_diag_note(o->key_loc, "first set here");
						break;
					}
			it->decl = d;
		}
	}
}

/* A module is used when the policy calls one of its functions, reads one
 * of its pseudo-variables, sets one of its settings or names it in "use";
 * and so is every module a used one requires. */
static void cc_sema_module_use(struct cc_expr *e, void *arg)
{
	(void)arg;
	struct cc_module_decl *m = NULL;
	if (e->kind == E_CALL && e->u.call.fn)
		m = e->u.call.fn->owner;
	else if (e->kind == E_PV && e->u.pv.decl)
		m = e->u.pv.decl->owner;
	if (m)
		m->used = true;
}

/* Assignments to a module's pseudo-variables. */
static void cc_sema_module_assigns(const struct cc_stmt *st)
{
	for (; st; st = st->next) {
		switch (st->kind) {
		case S_ASSIGN:
			if (st->u.assign.pv && st->u.assign.pv->owner)
				st->u.assign.pv->owner->used = true;
			break;
		case S_BLOCK: cc_sema_module_assigns(st->u.block.first); break;
		case S_IF:
			cc_sema_module_assigns(st->u.if_.then);
			cc_sema_module_assigns(st->u.if_.els);
			break;
		case S_WHILE: cc_sema_module_assigns(st->u.while_.body); break;
		case S_SWITCH:
			for (const struct cc_case *c = st->u.switch_.cases; c; c = c->next)
				cc_sema_module_assigns(c->first);
			break;
		default: break;
		}
	}
}

static void cc_sema_modules(struct cc_sema *s)
{
	struct cc_program *p = s->p;
	for (int i = 0; i < s->nroutes; i++)
		if (s->routes[i]->body)
			cc_sema_walk_exprs(s->routes[i]->body->u.block.first, cc_sema_module_use, NULL);
	for (int i = 0; i < s->nroutes; i++)
		if (s->routes[i]->body)
			cc_sema_module_assigns(s->routes[i]->body->u.block.first);
	/* Handling a module's event starts the module, which raises it. */
	for (int i = 0; i < s->nroutes; i++)
		if (s->routes[i]->event && s->routes[i]->event->owner)
			s->routes[i]->event->owner->used = true;
	for (struct cc_use *u = p->uses; u; u = u->next) {
		for (struct cc_module_decl *m = p->modules; m; m = m->next)
			if (strcmp(m->name, u->module) == 0)
				m->used = true;
		for (struct cc_use_item *it = u->items; it; it = it->next)
			if (it->decl && it->decl->owner)
				it->decl->owner->used = true;
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (struct cc_module_decl *m = p->modules; m; m = m->next)
			for (int i = 0; m->used && i < m->nrequires; i++)
				if (m->req && m->req[i] && !m->req[i]->used)
					changed = m->req[i]->used = true;
	}
}

/* The scheme of the database URL names an adapter the runtime has (the
 * list of runtime/db/db.c). A Redis URL is refused by name: Redis keeps
 * only the state proxies share (cluster.store), the proxy would not start. */
static void cc_sema_database(struct cc_sema *s)
{
	static const char *const schemes[] = {
		"sqlite:", "postgresql://", "postgres://", "mysql://", "mariadb://", NULL,
	};
	static const char *const use =
		"use sqlite:FILE, postgresql://USER@HOST/DB or mysql://USER@HOST/DB";
	const char *url = s->p->database;

	if (!url)
		return;
	for (int i = 0; schemes[i]; i++)
		if (strncmp(url, schemes[i], strlen(schemes[i])) == 0 && url[strlen(schemes[i])])
			return;
	if (strncasecmp(url, "redis:", 6) == 0 || strncasecmp(url, "rediss:", 7) == 0) {
		cc_diag_report(CC_D_UNSUPPORTED_DB, s->p->database_loc,
			       "Redis is not supported as the proxy's database");
		cc_diag_note((struct cc_loc){0}, "%s", use);
		cc_diag_note((struct cc_loc){0},
			     "Redis keeps the state several proxies share: set it as the setting "
			     "cluster.store (\"%s\")", url);
		return;
	}
	cc_diag_report(CC_D_BAD_LITERAL, s->p->database_loc, "invalid database URL \"%s\"", url);
	cc_diag_note((struct cc_loc){0}, "%s", use);
}

bool cc_sema_check(struct cc_program *p, const char *file, bool partial)
{
	struct cc_sema s = { .p = p, .file = file };
	int errors = cc_diag_errors();

	if (p->unclosed_block)
		return false;
	cc_diag_begin_checks();

	s.nroutes = p->nroutes;
	s.routes = cc_alloc(sizeof *s.routes * (size_t)(p->nroutes + 1));
	s.edges = cc_alloc(sizeof *s.edges * (size_t)(p->nroutes + 1));
	s.referenced = cc_alloc(sizeof *s.referenced * (size_t)(p->nroutes + 1));
	for (struct cc_route *r = p->routes; r; r = r->next)
		s.routes[r->index] = r;

	cc_sema_decls(&s, partial);
	cc_sema_flow_graph(&s);
	cc_sema_flow_recursion(&s);
	cc_sema_flow_reach(&s);
	cc_sema_flow_always_exits(&s);
	for (int i = 0; i < s.nroutes; i++) {
		s.cur = s.routes[i];
		cc_sema_route_body(&s);
	}
	s.cur = NULL;
	cc_sema_async(&s);
	cc_sema_uses(&s);
	cc_sema_modules(&s);
	cc_sema_database(&s);
	if (!partial)
		cc_sema_unused(&s);
	if (!partial && cc_diag_errors() == errors)
		cc_sema_lint(&s);
	return cc_diag_errors() == errors;
}
