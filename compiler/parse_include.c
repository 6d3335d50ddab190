/* Parsing a file and the files it includes. cc_parse_buffer runs the
 * grammar over one buffer with the file on the program's include stack.
 * An include item only notes the file (cc_parse_include_note); the driver
 * of the parse (cc_lex_parse) resolves the noted includes as soon as the
 * grammar yields after the item, before the next token, so the included
 * file is parsed by a parser of its own into the same program right where
 * the include stands (its declarations come in source order), and the
 * stack finds a file that includes itself. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "diag.h"
#include "parse_int.h"

/* include "FILE": parse FILE (relative to the including file) into the
 * same program. Diagnostics in it name it; a cycle is an error at the
 * include that closes it. */
static void cc_parse_include(struct cc_parse_ctx *ps, struct cc_loc loc, const char *path)
{
	struct cc_program *p = ps->prog;
	char *full;

	if (path[0] == '/' || !strchr(ps->file, '/')) {
		full = cc_strdup(path);
	} else {
		const char *slash = strrchr(ps->file, '/');
		size_t dl = (size_t)(slash - ps->file) + 1;
		full = cc_alloc(dl + strlen(path) + 1);
		memcpy(full, ps->file, dl);
		strcpy(full + dl, path);
	}
	for (int i = 0; i < p->ninclude; i++) {
		if (strcmp(p->include_stack[i], full) != 0)
			continue;
		cc_diag_report(CC_D_INCLUDE, loc, "'%s' includes itself%s", full,
			       i == p->ninclude - 1 ? "" : " through other files");
		for (int j = i + 1; j < p->ninclude; j++)
			cc_diag_note((struct cc_loc){0}, "'%s' is included by '%s'",
				     p->include_stack[j], p->include_stack[j - 1]);
		return;
	}
	if (p->ninclude >= 32) {
		cc_diag_report(CC_D_INCLUDE, loc, "includes are nested too deeply (at most 32)");
		return;
	}
	FILE *f = fopen(full, "r");
	if (!f) {
		cc_diag_report(CC_D_INCLUDE, loc, "cannot read '%s': %s", full, strerror(errno));
		return;
	}
	fclose(f);
	struct cc_include *inc = cc_alloc(sizeof *inc), **tail;
	inc->path = path;
	inc->loc = loc;
	for (tail = &p->includes; *tail; tail = &(*tail)->next)
		;
	*tail = inc;
	cc_parse_file(p, full, CC_SRC_POLICY);
}

/* The grammar's action for include "FILE": note it, nothing more. */
void cc_parse_include_note(struct cc_parse_ctx *ps, struct cc_loc loc, const char *path)
{
	struct cc_include *inc = cc_alloc(sizeof *inc);

	inc->path = path;
	inc->loc = loc;
	if (!ps->pending_tail)
		ps->pending_tail = &ps->pending_includes;
	*ps->pending_tail = inc;
	ps->pending_tail = &inc->next;
}

/* Parse the files noted since the last call, in the order they were
 * noted. Called by the driver, outside the grammar. */
void cc_parse_include_resolve(struct cc_parse_ctx *ps)
{
	while (ps->pending_includes) {
		struct cc_include *inc = ps->pending_includes;
		ps->pending_includes = inc->next;
		if (!ps->pending_includes)
			ps->pending_tail = &ps->pending_includes;
		cc_parse_include(ps, inc->loc, inc->path);
	}
}

/* Room for one more entry in the include stack (arena; never shrinks). */
static const char **cc_grow_stack(const char **v, int n)
{
	if (n % 8)
		return v;
	const char **nv = cc_alloc(sizeof *nv * (size_t)(n + 8));
	if (n)
		memcpy(nv, v, sizeof *nv * (size_t)n);
	return nv;
}

enum cc_parse_result cc_parse_buffer(struct cc_program *p, const char *file,
				     const char *text, size_t len,
				     enum cc_src_mode mode)
{
	struct cc_parse_ctx ps = {
		.prog = p, .file = file, .mode = mode, .line = 1, .col = 1,
	};
	int errors = cc_diag_errors();

	cc_diag_source_add(file, text, len);
	p->include_stack = cc_grow_stack(p->include_stack, p->ninclude);
	p->include_stack[p->ninclude++] = file;
	int rc = cc_lex_parse(&ps, text, len);
	p->ninclude--;
	ps.pending_set = false;
	cc_parse_pending_check(&ps);
	if (ps.unclosed_reported)
		p->unclosed_block = true;
	if (rc != 0 && ps.syntax_errors == 0) {
		cc_diag_report(CC_D_SYNTAX, (struct cc_loc){ .file = file },
			       "cannot parse this file");
		return CC_PARSE_ERRORS;
	}
	return cc_diag_errors() == errors ? CC_PARSE_OK : CC_PARSE_ERRORS;
}
