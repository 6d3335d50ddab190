CORE_SRC = runtime/core/status.c runtime/core/arena.c runtime/core/log.c
CORE_SRC += runtime/core/stats.c runtime/core/htable.c runtime/core/worker.c runtime/core/mpsc.c
# Peer health (active/inactive from probes and timeouts): dispatcher, drouting.
CORE_SRC += runtime/core/health.c
# Time recurrences (check_time_rec); the compiler links it too.
CORE_SRC += runtime/core/timerec.c
# The timer wheel: in the core library; programs that list sources name it
# with $(TIMER_SRC) or runtime/core/timer.c.
TIMER_SRC = runtime/core/timer.c
CORE_SRC += runtime/core/json.c
# The wall clock of $time and check_time_rec, which a test engine sets.
CORE_SRC += runtime/core/clock.c
# Compiled literal patterns of t_check_status, check_route_param.
CORE_SRC += runtime/core/re_cache.c
# Freeing what the workers share once none can hold it (db_cache snapshots).
CORE_SRC += runtime/core/qsbr.c
