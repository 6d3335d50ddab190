#!/bin/sh
# The generated proxy as a service (sipcc-proxy(8)): options that must be
# refused, systemd's readiness and watchdog notifications, and a daemon
# that drops root for nobody, writes its pid file and logs JSON to syslog.
#
# systemd itself cannot run here (it is not PID 1): its notification
# socket is a Unix datagram socket the test binds (dgram_rx.py), which is
# all systemd's side of sd_notify(3) is. Syslog is real: the daemon runs
# in a mount namespace whose /dev/log is the test's socket, the path
# glibc's syslog(3) writes to. Needs root (namespaces, --user).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 unshare
[ "$(id -u)" = 0 ] || e2e_skip "needs root (mount namespace, --user)"
id nobody >/dev/null 2>&1 || e2e_skip "no user nobody"
NOBODY_UID=$(id -u nobody)

# The database and the pid file where nobody may write.
chmod 711 "$E2E_TMP"
SVC=$E2E_TMP/svc
mkdir "$SVC" && chmod 777 "$SVC"
e2e_ctl_init "sqlite:$SVC/sipcc.db"
e2e_subscribers bob
chmod 666 "$SVC/sipcc.db"

e2e_ports UAS PROXY UAC
e2e_build tests/e2e/auth_registrar.sip
RX=$E2E_SRC/dgram_rx.py

# refused WANT-REGEX OPTIONS...: the proxy exits 2 at once, saying why.
refused() {
	want=$1; shift
	st=0
	"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --db "$DB" "$@" >"$E2E_TMP/refused.out" 2>&1 || st=$?
	[ "$st" = 2 ] || e2e_fail "$* exited $st, not 2: $(cat "$E2E_TMP/refused.out")"
	grep -q -e "$want" "$E2E_TMP/refused.out" || e2e_fail "$*: no '$want' in $(cat "$E2E_TMP/refused.out")"
}

# 0. Every option of --help is in sipcc-proxy(8); the systemd unit passes
# systemd-analyze verify (no output at all: unknown keys are only
# warnings) with the proxy where its ExecStart looks.
for opt in $("$E2E_PROXY" --help | grep -o -e '--[a-z-]*' | sort -u); do
	esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q -e "$esc" "$top_srcdir/man/sipcc-proxy.8" ||
		e2e_fail "option $opt of --help is not in sipcc-proxy(8)"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$E2E_TMP/unit"
	sed "s|@sbindir@|$E2E_TMP/unit|" "$top_srcdir/systemd/sipcc@.service.in" >"$E2E_TMP/unit/sipcc@.service"
	cp "$E2E_PROXY" "$E2E_TMP/unit/myproxy"
	systemd-analyze verify --man=no "$E2E_TMP/unit/sipcc@myproxy.service" >"$E2E_TMP/verify.out" 2>&1 ||
		e2e_fail "systemd-analyze verify failed: $(cat "$E2E_TMP/verify.out")"
	[ ! -s "$E2E_TMP/verify.out" ] || e2e_fail "systemd-analyze verify: $(cat "$E2E_TMP/verify.out")"
else
	e2e_log "systemd-analyze not found: unit not verified"
fi

# 1. What is refused before anything starts.
refused "refusing to run as root in the background" --daemon
refused "no such user: no-such-user-x" --user no-such-user-x
refused "no such group: no-such-group-x" --user nobody --group no-such-group-x
refused "--group needs --user" --group nogroup
refused "unknown syslog facility" --log syslog:local9
refused "expected stderr, syslog" --log file
refused "unknown --log-format" --log-format yaml

# 2. Readiness and watchdog, in the foreground: READY=1 once it listens
# (with its pid), WATCHDOG=1 at half the interval while the loop runs,
# STOPPING=1 at exit.
NOTIFY=$E2E_TMP/notify.sock
python3 "$RX" "$NOTIFY" "$E2E_TMP/notify.out" 30 &
e2e_track $!
i=0
until [ -S "$NOTIFY" ]; do
	[ $i -ge 50 ] && e2e_fail "notification socket not bound"
	sleep 0.1; i=$((i + 1))
done
export NOTIFY_SOCKET="$NOTIFY" WATCHDOG_USEC=300000
e2e_start_proxy "$PROXY" --db "$DB"
unset NOTIFY_SOCKET WATCHDOG_USEC
i=0
until grep -q "^READY=1|.*MAINPID=$PROXY_PID" "$E2E_TMP/notify.out" 2>/dev/null; do
	[ $i -ge 50 ] && e2e_fail "no READY=1 with MAINPID=$PROXY_PID: $(cat "$E2E_TMP/notify.out")"
	sleep 0.1; i=$((i + 1))
done
sleep 1.2
n=$(grep -c '^WATCHDOG=1$' "$E2E_TMP/notify.out")
[ "$n" -ge 5 ] || e2e_fail "$n watchdog pings in 1.2 s, expected about 8 (WatchdogSec 0.3 s)"
kill -TERM "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
i=0
until grep -q '^STOPPING=1$' "$E2E_TMP/notify.out"; do
	[ $i -ge 30 ] && e2e_fail "no STOPPING=1 at exit"
	sleep 0.1; i=$((i + 1))
done

