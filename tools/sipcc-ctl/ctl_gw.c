/* What sipcc-ctl and sipcc-web check of drouting's tables with drouting's
 * own parser (the gateway lists of dr_rule). A file of its own in
 * libctl_common.a, so what does not use it does not link drouting. */
#include "core/status.h"
#include "db/db.h"
#include "drouting/drouting.h"
#include "ctl.h"

/* The rules whose gateway list names gateway id (the first one found). */
int ctl_gw_used(db *d, int64_t id, int64_t *rule)
{
	db_stmt *st;
	int64_t ids[DR_MAX_GWLIST];
	int rc = db_prepare(d, "SELECT id, gwlist FROM dr_rule ORDER BY id", &st);
	*rule = 0;
	while (rc == SIP_OK && (rc = db_step(st)) == DB_ROW) {
		int n = dr_gwlist_parse(db_column_text(st, 1), ids, DR_MAX_GWLIST);
		for (int i = 0; i < n && !*rule; i++)
			if (ids[i] == id)
				*rule = db_column_int(st, 0);
		rc = SIP_OK;
	}
	db_finalize(st);
	return rc;
}
