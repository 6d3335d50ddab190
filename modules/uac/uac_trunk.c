/* The trunk table cache (uac.h; runtime/db/schema.c v6): a few rows, kept
 * as a list in id order, built by the database worker and swapped in
 * whole. */
#include "uac/uac.h"

#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "db/db_rows.h"

struct uac_snap {
	sip_arena arena;            /* first: db_snap_new() */
	uac_trunk *head;
	unsigned n;
};

static db_cache *uac_cache_c;

static const struct uac_snap *uac_cur(void)
{
	return uac_cache_c ? db_cache_get(uac_cache_c) : NULL;
}

void uac_trunk_cache_clear(void)
{
	db_cache_destroy(uac_cache_c);
	uac_cache_c = NULL;
}

const uac_trunk *uac_trunks(void)
{
	const struct uac_snap *s = uac_cur();
	return s ? s->head : NULL;
}

unsigned uac_trunk_count(void)
{
	const struct uac_snap *s = uac_cur();
	return s ? s->n : 0;
}

/* The host of a registrar URI, lowercased ("" when it is not one). */
static sip_str reg_host(sip_arena *a, sip_str uri)
{
	sip_uri u;
	if (!uri.len || sip_uri_parse(uri, &u) != SIP_OK || !u.is_sip)
		return SIP_STR_LIT("");
	return sip_arena_strdup_lower(a, u.host);
}

static int uac_load(db *d, void **out)
{
	struct uac_snap *s = db_snap_new(sizeof *s, 2048);
	if (!s)
		return SIP_NOMEM;
	db_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT id, name, realm, username, password, registrar, aor, contact,"
			    " expires FROM trunk ORDER BY id", &st);
	if (rc != SIP_OK) {
		db_snap_free(s);
		return rc;
	}
	uac_trunk **tail = &s->head;
	while ((rc = db_step(st)) == DB_ROW) {
		uac_trunk *t = sip_arena_alloc(&s->arena, sizeof *t);
		if (!t) {
			rc = SIP_NOMEM;
			break;
		}
		memset(t, 0, sizeof *t);
		t->id = db_column_int(st, 0);
		t->name = sip_arena_strdup(&s->arena, db_column_text(st, 1));
		t->realm = sip_arena_strdup(&s->arena, db_column_text(st, 2));
		t->username = sip_arena_strdup(&s->arena, db_column_text(st, 3));
		t->password = sip_arena_strdup(&s->arena, db_column_text(st, 4));
		t->registrar = sip_arena_strdup(&s->arena, db_column_text(st, 5));
		t->aor = sip_arena_strdup(&s->arena, db_column_text(st, 6));
		t->contact = sip_arena_strdup(&s->arena, db_column_text(st, 7));
		t->expires = (int)db_column_int(st, 8);
		t->reg_host = reg_host(&s->arena, t->registrar);
		if (!t->name.len)
			continue;
		*tail = t;
		tail = &t->next;
		s->n++;
	}
	db_finalize(st);
	if (rc != SIP_OK) {
		db_snap_free(s);
		return rc;
	}
	*out = s;
	return SIP_OK;
}

/* The registrations follow the table (uac_reg.c sets it). */
void (*uac_trunk_on_loaded)(void);

static void uac_loaded(db_cache *dc, const void *snap)
{
	static db_rows_report report;
	const struct uac_snap *s = snap;
	(void)dc;
	if (db_rows_report_bad(&report, NULL, NULL, s->n, NULL, 0))
		LOG_NOTICE("uac: %u trunks", s->n);
	if (uac_trunk_on_loaded)
		uac_trunk_on_loaded();
}

static const db_cache_def uac_def = {
	.name = "uac", .load = uac_load, .free = db_snap_free, .loaded = uac_loaded,
	.tables = (const char *const[]){ "trunk", NULL },
};

db_cache *uac_trunk_table(void)
{
	return db_cache_once(&uac_def, &uac_cache_c);
}

int uac_trunk_refresh(db *d)
{
	return db_cache_refresh(uac_trunk_table(), d);
}

const uac_trunk *uac_trunk_by_name(sip_str name)
{
	for (const uac_trunk *t = uac_trunks(); t; t = t->next)
		if (sip_str_eq(t->name, name))
			return t;
	return NULL;
}

const uac_trunk *uac_trunk_for_realm(sip_str realm, sip_str host)
{
	const uac_trunk *best = NULL;
	int best_rank = 0;
	for (const uac_trunk *t = uac_trunks(); t; t = t->next) {
		int rank;
		if (sip_str_eq(t->realm, realm))
			rank = 4;
		else if (!t->realm.len)
			rank = 2;
		else
			continue;
		if (host.len && sip_str_caseeq(t->reg_host, host))
			rank++;
		if (rank > best_rank) {
			best = t;
			best_rank = rank;
		}
	}
	return best;
}

bool uac_name_valid(sip_str s)
{
	if (!s.len || s.len > UAC_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}
