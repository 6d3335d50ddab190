# Trunks: header rewriting and its restore state (uac_hdr.c), digest for
# upstream challenges (uac_digest.c), the trunk table (uac_trunk.c), all
# unit tested without the proxy; registrations (uac_reg.c) and the policy
# functions and hooks (uac_fn.c).
UAC_SRC = modules/uac/uac_hdr.c modules/uac/uac_digest.c modules/uac/uac_trunk.c \
	modules/uac/uac_reg.c modules/uac/uac_fn.c
EXTRA_DIST += modules/uac/uac.h
