# Number blacklists: the blacklist table cache (bl_table.c, unit tested
# without the proxy) and check_blacklist() (bl_fn.c).
BLACKLIST_SRC = modules/blacklist/bl_table.c modules/blacklist/bl_fn.c
EXTRA_DIST += modules/blacklist/blacklist.h
