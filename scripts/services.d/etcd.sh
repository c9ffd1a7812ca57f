# etcd 3.4 as a single member on free loopback ports (client and peer) with its own data dir
# (spec: shared/spec/event-sources.md, "etcd 3.4.23"). The test cluster also runs /usr/bin/etcd:
# only this member's PID is ever stopped.
svc_start() {
  local dir=$1 port peer
  port=$(free_port)
  peer=$(free_port)
  svc_set "$dir" port "$port"
  mkdir -p "$dir/data"
  etcd --name tidal-etcd --data-dir "$dir/data" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "tidal-etcd=http://127.0.0.1:$peer" > "$dir/etcd.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() {
  curl -fs "http://127.0.0.1:$(svc_get "$1" port)/health" | grep -q '"health":"true"'
}
svc_env() {
  echo "export TIDAL_ETCD_ENDPOINT=127.0.0.1:$(svc_get "$1" port)"
}
