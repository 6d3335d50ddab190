# Start a throw-away Redis server for a test, and stop it. Sourced:
#
#   . "$top_srcdir/tests/redis_server.sh"
#   redis_server_start DIR || exit $?   # 77 without redis-server
#   ... use $REDIS_URL (redis://127.0.0.1:$REDIS_PORT/0), $REDIS_CLI ...
#   redis_server_stop                   # also: eval "$REDIS_STOP" / "$REDIS_START"
#
# A server with no persistence and a password (requirepass; the URL
# carries it: redis://:PASSWORD@127.0.0.1:PORT/0), listening on 127.0.0.1
# only on a free port, its files in DIR. REDIS_START starts it again on
# the same port (after REDIS_STOP: a Redis that went away and came back).

redis_server_start() {
	redis_dir=$1
	if ! command -v redis-server >/dev/null 2>&1; then
		echo "SKIP: redis-server not found (apt-get install redis-server)"
		return 77
	fi
	mkdir -p "$redis_dir" || return 99
	redis_password='r3dis-pw'
	REDIS_PORT=""
	for try in 1 2 3 4 5; do
		p=$(( 20000 + ($$ * 13 + try * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 40000 ))
		REDIS_START="redis-server --port $p --bind 127.0.0.1 --save '' --appendonly no \
--requirepass $redis_password --dir $redis_dir --daemonize yes \
--pidfile $redis_dir/redis.pid --logfile $redis_dir/redis.log"
		rm -f "$redis_dir/redis.pid"
		if sh -c "$REDIS_START" >/dev/null 2>&1; then
			# daemonized: wait until it answers
			i=0
			while [ $i -lt 50 ]; do
				if redis-cli -p "$p" -a "$redis_password" --no-auth-warning ping 2>/dev/null |
					grep -q PONG; then
					REDIS_PORT=$p
					break
				fi
				sleep 0.1
				i=$((i + 1))
			done
			[ -n "$REDIS_PORT" ] && break
			[ -f "$redis_dir/redis.pid" ] && kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null
		fi
	done
	if [ -z "$REDIS_PORT" ]; then
		cat "$redis_dir/redis.log" 2>/dev/null
		return 99
	fi
	REDIS_CLI="redis-cli -p $REDIS_PORT -a $redis_password --no-auth-warning"
	# Wait for the process itself (the pid file goes before it exits).
	REDIS_STOP="rp=\$(cat $redis_dir/redis.pid 2>/dev/null); $REDIS_CLI shutdown nosave >/dev/null 2>&1; \
while [ -n \"\$rp\" ] && kill -0 \$rp 2>/dev/null; do sleep 0.05; done"
	REDIS_URL="redis://:$redis_password@127.0.0.1:$REDIS_PORT/0"
	REDIS_LOG=$redis_dir/redis.log
	return 0
}

redis_server_stop() {
	[ -n "${REDIS_PORT:-}" ] || return 0
	eval "$REDIS_STOP"
	REDIS_PORT=""
}
