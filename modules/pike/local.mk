# Flood detection per source address: the table of sources (pike_table.c,
# unit tested without the proxy) and pike_check_req() (pike_fn.c), which
# bans a hot source on the transports' ban list (runtime/net/ban.h).
PIKE_SRC = modules/pike/pike_table.c modules/pike/pike_fn.c
EXTRA_DIST += modules/pike/pike.h
