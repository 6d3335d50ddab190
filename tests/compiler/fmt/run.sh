#!/bin/sh
# sipcc fmt. For every tests/compiler/fmt/NAME.sip, the output must be
# exactly NAME.fmt, and when NAME.explain exists, the output of
# "sipcc explain NAME.sip" must be exactly it. For those, examples/*.sip, the e2e policies and
# tests/compiler/roundtrip_all.sip (every construct of the language):
#   - fmt is idempotent: fmt(fmt(x)) is fmt(x);
#   - every comment is kept, in order;
#   - the formatted policy checks with the same diagnostics summary and
#     compiles to the same LLVM IR as the original (apart from the
#     module's name and the file:line of while-loop messages).
#
# Needs SIPCC and top_srcdir (set by "make check"). With GOLDEN_UPDATE=1
# the .fmt and existing .explain files are rewritten.

: "${SIPCC:?SIPCC must name the sipcc binary}"
: "${top_srcdir:?top_srcdir must be set}"
cd "$top_srcdir" || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fmtgold.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# roundtrip_all.sip includes files relative to itself.
cp -R tests/compiler/inc "$tmp/inc"

pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

summary() { grep -E '^[0-9]+ (error|warning)s? ' "$1" || true; }

# The comments of a policy, in order, without the indentation before them.
comments() { grep -o '#.*' "$1"; }

same_code() {
	"$SIPCC" build --emit-llvm -O0 "$1" -o "$tmp/a.ll" 2>"$tmp/a.err" || { cat "$tmp/a.err"; return 1; }
	"$SIPCC" build --emit-llvm -O0 "$2" -o "$tmp/b.ll" 2>"$tmp/b.err" || { cat "$tmp/b.err"; return 1; }
	grep -Ev '^(; ModuleID|source_filename)|\.sip:[0-9]+\\00' "$tmp/a.ll" |
		sed 's/\[[0-9]* x i8\]/[N x i8]/g' >"$tmp/a.body"
	grep -Ev '^(; ModuleID|source_filename)|\.sip:[0-9]+\\00' "$tmp/b.ll" |
		sed 's/\[[0-9]* x i8\]/[N x i8]/g' >"$tmp/b.body"
	diff -u "$tmp/a.body" "$tmp/b.body" | head -40
	cmp -s "$tmp/a.body" "$tmp/b.body"
}

for sip in tests/compiler/fmt/*.sip; do
	want=${sip%.sip}.fmt
	"$SIPCC" fmt "$sip" >"$tmp/out" 2>"$tmp/err"
	[ "${GOLDEN_UPDATE:-0}" = 1 ] && cp "$tmp/out" "$want"
	if [ -s "$tmp/err" ] || ! diff -u "$want" "$tmp/out"; then
		bad "$sip (fmt output differs)"
		cat "$tmp/err"
	else
		ok "$sip"
	fi
	want=${sip%.sip}.explain
	[ -f "$want" ] || continue
	"$SIPCC" explain "$sip" >"$tmp/out" 2>"$tmp/err"
	[ "${GOLDEN_UPDATE:-0}" = 1 ] && cp "$tmp/out" "$want"
	if [ -s "$tmp/err" ] || ! diff -u "$want" "$tmp/out"; then
		bad "$sip (explain output differs)"
		cat "$tmp/err"
	else
		ok "$sip explain"
	fi
done

for sip in tests/compiler/fmt/*.sip examples/*.sip tests/e2e/*.sip \
	   tests/compiler/roundtrip_all.sip; do
	name=$(basename "$sip" .sip)
	stdlib=${SIPCC_STDLIB:-}
	case $sip in tests/compiler/roundtrip_all.sip) SIPCC_STDLIB=tests/compiler/lintlib ;; esac
	export SIPCC_STDLIB
	one=$tmp/$name.sip two=$tmp/$name.2.sip
	if ! "$SIPCC" fmt "$sip" >"$one" 2>"$tmp/err"; then
		bad "$sip (fmt failed)"
		cat "$tmp/err"
		SIPCC_STDLIB=$stdlib
		continue
	fi
	"$SIPCC" fmt "$one" >"$two" 2>&1
	if cmp -s "$one" "$two"; then
		ok "$sip fmt is idempotent"
	else
		bad "$sip fmt is not idempotent"
		diff -u "$one" "$two" | head -20
	fi
	comments "$sip" >"$tmp/c1"
	comments "$one" >"$tmp/c2"
	if cmp -s "$tmp/c1" "$tmp/c2"; then
		ok "$sip comments kept"
	else
		bad "$sip comments lost or moved out of order"
		diff -u "$tmp/c1" "$tmp/c2" | head -20
	fi
	"$SIPCC" check "$sip" >/dev/null 2>"$tmp/e1"
	s1=$?
	"$SIPCC" check "$one" >/dev/null 2>"$tmp/e2"
	s2=$?
	if [ "$s1" = "$s2" ] && [ "$(summary "$tmp/e1")" = "$(summary "$tmp/e2")" ]; then
		ok "$sip checks the same formatted"
	else
		bad "$sip checks differently formatted (exit $s1 vs $s2)"
		cat "$tmp/e2"
	fi
	if [ "$s1" = 0 ]; then
		if same_code "$sip" "$one"; then
			ok "$sip same code formatted"
		else
			bad "$sip formatted does not compile to the same code"
		fi
	fi
	SIPCC_STDLIB=$stdlib
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
