#!/bin/sh
# Every key of the YAML form is documented in sipcc-yaml(5): the keys of
# the table of compiler/yaml_table.c (match, require, steps and what
# decides) and the top-level keys of compiler/yaml.c must each appear in
# bold in man/sipcc-yaml.5. A row added without its line of documentation
# fails here.
: "${top_srcdir:?top_srcdir must be set}"
cd "$top_srcdir" || exit 1

keys=$( {
	# ROW("key" or ROW("key=variant", skipping the front end's own rows.
	grep -E '^[[:space:]]*ROW\("' compiler/yaml_table.c | grep -v 'INT,' |
		sed -E 's/^[[:space:]]*ROW\("([a-z_]+)[^"]*".*/\1/'
	sed -n '/cc_yaml_top_keys\[\] = {/,/};/p' compiler/yaml.c | grep -o '"[a-z_]*"' | tr -d '"'
} | sort -u)
[ -n "$keys" ] || { echo "FAIL: no keys found in compiler/yaml_table.c"; exit 1; }

fail=0
n=0
for k in $keys; do
	n=$((n + 1))
	if ! grep -E '^\.(B|BR|BI|IR|RB) ' man/sipcc-yaml.5 | grep -Eq "(^|[^a-z_])$k([^a-z_]|$)"; then
		echo "FAIL: YAML key '$k' is not documented in man/sipcc-yaml.5"
		fail=$((fail + 1))
	fi
done
echo "$n keys, $fail undocumented"
[ "$fail" -eq 0 ]
