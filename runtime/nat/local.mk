# NAT traversal (nathelper): detection and rewriting (nat.c, which needs
# only sip and net) and the policy functions (nat_fn.c).
NAT_SRC = runtime/nat/nat.c runtime/nat/nat_fn.c
EXTRA_DIST += runtime/nat/nat.h
