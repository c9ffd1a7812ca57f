# A Redis Cluster of three masters (no replicas) on free loopback ports, no persistence, created
# with `redis-cli --cluster create` once every node answers. Each node's cluster bus gets a free
# port of its own (`cluster-port`): the default, port + 10000, may be taken or above 65535.
svc_start() {
  local dir=$1 i port ports=()
  for i in 1 2 3; do
    port=$(free_port)
    ports+=("127.0.0.1:$port")
    mkdir -p "$dir/node$i"
    redis-server --bind 127.0.0.1 --port "$port" --cluster-port "$(free_port)" \
      --dir "$dir/node$i" --save '' \
      --appendonly no --cluster-enabled yes --cluster-config-file "$dir/node$i/nodes.conf" \
      --cluster-node-timeout 5000 --logfile "$dir/node$i/redis.log" --daemonize no \
      > "$dir/node$i/stdout.log" 2>&1 &
    svc_record_pid "$dir" $!
  done
  svc_set "$dir" addresses "$(IFS=,; echo "${ports[*]}")"
  for port in "${ports[@]}"; do
    for _ in $(seq 1 100); do
      [ "$(redis-cli -p "${port##*:}" ping 2>/dev/null)" = PONG ] && break
      sleep 0.1
    done
  done
  redis-cli --cluster create "${ports[@]}" --cluster-yes > "$dir/create.log" 2>&1
}
svc_ready() {
  local address
  for address in $(svc_get "$1" addresses | tr , ' '); do
    redis-cli -p "${address##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || return 1
  done
}
svc_env() {
  echo "export TIDAL_REDIS_CLUSTER_ADDRESSES=$(svc_get "$1" addresses)"
}
