# Redis on a free loopback port, no persistence.
svc_start() {
  local dir=$1 port
  port=$(free_port)
  svc_set "$dir" port "$port"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --notify-keyspace-events KEA --logfile "$dir/redis.log" --daemonize no > "$dir/stdout.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() { [ "$(redis-cli -p "$(svc_get "$1" port)" ping 2>/dev/null)" = PONG ]; }
svc_env() {
  echo "export TIDAL_REDIS_ADDRESS=127.0.0.1:$(svc_get "$1" port)"
  echo "export TIDAL_REDIS_PORT=$(svc_get "$1" port)"
}
