# Dial plans: the rules and their cache (dp_table.c), the policy functions
# (dp_fn.c, which need the proxy) and the control commands (dp_ctl.c).
DIALPLAN_SRC = modules/dialplan/dp_table.c modules/dialplan/dp_fn.c modules/dialplan/dp_ctl.c
EXTRA_DIST += modules/dialplan/dialplan.h
