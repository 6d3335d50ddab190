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

/* Parse every *.sipi of dir in name order, so declaration order (and the
 * generated reference) does not depend on the file system. */
bool cc_stdlib_load(struct cc_program *p, const char *dir)
{
	struct dirent **list;
	bool ok = true;
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
		if (cc_parse_file(p, path, CC_SRC_STDLIB) != CC_PARSE_OK)
			ok = false;
		free(list[i]);
	}
	free(list);
	return ok;
}
