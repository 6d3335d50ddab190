# Accounting: records and their SQL (acc_row.c) and the module, with the
# policy functions, the proxy and dialog hooks and the write queue
# (acc_fn.c, which needs the proxy).
ACC_SRC = modules/acc/acc_row.c modules/acc/acc_rad.c modules/acc/acc_fn.c
EXTRA_DIST += modules/acc/acc.h modules/acc/acc_rad.h
