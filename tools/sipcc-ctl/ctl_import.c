/* sipcc-ctl import: bulk provisioning from a CSV file in one transaction.
 *
 *   import subscribers FILE   USER@DOMAIN,PASSWORD
 *   import aliases FILE       ALIAS@DOMAIN,USER@DOMAIN
 *   import prefs FILE         OWNER,NAME,VALUE[,str|int]   (OWNER: USER@DOMAIN or @DOMAIN)
 *   import groups FILE        USER@DOMAIN,GROUP
 *
 * Every line is checked before anything is written: the fields, duplicate
 * keys within the file, then (inside the transaction) against the
 * database (an unknown domain, a subscriber or alias that exists). Each
 * bad line is reported as FILE:LINE: why, and when there is one nothing
 * is written. Fields are separated by commas; a field may be quoted
 * ("a,b", "" for a quote); spaces around an unquoted field are dropped;
 * empty lines and lines starting with '#' are skipped; a first line that
 * names the columns (subscriber,password) is a header. FILE "-" is the
 * standard input. Subscribers get their digests as "add" computes them
 * (ctl_subscriber_insert); attributes are set as "pref set" sets them
 * (an existing one is replaced). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/status.h"
#include "ctl.h"
#include "prefs/prefs.h"

#define IMPORT_MAX_FIELDS 4
#define IMPORT_NAME_MAX 256

enum import_kind { IMPORT_SUBSCRIBERS, IMPORT_ALIASES, IMPORT_PREFS, IMPORT_GROUPS };

static const struct import_spec {
	const char *name;
	const char *header[IMPORT_MAX_FIELDS];
	int min, max;                   /* fields per line */
	const char *table;
} import_specs[] = {
	[IMPORT_SUBSCRIBERS] = { "subscribers", { "subscriber", "password" }, 2, 2, "subscriber" },
	[IMPORT_ALIASES] = { "aliases", { "alias", "subscriber" }, 2, 2, "alias" },
	[IMPORT_PREFS] = { "prefs", { "owner", "name", "value", "type" }, 3, 4, "usr_preferences" },
	[IMPORT_GROUPS] = { "groups", { "subscriber", "group" }, 2, 2, "grp" },
};

/* One line: its number, its fields, and the parts of its key. */
struct import_row {
	char *buf;                      /* the line's copy the fields point into */
	unsigned line;
	int n;
	char *f[IMPORT_MAX_FIELDS];
	char user[IMPORT_NAME_MAX], dom[IMPORT_NAME_MAX];      /* first field */
	char user2[IMPORT_NAME_MAX], dom2[IMPORT_NAME_MAX];    /* aliases: the subscriber */
	bool is_int;
	char *key;                      /* what must be unique in the file */
};

/* A bad line's report, printed in line order once every check ran. */
struct import_msg {
	unsigned line, seq;
	char text[200];
};

struct import {
	enum import_kind kind;
	const struct import_spec *spec;
	const char *file;
	struct import_row *rows;
	size_t n, cap;
	unsigned bad;
	struct import_msg *msgs;
	size_t nmsgs, msgcap;
};

static void import_bad(struct import *im, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void import_bad(struct import *im, unsigned line, const char *fmt, ...)
{
	va_list ap;
	im->bad++;
	if (im->nmsgs == im->msgcap) {
		size_t nc = im->msgcap ? im->msgcap * 2 : 64;
		struct import_msg *m = realloc(im->msgs, nc * sizeof *m);
		if (!m) {
			fprintf(stderr, "%s:%u: (out of memory for the report)\n", im->file, line);
			return;
		}
		im->msgs = m;
		im->msgcap = nc;
	}
	struct import_msg *m = &im->msgs[im->nmsgs];
	m->line = line;
	m->seq = (unsigned)im->nmsgs++;
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof m->text, fmt, ap);
	va_end(ap);
}

