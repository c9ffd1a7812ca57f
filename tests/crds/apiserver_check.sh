#!/usr/bin/env bash
# Checks tidal's CRDs against a real kube-apiserver (one started by scripts/cluster).
#
# Usage: tests/crds/apiserver_check.sh [CRD_DIR [EXAMPLES_DIR]]
#   defaults: deploy/crds and examples of this repo.
# Env: TIDAL_CLUSTER_DIR (default /tmp/tidal-cluster), the state dir of a running `scripts/cluster up`.
#
# Steps, all with curl and the admin client certificate from the cluster's kubeconfig:
#   1. server-side apply each CRD; wait until Established and NamesAccepted; fail on API warnings;
#   2. create every keda.sh object of EXAMPLES_DIR/*.yaml with dryRun=All and strict field
#      validation (schema, unknown fields and CEL run exactly as for a real create): want 201;
#   3. EXAMPLES_DIR/invalid: the min>max ScaledObject must get 422 with the CEL message; the
#      others are webhook-level mistakes the CRD must accept (201);
#   4. CRD-only behaviour: fallback.behavior and oauth2.type defaults, minimum/enum rejections,
#      metricType on ScaledJob triggers rejected (strict) or pruned, short names and categories
#      in discovery;
#   5. printer columns: really create the RabbitMQ and ScaledJob examples and a
#      ClusterTriggerAuthentication, read each back as a Table, compare the column names, delete them.
# Exit 0 when every check passes, 1 otherwise. Needs curl and python3 with PyYAML.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
crd_dir=${1:-$root/deploy/crds}
ex_dir=${2:-$root/examples}
cluster=${TIDAL_CLUSTER_DIR:-/tmp/tidal-cluster}
kubeconfig=$cluster/kubeconfig
[ -f "$kubeconfig" ] || { echo "no kubeconfig at $kubeconfig; run scripts/cluster up" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Client credentials and server URL from the kubeconfig.
python3 - "$kubeconfig" "$work" <<'EOF' || exit 1
import base64, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1])); out = sys.argv[2]
ctx = next(c for c in cfg["contexts"] if c["name"] == cfg["current-context"])["context"]
cl = next(c for c in cfg["clusters"] if c["name"] == ctx["cluster"])["cluster"]
us = next(u for u in cfg["users"] if u["name"] == ctx["user"])["user"]
for name, key in (("ca.crt", cl["certificate-authority-data"]),
                  ("client.crt", us["client-certificate-data"]),
                  ("client.key", us["client-key-data"])):
    open(f"{out}/{name}", "wb").write(base64.b64decode(key))
open(f"{out}/server", "w").write(cl["server"])
EOF
server=$(cat "$work/server")

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# api METHOD PATH [BODY_FILE [CONTENT_TYPE]] -> prints the HTTP code; body in $work/body,
# headers in $work/headers.
api() {
  local args=(-sS --max-time 20 --cacert "$work/ca.crt" --cert "$work/client.crt" --key "$work/client.key"
    -X "$1" -o "$work/body" -D "$work/headers" -w '%{http_code}')
  [ -n "${3:-}" ] && args+=(--data-binary "@$3" -H "Content-Type: ${4:-application/json}")
  curl "${args[@]}" "$server$2"
}

