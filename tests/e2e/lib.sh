# Shared helpers for the end-to-end tests. A test sources this file:
#
#   . "${top_srcdir:-.}/tests/e2e/lib.sh"
#   e2e_init                      # skip without sipp/python3, temp dir, trap
#   e2e_ports UAS PROXY UAC       # free UDP+TCP ports on 127.0.0.1
#   e2e_build examples/minimal.sip -D NEXT_HOP=sip:127.0.0.1:$UAS
#   e2e_start_proxy $PROXY
#   e2e_sipp uas -sf uas.xml -p $UAS ...   # background; e2e_sipp_wait uas
#   e2e_sipp_run uac -sf uac.xml 127.0.0.1:$PROXY -m 100 ...   # foreground
#   e2e_expect_calls uac 100      # sipp exit 0, 100 successful, 0 failed
#   e2e_wait_log "tables loaded" 5 "no tables"  # a proxy.log line within 5 s
#
# Tests with subscribers in a database (sipcc-ctl):
#
#   e2e_ctl_init [DB_URL]         # CTL, DB (default a new SQLite file), ctl
#   e2e_subscribers alice bob     # schema, voip.example.com, USER/USER-secret
#   e2e_start_proxy $PROXY --db "$DB"
#   e2e_sipp_register regbob bob $UAC $UAS   # reg_auth.xml, 1 successful
#   e2e_wait_binding bob@voip.example.com "no binding for bob"  # ul.out
#
# make check exports SIPCC (the compiler), SIPCC_STDLIB, SIPCC_RUNTIME,
# top_srcdir and top_builddir. By hand, from a build directory:
#
#   top_srcdir=/path/to/src sh /path/to/src/tests/e2e/calls.sh
#
# (SIPCC, SIPCC_STDLIB and SIPCC_RUNTIME default to ./sipcc, the build
# tree's share/stdlib and ./libsiprt.a.)
#
# Exit status follows automake: 0 pass, 1 fail, 77 skip, 99 hard error.
# Set E2E_KEEP=1 to keep the temporary directory (logs, sipp traces).

E2E_NAME=$(basename "$0" .sh)
E2E_PIDS=
E2E_TMP=
E2E_DONE=0

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
: "${SIPCC:=$top_builddir/sipcc}"
: "${SIPCC_STDLIB:=$top_builddir/share/stdlib}"
: "${SIPCC_RUNTIME:=$top_builddir/libsiprt.a}"
export SIPCC_STDLIB SIPCC_RUNTIME
E2E_SRC=$top_srcdir/tests/e2e

e2e_log() { printf '%s: %s\n' "$E2E_NAME" "$*" >&2; }

# Skip the test (exit 77) with a reason.
e2e_skip() { e2e_log "SKIP: $*"; E2E_DONE=1; exit 77; }

# Fail the test with a reason; the cleanup trap prints the logs.
e2e_fail() { e2e_log "FAIL: $*"; exit 1; }

# A broken set-up, not a failed expectation (exit 99).
e2e_error() { e2e_log "ERROR: $*"; exit 99; }

# e2e_init [TOOL...]: check the tools the test needs (default: sipp and
# python3; a test that only compiles gives "none"), make the temporary
# directory and install the trap that kills every process the test started.
e2e_init() {
	[ $# -eq 0 ] && set -- sipp python3
	for tool in "$@"; do
		case $tool in
		none) ;;
		sipp) command -v sipp >/dev/null 2>&1 ||
			e2e_skip "sipp not found (apt-get install sip-tester)" ;;
		*) command -v "$tool" >/dev/null 2>&1 ||
			e2e_skip "$tool not found (apt-get install $tool)" ;;
		esac
	done
	[ -x "$SIPCC" ] || e2e_error "compiler not found: SIPCC=$SIPCC"
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-e2e-$E2E_NAME.XXXXXX") ||
		e2e_error "mktemp failed"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# Remember a background process so the cleanup kills it.
e2e_track() { E2E_PIDS="$E2E_PIDS $1"; }

