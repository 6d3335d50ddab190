# Message tracing to a Homer-compatible collector over HEP v3: the
# encoder and the raw header scan (hep.c, which needs only net) and the
# connection to the collector, UDP or TCP (collector.c, net too), and the
# module with its capture hook and policy functions (siptrace.c).
SIPTRACE_SRC = modules/siptrace/hep.c modules/siptrace/collector.c modules/siptrace/siptrace.c
EXTRA_DIST += modules/siptrace/hep.h modules/siptrace/collector.h
