# Trusted peers and address permissions: the address table cache and the
# address parsing sipcc-ctl shares (perm_table.c, unit tested without the
# proxy), allow_trusted() and check_source_address() (perm_fn.c).
PERMISSIONS_SRC = modules/permissions/perm_table.c modules/permissions/perm_fn.c
EXTRA_DIST += modules/permissions/permissions.h
