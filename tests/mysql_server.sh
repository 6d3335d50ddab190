# Start a throw-away MariaDB server for a test, and stop it. Sourced:
#
#   . "$top_srcdir/tests/mysql_server.sh"
#   my_server_start DIR || exit $?   # 77 when the server is not installed
#   ... use $MY_URL (mysql://sipcc:...@127.0.0.1:$MY_PORT/sipcc_test) ...
#   my_server_stop                   # also: eval "$MY_STOP" / "$MY_START"
#
# A fresh data directory in DIR/data made by mariadb-install-db, the server
# listening on 127.0.0.1 only on a free port, its socket and pid file in
# DIR, a small InnoDB log and buffer pool, no option files read. The test
# user has a password that needs percent-encoding in the URL; root has none
# (the server is reachable from this machine only, and only for the test).
# The server runs as the user running the test (as root: --user=root).
# MY_PID is the server's process id.
# apt-get install mariadb-server.

my_server_start() {
	my_dir=$1
	my_bin=""
	for b in mariadbd mysqld; do
		for d in /usr/sbin /usr/bin /usr/libexec; do
			if [ -x "$d/$b" ]; then
				my_bin=$d/$b
				break 2
			fi
		done
	done
	my_install=$(command -v mariadb-install-db || command -v mysql_install_db || true)
	my_client=$(command -v mariadb || command -v mysql || true)
	if [ -z "$my_bin" ] || [ -z "$my_install" ] || [ -z "$my_client" ]; then
		echo "SKIP: MariaDB server not found (apt-get install mariadb-server)"
		return 77
	fi
	mkdir -p "$my_dir" || return 99
	my_data=$my_dir/data
	my_sock=$my_dir/mysqld.sock
	my_user=$(id -un)
	# A private tmpdir: two servers set up at once (make -j) must not share
	# the temporary tables of mariadb-install-db in /tmp.
	mkdir -p "$my_dir/tmp" || return 99
	my_opts="--innodb-log-file-size=4M --innodb-buffer-pool-size=16M --skip-name-resolve --tmpdir=$my_dir/tmp"
	if ! "$my_install" --no-defaults --datadir="$my_data" --user="$my_user" \
		--auth-root-authentication-method=normal --skip-test-db $my_opts \
		> "$my_dir/install.log" 2>&1; then
		cat "$my_dir/install.log"
		return 99
	fi
	MY_PORT=""
	for try in 1 2 3 4 5; do
		p=$(( 20000 + ($$ * 11 + try * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 40000 ))
		MY_START="$my_bin --no-defaults --datadir=$my_data --user=$my_user \
--skip-networking=0 --bind-address=127.0.0.1 --port=$p --socket=$my_sock \
--pid-file=$my_dir/mysqld.pid --log-error=$my_dir/server.log $my_opts \
--innodb-flush-log-at-trx-commit=0 >/dev/null 2>&1 &
i=0; while [ \$i -lt 100 ]; do [ -S $my_sock ] && [ -s $my_dir/mysqld.pid ] && break; \
sleep 0.1; i=\$((i+1)); done; [ -S $my_sock ]"
		rm -f "$my_sock" "$my_dir/mysqld.pid"
		if sh -c "$MY_START"; then
			MY_PORT=$p
			break
		fi
		grep -q "already in use" "$my_dir/server.log" 2>/dev/null || break
	done
	if [ -z "$MY_PORT" ]; then
		cat "$my_dir/server.log"
		return 99
	fi
	MY_PID=$(cat "$my_dir/mysqld.pid")
	MY_STOP="kill \$(cat $my_dir/mysqld.pid) 2>/dev/null; i=0; while [ \$i -lt 100 ] && \
[ -e $my_dir/mysqld.pid ]; do sleep 0.1; i=\$((i+1)); done; [ ! -e $my_dir/mysqld.pid ]"
	my_password='p@ss:w/rd'
	my_password_url='p%40ss%3Aw%2Frd'
	if ! "$my_client" --no-defaults --socket="$my_sock" -u root -e "
		CREATE DATABASE sipcc_test;
		CREATE USER 'sipcc'@'127.0.0.1' IDENTIFIED BY '$my_password';
		GRANT ALL ON sipcc_test.* TO 'sipcc'@'127.0.0.1';" > "$my_dir/client.log" 2>&1; then
		cat "$my_dir/client.log" "$my_dir/server.log"
		my_server_stop
		return 99
	fi
	MY_URL="mysql://sipcc:$my_password_url@127.0.0.1:$MY_PORT/sipcc_test"
	MY_LOG=$my_dir/server.log
	return 0
}

my_server_stop() {
	[ -n "${my_data:-}" ] || return 0
	if [ -s "$my_dir/mysqld.pid" ]; then
		pid=$(cat "$my_dir/mysqld.pid")
		kill -CONT "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
		i=0
		while [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	my_data=""
}
