# Dynamic routing to gateways: the gateway and rule cache (dr_table.c) and
# the policy functions (dr_fn.c, which need the proxy).
DROUTING_SRC = modules/drouting/dr_table.c modules/drouting/dr_fn.c modules/drouting/dr_ctl.c \
	modules/drouting/dr_health.c
EXTRA_DIST += modules/drouting/drouting.h
