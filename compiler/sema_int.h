/* Shared state of the semantic passes (sema.c, sema_expr.c, sema_flow.c). */
#ifndef SIPCC_COMPILER_SEMA_INT_H
#define SIPCC_COMPILER_SEMA_INT_H

#include "ast.h"
#include "diag.h"

/* One route(name) call: from the route being checked to a named route. */
struct cc_sema_edge {
	struct cc_stmt *call;
	struct cc_route *to;
	struct cc_sema_edge *next;
};

struct cc_sema {
	struct cc_program *p;
	const char *file;                 /* the policy */
	int nroutes;
	struct cc_route **routes;         /* by cc_route.index */
	struct cc_sema_edge **edges;      /* outgoing route() calls, by index */
	bool *referenced;                 /* called or passed as an argument */
	struct cc_route *cur;             /* route whose body is being checked */
};

/* The closest candidate to a misspelled name. */
struct cc_suggest {
	const char *name;
	const char *best;
	int dist;
};

void cc_suggest_init(struct cc_suggest *sg, const char *name);
void cc_suggest_add(struct cc_suggest *sg, const char *candidate);
/* "; did you mean 'x'?" or "" */
const char *cc_suggest_text(const struct cc_suggest *sg);

/* "the request route", "failure route 'busy'", "route 'in_dialog'" */
const char *cc_sema_route_desc(const struct cc_route *r);
/* "the request route", "a failure route", "a named route" */
const char *cc_sema_route_kind_desc(const struct cc_route *r);

/* sema_flow.c */
void cc_sema_flow_graph(struct cc_sema *s);
void cc_sema_flow_recursion(struct cc_sema *s);
void cc_sema_flow_reach(struct cc_sema *s);
void cc_sema_flow_notes(struct cc_sema *s, const struct cc_route *target,
			unsigned bad_kinds);
const struct cc_stmt *cc_sema_terminator(const struct cc_stmt *st);

/* sema_expr.c */
enum cc_type cc_sema_expr(struct cc_sema *s, struct cc_expr *e, bool want_value);
void cc_sema_stmt(struct cc_sema *s, struct cc_stmt *st);

#endif
