# Start a throw-away PostgreSQL server for a test, and stop it. Sourced:
#
#   . "$top_srcdir/tests/pgsql_server.sh"
#   pg_server_start DIR || exit $?   # 77 when no server binaries / no user
#   ... use $PG_URL (postgres://sipcc:...@127.0.0.1:$PG_PORT/sipcc_test) ...
#   pg_server_stop                   # also: eval "$PG_STOP" / "$PG_START"
#
# A fresh cluster in DIR/data, listening on 127.0.0.1 only on a free port,
# password authentication (a password that needs percent-encoding in the
# URL), its socket in DIR. As root the server runs as the postgres user
# (it refuses to run as root). PG_BINDIR overrides the search for the
# server binaries (apt-get install postgresql).

pg_server_start() {
	pg_dir=$1
	pg_bindir=${PG_BINDIR:-}
	if [ -z "$pg_bindir" ]; then
		for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
			if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
				pg_bindir=$d
				break
			fi
		done
	fi
	if [ -z "$pg_bindir" ] || [ ! -x "$pg_bindir/initdb" ]; then
		echo "SKIP: PostgreSQL server binaries not found (apt-get install postgresql)"
		return 77
	fi
	pg_run=""
	if [ "$(id -u)" = 0 ]; then
		if ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null 2>&1; then
			echo "SKIP: running as root without a postgres user to start the server"
			return 77
		fi
		pg_run="runuser -u postgres --"
	fi
	mkdir -p "$pg_dir" || return 99
	pg_data=$pg_dir/data
	pg_password='p@ss:w/rd'
	pg_password_url='p%40ss%3Aw%2Frd'
	printf '%s\n' "$pg_password" > "$pg_dir/pwfile"
	[ -n "$pg_run" ] && chown -R postgres "$pg_dir"
	if ! $pg_run "$pg_bindir/initdb" -D "$pg_data" -U sipcc --pwfile="$pg_dir/pwfile" \
		--auth=scram-sha-256 -E UTF8 --locale=C --no-sync > "$pg_dir/initdb.log" 2>&1; then
		cat "$pg_dir/initdb.log"
		return 99
	fi
	PG_PORT=""
	for try in 1 2 3 4 5; do
		p=$(( 20000 + ($$ * 7 + try * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 40000 ))
		PG_START="$pg_run $pg_bindir/pg_ctl -D $pg_data -w -t 30 -l $pg_dir/server.log \
-o '-p $p -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off' start >/dev/null"
		if sh -c "$PG_START" 2>/dev/null; then
			PG_PORT=$p
			break
		fi
	done
	if [ -z "$PG_PORT" ]; then
		cat "$pg_dir/server.log"
		return 99
	fi
	PG_STOP="$pg_run $pg_bindir/pg_ctl -D $pg_data -m fast -w stop >/dev/null"
	if ! PGPASSWORD=$pg_password "$pg_bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U sipcc \
		sipcc_test; then
		cat "$pg_dir/server.log"
		pg_server_stop
		return 99
	fi
	PG_URL="postgres://sipcc:$pg_password_url@127.0.0.1:$PG_PORT/sipcc_test"
	PG_LOG=$pg_dir/server.log
	return 0
}

pg_server_stop() {
	[ -n "${pg_data:-}" ] || return 0
	$pg_run "$pg_bindir/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1
	pg_data=""
}
