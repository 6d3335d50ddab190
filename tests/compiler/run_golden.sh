#!/bin/sh
# Golden tests of the compiler front end. Every tests/compiler/NAME.sip is
# run through sipcc from the top of the source tree and its stderr must be
# exactly NAME.err. Lines at the top of a case may set:
#   # args: check -Werror %s      the sipcc arguments (%s: the case's path;
#                                 default "check %s")
#   # env: VAR=value              extra environment for sipcc
#   # exit: N                     the expected exit status (default: 1 when
#                                 the .err has an error, else 0)
# examples/minimal.sip must check with no diagnostic at all.
#
# Needs SIPCC and top_srcdir (set by "make check"); SIPCC_STDLIB is used by
# sipcc. With GOLDEN_UPDATE=1 the .err files are rewritten instead.

: "${SIPCC:?SIPCC must name the sipcc binary}"
: "${top_srcdir:?top_srcdir must be set}"
cd "$top_srcdir" || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0

# run NAME EXPECTED_ERR_FILE EXPECTED_STATUS ENV ARGS...
run_case() {
	name=$1 exp=$2 want=$3 envs=$4
	shift 4
	# shellcheck disable=SC2086
	env $envs "$SIPCC" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "${GOLDEN_UPDATE:-0}" = 1 ] && [ "$exp" != /dev/null ]; then
		cp "$tmp/err" "$exp"
	fi
	if ! diff -u "$exp" "$tmp/err" >"$tmp/diff"; then
		echo "FAIL: $name (stderr differs)"
		cat "$tmp/diff"
		fail=$((fail + 1))
	elif [ "$status" != "$want" ]; then
		echo "FAIL: $name (exit status $status, expected $want)"
		fail=$((fail + 1))
	else
		echo "PASS: $name"
		pass=$((pass + 1))
	fi
}

for sip in tests/compiler/*.sip; do
	name=${sip%.sip}
	err=$name.err
	if [ ! -f "$err" ] && [ "${GOLDEN_UPDATE:-0}" != 1 ]; then
		echo "FAIL: $name (no $err)"
		fail=$((fail + 1))
		continue
	fi
	args=$(sed -n 's/^# args: //p' "$sip" | head -n 1)
	[ -n "$args" ] || args="check %s"
	args=$(printf '%s\n' "$args" | sed "s|%s|$sip|g")
	envs=$(sed -n 's/^# env: //p' "$sip" | head -n 1)
	want=$(sed -n 's/^# exit: //p' "$sip" | head -n 1)
	if [ -z "$want" ]; then
		if [ -f "$err" ] && grep -Eq '(^|: )error: ' "$err"; then
			want=1
		else
			want=0
		fi
	fi
	# shellcheck disable=SC2086
	run_case "$name" "$err" "$want" "$envs" $args
done

run_case examples/minimal /dev/null 0 "" check examples/minimal.sip

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
