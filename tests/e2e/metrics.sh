#!/bin/sh
# Prometheus metrics (--metrics), scraped by a real Prometheus server:
#  1. /metrics passes "promtool check metrics" (HELP and TYPE lines,
#     counters named _total, histograms well formed) and lists every
#     statistic "sipcc-ctl --ctl SOCK stats" shows;
#  2. Prometheus (its own configuration scraping the proxy every second,
#     its storage in the test's directory) sees the proxy up;
#  3. after 10 sipp calls through the proxy and one call the proxy
#     rejects itself (486), Prometheus' HTTP API answers with what sipp
#     did: 11 INVITEs received, 10 BYEs, 10 call set-ups in the
#     call set-up histogram (le="2.5" and +Inf; the 486 is not a set-up),
#     21 server transactions in the transaction-time histogram, the
#     policy's own counter at 11 and 1 local 4xx reply;
#  4. other paths get 404, a POST to /metrics 405, and /rpc is not served
#     when only --metrics is given.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
command -v prometheus >/dev/null 2>&1 || e2e_skip "prometheus not installed (apt-get install prometheus)"
command -v promtool >/dev/null 2>&1 || e2e_skip "promtool not installed (apt-get install prometheus)"
command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
SOCK=$E2E_TMP/sipcc.ctl

e2e_ports UAS PROXY UAC METRICS PROM
e2e_build tests/e2e/metrics.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY" --ctl "$SOCK" --metrics "127.0.0.1:$METRICS"
e2e_wait_tcp "$PROXY_PID" "$METRICS" "the proxy's metrics listener"
URL=http://127.0.0.1:$METRICS

# 1. The exposition itself.
curl -sf "$URL/metrics" >"$E2E_TMP/metrics.txt" || e2e_fail "GET /metrics failed"
promtool check metrics <"$E2E_TMP/metrics.txt" >"$E2E_TMP/promtool.out" 2>&1 ||
	e2e_fail "promtool check metrics: $(cat "$E2E_TMP/promtool.out")"
"$CTL" --ctl "$SOCK" stats >"$E2E_TMP/stats.json" || e2e_fail "sipcc-ctl stats failed"
python3 - "$E2E_TMP/stats.json" "$E2E_TMP/metrics.txt" <<'PY' || e2e_fail "a statistic is missing from /metrics"
import json, re, sys
stats = json.load(open(sys.argv[1]))["stats"]
text = open(sys.argv[2]).read()
types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
values = dict(re.findall(r"^(sipcc_[a-z0-9_]+) (-?[0-9]+)$", text, re.M))
assert len(stats) > 20, stats
for name, v in stats.items():
    base = "sipcc_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
    m = base + "_total" if base + "_total" in types else base
    assert m in types, (name, m)
    assert m in values, (name, m)
    # Nothing happens meanwhile: the counters agree (a gauge such as
    # mem.heap_used may move between the two reads).
    assert types[m] == "gauge" or int(values[m]) == v, (name, m, values[m], v)
# Counters are counters, gauges gauges.
assert types["sipcc_core_rcv_requests_invite_total"] == "counter"
assert types["sipcc_tm_transactions_created_total"] == "counter"
assert types["sipcc_tm_transactions_active"] == "gauge"
assert types["sipcc_tm_call_setup_seconds"] == "histogram"
assert types["sipcc_tm_transaction_seconds"] == "histogram"
assert 'sipcc_build_info{version="' in text
PY

# 2. A Prometheus server of the test's own.
cat >"$E2E_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sipcc
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:$METRICS']
EOF
prometheus --config.file="$E2E_TMP/prometheus.yml" --storage.tsdb.path="$E2E_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PROM" >"$E2E_TMP/prometheus.log" 2>&1 </dev/null &
PROM_PID=$!
e2e_track "$PROM_PID"
e2e_wait_tcp "$PROM_PID" "$PROM" "prometheus"

# promq QUERY EXPECTED SECONDS: wait until Prometheus answers the instant
# query with the single value EXPECTED; fail after SECONDS with what it said.
promq() {
	python3 - "http://127.0.0.1:$PROM" "$1" "$2" "$3" <<'PY'
import json, sys, time, urllib.parse, urllib.request
base, query, want, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
end = time.time() + secs
got = None
while True:
    try:
        url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
        r = json.load(urllib.request.urlopen(url, timeout=5))
        res = r["data"]["result"]
        got = [x["value"][1] for x in res]
        if r["status"] == "success" and got == [want]:
            sys.exit(0)
    except Exception as e:   # not ready yet
        got = repr(e)
    if time.time() > end:
        print("%s: got %s, expected %s" % (query, got, want))
        sys.exit(1)
    time.sleep(0.5)
PY
}
promq 'up{job="sipcc"}' 1 60 || e2e_fail "Prometheus does not see the proxy up"

# 3. Calls.
e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m 10 -timeout 60s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sn uac "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s bob -m 10 -r 20 \
	-timeout 60s -timeout_error
e2e_expect_calls uac 10
e2e_sipp_wait uas
e2e_expect_calls uas 10
python3 "$E2E_SRC/sip_peer.py" "$PROXY" INVITE "sip:busy@127.0.0.1:$PROXY" --expect 486 \
	>"$E2E_TMP/busy.out" 2>&1 || e2e_fail "INVITE to busy: $(cat "$E2E_TMP/busy.out")"

fail=
for q in 'sipcc_core_rcv_requests_invite_total 11' \
	'sipcc_core_rcv_requests_bye_total 10' \
	'sipcc_core_local_replies_4xx_total 1' \
	'sipcc_policy_calls 11' \
	'sipcc_tm_call_setup_seconds_count 10' \
	'sipcc_tm_call_setup_seconds_bucket{le="2.5"} 10' \
	'sipcc_tm_call_setup_seconds_bucket{le="+Inf"} 10' \
	'sipcc_tm_transaction_seconds_count 21' \
	'sipcc_tm_transaction_seconds_bucket{le="+Inf"} 21'; do
	promq "${q% *}" "${q##* }" 30 >>"$E2E_TMP/promq.out" || fail="$fail; $(tail -1 "$E2E_TMP/promq.out")"
done
[ -z "$fail" ] || e2e_fail "Prometheus disagrees with sipp$fail"
# The buckets are cumulative, +Inf is the count, the sum is a duration.
curl -sf "$URL/metrics" >"$E2E_TMP/metrics2.txt" || e2e_fail "GET /metrics failed"
python3 - "$E2E_TMP/metrics2.txt" <<'PY' || e2e_fail "histograms: $(grep _seconds "$E2E_TMP/metrics2.txt")"
import re, sys
text = open(sys.argv[1]).read()
for h in ("sipcc_tm_call_setup_seconds", "sipcc_tm_transaction_seconds"):
    b = re.findall(r'^%s_bucket\{le="([^"]+)"\} (\d+)$' % h, text, re.M)
    counts = [int(c) for _, c in b]
    assert b[-1][0] == "+Inf" and counts == sorted(counts), b
    assert counts[-1] == int(re.search(r"^%s_count (\d+)$" % h, text, re.M).group(1))
    assert float(re.search(r"^%s_sum (\S+)$" % h, text, re.M).group(1)) > 0
PY

# 4. Paths and methods.
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/other")
[ "$code" = 404 ] || e2e_fail "GET /other answered $code, expected 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$URL/metrics")
[ "$code" = 405 ] || e2e_fail "POST /metrics answered $code, expected 405"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' "$URL/rpc")
[ "$code" = 404 ] || e2e_fail "/rpc without --rpc answered $code, expected 404"
e2e_expect_proxy_alive
exit 0
