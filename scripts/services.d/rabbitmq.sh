# RabbitMQ with the management plugin on free loopback ports, with its own epmd, Erlang cookie and
# data dir (spec: shared/spec/event-sources.md, "RabbitMQ"). Also listens with TLS (AMQPS and
# HTTPS management) using a CA and certificates generated here, and accepts client-certificate
# logins (SASL EXTERNAL, user = certificate CN) for the client certificate in tls/.
#
# Tests can stop and restart the broker on the same ports with $TIDAL_RABBITMQ_DIR/stop-broker and
# $TIDAL_RABBITMQ_DIR/start-broker (both keep the pids file right for `services down`).

svc_start() {
  local dir=$1 name port
  for name in amqp amqps http https dist epmd; do
    port=$(free_port)
    svc_set "$dir" "$name" "$port"
  done
  mkdir -p "$dir/log" "$dir/mnesia"
  svc_test_tls "$dir" || return 1
  printf 'tidal-cookie-%s' "$(date +%s%N)" > "$dir/.erlang.cookie"
  chmod 400 "$dir/.erlang.cookie"
  : > "$dir/rabbitmq-env.conf"  # keeps /etc/rabbitmq/rabbitmq-env.conf from being read
  echo '[rabbitmq_management,rabbitmq_auth_mechanism_ssl].' > "$dir/enabled_plugins"
  local t=$dir/tls
  cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$(svc_get "$dir" amqp)
listeners.ssl.default = 127.0.0.1:$(svc_get "$dir" amqps)
ssl_options.cacertfile = $t/ca.pem
ssl_options.certfile = $t/server.pem
ssl_options.keyfile = $t/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
auth_mechanisms.1 = PLAIN
auth_mechanisms.2 = AMQPLAIN
auth_mechanisms.3 = EXTERNAL
ssl_cert_login_from = common_name
management.tcp.ip = 127.0.0.1
management.tcp.port = $(svc_get "$dir" http)
management.ssl.ip = 127.0.0.1
management.ssl.port = $(svc_get "$dir" https)
management.ssl.cacertfile = $t/ca.pem
management.ssl.certfile = $t/server.pem
management.ssl.keyfile = $t/server.key
collect_statistics_interval = 500
log.console = false
log.file.level = info
CONF
  # The broker's launcher: everything it needs in one file, so it can be restarted on the same
  # ports. /usr/sbin/rabbitmq-server is Debian's wrapper (su to user rabbitmq, /var/lib paths);
  # the real script runs fine as root. RABBITMQ_ALLOW_INPUT must be unset, or it starts a shell.
  cat > "$dir/broker.sh" <<SH
#!/usr/bin/env bash
unset RABBITMQ_ALLOW_INPUT
export HOME=$dir
export RABBITMQ_NODENAME=tidal@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$(svc_get "$dir" amqp) RABBITMQ_DIST_PORT=$(svc_get "$dir" dist)
export ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$(svc_get "$dir" epmd)
export RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf
export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_MNESIA_BASE=$dir/mnesia
export RABBITMQ_LOG_BASE=$dir/log RABBITMQ_PID_FILE=$dir/rabbit.pid
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
exec /usr/lib/rabbitmq/bin/rabbitmq-server
SH
  chmod 755 "$dir/broker.sh"
  # For tests: stop the broker (leaving epmd), and start it again on the same ports.
  cat > "$dir/stop-broker" <<SH
#!/usr/bin/env bash
# Stops the broker by PID and waits until it has exited (about 6 s: RabbitMQ's own stop).
pid=\$(cat "$dir/broker.pid")
kill -TERM "\$pid" 2>/dev/null || exit 0
for _ in \$(seq 1 300); do kill -0 "\$pid" 2>/dev/null || exit 0; sleep 0.1; done
kill -KILL "\$pid" 2>/dev/null; exit 0
SH
  cat > "$dir/start-broker" <<SH
#!/usr/bin/env bash
# Starts the broker again (same ports and data), records its PID, waits until it answers.
old=\$(cat "$dir/broker.pid")
nohup "$dir/broker.sh" >> "$dir/server.log" 2>&1 < /dev/null &
new=\$!
echo "\$new" > "$dir/broker.pid"
sed -i "s/^\$old\\\$/\$new/" "$dir/pids"
for _ in \$(seq 1 600); do
  if nc -z 127.0.0.1 $(svc_get "$dir" amqp) &&
     curl -fs -u guest:guest http://127.0.0.1:$(svc_get "$dir" http)/api/overview > /dev/null; then
    exit 0
  fi
  sleep 0.2
done
echo "start-broker: not ready after 120 s" >&2; exit 1
SH
  chmod 755 "$dir/stop-broker" "$dir/start-broker"

  # Our own epmd in the foreground, stoppable by PID (a self-started one daemonizes and outlives
  # the broker).
  epmd -address 127.0.0.1 -port "$(svc_get "$dir" epmd)" > "$dir/epmd.log" 2>&1 &
  svc_record_pid "$dir" $!
  "$dir/broker.sh" > "$dir/server.log" 2>&1 < /dev/null &
  echo $! > "$dir/broker.pid"
  svc_record_pid "$dir" "$(cat "$dir/broker.pid")"
}

svc_ready() {
  nc -z 127.0.0.1 "$(svc_get "$1" amqp)" && nc -z 127.0.0.1 "$(svc_get "$1" amqps)" &&
    curl -fs -u guest:guest "http://127.0.0.1:$(svc_get "$1" http)/api/overview" > /dev/null
}

svc_env() {
  local dir=$1
  echo "export TIDAL_RABBITMQ_AMQP_URL=amqp://guest:guest@127.0.0.1:$(svc_get "$dir" amqp)/"
  echo "export TIDAL_RABBITMQ_HTTP_URL=http://guest:guest@127.0.0.1:$(svc_get "$dir" http)/"
  echo "export TIDAL_RABBITMQ_AMQPS_URL=amqps://guest:guest@localhost:$(svc_get "$dir" amqps)/"
  echo "export TIDAL_RABBITMQ_HTTPS_URL=https://guest:guest@localhost:$(svc_get "$dir" https)/"
  echo "export TIDAL_RABBITMQ_AMQP_PORT=$(svc_get "$dir" amqp)"
  echo "export TIDAL_RABBITMQ_HTTP_PORT=$(svc_get "$dir" http)"
  echo "export TIDAL_RABBITMQ_TLS_DIR=$dir/tls"
  echo "export TIDAL_RABBITMQ_DIR=$dir"
}
