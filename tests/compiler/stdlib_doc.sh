#!/bin/sh
# The stdlib's documentation names only what exists:
#  - every function core.sipi gives as an example of a mark ("trusted ...
#    (ip_in_net)") is declared in stdlib/*.sipi;
#  - every option (--x) or KEY= of a "sipcc-ctl ..." command in a stdlib
#    doc string is one that sipcc-ctl's usage lists.
# Needs SIPCC_STDLIB (the stdlib) and top_builddir (for sipcc-ctl).
: "${SIPCC_STDLIB:?SIPCC_STDLIB must name the stdlib directory}"
: "${top_builddir:?top_builddir must be set}"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || { echo "SKIP: no sipcc-ctl at $CTL"; exit 77; }

fail=0
declared=$(sed -n 's/^fn \([A-Za-z_0-9]*\)(.*/\1/p' "$SIPCC_STDLIB"/*.sipi)

# The marks section of core.sipi: "#   mark   text (fn, fn)".
# Only the items that are one word: "(a gateway selection)" is no name.
for name in $(sed -n 's/^#   [a-z_]\{2,\} .*(\([a-z_0-9, ]*\)).*/\1/p' "$SIPCC_STDLIB/core.sipi" |
	sed 's/, */\n/g' | grep -v ' '); do
	if ! printf '%s\n' "$declared" | grep -qx "$name"; then
		echo "FAIL: core.sipi names '$name', which no stdlib file declares"
		fail=$((fail + 1))
	fi
done

usage=$("$CTL" --help 2>&1)
grep -oh 'sipcc-ctl [^;")]*' "$SIPCC_STDLIB"/*.sipi | while read -r mention; do
	for word in $mention; do
		case $word in
		--*) want="$word " ;;
		*=*) want="${word%%=*}=" ;;
		*) continue ;;
		esac
		if ! printf '%s\n' "$usage" | grep -qF -- "$want"; then
			echo "FAIL: '$mention': sipcc-ctl has no '$want'"
			echo x >>"${TMPDIR:-/tmp}/stdlib_doc.$$"
		fi
	done
done
if [ -f "${TMPDIR:-/tmp}/stdlib_doc.$$" ]; then
	rm -f "${TMPDIR:-/tmp}/stdlib_doc.$$"
	fail=$((fail + 1))
fi
[ "$fail" -eq 0 ] && echo "PASS: stdlib documentation names what exists"
[ "$fail" -eq 0 ]
