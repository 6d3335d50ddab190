# Load balancing: the destination cache and algorithms (ds_table.c) and
# the policy functions, probes and control commands (ds_fn.c).
DISPATCHER_SRC = modules/dispatcher/ds_table.c modules/dispatcher/ds_fn.c
EXTRA_DIST += modules/dispatcher/dispatcher.h