static int import_msg_cmp(const void *a, const void *b)
{
	const struct import_msg *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void import_report(struct import *im)
{
	if (im->nmsgs)
		qsort(im->msgs, im->nmsgs, sizeof *im->msgs, import_msg_cmp);
	for (size_t i = 0; i < im->nmsgs; i++)
		fprintf(stderr, "%s:%u: %s\n", im->file, im->msgs[i].line, im->msgs[i].text);
	im->nmsgs = 0;
}

/* Split one line (no line end) into its fields, unquoting them in place.
 * The number of fields, or -1 when a quote is not closed or there are
 * more than max. */
static int import_split(char *s, char **f, int max)
{
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (n == max)
			return -1;
		char *out = s, *start = s;
		if (*s == '"') {
			s++;
			for (;;) {
				if (!*s)
					return -1;
				if (*s == '"' && s[1] == '"') {
					*out++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*out++ = *s++;
				}
			}
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s && *s != ',')
				return -1;
		} else {
			while (*s && *s != ',')
				out++, s++;
			while (out > start && (out[-1] == ' ' || out[-1] == '\t'))
				out--;
		}
		char sep = *s;
		*out = '\0';
		f[n++] = start;
		if (!sep)
			return n;
		s++;
	}
}

static bool import_is_header(const struct import *im, char **f, int n)
{
	for (int i = 0; i < n; i++)
		if (!im->spec->header[i] || strcasecmp(f[i], im->spec->header[i]) != 0)
			return false;
	return n >= im->spec->min;
}

static bool import_group_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		      || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* The checks that need no database; false (reported) for a bad line. */
static bool import_check_row(struct import *im, struct import_row *r)
{
	const char *what = im->kind == IMPORT_ALIASES ? "alias" : im->kind == IMPORT_PREFS ? "owner"
			   : "subscriber";
	bool ok = im->kind == IMPORT_PREFS
		  ? ctl_pref_owner(r->f[0], r->user, sizeof r->user, r->dom, sizeof r->dom)
		  : ctl_split(r->f[0], r->user, sizeof r->user, r->dom, sizeof r->dom);
	if (!ok) {
		import_bad(im, r->line, "bad %s '%s' (expected %s)", what, r->f[0],
			   im->kind == IMPORT_PREFS ? "user@domain or @domain"
			   : im->kind == IMPORT_ALIASES ? "alias@domain" : "user@domain");
		return false;
	}
	const char *why = NULL;
	char keybuf[3 * IMPORT_NAME_MAX + 8];
	switch (im->kind) {
	case IMPORT_SUBSCRIBERS:
		if (!r->f[1][0])
			why = "empty password";
		snprintf(keybuf, sizeof keybuf, "%s@%s", r->user, r->dom);
		break;
	case IMPORT_ALIASES:
		if (!ctl_split(r->f[1], r->user2, sizeof r->user2, r->dom2, sizeof r->dom2))
			why = "bad subscriber (expected user@domain)";
		snprintf(keybuf, sizeof keybuf, "%s@%s", r->user, r->dom);
		break;
	case IMPORT_PREFS:
		if (r->n == 4 && strcmp(r->f[3], "int") != 0 && strcmp(r->f[3], "str") != 0
		    && r->f[3][0])
			why = "bad type (str or int)";
		r->is_int = r->n == 4 && strcmp(r->f[3], "int") == 0;
		if (!why)
			why = ctl_pref_check(r->f[1], r->f[2], r->is_int);
		snprintf(keybuf, sizeof keybuf, "%s@%s %s", r->user, r->dom, r->f[1]);
		break;
	case IMPORT_GROUPS:
		if (!import_group_name(r->f[1]))
			why = "bad group name (letters, digits, '_', '-' and '.', at most 64)";
		snprintf(keybuf, sizeof keybuf, "%s@%s %s", r->user, r->dom, r->f[1]);
		break;
	}
	if (why) {
		import_bad(im, r->line, "%s", why);
		return false;
	}
	r->key = strdup(keybuf);
	if (!r->key) {
		import_bad(im, r->line, "out of memory");
		return false;
	}
	return true;
}

