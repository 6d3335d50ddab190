#!/bin/sh
# Cached tables (domain, prefs, group, blacklist, dialplan, permissions)
# read by two workers while they are replaced (tests/e2e/workers_tables.sip:
# each method asks one module). Every worker reads the snapshot in use
# without a lock; a replaced one is freed only once no worker can still
# hold it (core/qsbr.h; tests/runtime/db/test_db_cache.c swaps 20,000
# times under two readers and catches a snapshot freed too early).
#  1. with the tables in place, bursts of requests with distinct Call-IDs
#     (spread over both workers) all get the answer the tables give;
#  2. while 20 rounds of changes to every table are loaded (db sync), more
#     bursts of the stable questions all still get their answer: never a
#     missing reply, never a half-loaded table;
#  3. after one change that matters and a db sync, every request, on
#     either worker, sees it at once;
#  4. messages went from one worker to the other, the tables were
#     reloaded, and the proxy is still up.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
SOCK=$E2E_TMP/sipcc.ctl
BURST="python3 $E2E_SRC/sip_burst.py"
e2e_ports PROXY

ctl db init
ctl domain add voip.example.com
ctl domain add stable.example.com
ctl pref set "@voip.example.com" code 202 --int
ctl add burst@voip.example.com burst-secret
ctl add other@voip.example.com other-secret
ctl group add burst@voip.example.com vip
ctl blacklist add 0900 desc=premium
ctl dp add 1 10 '^0([1-9][0-9]+)$' '' '+44\1'
ctl address add 1 127.0.0.1 tag=local
e2e_build tests/e2e/workers_tables.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --workers 2
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

# burst NAME METHOD URI CODE [N]: N requests, every one answered CODE.
burst() {
	$BURST "$PROXY" "$2" "$3" -n "${5:-200}" --expect "$4" --from sip:burst@voip.example.com >"$E2E_TMP/$1.out" 2>&1 ||
		e2e_fail "$2 $3: not every request got $4: $(tr '\n' ' ' <"$E2E_TMP/$1.out")"
}

# 1. Every module, on both workers.
burst served OPTIONS sip:x@stable.example.com 200
burst unserved OPTIONS sip:x@other.example.com 404
burst pref MESSAGE sip:alice@127.0.0.1 202
burst member INFO sip:x@127.0.0.1 200
burst allowed NOTIFY sip:0800123@127.0.0.1 200
burst barred NOTIFY sip:0900123@127.0.0.1 403
burst translated SUBSCRIBE sip:01234@127.0.0.1 200
burst trusted PUBLISH sip:x@127.0.0.1 200

# 2. Twenty rounds of changes to every table, loaded while the workers
#    answer the stable questions.
(
	i=0
	while [ $i -lt 20 ]; do
		"$CTL" --db "$DB" domain add "tmp$i.example.com" &&
		"$CTL" --db "$DB" pref set "carol$i@voip.example.com" code 203 --int &&
		"$CTL" --db "$DB" group add other@voip.example.com vip &&
		"$CTL" --db "$DB" blacklist add "07$i" &&
		"$CTL" --db "$DB" dp add 1 50 "^9$i([0-9]+)\$" '' '+1\1' &&
		"$CTL" --db "$DB" address add 2 "127.0.3.$i" tag=churn &&
		"$CTL" --ctl "$SOCK" db sync &&
		"$CTL" --db "$DB" domain rm "tmp$i.example.com" &&
		"$CTL" --db "$DB" group rm other@voip.example.com vip &&
		"$CTL" --ctl "$SOCK" db sync || exit 1
		i=$((i + 1))
	done
) >"$E2E_TMP/churn.out" 2>&1 &
CHURN=$!
e2e_track "$CHURN"
burst served2 OPTIONS sip:x@stable.example.com 200 1500 &
B1=$!
burst pref2 MESSAGE sip:alice@127.0.0.1 202 1500 &
B2=$!
burst barred2 NOTIFY sip:0900123@127.0.0.1 403 1000 &
B3=$!
burst translated2 SUBSCRIBE sip:01234@127.0.0.1 200 1000 &
B4=$!
for b in $B1 $B2 $B3 $B4; do
	wait "$b" || e2e_fail "a stable answer changed while the tables were reloaded"
done
wait "$CHURN" || e2e_fail "the changes could not be loaded: $(tail -5 "$E2E_TMP/churn.out")"
e2e_expect_proxy_alive

# 3. A change that matters is seen by every request once db sync answers.
ctl domain rm stable.example.com
ctl blacklist rm prefix=0900
"$CTL" --ctl "$SOCK" db sync >"$E2E_TMP/sync.json" 2>&1 ||
	e2e_fail "db sync failed: $(cat "$E2E_TMP/sync.json")"
burst gone OPTIONS sip:x@stable.example.com 404
burst unbarred NOTIFY sip:0900123@127.0.0.1 200

# 4. Both workers took part; the tables were replaced under them.
getstat() {
	"$CTL" --ctl "$SOCK" stats "$1" >"$E2E_TMP/stats.json" 2>&1 ||
		e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/stats.json")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], 0))' "$E2E_TMP/stats.json" "$1"
}
handed=$(getstat core.handoff_messages)
[ "$handed" -gt 100 ] || e2e_fail "only $handed messages went from one worker to the other"
for t in domain group blacklist dialplan permissions prefs; do
	n=$(getstat "$t.reloads")
	[ "$n" -ge 20 ] || e2e_fail "$t was reloaded $n times, expected 20 or more"
done
e2e_expect_proxy_alive
