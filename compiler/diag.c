#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"

struct cc_diag_info {
	const char *id;
	enum cc_diag_severity sev;
	const char *name;
};

static const struct cc_diag_info cc_diag_table[CC_D__COUNT] = {
#define CC_DIAG_INFO(name, id, sev, text) { id, sev, text },
	CC_DIAG_MAP(CC_DIAG_INFO)
#undef CC_DIAG_INFO
};

struct cc_diag_source {
	const char *file;
	const char *text;
	size_t len;
	int order;
	struct cc_diag_source *next;
};

/* One printed diagnostic with its notes, kept until cc_diag_flush() so
 * the output follows the source order whatever the pass that found it. */
struct cc_diag_rec {
	int phase;               /* 0: found while reading the files, 1: by the checks */
	int file_order, line, col, seq;
	char *text;
	size_t len;
};

/* One diagnostics context per compiler run. */
static struct {
	struct cc_diag_source *sources;
	int nsources;
	struct cc_diag_rec *recs;
	int nrecs, caprecs;
	FILE *out;               /* the record being written */
	int errors;
	int warnings;
	bool werror;
	bool json;               /* --format=json */
	int json_notes;          /* notes written to the open JSON record */
	int checking;            /* 1 once the checks began (cc_diag_begin_checks) */
	bool syntax_seen;        /* a syntax error was reported */
} cc_diag_state;

void cc_diag_begin_checks(void)
{
	cc_diag_state.checking = 1;
}

void cc_diag_set_json(bool on)
{
	cc_diag_state.json = on;
}

/* A JSON string literal. */
static void cc_diag_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* "file", "line", "col" and "len" of loc (null when unknown). */
static void cc_diag_json_loc(FILE *out, struct cc_loc loc)
{
	fputs("\"file\":", out);
	if (loc.file)
		cc_diag_json_str(out, loc.file);
	else
		fputs("null", out);
	if (loc.file && loc.line > 0)
		fprintf(out, ",\"line\":%d,\"col\":%d,\"len\":%d", loc.line, loc.col,
			loc.len > 0 ? loc.len : 1);
	else
		fputs(",\"line\":null,\"col\":null,\"len\":null", out);
}

static char *cc_diag_vformat(const char *fmt, va_list ap)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	vfprintf(m, fmt, ap);
	fclose(m);
	return buf;
}

void cc_diag_source_add(const char *file, const char *text, size_t len)
{
	struct cc_diag_source *s = cc_alloc(sizeof *s);

	s->file = file;
	s->text = text;
	s->len = len;
	s->order = cc_diag_state.nsources++;
	s->next = cc_diag_state.sources;
	cc_diag_state.sources = s;
}

void cc_diag_set_werror(bool on)
{
	cc_diag_state.werror = on;
}

int cc_diag_errors(void)
{
	return cc_diag_state.errors;
}

int cc_diag_warnings(void)
{
	return cc_diag_state.warnings;
}

struct cc_loc cc_loc_span(struct cc_loc a, struct cc_loc b)
{
	if (a.file == b.file && a.line == b.line && b.col >= a.col)
		a.len = b.col + b.len - a.col;
	return a;
}

static const struct cc_diag_source *cc_diag_source_find(const char *file)
{
	for (const struct cc_diag_source *s = cc_diag_state.sources; s; s = s->next)
		if (s->file == file || strcmp(s->file, file) == 0)
			return s;
	return NULL;
}

/* Quote the source line of loc with a caret and a ~~~ span under it.
 * Tabs before the caret are reproduced so the caret lines up. */
