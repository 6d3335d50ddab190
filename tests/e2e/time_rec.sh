#!/bin/sh
# Time conditions through a proxy built from tests/e2e/time_rec.sip, with
# windows computed from the time the test runs (so they hold or miss "now"
# whatever the day), from sip_peer.py:
#  a. daily windows in UTC: one from an hour ago to an hour from now
#     (200), one from an hour from now for an hour (480);
#  b. weekly windows with byday: the same two hours on the weekday they
#     start (200), and on the next weekday only (480);
#  c. the same daily windows in local time, the proxy running in a zone
#     three hours east of UTC (TZ=XYZ-3): a window written in UTC would
#     be three hours off;
#  d. $utime and $time: the fields in the reply's reason match the test's
#     clock (UTC, and local three hours ahead).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY

# The windows, from the time now: NAME=SPEC lines.
python3 - >"$E2E_TMP/windows" <<'PY'
import datetime as dt
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
local = now + dt.timedelta(hours=3)          # TZ=XYZ-3
def stamp(t, z):
    return t.strftime("%Y%m%dT%H%M%S") + ("Z" if z else "")
days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
start_in = now - dt.timedelta(days=14, hours=1)
start_out = now - dt.timedelta(days=14) + dt.timedelta(hours=1)
print("INSIDE=%s|2H|daily" % stamp(start_in, True))
print("OUTSIDE=%s|1H|daily" % stamp(start_out, True))
wd = start_in.weekday()
print("INSIDE_WEEK=%s|2H|weekly|||%s" % (stamp(start_in, True), days[wd]))
print("OUTSIDE_WEEK=%s|2H|weekly|||%s" % (stamp(start_in, True), days[(wd + 1) % 7]))
print("INSIDE_LOCAL=%s|2H|daily" % stamp(start_in + dt.timedelta(hours=3), False))
print("OUTSIDE_LOCAL=%s|1H|daily" % stamp(start_out + dt.timedelta(hours=3), False))
PY
set --
while IFS= read -r line; do
	set -- "$@" -D "$line"
done <"$E2E_TMP/windows"
e2e_log "windows: $(tr '\n' ' ' <"$E2E_TMP/windows")"
e2e_build tests/e2e/time_rec.sip "$@"
TZ=XYZ-3 e2e_start_proxy "$PROXY"

ask() {
	python3 "$E2E_SRC/sip_peer.py" "$PROXY" OPTIONS "sip:$1@127.0.0.1" --expect "$2" \
		>>"$E2E_TMP/peer.out" 2>&1 ||
		e2e_fail "$1: expected $2: $(tail -n 1 "$E2E_TMP/peer.out")"
}
ask inside 200
ask outside 480
ask inside_week 200
ask outside_week 480
ask inside_local 200
ask outside_local 480

# d. The reason phrase against the clock (either side of a minute's turn).
python3 "$E2E_SRC/sip_peer.py" "$PROXY" OPTIONS "sip:clock@127.0.0.1" --expect 200 \
	>"$E2E_TMP/clock.out" 2>&1 || e2e_fail "clock: $(cat "$E2E_TMP/clock.out")"
python3 - "$E2E_TMP/clock.out" <<'PY' || e2e_fail "time fields: $(cat "$E2E_TMP/clock.out")"
import datetime as dt, sys
line = open(sys.argv[1]).read().split("\n")[0]
f = line.split()
# SIP/2.0 200 utc YEAR MON MDAY HOUR WDAY local HOUR ISDST
got = (int(f[3]), int(f[4]), int(f[5]), int(f[6]), int(f[7]), int(f[9]), int(f[10]))
ok = []
for back in (0, 60):
    t = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=back)
    wday = (t.weekday() + 1) % 7 + 1       # Sunday 1 .. Saturday 7
    ok.append((t.year, t.month, t.day, t.hour, wday, (t.hour + 3) % 24, 0))
print("got", got, "expected one of", ok)
sys.exit(0 if got in ok else 1)
PY
e2e_expect_proxy_alive
