# Apache Kafka (4.1.1, pinned in scripts/kafka/fetch) in KRaft mode, no ZooKeeper: one JVM that is
# both broker and controller (node.id 1) on two free loopback ports, its own data dir, replication
# factor 1 everywhere; log in kafka.log. Debian has no Kafka package, so the jars come from Maven
# Central through scripts/kafka/fetch (cached in ${TIDAL_CACHE_DIR:-$HOME/.cache/tidal}/kafka/
# <version>/libs) and run with plain `java -cp`. Ready when kcat lists broker 1. Topics with several
# partitions: scripts/kafka/topics (kcat cannot create topics); offsets and lag of a consumer group:
# scripts/kafka/consumer-groups.
_kafka_scripts() { cd "$(dirname "${BASH_SOURCE[0]}")/../kafka" && pwd; }

svc_start() {
  local dir=$1 port cport libs cluster
  libs=$("$(_kafka_scripts)/fetch")
  port=$(free_port)
  cport=$(free_port)
  svc_set "$dir" port "$port"
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$dir/data
num.partitions=1
num.network.threads=2
num.io.threads=2
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
CONF
  cat > "$dir/log4j2.properties" <<CONF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/kafka.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
CONF
  local jvm=(-Xms128m -Xmx384m -XX:+UseSerialGC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$libs/*")
  # A random cluster id in Kafka's form (base64url of 16 bytes, not starting with '-').
  cluster=$(python3 -c 'import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"): print(s); break')
  # Static quorum (controller.quorum.voters): format takes the cluster id only, no --standalone.
  java "${jvm[@]}" kafka.tools.StorageTool format --cluster-id "$cluster" \
    --config "$dir/server.properties" > "$dir/format.log" 2>&1 \
    || { cat "$dir/format.log" >&2; return 1; }
  java "${jvm[@]}" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() {
  kcat -b "127.0.0.1:$(svc_get "$1" port)" -L -m 2 2>/dev/null | grep -q ' broker 1 at 127\.0\.0\.1:'
}
svc_env() {
  echo "export TIDAL_KAFKA_BOOTSTRAP=127.0.0.1:$(svc_get "$1" port)"
}