static void cc_diag_quote(FILE *out, struct cc_loc loc)
{
	const struct cc_diag_source *src;
	const char *p, *end, *eol;
	int line = 1;

	if (!loc.file || loc.line <= 0 || loc.col <= 0)
		return;
	src = cc_diag_source_find(loc.file);
	if (!src)
		return;
	p = src->text;
	end = src->text + src->len;
	while (line < loc.line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return;
		p = nl + 1;
		line++;
	}
	if (line != loc.line)
		return;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	if (eol > p && eol[-1] == '\r')
		eol--;
	fprintf(out, "%.*s\n", (int)(eol - p), p);

	int width = (int)(eol - p);
	int col = loc.col - 1;
	if (col > width)
		col = width;
	for (int i = 0; i < col; i++)
		fputc(p[i] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	int len = loc.len;
	if (col + len > width)
		len = width - col;
	for (int i = 1; i < len; i++)
		fputc('~', out);
	fputc('\n', out);
}

static void cc_diag_prefix(FILE *out, struct cc_loc loc)
{
	if (!loc.file)
		fputs("sipcc: ", out);
	else if (loc.line <= 0)
		fprintf(out, "%s: ", loc.file);
	else
		fprintf(out, "%s:%d:%d: ", loc.file, loc.line, loc.col);
}

/* Finish the record being written, if any. */
static void cc_diag_close(void)
{
	if (cc_diag_state.out && cc_diag_state.json)
		fputs("]}\n", cc_diag_state.out);
	if (cc_diag_state.out) {
		fclose(cc_diag_state.out);
		cc_diag_state.out = NULL;
	}
}

/* Start a record for a diagnostic at loc and return its stream. Falls
 * back to stderr when no memory stream can be made. */
static FILE *cc_diag_open(struct cc_loc loc)
{
	struct cc_diag_rec *r;
	const struct cc_diag_source *src = loc.file ? cc_diag_source_find(loc.file) : NULL;

	cc_diag_close();
	if (cc_diag_state.nrecs == cc_diag_state.caprecs) {
		int cap = cc_diag_state.caprecs ? cc_diag_state.caprecs * 2 : 32;
		struct cc_diag_rec *n = realloc(cc_diag_state.recs, sizeof *n * (size_t)cap);
		if (!n)
			return stderr;
		cc_diag_state.recs = n;
		cc_diag_state.caprecs = cap;
	}
	r = &cc_diag_state.recs[cc_diag_state.nrecs];
	r->phase = cc_diag_state.checking;
	r->file_order = src ? src->order : INT_MAX;
	r->line = loc.line > 0 ? loc.line : INT_MAX;
	r->col = loc.col;
	r->seq = cc_diag_state.nrecs;
	r->text = NULL;
	r->len = 0;
	cc_diag_state.out = open_memstream(&r->text, &r->len);
	if (!cc_diag_state.out)
		return stderr;
	cc_diag_state.nrecs++;
	return cc_diag_state.out;
}

static int cc_diag_rec_cmp(const void *a, const void *b)
{
	const struct cc_diag_rec *x = a, *y = b;

	if (cc_diag_state.syntax_seen && x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	if (x->file_order != y->file_order)
		return x->file_order < y->file_order ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void cc_diag_flush(void)
{
	cc_diag_close();
	if (cc_diag_state.nrecs == 0) {
		fflush(stderr);
		return;
	}
	qsort(cc_diag_state.recs, (size_t)cc_diag_state.nrecs, sizeof *cc_diag_state.recs,
	      cc_diag_rec_cmp);
	for (int i = 0; i < cc_diag_state.nrecs; i++) {
		fwrite(cc_diag_state.recs[i].text, 1, cc_diag_state.recs[i].len, stderr);
		free(cc_diag_state.recs[i].text);
	}
	cc_diag_state.nrecs = 0;
	fflush(stderr);
}

/* Print one diagnostic; a warning under -Werror becomes an error. */
void cc_diag_report(enum cc_diag_id id, struct cc_loc loc, const char *fmt, ...)
{
	const struct cc_diag_info *info = &cc_diag_table[id];
	bool error = info->sev == CC_SEV_ERROR || cc_diag_state.werror;
	FILE *out = cc_diag_open(loc);
	va_list ap;

	if (id == CC_D_SYNTAX)
		cc_diag_state.syntax_seen = true;

	if (cc_diag_state.json) {
		va_start(ap, fmt);
		char *msg = cc_diag_vformat(fmt, ap);
		va_end(ap);
		fputc('{', out);
		cc_diag_json_loc(out, loc);
		fprintf(out, ",\"severity\":\"%s\",\"id\":\"%s\",\"name\":\"%s\",\"message\":",
			error ? "error" : "warning", info->id, info->name);
		cc_diag_json_str(out, msg ? msg : "");
		fputs(",\"notes\":[", out);
		free(msg);
		cc_diag_state.json_notes = 0;
		if (out == stderr)
			fputs("]}\n", out);
		if (error)
			cc_diag_state.errors++;
		else
			cc_diag_state.warnings++;
		return;
	}
	cc_diag_prefix(out, loc);
	fputs(error ? "error: " : "warning: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	if (info->sev == CC_SEV_WARNING && error)
		fprintf(out, " [%s,-Werror]\n", info->id);
	else
		fprintf(out, " [%s]\n", info->id);
	cc_diag_quote(out, loc);
	if (error)
		cc_diag_state.errors++;
	else
		cc_diag_state.warnings++;
}

void cc_diag_note(struct cc_loc loc, const char *fmt, ...)
{
	FILE *out = cc_diag_state.out ? cc_diag_state.out : stderr;
	va_list ap;

	if (cc_diag_state.json) {
		if (!cc_diag_state.out)
			return;
		va_start(ap, fmt);
		char *msg = cc_diag_vformat(fmt, ap);
		va_end(ap);
		fputs(cc_diag_state.json_notes++ ? ",{" : "{", out);
		cc_diag_json_loc(out, loc);
		fputs(",\"message\":", out);
		cc_diag_json_str(out, msg ? msg : "");
		fputc('}', out);
		free(msg);
		return;
	}
	if (loc.file)
		cc_diag_prefix(out, loc);
	fputs("note: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	cc_diag_quote(out, loc);
}

void cc_diag_fatal(const char *fmt, ...)
{
	va_list ap;

	cc_diag_flush();
	if (cc_diag_state.json) {
		va_start(ap, fmt);
		char *msg = cc_diag_vformat(fmt, ap);
		va_end(ap);
		fputs("{\"file\":null,\"line\":null,\"col\":null,\"len\":null,"
		      "\"severity\":\"error\",\"id\":null,\"name\":\"driver\",\"message\":", stderr);
		cc_diag_json_str(stderr, msg ? msg : "");
		fputs(",\"notes\":[]}\n", stderr);
		free(msg);
		cc_diag_state.errors++;
		return;
	}
	fputs("sipcc: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cc_diag_state.errors++;
}

void cc_diag_summary(void)
{
	int e = cc_diag_state.errors, w = cc_diag_state.warnings;

	cc_diag_flush();
	if (cc_diag_state.json)
		return;
	if (e && w)
		fprintf(stderr, "%d error%s, %d warning%s generated.\n",
			e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
	else if (e)
		fprintf(stderr, "%d error%s generated.\n", e, e == 1 ? "" : "s");
	else if (w)
		fprintf(stderr, "%d warning%s generated.\n", w, w == 1 ? "" : "s");
}
