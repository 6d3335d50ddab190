# Registrar: location tables with database write-through (registrar.c) and
# the policy functions (reg_fn.c, which needs the proxy).
REGISTRAR_SRC = runtime/registrar/registrar.c runtime/registrar/reg_fn.c runtime/registrar/reg_ctl.c
EXTRA_DIST += runtime/registrar/registrar.h
