# beanstalkd on a free loopback port with its own binlog dir (spec: shared/spec/event-sources.md,
# "beanstalkd"). It has no SIGTERM handler and exits at once when stopped.
svc_start() {
  local dir=$1 port
  port=$(free_port)
  svc_set "$dir" port "$port"
  mkdir -p "$dir/binlog"
  beanstalkd -l 127.0.0.1 -p "$port" -b "$dir/binlog" > "$dir/beanstalkd.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() {
  printf 'stats\r\nquit\r\n' | nc -N 127.0.0.1 "$(svc_get "$1" port)" 2>/dev/null | grep -q '^OK '
}
svc_env() { echo "export TIDAL_BEANSTALKD_ADDRESS=127.0.0.1:$(svc_get "$1" port)"; }