static int import_key_cmp(const void *a, const void *b)
{
	const struct import_row *x = *(const struct import_row *const *)a;
	const struct import_row *y = *(const struct import_row *const *)b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* A key twice in the file: every later line is bad. */
static void import_check_dups(struct import *im)
{
	struct import_row **v = malloc((im->n + 1) * sizeof *v);
	size_t n = 0;
	if (!v) {
		import_bad(im, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < im->n; i++)
		if (im->rows[i].key)
			v[n++] = &im->rows[i];
	qsort(v, n, sizeof *v, import_key_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i]->key, v[i - 1]->key) == 0) {
			size_t first = i - 1;
			while (first > 0 && strcmp(v[first - 1]->key, v[i]->key) == 0)
				first--;
			import_bad(im, v[i]->line, "%s is on line %u already", v[i]->key,
				   v[first]->line);
		}
	free(v);
}

/* Read and check the file; false when it cannot be read. */
static bool import_read(struct import *im, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned no = 0;
	bool first = true;
	while ((len = getline(&line, &cap, in)) >= 0) {
		no++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (strlen(line) != (size_t)len) {
			import_bad(im, no, "a NUL byte in the line");
			continue;
		}
		char *copy = strdup(line), *f[IMPORT_MAX_FIELDS];
		if (!copy) {
			free(line);
			return false;
		}
		int n = import_split(copy, f, im->spec->max);
		bool header = first && n > 0 && import_is_header(im, f, n);
		first = false;
		if (header) {
			free(copy);
			continue;
		}
		if (n < im->spec->min) {
			import_bad(im, no, n < 0 ? "more than %d fields, or a quote not closed"
				   : "%d fields expected", n < 0 ? im->spec->max : im->spec->min);
			free(copy);
			continue;
		}
		if (im->n == im->cap) {
			size_t nc = im->cap ? im->cap * 2 : 1024;
			struct import_row *nr = realloc(im->rows, nc * sizeof *nr);
			if (!nr) {
				free(copy);
				free(line);
				return false;
			}
			im->rows = nr;
			im->cap = nc;
		}
		struct import_row *r = &im->rows[im->n++];
		memset(r, 0, sizeof *r);
		r->buf = copy;
		r->line = no;
		r->n = n;
		for (int i = 0; i < n; i++)
			r->f[i] = f[i];
		if (!import_check_row(im, r))
			r->key = NULL;
	}
	free(line);
	return !ferror(in);
}

/* Remembered answers of the domain table. */
struct import_domains {
	char (*name)[IMPORT_NAME_MAX];
	bool *known;
	size_t n, cap;
};

static int import_domain_known(db *d, struct import_domains *c, const char *dom, bool *known)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->name[i], dom) == 0) {
			*known = c->known[i];
			return SIP_OK;
		}
	int rc = ctl_domain_known(d, dom, known);
	if (rc != SIP_OK)
		return rc;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		void *a = realloc(c->name, nc * sizeof *c->name), *b;
		if (!a)
			return SIP_NOMEM;
		c->name = a;
		if (!(b = realloc(c->known, nc * sizeof *c->known)))
			return SIP_NOMEM;
		c->known = b;
		c->cap = nc;
	}
	snprintf(c->name[c->n], IMPORT_NAME_MAX, "%s", dom);
	c->known[c->n++] = *known;
	return SIP_OK;
}

static int import_alias_exists(db *d, db_stmt **st, const char *user, const char *dom,
			       bool *exists)
{
	int rc = *st ? SIP_OK : db_prepare(d, "SELECT count(*) FROM alias"
					   " WHERE alias_username = $1 AND alias_domain = $2", st);
	if (rc == SIP_OK && (rc = db_bind_text(*st, 1, sip_str_make(user, strlen(user)))) == SIP_OK
	    && (rc = db_bind_text(*st, 2, sip_str_make(dom, strlen(dom)))) == SIP_OK
	    && (rc = db_step(*st)) == DB_ROW) {
		*exists = db_column_int(*st, 0) > 0;
		db_reset(*st);
		rc = SIP_OK;
	}
	return rc;
}

