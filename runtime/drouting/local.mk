# Dynamic routing to gateways: the gateway and rule cache (dr_table.c) and
# the policy functions (dr_fn.c, which need the proxy).
DROUTING_SRC = runtime/drouting/dr_table.c runtime/drouting/dr_fn.c runtime/drouting/dr_ctl.c
EXTRA_DIST += runtime/drouting/drouting.h
