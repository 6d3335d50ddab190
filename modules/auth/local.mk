# Digest authentication: the computations and nonces (digest.c, OpenSSL)
# and the policy functions (auth_fn.c, which need the proxy).
AUTH_SRC = modules/auth/digest.c modules/auth/auth_fn.c modules/auth/auth_cache.c
EXTRA_DIST += modules/auth/auth.h modules/auth/auth_cache.h