static int import_member_exists(db *d, db_stmt **st, const struct import_row *r, bool *exists)
{
	int rc = *st ? SIP_OK : db_prepare(d, "SELECT count(*) FROM grp"
					   " WHERE username = $1 AND domain = $2 AND grp = $3", st);
	if (rc == SIP_OK && (rc = db_bind_text(*st, 1, sip_str_make(r->user, strlen(r->user)))) == SIP_OK
	    && (rc = db_bind_text(*st, 2, sip_str_make(r->dom, strlen(r->dom)))) == SIP_OK
	    && (rc = db_bind_text(*st, 3, sip_str_make(r->f[1], strlen(r->f[1])))) == SIP_OK
	    && (rc = db_step(*st)) == DB_ROW) {
		*exists = db_column_int(*st, 0) > 0;
		db_reset(*st);
		rc = SIP_OK;
	}
	return rc;
}

/* The checks against the database, in the transaction: SIP_OK (bad lines
 * counted in im->bad) or a database status. */
static int import_check_db(db *d, struct import *im)
{
	struct import_domains doms = { 0 };
	db_stmt *ali = NULL, *mem = NULL;
	int rc = SIP_OK;
	for (size_t i = 0; i < im->n && rc == SIP_OK; i++) {
		struct import_row *r = &im->rows[i];
		bool known = true, exists = false, target = true;
		if (!r->key)
			continue;       /* reported already */
		switch (im->kind) {
		case IMPORT_SUBSCRIBERS:
			if ((rc = import_domain_known(d, &doms, r->dom, &known)) == SIP_OK)
				rc = ctl_subscriber_exists(d, r->user, r->dom, &exists);
			break;
		case IMPORT_ALIASES:
			if ((rc = import_domain_known(d, &doms, r->dom, &known)) == SIP_OK
			    && (rc = import_alias_exists(d, &ali, r->user, r->dom, &exists)) == SIP_OK)
				rc = ctl_subscriber_exists(d, r->user2, r->dom2, &target);
			break;
		case IMPORT_GROUPS:
			rc = import_member_exists(d, &mem, r, &exists);
			break;
		case IMPORT_PREFS:
			break;
		}
		if (rc != SIP_OK)
			break;
		if (!known)
			import_bad(im, r->line, "unknown domain '%s' (add it first: %s domain add %s)",
				   r->dom, ctl_prog, r->dom);
		else if (exists)
			import_bad(im, r->line, "%s exists already", r->key);
		else if (!target)
			import_bad(im, r->line, "no subscriber %s@%s", r->user2, r->dom2);
	}
	db_finalize(ali);
	db_finalize(mem);
	free(doms.name);
	free(doms.known);
	return rc;
}

