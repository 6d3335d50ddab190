# Rate limits per named pipe: the pipes and their algorithms (rl_pipe.c,
# unit tested without the proxy), rl_check() and "rl status" (rl_fn.c).
RATELIMIT_SRC = modules/ratelimit/rl_pipe.c modules/ratelimit/rl_fn.c
EXTRA_DIST += modules/ratelimit/ratelimit.h
