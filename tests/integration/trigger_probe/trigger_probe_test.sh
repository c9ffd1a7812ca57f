#!/usr/bin/env bash
# `tidal trigger probe` against the real servers that tests/support/with-services started
# (rabbitmq redis): run as
#   tests/support/with-services rabbitmq redis -- tests/integration/trigger_probe/trigger_probe_test.sh TIDAL
# Each case writes manifests with the servers' addresses, runs the probe, and checks the exit
# status, the values and activity, and that no password appears anywhere in the output.
set -uo pipefail

tidal=${1:?usage: trigger_probe_test.sh PATH-TO-TIDAL}
: "${TIDAL_RABBITMQ_HTTP_PORT:?run under tests/support/with-services rabbitmq redis}"
: "${TIDAL_RABBITMQ_AMQP_PORT:?}" "${TIDAL_RABBITMQ_DIR:?}" "${TIDAL_REDIS_ADDRESS:?}"
: "${TIDAL_REDIS_PORT:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/tidal-probe-test.XXXXXX")
listener=""
cleanup() {
  if [ -n "$listener" ]; then kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
rabbit_pw='Pr0be-rabbit-Pw-x7'
redis_pw='Red1s-Probe-Secret-q9'
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# Runs the probe; its output (stdout and stderr) lands in $out and its status in $status.
out=""
status=0
run() {
  local started=$SECONDS
  out=$("$tidal" trigger probe "$@" 2>&1)
  status=$?
  elapsed=$((SECONDS - started))
  # The command line is the test's own and holds passwords: masked before it is logged.
  local args="$*"
  for pw in ${rabbit_pw:-} ${redis_pw:-}; do args=${args//"$pw"/PASSWORD}; done
  printf '$ tidal trigger probe %s\n%s\n(exit %s, %s s)\n' "$args" "$out" "$status" "$elapsed"
}
expect_status() { if [ "$status" -eq "$1" ]; then pass "$2: exit $1"; else fail "$2: exit $status, want $1"; fi; }
expect_out() { if grep -qF -- "$1" <<< "$out"; then pass "$2"; else fail "$2: output lacks: $1"; fi; }
expect_no() { if grep -qF -- "$1" <<< "$out"; then fail "$2: output contains: $1"; else pass "$2"; fi; }

# ---- RabbitMQ: a user with a password of its own, a queue with 3 messages -----------------------
mgmt="http://127.0.0.1:$TIDAL_RABBITMQ_HTTP_PORT/api"
api() { curl -fsS -u guest:guest -H 'content-type: application/json' "$@" > /dev/null; }
api -X PUT "$mgmt/users/prober" -d "{\"password\":\"$rabbit_pw\",\"tags\":\"monitoring\"}" ||
  fail "create rabbitmq user"
api -X PUT "$mgmt/permissions/%2F/prober" -d '{"configure":".*","write":".*","read":".*"}' ||
  fail "grant rabbitmq permissions"
api -X PUT "$mgmt/queues/%2F/probe-q" -d '{"durable":false}' || fail "declare queue"
for _ in 1 2 3; do
  api -X POST "$mgmt/exchanges/%2F/amq.default/publish" \
    -d '{"properties":{},"routing_key":"probe-q","payload":"m","payload_encoding":"string"}' ||
    fail "publish"
done

# The AMQP URL (with the password) in a Secret behind a TriggerAuthentication; the management URL
# in the Deployment's env, read through hostFromEnv.
amqp_url="amqp://prober:$rabbit_pw@127.0.0.1:$TIDAL_RABBITMQ_AMQP_PORT/"
http_url="http://prober:$rabbit_pw@127.0.0.1:$TIDAL_RABBITMQ_HTTP_PORT/"
cat > "$work/rabbitmq.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: rabbit
  namespace: probe
stringData:
  host: "$amqp_url"
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: rabbit
  namespace: probe
spec:
  secretTargetRef:
    - parameter: host
      name: rabbit
      key: host
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: consumer
  namespace: probe
spec:
  template:
    spec:
      containers:
        - name: consumer
          image: consumer
          env:
            - name: RABBIT_MGMT
              value: "$http_url"
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: consumer
  namespace: probe
spec:
  scaleTargetRef:
    name: consumer
  triggers:
    - type: rabbitmq
      name: amqp
      metadata:
        queueName: probe-q
        mode: QueueLength
        value: "2"
        activationValue: "1"
      authenticationRef:
        name: rabbit
    - type: rabbitmq
      name: management
      metadata:
        protocol: http
        hostFromEnv: RABBIT_MGMT
        queueName: probe-q
        mode: QueueLength
        value: "2"
        activationValue: "5"
YAML

# The management API's counts lag by a few seconds: wait until it shows the 3 messages.
for _ in $(seq 1 40); do
  run "$work/rabbitmq.yaml"
  grep -qF 's1-rabbitmq-probe-q = 3 ' <<< "$out" && break
  sleep 0.5
done
expect_status 0 "rabbitmq: both triggers answer"
expect_out "trigger 0 (rabbitmq, name amqp): s0-rabbitmq-probe-q = 3 (target AverageValue 2, activation > 1): active, " \
  "rabbitmq amqp: value 3, active"
expect_out "trigger 1 (rabbitmq, name management): s1-rabbitmq-probe-q = 3 (target AverageValue 2, activation > 5): inactive, " \
  "rabbitmq http: value 3, inactive below activation"
expect_out "2 trigger(s) probed: 2 answered, 0 failed" "rabbitmq: summary"
expect_no "$rabbit_pw" "rabbitmq: no password"

run -o json "$work/rabbitmq.yaml"
expect_status 0 "rabbitmq json"
if python3 - "$out" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
t = j["objects"][0]["triggers"][0]
assert j["ok"] is True, j
assert j["objects"][0]["namespace"] == "probe", j
assert t["name"] == "amqp" and t["ok"] is True, t
m = t["metrics"][0]
assert m["metricName"] == "s0-rabbitmq-probe-q" and m["value"] == "3" and m["active"] is True, m
assert isinstance(m["latencyMs"], int) and m["latencyMs"] >= 0, m
PY
then pass "rabbitmq json: value, activity, latency"; else fail "rabbitmq json"; fi

# Without the Secret in the files, the host is not resolvable offline; --auth supplies it.
sed '1,/^---$/d' "$work/rabbitmq.yaml" > "$work/rabbitmq-no-secret.yaml"
run "$work/rabbitmq-no-secret.yaml"
expect_status 1 "rabbitmq without the Secret"
expect_out 'not resolvable offline: TriggerAuthentication probe/rabbit: spec.secretTargetRef[0] (parameter "host"): Secret probe/rabbit not found' \
  "rabbitmq: missing Secret named"
run "$work/rabbitmq-no-secret.yaml" --auth "host=$amqp_url"
expect_status 0 "rabbitmq with --auth host=..."
expect_out "s0-rabbitmq-probe-q = 3 " "rabbitmq --auth: value 3"
expect_no "not resolvable offline" "rabbitmq --auth: nothing left unresolved"
expect_no "$rabbit_pw" "rabbitmq --auth: no password"

# A wrong password: the broker refuses the login.
run --type rabbitmq --metadata '{"queueName":"probe-q","mode":"QueueLength","value":"2"}' \
  --auth "{\"host\":\"amqp://prober:Wrong-$rabbit_pw@127.0.0.1:$TIDAL_RABBITMQ_AMQP_PORT/\"}"
expect_status 1 "rabbitmq wrong password"
expect_out "trigger 0 (rabbitmq): s0-rabbitmq-probe-q: ERROR after " "rabbitmq wrong password: error"
expect_no "$rabbit_pw" "rabbitmq wrong password: no password"

# ---- Redis: a list of 5 items -------------------------------------------------------------------
redis-cli -p "$TIDAL_REDIS_PORT" rpush probe-list a b c d e > /dev/null || fail "rpush"
cat > "$work/redis.yaml" <<YAML
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata:
  name: jobs
spec:
  jobTargetRef:
    template:
      spec:
        containers:
          - name: job
            image: job
            env:
              - name: REDIS_ADDRESS
                value: "$TIDAL_REDIS_ADDRESS"
  triggers:
    - type: redis
      metadata:
        addressFromEnv: REDIS_ADDRESS
        listName: probe-list
        listLength: "2"
    - type: redis
      metadata:
        address: "$TIDAL_REDIS_ADDRESS"
        listName: empty-list
        listLength: "2"
YAML
run "$work/redis.yaml"
expect_status 0 "redis: both triggers answer"
expect_out "trigger 0 (redis): s0-redis-probe-list = 5 (target AverageValue 2, activation > 0): active, " \
  "redis: value 5, active"
expect_out "trigger 1 (redis): s1-redis-empty-list = 0 (target AverageValue 2, activation > 0): inactive, " \
  "redis: empty list inactive"

run --type redis --metadata "{\"address\":\"$TIDAL_REDIS_ADDRESS\",\"listName\":\"probe-list\"}" -o json
expect_status 0 "redis --type"
if python3 -c 'import json,sys; m=json.loads(sys.argv[1])["triggers"][0]["metrics"][0]; assert m["value"]=="5" and m["active"], m' "$out"
then pass "redis --type json: value 5"; else fail "redis --type json"; fi

# A password the server does not expect (it has none): the login fails, the password stays hidden.
cat > "$work/redis-auth.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: redis
data:
  password: $(printf '%s' "$redis_pw" | base64)
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: redis
spec:
  secretTargetRef:
    - parameter: password
      name: redis
      key: password
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: with-password
spec:
  scaleTargetRef:
    name: worker
  triggers:
    - type: redis
      metadata:
        address: "$TIDAL_REDIS_ADDRESS"
        listName: probe-list
      authenticationRef:
        name: redis
YAML
run "$work/redis-auth.yaml"
expect_status 1 "redis wrong password"
expect_out "trigger 0 (redis): s0-redis-probe-list: ERROR after " "redis wrong password: error"
expect_no "$redis_pw" "redis wrong password: no password"

# A server that accepts connections but never answers: the probe gives up after the timeout.
port_file="$work/silent.port"
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(600)' "$port_file" &
listener=$!
for _ in $(seq 1 50); do [ -s "$port_file" ] && break; sleep 0.1; done
silent_port=$(cat "$port_file")
run --type redis --http-timeout-ms 700 \
  --metadata "{\"address\":\"127.0.0.1:$silent_port\",\"listName\":\"probe-list\"}" \
  --auth "password=$redis_pw"
expect_status 1 "silent server"
expect_out "127.0.0.1:$silent_port" "silent server: error names the server"
expect_no "$redis_pw" "silent server: no password"
if [ "$elapsed" -le 4 ]; then pass "silent server: gave up in ${elapsed} s"; else fail "silent server: took ${elapsed} s"; fi

# ---- a stopped broker ---------------------------------------------------------------------------
"$TIDAL_RABBITMQ_DIR/stop-broker"
run "$work/rabbitmq.yaml"
expect_status 1 "stopped broker"
expect_out "trigger 0 (rabbitmq, name amqp): s0-rabbitmq-probe-q: ERROR after " "stopped broker: amqp trigger fails"
expect_out "127.0.0.1:$TIDAL_RABBITMQ_AMQP_PORT" "stopped broker: error names the server"
expect_out "trigger 1 (rabbitmq, name management): s1-rabbitmq-probe-q: ERROR after " "stopped broker: http trigger fails"
expect_out "2 trigger(s) probed: 0 answered, 2 failed" "stopped broker: summary"
expect_no "$rabbit_pw" "stopped broker: no password"
run -o json "$work/rabbitmq.yaml"
expect_no "$rabbit_pw" "stopped broker json: no password"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
