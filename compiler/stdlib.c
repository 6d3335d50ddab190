#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "sema.h"

#ifndef SIPCC_STDLIBDIR
#define SIPCC_STDLIBDIR "stdlib"
#endif

/* Read a whole file into the arena, NUL-terminated (the DSL and YAML front
 * ends both quote it in diagnostics). Returns NULL (errno set) on failure. */
char *cc_file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nbuf = cc_alloc(ncap + 1);
			if (n)
				memcpy(nbuf, buf, n);
			buf = nbuf;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

enum cc_parse_result cc_parse_file(struct cc_program *p, const char *path,
				   enum cc_src_mode mode)
{
	size_t len;
	char *text = cc_file_read(path, &len);

	if (!text) {
		cc_diag_fatal("cannot read '%s': %s", path, strerror(errno));
		return CC_PARSE_UNREADABLE;
	}
	return cc_parse_buffer(p, cc_strdup(path), text, len, mode);
}

const char *cc_stdlib_dir(void)
{
	const char *env = getenv("SIPCC_STDLIB");

	return env && *env ? env : SIPCC_STDLIBDIR;
}

static int cc_stdlib_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".sipi") == 0;
}

/* The module named name, or NULL. */
static struct cc_module_decl *cc_module_find(struct cc_program *p, const char *name)
{
	for (struct cc_module_decl *m = p->modules; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

/* The modules names[0..n) name, into a new array; false (reported, with
 * "module M VERB unknown module X") when one is not declared. */
static bool cc_modules_resolve_list(struct cc_program *p, const struct cc_module_decl *m,
				    const char **names, const struct cc_loc *locs, int n,
				    const char *verb, struct cc_module_decl ***out)
{
	bool ok = true;
	*out = cc_alloc(sizeof **out * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		if (!((*out)[i] = cc_module_find(p, names[i]))) {
			cc_diag_report(CC_D_BAD_DECL, locs[i], "module '%s' %s unknown module '%s'",
				       m->name, verb, names[i]);
			ok = false;
		}
	return ok;
}

/* Resolve the names in requires() and after() of every module; unknown
 * names and cycles (a module that would have to start before itself) are
 * errors of the stdlib. */
static bool cc_modules_resolve(struct cc_program *p)
{
	bool ok = true;
	int n = 0;
	for (struct cc_module_decl *m = p->modules; m; m = m->next) {
		ok &= cc_modules_resolve_list(p, m, m->requires, m->requires_locs, m->nrequires,
					      "requires", &m->req);
		ok &= cc_modules_resolve_list(p, m, m->after, m->after_locs, m->nafter,
					      "starts after", &m->aft);
		n++;
	}
	/* A cycle: some module never gets all its predecessors placed. */
	bool *placed = cc_alloc(sizeof *placed * (size_t)(n + 1));
	for (int done = 0, progress = 1; progress;) {
		progress = 0;
		for (struct cc_module_decl *m = p->modules; m; m = m->next) {
			if (placed[m->order])
				continue;
			bool ready = true;
			for (int i = 0; i < m->nrequires; i++)
				ready &= !m->req[i] || placed[m->req[i]->order];
			for (int i = 0; i < m->nafter; i++)
				ready &= !m->aft[i] || placed[m->aft[i]->order];
			if (ready) {
				placed[m->order] = true;
				done++;
				progress = 1;
			}
		}
		if (!progress && done < n) {
			for (struct cc_module_decl *m = p->modules; m; m = m->next)
				if (!placed[m->order]) {
					cc_diag_report(CC_D_BAD_DECL, m->loc,
						       "module '%s' is in or behind a cycle of requires()/after()",
						       m->name);
					ok = false;
				}
		}
	}
	return ok;
}

/* Parse every *.sipi of dir in name order, so declaration order (and the
 * generated reference) does not depend on the file system. */
bool cc_stdlib_load(struct cc_program *p, const char *dir)
{
	struct dirent **list;
	bool ok = true;
	p->stdlib_hash = 0xcbf29ce484222325ULL;
	int n = scandir(dir, &list, cc_stdlib_filter, alphasort);

	if (n < 0) {
		cc_diag_fatal("cannot open the stdlib directory '%s': %s "
			      "(set SIPCC_STDLIB to the directory holding core.sipi)",
			      dir, strerror(errno));
		return false;
	}
	if (n == 0) {
		cc_diag_fatal("no .sipi files in the stdlib directory '%s'", dir);
		free(list);
		return false;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(list[i]->d_name) + 2;
		char *path = cc_alloc(len);
		snprintf(path, len, "%s/%s", dir, list[i]->d_name);
		size_t tlen;
		char *text = cc_file_read(path, &tlen);
		if (!text) {
			cc_diag_fatal("cannot read '%s': %s", path, strerror(errno));
			ok = false;
		} else {
			/* What the runtime a policy runs on must have been built
			 * from: a loaded policy (sipcc build --hot) is refused by a
			 * proxy whose stdlib declarations differ. FNV-1a, 64 bits. */
			for (size_t k = 0; k < tlen; k++)
				p->stdlib_hash = (p->stdlib_hash ^ (unsigned char)text[k])
						 * 0x100000001b3ULL;
			if (cc_parse_buffer(p, path, text, tlen, CC_SRC_STDLIB) != CC_PARSE_OK)
				ok = false;
		}
		free(list[i]);
	}
	free(list);
	if (!cc_modules_resolve(p))
		ok = false;
	return ok;
}
