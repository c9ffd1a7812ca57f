# NATS 2.9 with JetStream on free loopback ports (client and HTTP monitoring), its own store dir
# (spec: shared/spec/event-sources.md, "NATS + JetStream"). The 2.9 command line has no flag for
# the monitoring host, so everything goes in a config file.
svc_start() {
  local dir=$1 port http
  port=$(free_port)
  http=$(free_port)
  svc_set "$dir" port "$port"
  svc_set "$dir" http "$http"
  mkdir -p "$dir/js"
  cat > "$dir/nats.conf" <<CONF
listen: 127.0.0.1:$port
http: 127.0.0.1:$http
server_name: tidal-nats
jetstream { store_dir: "$dir/js", max_memory_store: 64MB, max_file_store: 256MB }
CONF
  nats-server -c "$dir/nats.conf" -l "$dir/nats.log" > "$dir/stdout.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() { curl -fs "http://127.0.0.1:$(svc_get "$1" http)/healthz" | grep -q '"ok"'; }
svc_env() {
  echo "export TIDAL_NATS_ADDRESS=127.0.0.1:$(svc_get "$1" port)"
  echo "export TIDAL_NATS_MONITORING_ENDPOINT=127.0.0.1:$(svc_get "$1" http)"
}
