# A Redis master and one Redis Sentinel watching it (master name "mymaster"), each on a free
# loopback port, no persistence. The sentinel rewrites its config file, so it gets its own copy.
svc_start() {
  local dir=$1 port sport
  port=$(free_port)
  sport=$(free_port)
  svc_set "$dir" port "$port"
  svc_set "$dir" sentinel_port "$sport"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --logfile "$dir/redis.log" --daemonize no > "$dir/stdout.log" 2>&1 &
  svc_record_pid "$dir" $!
  cat > "$dir/sentinel.conf" <<CONF
bind 127.0.0.1
port $sport
dir $dir
logfile $dir/sentinel.log
sentinel monitor mymaster 127.0.0.1 $port 1
sentinel down-after-milliseconds mymaster 5000
CONF
  redis-server "$dir/sentinel.conf" --sentinel > "$dir/sentinel-stdout.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() {
  local dir=$1
  [ "$(redis-cli -p "$(svc_get "$dir" port)" ping 2>/dev/null)" = PONG ] &&
    redis-cli -p "$(svc_get "$dir" sentinel_port)" sentinel get-master-addr-by-name mymaster \
      2>/dev/null | grep -q "$(svc_get "$dir" port)"
}
svc_env() {
  echo "export TIDAL_REDIS_SENTINEL_ADDRESS=127.0.0.1:$(svc_get "$1" sentinel_port)"
  echo "export TIDAL_REDIS_SENTINEL_MASTER=mymaster"
  echo "export TIDAL_REDIS_SENTINEL_MASTER_ADDRESS=127.0.0.1:$(svc_get "$1" port)"
}