# 3. The daemon: the starting command returns 0 once the proxy listens,
# the pid file names a process running as nobody that answers, and its
# log lines reach syslog (facility local3) as JSON.
PIDFILE=$SVC/proxy.pid
mkdir "$E2E_TMP/dev"
st=0
unshare -m sh -c '
	set -e
	T=$1; shift
	mount -t tmpfs tmpfs "$T/dev"
	for f in null zero urandom random; do
		: >"$T/dev/$f"
		mount --bind "/dev/$f" "$T/dev/$f"
	done
	python3 "$1" "$T/dev/log" "$T/syslog.out" 60 &
	echo $! >"$T/rx.pid"
	i=0
	until [ -S "$T/dev/log" ]; do
		[ $i -ge 50 ] && exit 3
		sleep 0.1; i=$((i + 1))
	done
	mount --bind "$T/dev" /dev
	shift
	exec "$@"
' sh "$E2E_TMP" "$RX" "$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --db "$DB" \
	--daemon --pidfile "$PIDFILE" -u nobody --log syslog:local3 --log-format json \
	>"$E2E_TMP/daemon.out" 2>&1 || st=$?
[ -f "$E2E_TMP/rx.pid" ] && e2e_track "$(cat "$E2E_TMP/rx.pid")"
[ "$st" = 0 ] || e2e_fail "starting the daemon exited $st: $(cat "$E2E_TMP/daemon.out")"
e2e_udp_bound "$PROXY" || e2e_fail "the daemon returned before listening"
[ -s "$PIDFILE" ] || e2e_fail "no pid file"
PID=$(cat "$PIDFILE")
e2e_track "$PID"
kill -0 "$PID" 2>/dev/null || e2e_fail "pid file names $PID, which does not run"
grep -q "^Uid:[[:space:]]*$NOBODY_UID[[:space:]]*$NOBODY_UID[[:space:]]*$NOBODY_UID" "/proc/$PID/status" ||
	e2e_fail "the daemon does not run as nobody: $(grep Uid "/proc/$PID/status")"
[ "$(ps -o sid= -p "$PID" | tr -d ' ')" = "$PID" ] || e2e_fail "the daemon is not a session leader"

# A wrong password (a notice line) and a registration (nobody writes the
# database).
e2e_sipp_run wrongpw -sf "$E2E_SRC/reg_wrong.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s bob -au bob -ap not-bobs-password -key contact_port "$UAS" -m 1 -timeout 10s -timeout_error
e2e_expect_calls wrongpw 1
e2e_sipp_register regbob bob "$UAC" "$UAS"
e2e_wait_binding bob@voip.example.com "the daemon did not store bob's binding"

# syslog: "<PRI>TIMESTAMP sipcc[PID]: {json}", PRI = local3 (19) * 8 + level.
python3 - "$E2E_TMP/syslog.out" "$PID" "$UAC" <<'EOF' || e2e_fail "syslog lines wrong: $(cat "$E2E_TMP/syslog.out")"
import json, re, sys, time
path, pid, uac = sys.argv[1], sys.argv[2], sys.argv[3]
want = {"listening": False, "auth": False, "user": False}
for _ in range(50):
    lines = open(path).read().splitlines()
    for line in lines:
        m = re.match(r"<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d sipcc\[(\d+)\]: (\{.*\})$", line)
        if not m:
            sys.exit("not a syslog line with a JSON message: " + line)
        pri, lpid, obj = int(m.group(1)), m.group(2), json.loads(m.group(3))
        if pri // 8 != 19:
            sys.exit("facility %d, not local3: %s" % (pri // 8, line))
        level = {"err": 3, "warn": 4, "notice": 5, "info": 6, "debug": 7}[obj["level"]]
        if pri % 8 != level:
            sys.exit("priority %d for level %s" % (pri % 8, obj["level"]))
        if lpid != pid:
            sys.exit("pid %s, not %s" % (lpid, pid))
        if "listening on udp:127.0.0.1" in obj["msg"]:
            want["listening"] = True
        if "running as user nobody" in obj["msg"]:
            want["user"] = True
        if obj["msg"].startswith("auth: failed:"):
            assert obj["src"] == "127.0.0.1:" + uac, obj
            assert obj["method"] == "REGISTER" and obj["user"] == "bob", obj
            assert obj["reason"] == "wrong password", obj
            want["auth"] = True
    if all(want.values()):
        sys.exit(0)
    time.sleep(0.1)
sys.exit("missing: %s" % [k for k, v in want.items() if not v])
EOF

# A second daemon on the same port fails to start: its command says why
# on the terminal and exits non-zero (--allow-root lets it try as root);
# the first keeps its pid file.
st=0
"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --db "$DB" --daemon --allow-root \
	--pidfile "$SVC/second.pid" >"$E2E_TMP/second.out" 2>&1 || st=$?
[ "$st" != 0 ] || e2e_fail "a daemon that cannot bind exited 0"
grep -q "^err: .*127.0.0.1:$PROXY" "$E2E_TMP/second.out" ||
	e2e_fail "the failed daemon did not say why: $(cat "$E2E_TMP/second.out")"
[ ! -e "$SVC/second.pid" ] || e2e_fail "a daemon that failed wrote a pid file"
# Only errors and warnings reach the terminal; the rest went to syslog.
! grep -q "^notice:" "$E2E_TMP/second.out" || e2e_fail "a daemon logged notices to the terminal"

# SIGTERM: it exits and removes its pid file.
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null; do
	[ $i -ge 50 ] && e2e_fail "the daemon did not exit on SIGTERM"
	sleep 0.1; i=$((i + 1))
done
[ ! -e "$PIDFILE" ] || e2e_fail "the pid file is left after exit"
exit 0
