# Group membership: the grp table cache (grp_table.c, unit tested without
# the proxy) and is_user_in() (grp_fn.c).
GROUP_SRC = modules/group/grp_table.c modules/group/grp_fn.c
EXTRA_DIST += modules/group/group.h
