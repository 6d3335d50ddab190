#!/bin/sh
# Every C symbol the stdlib declarations call ("calls SYMBOL", and
# SYMBOL_get / SYMBOL_set of a pseudo-variable) and every module's
# interface struct (sipcc_module_NAME) is defined in the runtime library: a declaration without its function would otherwise be found
# only when a policy using it fails to link. The prototypes themselves are
# checked by the C compiler (runtime/proxy/policy_fns.h, generated from the
# same declarations).
: "${top_builddir:=.}"
: "${SIPCC:=$top_builddir/sipcc}"
: "${SIPCC_RUNTIME:=$top_builddir/libsiprt.a}"
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm not found (binutils)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/abi_symbols.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

"$SIPCC" doc --symbols >"$tmp/declared" || { echo "FAIL: sipcc doc --symbols"; exit 1; }
n=$(wc -l <"$tmp/declared")
# A stdlib with a few declarations only means the wrong directory was read.
[ "$n" -ge 100 ] || { echo "FAIL: only $n symbols declared (SIPCC_STDLIB=$SIPCC_STDLIB?)"; exit 1; }
nm -g --defined-only "$SIPCC_RUNTIME" 2>/dev/null |
	awk '$2 == "T" || $2 == "D" { print $3 }' | sort -u >"$tmp/defined"
sort -u "$tmp/declared" >"$tmp/declared.sorted"
missing=$(comm -23 "$tmp/declared.sorted" "$tmp/defined")
passed=$(comm -12 "$tmp/declared.sorted" "$tmp/defined" | wc -l)
failed=0
for s in $missing; do
	echo "FAIL: $s is declared in the stdlib but not defined in $(basename "$SIPCC_RUNTIME")"
	failed=$((failed + 1))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
