# Prometheus on a free loopback port with its own data dir, scraping (every second) a static
# exposition file served by a tiny exporter (python3 -m http.server) that the tests control:
# write $TIDAL_PROMETHEUS_METRICS_FILE and the next scrape picks it up
# (spec: shared/spec/event-sources.md, "Prometheus"). Ready once the first scrape landed
# (about 5-6 s after start: the scrape manager applies targets on a 5 s tick).
svc_start() {
  local dir=$1 port exporter
  port=$(free_port)
  exporter=$(free_port)
  svc_set "$dir" port "$port"
  svc_set "$dir" exporter "$exporter"
  mkdir -p "$dir/www" "$dir/data"
  printf '# TYPE tidal_queue_depth gauge\ntidal_queue_depth{queue="hello"} 7\ntidal_queue_depth{queue="other"} 3\n' \
    > "$dir/www/metrics"
  cat > "$dir/prometheus.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: tidal-static
    static_configs: [ { targets: ['127.0.0.1:$exporter'] } ]
YML
  python3 -m http.server "$exporter" --bind 127.0.0.1 --directory "$dir/www" \
    > "$dir/exporter.log" 2>&1 &
  svc_record_pid "$dir" $!
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" > "$dir/prometheus.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() {
  local base="http://127.0.0.1:$(svc_get "$1" port)"
  curl -fs "$base/-/ready" > /dev/null &&
    curl -fs "$base/api/v1/query?query=tidal_queue_depth" | grep -q '"value"'
}
svc_env() {
  echo "export TIDAL_PROMETHEUS_ADDRESS=http://127.0.0.1:$(svc_get "$1" port)"
  echo "export TIDAL_PROMETHEUS_METRICS_FILE=$1/www/metrics"
}
