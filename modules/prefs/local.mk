# Per-user and per-domain attributes: the usr_preferences cache
# (prefs_table.c, also linked by sipcc-ctl's tests) and the policy
# functions and general queries (prefs_fn.c, which need the proxy).
PREFS_SRC = modules/prefs/prefs_table.c modules/prefs/prefs_fn.c
EXTRA_DIST += modules/prefs/prefs.h