# Kill a process: TERM, then KILL if it is still there after ~2 s.
e2e_kill() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# Print the interesting logs of a failed run.
e2e_dump_logs() {
	for f in "$E2E_TMP"/build.log "$E2E_TMP"/proxy.log "$E2E_TMP"/*.err \
		 "$E2E_TMP"/*.out; do
		[ -s "$f" ] || continue
		printf '==== %s (last 40 lines)\n' "$(basename "$f")" >&2
		tail -n 40 "$f" | cut -c 1-300 >&2
	done
}

e2e_cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	for p in $E2E_PIDS; do
		e2e_kill "$p"
	done
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
			e2e_dump_logs
		fi
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			e2e_log "kept $E2E_TMP"
		else
			rm -rf "$E2E_TMP"
		fi
	fi
	[ "$rc" -eq 0 ] && [ "$E2E_DONE" -eq 0 ] && e2e_log "PASS"
	exit "$rc"
}

# e2e_pick_ports LOW HIGH STEP SPAN KINDS VAR...: set each VAR to a port
# from LOW to HIGH-1, a multiple of STEP, such that the SPAN ports from it
# are free on 127.0.0.1 (KINDS: udp, or both for UDP and TCP) and apart
# from those of the other VARs. False when python3 fails.
e2e_pick_ports() {
	ports=$(python3 -c '
import random, socket, sys
lo, hi, step, span = (int(a) for a in sys.argv[1:5])
kinds = [socket.SOCK_DGRAM] + ([socket.SOCK_STREAM] if sys.argv[5] == "both" else [])
chosen = []
while len(chosen) < int(sys.argv[6]):
    port = random.randrange(lo, hi, step)
    if any(abs(port - c) < span for c in chosen):
        continue
    try:
        for p in range(port, port + span):
            for kind in kinds:
                s = socket.socket(socket.AF_INET, kind)
                if kind == socket.SOCK_STREAM:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", p))
                s.close()
    except OSError:
        continue
    chosen.append(port)
print(" ".join(str(p) for p in chosen))
' "$1" "$2" "$3" "$4" "$5" $(($# - 5))) || return 1
	shift 5
	for var in "$@"; do
		port=${ports%% *}
		ports=${ports#* }
		eval "$var=\$port"
	done
}

# e2e_ports VAR...: set each VAR to a distinct free UDP port on 127.0.0.1.
# The ports differ from each other, are free for both UDP and TCP (sipp
# and the proxy listen on either) and lie below the kernel's ephemeral
# range (32768 and up), so no outgoing connection of a test running beside
# this one takes one of them later.
e2e_ports() {
	e2e_pick_ports 20000 32000 1 1 both "$@" || e2e_error "cannot pick free ports"
}

# e2e_media_ports VAR...: an RTP port for each sipp -mp (sipp binds the
# port and the next three: audio and video, RTP and RTCP): even, all four
# free, from 10000-19999, where nothing else here picks ports (e2e_ports,
# the servers and rtpengine's ranges are above 20000), so no other test's
# port lands on the three sipp takes without asking.
e2e_media_ports() {
	e2e_pick_ports 10000 19996 2 4 udp "$@" || e2e_error "cannot pick free media ports"
}

# True when something listens on UDP PORT (any address).
e2e_udp_bound() {
	hex=$(printf ':%04X ' "$1")
	cat /proc/net/udp /proc/net/udp6 2>/dev/null |
		awk '{print $2" "}' | grep -q -- "$hex"
}

# e2e_tcp_listening PORT: true when something listens on TCP PORT
# (state 0A: LISTEN).
e2e_tcp_listening() {
	hex=$(printf ':%04X ' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk '$4 == "0A" {print $2" "}' | grep -q -- "$hex"
}

# e2e_wait_tcp PID PORT WHAT: wait until PID listens on TCP PORT; fail when
# it exits or does not listen within 10 s.
e2e_wait_tcp() {
	i=0
	until e2e_tcp_listening "$2"; do
		kill -0 "$1" 2>/dev/null || e2e_fail "$3 exited at start-up"
		[ $i -ge 100 ] && e2e_fail "$3 not listening on tcp port $2"
		sleep 0.1; i=$((i + 1))
	done
}

# e2e_build POLICY [sipcc build options...]: compile POLICY (a path relative
# to the source tree, or absolute) to $E2E_TMP/proxy.
e2e_build() {
	policy=$1; shift
	case $policy in /*) ;; *) policy=$top_srcdir/$policy ;; esac
	E2E_PROXY=$E2E_TMP/proxy
	"$SIPCC" build "$policy" -o "$E2E_PROXY" "$@" >"$E2E_TMP/build.log" 2>&1 ||
		e2e_fail "sipcc build $policy $* failed"
	[ -x "$E2E_PROXY" ] || e2e_fail "sipcc build produced no executable"
}

# e2e_plain_pass_only WHY: scripts/check runs every suite twice, the
# second time under ASan+UBSan (SIPCC_CHECK_PASS=san); a test whose
# runtime code other tests already run in that pass skips itself there.
e2e_plain_pass_only() {
	[ "${SIPCC_CHECK_PASS:-}" = san ] && e2e_skip "plain pass only ($1)"
	return 0
}

# e2e_start_proxy PORT [proxy options...]: run the built proxy on
# 127.0.0.1:PORT in the background and wait until its socket is bound.
# Sets PROXY_PID. E2E_LOG_LEVEL, when set, is passed as --log-level;
# E2E_WORKERS as --workers (and the workers must have started).
e2e_start_proxy() {
	port=$1; shift
	set -- --listen "udp:127.0.0.1:$port" "$@"
	[ -n "${E2E_LOG_LEVEL:-}" ] && set -- "$@" --log-level "$E2E_LOG_LEVEL"
	# E2E_WORKERS=N: the same test with N workers (by hand; without it the
	# proxy runs one worker per CPU when its policy allows).
	[ -n "${E2E_WORKERS:-}" ] && set -- "$@" --workers "$E2E_WORKERS"
	"$E2E_PROXY" "$@" >"$E2E_TMP/proxy.log" 2>&1 </dev/null &
	PROXY_PID=$!
	e2e_track "$PROXY_PID"
	i=0
	until e2e_udp_bound "$port"; do
		kill -0 "$PROXY_PID" 2>/dev/null ||
			e2e_fail "proxy exited at start-up"
		[ $i -ge 100 ] && e2e_fail "proxy not listening on udp port $port after 10 s"
		sleep 0.1; i=$((i + 1))
	done
	[ -z "${E2E_WORKERS:-}" ] || [ "$E2E_WORKERS" = 1 ] ||
		e2e_wait_log "notice: $E2E_WORKERS workers" 10 "the proxy did not start $E2E_WORKERS workers"
}

# e2e_wait_log REGEX SECONDS MESSAGE: wait until proxy.log has a line
# matching REGEX (grep's basic regular expression), checking every 0.1 s;
# fail with MESSAGE when none comes within SECONDS.
e2e_wait_log() {
	i=0
	until grep -q -e "$1" "$E2E_TMP/proxy.log"; do
		[ $i -ge $(($2 * 10)) ] && e2e_fail "$3"
		sleep 0.1; i=$((i + 1))
	done
}

# Fail unless the proxy is still running.
e2e_expect_proxy_alive() {
	kill -0 "$PROXY_PID" 2>/dev/null || {
		wait "$PROXY_PID" 2>/dev/null
		e2e_fail "proxy is no longer running (exit status $?)"
	}
}

# e2e_sipp NAME [sipp options...]: start sipp in the background. Its output,
# statistics (NAME.csv), unexpected messages (NAME.err) and final screen
# (NAME.screen) go to $E2E_TMP. Sets SIPP_PID_<NAME>. Always give -timeout
# so that sipp ends by itself.
e2e_sipp() {
	name=$1; shift
	(cd "$E2E_TMP" && exec sipp "$@" -nostdin \
		-trace_stat -stf "$E2E_TMP/$name.csv" -fd 1 \
		-trace_err -error_file "$E2E_TMP/$name.err" \
		-trace_screen -screen_file "$E2E_TMP/$name.screen" \
		>"$E2E_TMP/$name.out" 2>&1 </dev/null) &
	eval "SIPP_PID_$name=\$!"
	e2e_track "$!"
}

# e2e_sipp_wait NAME: wait for a background sipp; sets SIPP_RC_<NAME>.
e2e_sipp_wait() {
	eval "pid=\$SIPP_PID_$1"
	wait "$pid"
	eval "SIPP_RC_$1=\$?"
}

# e2e_sipp_run NAME [sipp options...]: run sipp and wait for it.
e2e_sipp_run() {
	e2e_sipp "$@"
	e2e_sipp_wait "$1"
}

# e2e_wait_sipp_up NAME PORT: wait until a background sipp listens on PORT.
e2e_wait_sipp_up() {
	eval "pid=\$SIPP_PID_$1"
	i=0
	until e2e_udp_bound "$2"; do
		kill -0 "$pid" 2>/dev/null || e2e_fail "sipp $1 exited at start-up"
		[ $i -ge 100 ] && e2e_fail "sipp $1 not listening on udp port $2"
		sleep 0.1; i=$((i + 1))
	done
}

# e2e_stat NAME COLUMN: a counter from the last line of sipp's statistics
# file, e.g. "SuccessfulCall(C)" or "FailedCall(C)".
e2e_stat() {
	f=$E2E_TMP/$1.csv
	[ -s "$f" ] || { echo ""; return; }
	awk -F';' -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		{ last = $c }
		END { print last }' "$f"
}

# e2e_expect_calls NAME N: sipp NAME ended with status 0 and its statistics
# count N successful and 0 failed calls.
e2e_expect_calls() {
	eval "rc=\${SIPP_RC_$1:-}"
	ok=$(e2e_stat "$1" 'SuccessfulCall(C)')
	failed=$(e2e_stat "$1" 'FailedCall(C)')
	e2e_log "sipp $1: exit $rc, $ok successful, $failed failed (expected $2 successful)"
	[ "$rc" = 0 ] || e2e_fail "sipp $1 exited with status $rc"
	[ "$ok" = "$2" ] || e2e_fail "sipp $1: $ok successful calls, expected $2"
	[ "$failed" = 0 ] || e2e_fail "sipp $1: $failed failed calls"
}

# e2e_pg_start: a private PostgreSQL server for the test
# (tests/pgsql_server.sh), in a directory of its own (the server runs as
# the postgres user, so not in E2E_TMP); skips without the server
# binaries. $PG_URL names it. At exit a server frozen with e2e_pg_signal
# STOP is thawed, then stopped, before the usual cleanup.
E2E_PG_TMP=
E2E_PG_FROZEN=
e2e_pg_start() {
	. "$top_srcdir/tests/pgsql_server.sh"
	E2E_PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-e2e-pg.XXXXXX") || e2e_error "mktemp failed"
	trap 'rc=$?; e2e_servers_cleanup; (exit $rc); e2e_cleanup' EXIT
	pg_server_start "$E2E_PG_TMP"
	rc=$?
	[ $rc = 0 ] && return 0
	[ $rc = 77 ] && e2e_skip "no PostgreSQL server"
	e2e_error "cannot start PostgreSQL"
}

# e2e_pg_signal STOP|CONT: signal the postmaster and every process it
# started (STOP freezes the server with its connections open).
e2e_pg_signal() {
	pm=$(head -n 1 "$pg_data/postmaster.pid" 2>/dev/null)
	[ -n "$pm" ] || return 1
	for p in $pm $(ps -o pid= --ppid "$pm"); do
		kill "-$1" "$p" 2>/dev/null
	done
	case $1 in
	STOP) E2E_PG_FROZEN=1 ;;
	CONT) E2E_PG_FROZEN= ;;
	esac
}

e2e_pg_cleanup() {
	[ -n "$E2E_PG_FROZEN" ] && e2e_pg_signal CONT
	pg_server_stop
	rm -rf "$E2E_PG_TMP"
}

# e2e_redis_start: a throw-away redis-server for the test
# (tests/redis_server.sh, files in E2E_TMP/redis): $REDIS_URL, $REDIS_CLI,
# "$REDIS_STOP" and "$REDIS_START" (stop it, start it again on the same
# port), e2e_redis_signal STOP|CONT (freeze it with its connections open: a
# Redis that is slow). Skips without redis-server; stopped at exit, after
# a thaw, with a PostgreSQL server of e2e_pg_start.
E2E_REDIS_FROZEN=
e2e_redis_start() {
	. "$top_srcdir/tests/redis_server.sh"
	trap 'rc=$?; e2e_servers_cleanup; (exit $rc); e2e_cleanup' EXIT
	redis_server_start "$E2E_TMP/redis"
	rc=$?
	[ $rc = 0 ] && return 0
	[ $rc = 77 ] && e2e_skip "no redis-server (apt-get install redis-server)"
	e2e_error "cannot start Redis"
}

e2e_redis_signal() {
	rp=$(cat "$E2E_TMP/redis/redis.pid" 2>/dev/null)
	[ -n "$rp" ] || return 1
	kill "-$1" "$rp" 2>/dev/null
	case $1 in
	STOP) E2E_REDIS_FROZEN=1 ;;
	CONT) E2E_REDIS_FROZEN= ;;
	esac
}

e2e_servers_cleanup() {
	[ -n "$E2E_PG_TMP" ] && e2e_pg_cleanup
	if [ -n "${REDIS_PORT:-}" ]; then
		[ -n "$E2E_REDIS_FROZEN" ] && e2e_redis_signal CONT
		redis_server_stop
	fi
}

# e2e_db_init: e2e_ctl_init on the test's database: a PostgreSQL server
# started for the test when E2E_DB=pgsql (the *_pgsql.sh wrappers set it;
# skipped without the server binaries), else a new SQLite file.
e2e_db_init() {
	if [ "${E2E_DB:-sqlite}" = pgsql ]; then
		e2e_pg_start
		e2e_ctl_init "$PG_URL"
	else
		e2e_ctl_init
	fi
}

# e2e_ctl_init [DB_URL]: find sipcc-ctl ($SIPCC_CTL, default
# $top_builddir/sipcc-ctl) as CTL, set DB to DB_URL (default a new SQLite
# file in the test's directory) and define ctl ARGS...: sipcc-ctl --db $DB
# ARGS, its output appended to ctl.out, the test failed when it fails.
e2e_ctl_init() {
	CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
	[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
	DB=${1:-sqlite:$E2E_TMP/sipcc.db}
	ctl() { "$CTL" --db "$DB" "$@" >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "sipcc-ctl $* failed"; }
}

# e2e_subscribers USER...: after e2e_ctl_init, make the schema, the domain
# voip.example.com and, for each USER, the subscriber USER@voip.example.com
# with the password USER-secret.
e2e_subscribers() {
	ctl db init
	ctl domain add voip.example.com
	for user in "$@"; do
		ctl add "$user@voip.example.com" "$user-secret"
	done
}

# e2e_sipp_register NAME USER PORT CONTACT_PORT: sipp registers USER (of
# e2e_subscribers, password USER-secret) with reg_auth.xml from
# 127.0.0.1:PORT at the proxy on $PROXY, with a Contact on CONTACT_PORT;
# fails unless it ends with one successful registration.
e2e_sipp_register() {
	e2e_sipp_run "$1" -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$3" \
		-s "$2" -au "$2" -ap "$2-secret" -key contact_port "$4" -m 1 -timeout 10s -timeout_error
	e2e_expect_calls "$1" 1
}

# e2e_wait_binding AOR MESSAGE: wait up to 5 s for a binding of AOR in the
# database ("sipcc-ctl ul show AOR" succeeds; its output is left in
# ul.out); fail with MESSAGE when none comes. A registrar answers 200 once
# memory holds the binding; the row follows.
e2e_wait_binding() {
	i=0
	until "$CTL" --db "$DB" ul show "$1" >"$E2E_TMP/ul.out" 2>&1; do
		[ $i -ge 50 ] && e2e_fail "$2"
		sleep 0.1; i=$((i + 1))
	done
}

# e2e_rtpengine_start NG_PORT RTP_MIN RTP_MAX [OPTIONS...]: run rtpengine
# in userspace mode (no kernel module) with its ng socket on
# 127.0.0.1:NG_PORT (and OPTIONS, e.g. --timeout=2) and wait until that
# socket is bound. The system's configuration file is not read:
# the CLI and HTTP ports it gives (2224, 2225) would keep a second
# rtpengine, of a test running beside this one, from starting. Log in
# $E2E_TMP/rtpengine.log; sets RTPE_PID.
e2e_rtpengine_start() {
	rtpengine --config-file=none --foreground --table=-1 --interface=127.0.0.1 \
		--listen-ng="127.0.0.1:$1" --port-min="$2" --port-max="$3" \
		--delete-delay=0 --log-stderr --log-level=6 $(shift 3; echo "$@") \
		>>"$E2E_TMP/rtpengine.log" 2>&1 </dev/null &
	RTPE_PID=$!
	e2e_track "$RTPE_PID"
	i=0
	until e2e_udp_bound "$1"; do
		kill -0 "$RTPE_PID" 2>/dev/null || e2e_fail "rtpengine exited at start-up"
		[ $i -ge 100 ] && e2e_fail "rtpengine not listening on udp port $1"
		sleep 0.1; i=$((i + 1))
	done
}
