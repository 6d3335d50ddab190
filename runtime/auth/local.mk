# Digest authentication: the computations and nonces (digest.c, OpenSSL)
# and the policy functions (auth_fn.c, which need the proxy).
AUTH_SRC = runtime/auth/digest.c runtime/auth/auth_fn.c
EXTRA_DIST += runtime/auth/auth.h