json() { python3 -c "import json,sys; d=json.load(open('$work/body')); print($1)" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
echo "== 1. apply CRDs ($crd_dir)"
crd_names=()
for f in "$crd_dir"/*.yaml; do
  name=$(python3 -c "import yaml; print(yaml.safe_load(open('$f'))['metadata']['name'])")
  crd_names+=("$name")
  code=$(api PATCH "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$name?fieldManager=tidal-crd-check&force=true&fieldValidation=Strict" \
    "$f" application/apply-patch+yaml)
  if [ "$code" = 200 ] || [ "$code" = 201 ]; then
    if grep -qi '^warning:' "$work/headers"; then
      fail "$name applied with warnings: $(grep -i '^warning:' "$work/headers" | tr -d '\r' | tr '\n' ' ')"
    else
      pass "$name applied ($code)"
    fi
  else
    fail "$name: HTTP $code: $(json 'd.get("message")')"
  fi
done
for name in "${crd_names[@]}"; do
  est=""
  for _ in $(seq 1 100); do
    api GET "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$name" >/dev/null
    est=$(json '",".join(c["type"] for c in d.get("status",{}).get("conditions",[]) if c["status"]=="True")')
    [[ ",$est," == *,Established,* && ",$est," == *,NamesAccepted,* ]] && break
    sleep 0.1
  done
  if [[ ",$est," == *,Established,* && ",$est," == *,NamesAccepted,* ]]; then
    pass "$name Established, NamesAccepted"
  else
    fail "$name not Established (True conditions: ${est:-none})"
  fi
done

# Splits a manifest into one JSON file per keda.sh document: "<file> <plural> <namespace|->" lines.
split_docs() { # manifest outprefix
  python3 - "$1" "$2" <<'EOF'
import json, sys, yaml
plural = {"ScaledObject": "scaledobjects", "ScaledJob": "scaledjobs",
          "TriggerAuthentication": "triggerauthentications",
          "ClusterTriggerAuthentication": "clustertriggerauthentications"}
for i, d in enumerate(x for x in yaml.safe_load_all(open(sys.argv[1])) if x):
    if not str(d.get("apiVersion", "")).startswith("keda.sh/"):
        continue
    out = f"{sys.argv[2]}.{i}.json"
    json.dump(d, open(out, "w"))
    ns = "-" if d["kind"] == "ClusterTriggerAuthentication" else d["metadata"].get("namespace", "default")
    print(out, plural[d["kind"]], ns, d["metadata"]["name"])
EOF
}

collection() { # plural ns
  if [ "$2" = - ]; then echo "/apis/keda.sh/v1alpha1/$1"; else echo "/apis/keda.sh/v1alpha1/namespaces/$2/$1"; fi
}

create() { # json plural ns [dry|real] [fieldValidation]
  local q="fieldValidation=${5:-Strict}"
  [ "${4:-dry}" = dry ] && q="dryRun=All&$q"
  api POST "$(collection "$2" "$3")?$q" "$1"
}

# ---------------------------------------------------------------------------------------------
echo "== 2. examples must be accepted ($ex_dir)"
for f in "$ex_dir"/*.yaml; do
  while read -r doc plural ns name; do
    code=$(create "$doc" "$plural" "$ns")
    if [ "$code" = 201 ]; then pass "$(basename "$f"): $plural/$name accepted"
    else fail "$(basename "$f"): $plural/$name HTTP $code: $(json 'd.get("message")')"; fi
  done < <(split_docs "$f" "$work/ex-$(basename "$f")")
done

echo "== 3. invalid examples"
for f in "$ex_dir"/invalid/*.yaml; do
  while read -r doc plural ns name; do
    code=$(create "$doc" "$plural" "$ns")
    msg=$(json 'd.get("message","")')
    case "$(basename "$f")" in
      min-greater-than-max.yaml)
        if [ "$code" = 422 ] && [[ "$msg" == *"minReplicaCount must be less than or equal to maxReplicaCount"* ]]; then
          pass "$(basename "$f"): 422 by the CEL rule: $msg"
        else
          fail "$(basename "$f"): want 422 with the CEL message, got $code: $msg"
        fi ;;
      *)
        if [ "$code" = 201 ]; then pass "$(basename "$f"): accepted by the CRD (a webhook-level rule, as expected)"
        else fail "$(basename "$f"): the CRD should accept it (webhook rule), got $code: $msg"; fi ;;
    esac
  done < <(split_docs "$f" "$work/inv-$(basename "$f")")
done

# ---------------------------------------------------------------------------------------------
echo "== 4. CRD-only behaviour"
so() { # name extra-spec-json -> file
  python3 - "$work/$1.json" "$1" "$2" <<'EOF'
import json, sys
spec = {"scaleTargetRef": {"name": "w"},
        "triggers": [{"type": "rabbitmq", "metadata": {"queueName": "q"}}]}
spec.update(json.loads(sys.argv[3]))
json.dump({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
           "metadata": {"name": sys.argv[2]}, "spec": spec}, open(sys.argv[1], "w"))
EOF
  echo "$work/$1.json"
}
expect() { # label want-code json plural ns [python-expr-on-body]
  local code; code=$(create "$3" "$4" "$5")
  if [ "$code" != "$2" ]; then fail "$1: want $2, got $code: $(json 'd.get("message")')"; return; fi
  if [ -n "${6:-}" ]; then
    local got; got=$(json "$6")
    if [ "$got" = True ]; then pass "$1"; else fail "$1: check '$6' false"; fi
  elif [ "$code" = 201 ]; then
    pass "$1 (201)"
  else
    pass "$1 ($code: $(json 'd.get("message")'))"
  fi
}
expect "fallback.behavior defaults to static" 201 \
  "$(so fb '{"fallback": {"failureThreshold": 3, "replicas": 2}}')" scaledobjects default \
  'd["spec"]["fallback"]["behavior"] == "static"'
expect "minReplicaCount == maxReplicaCount accepted" 201 "$(so eq '{"minReplicaCount": 3, "maxReplicaCount": 3}')" scaledobjects default
expect "minReplicaCount 101 without maxReplicaCount rejected (max defaults to 100 in the rule)" 422 \
  "$(so m101 '{"minReplicaCount": 101}')" scaledobjects default
expect "pollingInterval 0 rejected" 422 "$(so p0 '{"pollingInterval": 0}')" scaledobjects default
expect "empty triggers rejected" 422 "$(so nt '{"triggers": []}')" scaledobjects default
expect "trigger without metadata rejected" 422 "$(so nm '{"triggers": [{"type": "cron"}]}')" scaledobjects default
expect "unknown fallback.behavior rejected" 422 \
  "$(so fbx '{"fallback": {"failureThreshold": 1, "replicas": 1, "behavior": "sometimes"}}')" scaledobjects default
expect "stabilizationWindowSeconds 3601 rejected" 422 \
  "$(so sw '{"advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleUp": {"stabilizationWindowSeconds": 3601}}}}}')" scaledobjects default
expect "HPA tolerance quantity accepted" 201 \
  "$(so tol '{"advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"tolerance": "0.05"}, "scaleUp": {"tolerance": 1}}}}}')" scaledobjects default
expect "HPA tolerance non-quantity rejected" 422 \
  "$(so tolx '{"advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"tolerance": "five"}}}}}')" scaledobjects default
expect "scaling policy without periodSeconds rejected" 422 \
  "$(so pol '{"advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 4}]}}}}}')" scaledobjects default

python3 - "$work" <<'EOF'
import json, sys
w = sys.argv[1]
job = {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}
def sj(name, trig):
    json.dump({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledJob", "metadata": {"name": name},
               "spec": {"jobTargetRef": job, "triggers": [trig]}}, open(f"{w}/{name}.json", "w"))
sj("sj-ok", {"type": "rabbitmq", "metadata": {"queueName": "q"}})
sj("sj-mt", {"type": "rabbitmq", "metadata": {"queueName": "q"}, "metricType": "Value"})
json.dump({"apiVersion": "keda.sh/v1alpha1", "kind": "TriggerAuthentication", "metadata": {"name": "oa"},
           "spec": {"oauth2": {"clientId": "id", "tokenUrl": "https://auth.example/token"}}},
          open(f"{w}/ta-oauth.json", "w"))
json.dump({"apiVersion": "keda.sh/v1alpha1", "kind": "ClusterTriggerAuthentication", "metadata": {"name": "cta-file"},
           "spec": {"filePath": "rabbitmq/creds.json"}}, open(f"{w}/cta.json", "w"))
EOF
expect "ScaledJob minimal accepted, template kept opaque" 201 "$work/sj-ok.json" scaledjobs default \
  'd["spec"]["jobTargetRef"]["template"]["spec"]["containers"][0]["image"] == "x"'
# Unknown fields: strict field validation (kubectl's default) is a 400 strict-decoding error;
# without it the API server prunes the field and stores the object without it.
expect "ScaledJob trigger metricType rejected (not in the SJ schema; strict field validation)" 400 \
  "$work/sj-mt.json" scaledjobs default
code=$(create "$work/sj-mt.json" scaledjobs default dry Ignore)
if [ "$code" = 201 ] && [ "$(json '"metricType" not in d["spec"]["triggers"][0]')" = True ]; then
  pass "ScaledJob trigger metricType pruned without strict validation"
else
  fail "ScaledJob trigger metricType without strict validation: HTTP $code, not pruned?"
fi
expect "oauth2.type defaults to clientCredentials" 201 "$work/ta-oauth.json" triggerauthentications default \
  'd["spec"]["oauth2"]["type"] == "clientCredentials"'
expect "ClusterTriggerAuthentication is cluster-scoped" 201 "$work/cta.json" clustertriggerauthentications -

code=$(api GET /apis/keda.sh/v1alpha1)
if [ "$code" = 200 ]; then
  got=$(json '" ".join(sorted(r["name"] + ":" + ",".join(r.get("shortNames", [])) + ":" + ",".join(r.get("categories", [])) + ":" + str(r["namespaced"]) for r in d["resources"] if "/" not in r["name"]))')
  want="clustertriggerauthentications:cta,clustertriggerauth:keda:False scaledjobs:sj:keda:True scaledobjects:so:keda:True triggerauthentications:ta,triggerauth:keda:True"
  if [ "$got" = "$want" ]; then pass "discovery: names, short names, categories, scope"
  else fail "discovery: got '$got', want '$want'"; fi
else
  fail "discovery /apis/keda.sh/v1alpha1: HTTP $code"
fi

# ---------------------------------------------------------------------------------------------
echo "== 5. printer columns (real objects, deleted afterwards)"
table='Accept: application/json;as=Table;v=v1;g=meta.k8s.io'
columns() { # path
  curl -sS --max-time 20 --cacert "$work/ca.crt" --cert "$work/client.crt" --key "$work/client.key" \
    -H "$table" "$server$1" -o "$work/body" >/dev/null
  json '",".join(c["name"] for c in d["columnDefinitions"])'
}
while read -r doc plural ns name; do
  code=$(create "$doc" "$plural" "$ns" real)
  [ "$code" = 201 ] || { fail "create $plural/$name: HTTP $code: $(json 'd.get("message")')"; continue; }
  case $plural in
    scaledobjects) want="Name,ScaleTargetKind,ScaleTargetName,Min,Max,Ready,Active,Fallback,Paused,Triggers,Authentications,Age" ;;
    scaledjobs) want="Name,Min,Max,Ready,Active,Paused,Triggers,Authentications,Age" ;;
    triggerauthentications) want="Name,PodIdentity,Secret,Env,VaultAddress,ScaledObjects,ScaledJobs" ;;
    clustertriggerauthentications) want="Name,PodIdentity,Secret,Env,FilePath,VaultAddress,ScaledObjects,ScaledJobs" ;;
  esac
  if [ "$plural" = scaledobjects ]; then
    # A full status as the operator writes it, through the /status subresource (strict, so an
    # unknown status field would fail); the condition columns must then show it.
    cat > "$work/status.json" <<'EOJ'
{"status": {"scaleTargetKind": "apps/v1.Deployment",
  "scaleTargetGVKR": {"group": "apps", "version": "v1", "kind": "Deployment", "resource": "deployments"},
  "originalReplicaCount": 1, "lastActiveTime": "2026-01-02T03:04:05Z",
  "externalMetricNames": ["s0-rabbitmq-hello"], "resourceMetricNames": ["cpu"],
  "compositeScalerName": "composite-metric",
  "conditions": [{"type": "Ready", "status": "True", "reason": "ScaledObjectReady", "message": "ok"},
                 {"type": "Active", "status": "False", "reason": "ScalerNotActive", "message": "idle"},
                 {"type": "Fallback", "status": "False", "reason": "NoFallbackFound", "message": "none"},
                 {"type": "Paused", "status": "False"}],
  "health": {"s0-rabbitmq-hello": {"numberOfFailures": 0, "status": "Happy"}},
  "triggersActivity": {"s0-rabbitmq-hello": {"isActive": false}},
  "pausedReplicaCount": 2, "hpaName": "keda-hpa-rabbitmq-consumer",
  "triggersTypes": "rabbitmq", "authenticationsTypes": "rabbitmq-consumer-trigger"}}
EOJ
    code=$(api PATCH "$(collection "$plural" "$ns")/$name/status?fieldValidation=Strict" "$work/status.json" \
      application/merge-patch+json)
    if [ "$code" = 200 ] && [ "$(json 'd["status"]["health"]["s0-rabbitmq-hello"]["status"]')" = Happy ]; then
      pass "scaledobjects full status accepted through /status"
    else
      fail "scaledobjects status patch: HTTP $code: $(json 'd.get("message")')"
    fi
  fi
  got=$(columns "$(collection "$plural" "$ns")/$name")
  if [ "$got" = "$want" ]; then pass "$plural columns: $got"; else fail "$plural columns: got $got, want $want"; fi
  row=$(json '"|".join(str(c) for c in d["rows"][0]["cells"])')
  echo "     row: $row"
  if [ "$plural" = scaledobjects ]; then
    if [[ "$row" == "rabbitmq-consumer|apps/v1.Deployment|rabbitmq-consumer|None|30|True|False|False|False|rabbitmq|rabbitmq-consumer-trigger|"* ]]; then
      pass "scaledobjects row shows the status and condition columns"
    else
      fail "scaledobjects row: $row"
    fi
  fi
  api DELETE "$(collection "$plural" "$ns")/$name" >/dev/null
done < <(split_docs "$ex_dir/rabbitmq-scaledobject.yaml" "$work/real"
          split_docs "$ex_dir/scaledjob.yaml" "$work/real-sj"
          echo "$work/cta.json clustertriggerauthentications - cta-file")

if [ "$fails" = 0 ]; then echo "all apiserver checks passed"; exit 0; fi
echo "$fails apiserver check(s) failed"; exit 1
