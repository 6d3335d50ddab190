# Registrar: the location tables in memory (usrloc.c), their rows in the
# database (reg_store.c), REGISTER processing (reg_save.c), and the policy
# functions, control commands and the location shared with other proxies
# (reg_fn.c, reg_ctl.c, reg_share.c, which need the proxy). Programs that
# test or measure the registrar without the proxy link REGISTRAR_CORE_SRC.
REGISTRAR_CORE_SRC = modules/registrar/usrloc.c modules/registrar/reg_store.c \
	modules/registrar/reg_save.c
REGISTRAR_SRC = $(REGISTRAR_CORE_SRC) modules/registrar/reg_fn.c modules/registrar/reg_ctl.c \
	modules/registrar/reg_share.c
EXTRA_DIST += modules/registrar/registrar.h modules/registrar/reg_int.h
