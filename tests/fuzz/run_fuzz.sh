#!/bin/sh
# Run each libFuzzer target (message, URI, SDP, time recurrence parsers, JSON reader) for FUZZ_TIME seconds (default 20) over the seed
# corpus. New inputs go to tests/fuzz/work/{msg,uri,sdp} in the build tree, so the
# corpus grows across runs; a crash fails the test and leaves its input in
# tests/fuzz/work. Exit 77 (skipped) when the targets were not built because
# clang with libFuzzer is missing.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
# SIPCC_CHECK_FUZZ_TIME (scripts/check) wins over FUZZ_TIME, which the
# Makefile sets for "make fuzz" and exports whenever it is in the
# environment.
time=${SIPCC_CHECK_FUZZ_TIME:-${FUZZ_TIME:-20}}
seeds=$srcdir/tests/data/fuzz-seeds
work=$builddir/tests/fuzz/work

# scripts/check fuzzes in its ASan+UBSan pass; its plain pass (which
# builds the same libFuzzer targets) says so with SIPCC_CHECK_FUZZ=0.
if [ "${SIPCC_CHECK_FUZZ:-1}" = 0 ]; then
	echo "SKIP: fuzzed in the ASan+UBSan pass of scripts/check"
	exit 77
fi
for t in fuzz_msg fuzz_uri fuzz_sdp fuzz_json fuzz_timerec; do
	if [ ! -x "$builddir/tests/fuzz/$t" ]; then
		echo "SKIP: $builddir/tests/fuzz/$t not built (needs clang with libFuzzer)"
		exit 77
	fi
done

mkdir -p "$work/msg" "$work/uri" "$work/sdp" "$work/json" "$work/timerec" || exit 99
cat "$seeds/dict/opensips-fuzz_core_funcs.dict" "$srcdir/tests/fuzz/sip.dict" > "$work/sip.dict" || exit 99

# run_one TARGET CORPUS-DIR SEED-DIR... (with the dictionary $dict): the fuzzer's output goes to
# work/TARGET.log, whose tail is shown; returns the fuzzer's exit status.
run_one() {
	target=$1; corpus=$2; shift 2
	echo "== $target: ${time}s over $corpus $*"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$builddir/tests/fuzz/$target" -max_total_time="$time" -rss_limit_mb=1024 \
		-timeout=10 -max_len=8192 -dict="$dict" -print_final_stats=1 \
		-artifact_prefix="$work/$target-" "$corpus" "$@" > "$work/$target.log" 2>&1
	rc=$?
	grep -v -e '^#[0-9]' -e '^"' "$work/$target.log" | tail -n 40
	return $rc
}

status=0
dict=$work/sip.dict
run_one fuzz_msg "$work/msg" \
	"$seeds/kamailio-test-sip" "$seeds/pjsip/fuzz-sip_seed_corpus" \
	"$seeds/pjsip/fuzz-sip-dialog_seed_corpus" "$seeds/profuzzbench-kamailio-in-sip" \
	"$seeds/rfc5118/wire" "$srcdir/tests/data/rfc4475" || status=1
run_one fuzz_uri "$work/uri" \
	"$seeds/pjsip/fuzz-uri_seed_corpus" "$srcdir/tests/fuzz/corpus-uri" || status=1
dict=$srcdir/tests/fuzz/sdp.dict
run_one fuzz_sdp "$work/sdp" \
	"$seeds/pjsip/fuzz-sdp_seed_corpus" "$srcdir/tests/data/fuzz-sdp" || status=1
dict=$srcdir/tests/fuzz/json.dict
run_one fuzz_json "$work/json" "$srcdir/tests/fuzz/corpus-json" || status=1
dict=$srcdir/tests/fuzz/timerec.dict
run_one fuzz_timerec "$work/timerec" "$srcdir/tests/fuzz/corpus-timerec" || status=1
[ $status = 0 ] || echo "FAIL: see the crash input and log in $work"
exit $status
