# PostgreSQL 15 on a free loopback port with a temp data dir (spec: shared/spec/event-sources.md,
# "PostgreSQL"): initdb as user postgres (it refuses root), password authentication
# (scram-sha-256) for TCP, the socket in the service dir. The postmaster's PID is recorded, so
# `services down` stops it even if pg_ctl is gone.
#
# Tests can stop and restart the server on the same port with $TIDAL_POSTGRES_DIR/stop-server and
# $TIDAL_POSTGRES_DIR/start-server (both keep the pids file right for `services down`).
pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}

svc_start() {
  local dir=$1 port bin
  bin=$(pg_bin) || { echo "postgresql: no initdb under /usr/lib/postgresql" >&2; return 1; }
  port=$(free_port)
  svc_set "$dir" port "$port"
  svc_set "$dir" password "tidal-pg-$(date +%s%N)"
  mkdir -p "$dir/pg"
  printf '%s\n' "$(svc_get "$dir" password)" > "$dir/pg/pwfile"
  chown -R postgres:postgres "$dir/pg"
  runuser -u postgres -- "$bin/initdb" -D "$dir/pg/data" -U postgres --pwfile="$dir/pg/pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 --no-sync \
    > "$dir/initdb.log" 2>&1 || return 1
  rm -f "$dir/pg/pwfile"
  cat > "$dir/start-server" <<SH
#!/usr/bin/env bash
# Starts the postmaster and records its PID in the service's pids file.
set -e
runuser -u postgres -- $bin/pg_ctl -D $dir/pg/data -l $dir/pg/postgres.log -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg -c fsync=off" start > /dev/null
head -n 1 $dir/pg/data/postmaster.pid > $dir/pids
SH
  cat > "$dir/stop-server" <<SH
#!/usr/bin/env bash
runuser -u postgres -- $bin/pg_ctl -D $dir/pg/data -m fast -w stop > /dev/null
SH
  chmod 755 "$dir/start-server" "$dir/stop-server"
  "$dir/start-server"
}
svc_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$(svc_get "$1" port)"; }
svc_stop() { "$1/stop-server" || true; }
svc_env() {
  echo "export TIDAL_POSTGRES_HOST=127.0.0.1"
  echo "export TIDAL_POSTGRES_PORT=$(svc_get "$1" port)"
  echo "export TIDAL_POSTGRES_USER=postgres"
  echo "export TIDAL_POSTGRES_PASSWORD=$(svc_get "$1" password)"
  echo "export TIDAL_POSTGRES_DIR=$1"
}
