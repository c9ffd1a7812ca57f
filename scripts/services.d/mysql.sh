# MariaDB 10.11 (the `mysql` scaler's server) on a free loopback port with a temp data dir (spec:
# shared/spec/event-sources.md, "MariaDB 10.11"): mariadb-install-db, then mariadbd as user mysql,
# TCP on 127.0.0.1 only, the socket and logs in the service dir, option files ignored
# (--no-defaults). An init file (run at every start) creates database `ci` and user `tidal` with a
# generated password and every privilege (tests create their own users and tables). TLS is on with
# a throw-away self-signed certificate, so tests can check the DSN's tls modes; plain connections
# still work.
#
# Tests can stop and restart the server on the same port with $TIDAL_MYSQL_DIR/stop-server and
# $TIDAL_MYSQL_DIR/start-server (both keep the pids file right for `services down`).
svc_start() {
  local dir=$1 port m
  port=$(free_port)
  svc_set "$dir" port "$port"
  svc_set "$dir" password "tidal-my-$(date +%s%N)"
  m="$dir/mariadb"
  mkdir -p "$m"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=tidal-test-mariadb" -keyout "$m/server-key.pem" -out "$m/server-cert.pem" \
    > "$dir/openssl.log" 2>&1 || return 1
  cat > "$m/init.sql" <<SQL
CREATE DATABASE IF NOT EXISTS ci;
CREATE USER IF NOT EXISTS 'tidal'@'127.0.0.1' IDENTIFIED BY '$(svc_get "$dir" password)';
GRANT ALL PRIVILEGES ON *.* TO 'tidal'@'127.0.0.1' WITH GRANT OPTION;
SQL
  chown -R mysql:mysql "$m"
  mariadb-install-db --no-defaults --datadir="$m/data" --user=mysql \
    --auth-root-authentication-method=socket --skip-test-db > "$dir/install.log" 2>&1 || return 1
  cat > "$dir/start-server" <<SH
#!/usr/bin/env bash
# Starts mariadbd, records its PID in the service's pids file, waits until it answers (30 s).
mariadbd --no-defaults --datadir=$m/data --user=mysql --bind-address=127.0.0.1 --port=$port \\
  --socket=$m/mysqld.sock --pid-file=$m/mysqld.pid \\
  --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 \\
  --init-file=$m/init.sql --ssl-cert=$m/server-cert.pem --ssl-key=$m/server-key.pem \\
  > $dir/stdout.log 2>&1 < /dev/null &
echo \$! > $dir/pids
for _ in \$(seq 1 300); do
  mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P$port -uroot --connect-timeout=1 \\
    ping > /dev/null 2>&1 && exit 0
  kill -0 \$(cat $dir/pids) 2> /dev/null || { echo "mariadbd exited" >&2; exit 1; }
  sleep 0.1
done
echo "mariadbd not ready after 30 s" >&2
exit 1
SH
  cat > "$dir/stop-server" <<SH
#!/usr/bin/env bash
# SIGTERM to the recorded PID; waits until it is gone (a zombie awaiting its reaper counts as gone).
pid=\$(cat $dir/pids)
kill -TERM "\$pid" 2> /dev/null || exit 0
for _ in \$(seq 1 300); do
  state=\$(ps -o stat= -p "\$pid" 2> /dev/null) || exit 0
  case "\$state" in Z*) exit 0 ;; esac
  sleep 0.1
done
echo "mariadbd still running after 30 s" >&2
exit 1
SH
  chmod 755 "$dir/start-server" "$dir/stop-server"
  "$dir/start-server"
}
# `mariadb-admin ping` succeeds even when access is denied: it only shows the server is alive.
svc_ready() {
  mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$(svc_get "$1" port)" -uroot \
    --connect-timeout=1 ping
}
svc_stop() { "$1/stop-server" || true; }
svc_env() {
  echo "export TIDAL_MYSQL_HOST=127.0.0.1"
  echo "export TIDAL_MYSQL_PORT=$(svc_get "$1" port)"
  echo "export TIDAL_MYSQL_USER=tidal"
  echo "export TIDAL_MYSQL_PASSWORD=$(svc_get "$1" password)"
  echo "export TIDAL_MYSQL_DIR=$1"
}
