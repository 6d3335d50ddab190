#!/bin/sh
# Golden tests of the YAML front end. For every tests/compiler/yaml/NAME.yaml:
#   - NAME.err is the exact stderr of "sipcc check NAME.yaml" (may be empty),
#     and the exit status must be 1 when it has an error, else 0;
#   - when NAME.sip exists, it is the exact stdout of "sipcc explain
#     NAME.yaml", and that DSL must itself check with the same result
#     (same number of errors and warnings), so the printed DSL is what
#     the YAML means and parses back;
#   - when NAME.yaml builds cleanly and NAME.sip exists, both compile to
#     the same LLVM IR apart from the module name.
# every examples/*.yaml must check (-Werror) without any diagnostic and explain
# into DSL that checks without any diagnostic either.
#
# Needs SIPCC and top_srcdir (set by "make check"); SIPCC_STDLIB is used by
# sipcc. With GOLDEN_UPDATE=1 the .err and .sip files are rewritten.

: "${SIPCC:?SIPCC must name the sipcc binary}"
: "${top_srcdir:?top_srcdir must be set}"
cd "$top_srcdir" || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/yamlgold.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0

ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# Diagnostics of the printed DSL name another file; compare only the
# "N errors, M warnings generated." summary.
summary() { grep -E '^[0-9]+ (error|warning)s? ' "$1" || true; }

# same_code A B: both policies build, and their LLVM IR is the same apart
# from the module's name.
same_code() {
	"$SIPCC" build --emit-llvm -O0 "$1" -o "$tmp/a.ll" 2>"$tmp/a.err" || { cat "$tmp/a.err"; return 1; }
	"$SIPCC" build --emit-llvm -O0 "$2" -o "$tmp/b.ll" 2>"$tmp/b.err" || { cat "$tmp/b.err"; return 1; }
	# A while loop names its "file:line" for its bound message; the
	# printed copy lives elsewhere.
	grep -Ev '^(; ModuleID|source_filename)|\.sip:[0-9]+\\00' "$tmp/a.ll" |
		sed 's/\[[0-9]* x i8\]/[N x i8]/g' >"$tmp/a.body"
	grep -Ev '^(; ModuleID|source_filename)|\.sip:[0-9]+\\00' "$tmp/b.ll" |
		sed 's/\[[0-9]* x i8\]/[N x i8]/g' >"$tmp/b.body"
	diff -u "$tmp/a.body" "$tmp/b.body" | head -40
	cmp -s "$tmp/a.body" "$tmp/b.body"
}

for yaml in tests/compiler/yaml/*.yaml; do
	name=${yaml%.yaml}
	"$SIPCC" check "$yaml" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$tmp/err" "$name.err"
	fi
	want=0
	grep -Eq '(^|: )error: ' "$name.err" 2>/dev/null && want=1
	if [ ! -f "$name.err" ]; then
		bad "$name (no $name.err)"
	elif ! diff -u "$name.err" "$tmp/err"; then
		bad "$name (check: stderr differs)"
	elif [ "$status" != "$want" ]; then
		bad "$name (check: exit status $status, expected $want)"
	else
		ok "$name check"
	fi

	[ -f "$name.sip" ] || continue
	"$SIPCC" explain "$yaml" >"$tmp/explain.sip" 2>"$tmp/explain.err"
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$tmp/explain.sip" "$name.sip"
	fi
	if ! diff -u "$name.sip" "$tmp/explain.sip"; then
		bad "$name (explain: output differs)"
		continue
	fi
	# Included DSL files are inlined by explain; the printed program is
	# checked from the case's directory, where the includes live.
	cp "$tmp/explain.sip" "$tmp/printed.sip"
	"$SIPCC" check "$tmp/printed.sip" >/dev/null 2>"$tmp/printed.err"
	if [ "$(summary "$tmp/printed.err")" != "$(summary "$tmp/err")" ]; then
		bad "$name (the explained DSL checks differently)"
		cat "$tmp/printed.err"
		continue
	fi
	ok "$name explain"
	[ "$want" = 0 ] || continue
	if same_code "$yaml" "$tmp/printed.sip"; then
		ok "$name same code"
	else
		bad "$name (YAML and explained DSL do not compile to the same code)"
	fi
done

# explain on a DSL policy prints it back: the printed text must compile to
# the same code as the original. tests/compiler/roundtrip_all.sip uses every
# construct of the language (with the stand-in stdlib of the path checks).
for sip in examples/*.sip tests/compiler/roundtrip_all.sip; do
	name=$(basename "$sip" .sip)
	stdlib=${SIPCC_STDLIB:-}
	case $sip in tests/*) SIPCC_STDLIB=tests/compiler/lintlib ;; esac
	export SIPCC_STDLIB
	"$SIPCC" explain "$sip" >"$tmp/$name.sip" 2>/dev/null
	if same_code "$sip" "$tmp/$name.sip"; then
		ok "$sip printed back"
	else
		bad "$sip printed back (does not compile to the same code)"
	fi
	SIPCC_STDLIB=$stdlib
done

for ex in examples/*.yaml; do
	[ -f "$ex" ] || continue
	case $ex in *.test.yaml) continue ;; esac     # test cases (sipcc test)
	if "$SIPCC" check -Werror "$ex" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
		ok "$ex check"
	else
		bad "$ex check"
		cat "$tmp/err"
	fi
	"$SIPCC" explain "$ex" >"$tmp/res.sip" 2>/dev/null
	if "$SIPCC" check "$tmp/res.sip" >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
		ok "$ex explain"
	else
		bad "$ex explain"
		cat "$tmp/err"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
