# Apache Kafka (4.1.1, pinned in scripts/kafka/fetch) in KRaft mode, no ZooKeeper: one JVM that is
# both broker and controller (node.id 1), its own data dir, replication factor 1 everywhere; log in
# kafka.log. Debian has no Kafka package, so the jars come from Maven Central through
# scripts/kafka/fetch (cached in ${TIDAL_CACHE_DIR:-$HOME/.cache/tidal}/kafka/<version>/libs) and
# run with plain `java -cp`. Topics with several partitions: scripts/kafka/topics (kcat cannot
# create topics); offsets and lag of a consumer group: scripts/kafka/consumer-groups.
#
# Listeners, each on a free loopback port and advertised as 127.0.0.1:<port>:
#   PLAINTEXT      no auth, no TLS; also the inter-broker listener    TIDAL_KAFKA_BOOTSTRAP
#   SASL_PLAINTEXT SASL PLAIN, SCRAM-SHA-256, SCRAM-SHA-512           TIDAL_KAFKA_SASL_BOOTSTRAP
#   SSL            TLS, client certificate requested (optional)       TIDAL_KAFKA_TLS_BOOTSTRAP
#   SASL_SSL       the same SASL mechanisms over the same TLS         TIDAL_KAFKA_SASL_SSL_BOOTSTRAP
#   CONTROLLER     KRaft quorum, PLAINTEXT, not advertised (no env var)
# SASL user (PLAIN, and SCRAM-SHA-256/512 credentials added at storage-format time):
# TIDAL_KAFKA_SASL_USERNAME / TIDAL_KAFKA_SASL_PASSWORD (fixed test values). TLS material is
# generated at every start in tls/ (EC P-256, PEM, unencrypted PKCS#8 keys): a self-signed CA
# (TIDAL_KAFKA_TLS_CA), the broker's certificate for IP:127.0.0.1 and DNS:localhost signed by it,
# and a client certificate CN=tidal-client signed by it (TIDAL_KAFKA_TLS_CLIENT_CERT,
# TIDAL_KAFKA_TLS_CLIENT_KEY) that the SSL listener verifies when one is presented (a certificate
# from another CA is refused). Ready when kcat lists broker 1 on PLAINTEXT and, with PLAIN, on
# SASL_PLAINTEXT.
#
# SCRAM and librdkafka: Kafka 4.x checks the SCRAM client-final nonce strictly (CVE-2024-56128),
# and librdkafka before 2.6.1 sends it wrong (confluentinc/librdkafka#4895), so Debian 12's
# librdkafka 2.0.2 (kcat's) fails SCRAM-SHA-256/512 here with "invalid credentials" although the
# credentials are right; tidal links librdkafka 2.10 (scripts/librdkafka/build), which logs in.
# The readiness check uses PLAIN, which every librdkafka speaks.
_kafka_scripts() { cd "$(dirname "${BASH_SOURCE[0]}")/../kafka" && pwd; }
_kafka_user=tidal
_kafka_password=tidal-kafka-secret

# The test CA and certificates (svc_test_tls), plus the broker's key and chain in one PEM file,
# Kafka's file-based PEM key store.
_kafka_tls() {
  svc_test_tls "$1" && cat "$1/tls/server.key" "$1/tls/server.pem" "$1/tls/ca.pem" \
    > "$1/tls/server-keystore.pem"
}

svc_start() {
  local dir=$1 port cport sport tport stport libs cluster jaas l m
  libs=$("$(_kafka_scripts)/fetch")
  port=$(free_port)
  cport=$(free_port)
  sport=$(free_port)
  tport=$(free_port)
  stport=$(free_port)
  svc_set "$dir" port "$port"
  svc_set "$dir" sasl_port "$sport"
  svc_set "$dir" tls_port "$tport"
  svc_set "$dir" sasl_ssl_port "$stport"
  mkdir -p "$dir/data"
  _kafka_tls "$dir" || { cat "$dir/tls.log" >&2; return 1; }
  jaas=""
  for l in sasl_plaintext sasl_ssl; do
    jaas+="listener.name.$l.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$_kafka_user=\"$_kafka_password\";"$'\n'
    for m in scram-sha-256 scram-sha-512; do
      jaas+="listener.name.$l.$m.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"$'\n'
    done
  done
  cat > "$dir/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,SASL_PLAINTEXT://127.0.0.1:$sport,SSL://127.0.0.1:$tport,SASL_SSL://127.0.0.1:$stport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sport,SSL://127.0.0.1:$tport,SASL_SSL://127.0.0.1:$stport
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
${jaas}ssl.keystore.type=PEM
ssl.keystore.location=$dir/tls/server-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
listener.name.ssl.ssl.client.auth=requested
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
  # C1 only (TieredStopAtLevel=1): the TLS and SASL listeners made start-up ~1.5 s slower on a
  # busy machine; the client JIT wins that back, and a test broker needs no peak throughput.
  local jvm=(-Xms128m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$libs/*")
  # A random cluster id in Kafka's form (base64url of 16 bytes, not starting with '-').
  cluster=$(python3 -c 'import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"): print(s); break')
  # Static quorum (controller.quorum.voters): format takes the cluster id only, no --standalone.
  # The SCRAM credentials go into the metadata log here (KRaft has no ZooKeeper to add them to).
  java "${jvm[@]}" kafka.tools.StorageTool format --cluster-id "$cluster" \
    --config "$dir/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=$_kafka_user,password=$_kafka_password]" \
    --add-scram "SCRAM-SHA-512=[name=$_kafka_user,password=$_kafka_password]" \
    > "$dir/format.log" 2>&1 \
    || { cat "$dir/format.log" >&2; return 1; }
  java "${jvm[@]}" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
  svc_record_pid "$dir" $!
}
svc_ready() {
  kcat -b "127.0.0.1:$(svc_get "$1" port)" -L -m 2 2>/dev/null | grep -q ' broker 1 at 127\.0\.0\.1:' \
    && kcat -b "127.0.0.1:$(svc_get "$1" sasl_port)" -X security.protocol=SASL_PLAINTEXT \
      -X sasl.mechanisms=PLAIN -X sasl.username="$_kafka_user" \
      -X sasl.password="$_kafka_password" -L -m 2 2>/dev/null | grep -q ' broker 1 at 127\.0\.0\.1:'
}
svc_env() {
  local dir=$1
  echo "export TIDAL_KAFKA_BOOTSTRAP=127.0.0.1:$(svc_get "$dir" port)"
  echo "export TIDAL_KAFKA_SASL_BOOTSTRAP=127.0.0.1:$(svc_get "$dir" sasl_port)"
  echo "export TIDAL_KAFKA_SASL_USERNAME=$_kafka_user"
  echo "export TIDAL_KAFKA_SASL_PASSWORD=$_kafka_password"
  echo "export TIDAL_KAFKA_TLS_BOOTSTRAP=127.0.0.1:$(svc_get "$dir" tls_port)"
  echo "export TIDAL_KAFKA_SASL_SSL_BOOTSTRAP=127.0.0.1:$(svc_get "$dir" sasl_ssl_port)"
  echo "export TIDAL_KAFKA_TLS_CA=$dir/tls/ca.pem"
  echo "export TIDAL_KAFKA_TLS_CLIENT_CERT=$dir/tls/client.pem"
  echo "export TIDAL_KAFKA_TLS_CLIENT_KEY=$dir/tls/client.key"
}