/* Write every row; the status of the first that fails (*failed its line). */
static int import_write(db *d, struct import *im, bool plaintext, unsigned *failed)
{
	db_stmt *st = NULL;
	int rc = SIP_OK;
	for (size_t i = 0; i < im->n && rc == SIP_OK; i++) {
		struct import_row *r = &im->rows[i];
		*failed = r->line;
		switch (im->kind) {
		case IMPORT_SUBSCRIBERS:
			rc = ctl_subscriber_insert(d, &st, r->user, r->dom, r->f[1], plaintext);
			break;
		case IMPORT_PREFS:
			rc = ctl_pref_store(d, &st, r->user, r->dom, r->f[1], r->f[2], r->is_int);
			break;
		case IMPORT_ALIASES:
			if (!st)
				rc = db_prepare(d, "INSERT INTO alias (alias_username, alias_domain,"
						" username, domain) VALUES ($1, $2, $3, $4)", &st);
			if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(r->user, strlen(r->user)))) == SIP_OK
			    && (rc = db_bind_text(st, 2, sip_str_make(r->dom, strlen(r->dom)))) == SIP_OK
			    && (rc = db_bind_text(st, 3, sip_str_make(r->user2, strlen(r->user2)))) == SIP_OK
			    && (rc = db_bind_text(st, 4, sip_str_make(r->dom2, strlen(r->dom2)))) == SIP_OK)
				rc = ctl_run(st);
			break;
		case IMPORT_GROUPS:
			if (!st)
				rc = db_prepare(d, "INSERT INTO grp (username, domain, grp)"
						" VALUES ($1, $2, $3)", &st);
			if (rc == SIP_OK && (rc = db_bind_text(st, 1, sip_str_make(r->user, strlen(r->user)))) == SIP_OK
			    && (rc = db_bind_text(st, 2, sip_str_make(r->dom, strlen(r->dom)))) == SIP_OK
			    && (rc = db_bind_text(st, 3, sip_str_make(r->f[1], strlen(r->f[1])))) == SIP_OK)
				rc = ctl_run(st);
			break;
		}
	}
	db_finalize(st);
	return rc;
}

static void import_free(struct import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		free(im->rows[i].buf);
		free(im->rows[i].key);
	}
	free(im->rows);
}

int ctl_import_cmd(db *d, int argc, char **argv, bool plaintext)
{
	struct import im = { 0 };
	size_t k = 0;
	if (argc == 2)
		for (k = 0; k < sizeof import_specs / sizeof import_specs[0]; k++)
			if (strcmp(argv[0], import_specs[k].name) == 0)
				break;
	if (argc != 2 || k == sizeof import_specs / sizeof import_specs[0])
		return ctl_err(CTL_USAGE, "usage: %s import subscribers|aliases|prefs|groups FILE.csv"
			       " (FILE - for the standard input)", ctl_prog);
	im.kind = (enum import_kind)k;
	im.spec = &import_specs[k];
	im.file = strcmp(argv[1], "-") == 0 ? "<stdin>" : argv[1];
	FILE *in = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
	if (!in)
		return ctl_err(CTL_REFUSED, "cannot open %s: %s", argv[1], strerror(errno));
	bool read_ok = import_read(&im, in);
	if (in != stdin)
		fclose(in);
	int status = CTL_OK, rc;
	unsigned failed = 0;
	if (!read_ok) {
		status = ctl_err(CTL_REFUSED, "cannot read %s", im.file);
		goto out;
	}
	import_check_dups(&im);
	if ((rc = db_exec(d, "BEGIN")) != SIP_OK) {
		status = ctl_dberr(d, "cannot start a transaction", rc);
		goto out;
	}
	if ((rc = import_check_db(d, &im)) != SIP_OK) {
		status = ctl_dberr(d, "cannot check the lines against the database", rc);
	} else if (im.bad) {
		import_report(&im);
		status = ctl_err(CTL_REFUSED, "%u bad line%s in %s: nothing imported", im.bad,
				 im.bad == 1 ? "" : "s", im.file);
	} else if (im.n == 0) {
		printf("nothing to import in %s\n", im.file);
	} else if ((rc = import_write(d, &im, plaintext, &failed)) != SIP_OK) {
		if (rc == SIP_EDBCONSTRAINT)
			status = ctl_err(CTL_REFUSED, "%s:%u: refused by the %s table (a duplicate?):"
					 " nothing imported", im.file, failed, im.spec->table);
		else
			status = ctl_dberr(d, "cannot write the lines: nothing imported", rc);
	} else if ((rc = db_exec(d, "COMMIT")) != SIP_OK) {
		status = ctl_dberr(d, "cannot commit: nothing imported", rc);
	} else {
		printf("imported %zu %s\n", im.n, im.spec->name);
	}
	if (status != CTL_OK)
		db_exec(d, "ROLLBACK");
out:
	import_report(&im);
	free(im.msgs);
	import_free(&im);
	return status;
}
