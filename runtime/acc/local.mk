# Accounting: records and their SQL (acc_row.c) and the module, with the
# policy functions, the proxy and dialog hooks and the write queue
# (acc_fn.c, which needs the proxy).
ACC_SRC = runtime/acc/acc_row.c runtime/acc/acc_fn.c
EXTRA_DIST += runtime/acc/acc.h
