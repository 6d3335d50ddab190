#!/bin/sh
# Bad YAML never crashes the compiler: every key of the table (steps in
# rule actions, failure, reply, branch and timer routes; match and 'when'
# conditions; requirements; top-level keys) given values of every shape
# (empty, booleans, numbers, strings, lists, nested lists, mappings, bad
# references, bad 'when') must end "sipcc check" with status 0 or 1 and
# diagnostics, never a signal, and never a template that does not parse.
: "${SIPCC:?SIPCC must name the sipcc binary}"
: "${top_srcdir:?top_srcdir must be set}"
command -v python3 >/dev/null 2>&1 || { echo "python3 not found"; exit 77; }
cd "$top_srcdir" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/yamlrobust.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

python3 - "$SIPCC" "$tmp" <<'PY'
import re, subprocess, sys
sipcc, tmp = sys.argv[1], sys.argv[2]
table = open("compiler/yaml_table.c").read()
rows = re.findall(r'ROW\("([a-z_]+)[^"]*", ([^,]+),', table)
keys = {}
for k, where in rows:
    if "INT" not in where:
        keys.setdefault(k, set()).update(w.strip() for w in where.split("|"))
vals = ["", "~", "true", "false", "7", "-5", '"x"', "[]", "[1, [2]]", "{}", "{a: 1}",
        "{when: {}}", "{when: [1]}", "{code: 99}", '"${"', '"${$x(}"', "[{x: 1}]"]
head = "flags: [F]\nbranch_flags: [G]\navps: {a: str}\ndialog_vars: {d: str}\n"
n = bad = 0
def run(doc):
    global n, bad
    n += 1
    path = tmp + "/t.yaml"
    open(path, "w").write(doc)
    r = subprocess.run([sipcc, "check", path], capture_output=True, text=True)
    if r.returncode not in (0, 1) or "does not parse" in r.stderr:
        bad += 1
        print("FAIL: status %d for\n%s%s" % (r.returncode, doc, r.stderr[-400:]))
for k, where in sorted(keys.items()):
    for v in vals:
        if where & {"R", "F", "P", "T", "B"}:
            run(head + "rules:\n  - action: { %s: %s, continue: true }\n  - action: { reply: 404 }\n"
                "failure_routes: { fr: { %s: %s } }\nreply_routes: { rr: { %s: %s } }\n"
                "branch_routes: { br: { %s: %s } }\ntimers: { t: { every: 1s, %s: %s } }\n"
                "allow: open_relay\n" % ((k, v) * 5))
        if "M" in where:
            run(head + "rules:\n  - match: { %s: %s }\n    action: { reply: 404, log: { message: x, "
                "when: { %s: %s } } }\n  - action: { reply: 404 }\n" % (k, v, k, v))
        if "Q" in where:
            run(head + "require: { auth: www, %s: %s }\nrules:\n  - action: { reply: 404 }\n" % (k, v))
for top in ("flags", "branch_flags", "avps", "dialog_vars", "reply_routes", "branch_routes",
            "timers", "failure_routes", "rules", "require", "modules", "defines", "gateways"):
    for v in vals:
        run("%s: %s\nrules:\n  - action: { reply: 404 }\n" % (top, v))
print("%d documents, %d crashed or failed" % (n, bad))
sys.exit(1 if bad else 0)
PY
