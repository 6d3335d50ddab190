#!/bin/sh
# route startup runs once before the proxy listens; route timer NAME every
# 100ms runs on the timer wheel while it runs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports UAS PROXY
e2e_build tests/e2e/route_kinds.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"
sleep 1
e2e_expect_proxy_alive

log=$E2E_TMP/proxy.log
n=$(grep -c "startup route ran" "$log")
[ "$n" = 1 ] || e2e_fail "the startup route ran $n times, expected once"
first=$(grep -n -m1 -E "startup route ran|listening on" "$log" | cut -d: -f2-)
case $first in
*"startup route ran"*) ;;
*) e2e_fail "the startup route did not run before the proxy listened" ;;
esac
ticks=$(grep -c "timer route tick at [0-9]" "$log")
# 100 ms for about a second: allow for a slow machine, but not for none
# or for a timer that fires every tick.
[ "$ticks" -ge 4 ] && [ "$ticks" -le 20 ] ||
	e2e_fail "the timer route ran $ticks times in ~1 s, expected about 10"
echo "startup once, timer $ticks ticks"
exit 0
