# NAT traversal (nathelper): detection and rewriting (nat.c, which needs
# only sip and net) and the policy functions (nat_fn.c).
NAT_SRC = modules/nat/nat.c modules/nat/nat_fn.c
EXTRA_DIST += modules/nat/nat.h
