# Session timers (RFC 4028) on tracked dialogs: the header values and
# the deadline (sst_hdr.c, unit tested without the proxy) and the policy
# functions and hooks (sst_fn.c).
SST_SRC = modules/sst/sst_hdr.c modules/sst/sst_fn.c
EXTRA_DIST += modules/sst/sst.h
