#!/usr/bin/env bash
# `helm install` of deploy/helm/tidal into the real local control plane (tests/support/with-cluster)
#   helm_install_e2e.sh        env: KUBECONFIG, HELM, TIDAL_BINARY, TIDAL_LOCAL_NODE
# 1. tools/local-node stands in for a kubelet, with an image map that runs this build's tidal for
#    the chart's image (its ENTRYPOINT `tidal operator` = binary + "operator"). Pods share the
#    host's loopback, so the chart's ports are set to free ones; local-node mounts no volumes, so
#    the operator gets the cluster's kubeconfig through extraEnv (not the ServiceAccount token) and
#    generates its own serving certificate (no /certs).
# 2. helm install --wait: kube-apiserver accepts every object (CRDs, RBAC, Deployment, Services,
#    Secret, APIService, ValidatingWebhookConfiguration) and the operator pod gets Ready; the
#    operator's own /readyz and /metrics answer on the probe and metrics ports.
# 3. RBAC as the operator's ServiceAccount (`kubectl auth can-i --as`): what it needs, and what
#    it must not have.
# 4. helm upgrade with leader election, the operator now running with a kubeconfig holding the
#    ServiceAccount's own token (so it has exactly the chart's RBAC): it gets Ready, takes the
#    Lease, and nothing it does is refused (no "forbidden" in its log); the CA is kept.
#    A Deployment and a cron ScaledObject are then reconciled with those rights: Ready, HPA,
#    finalizer, Event, and a clean delete.
# 5. helm uninstall: everything but the CRDs is gone.
# 6. helm install with certificates.operatorManaged: the operator creates the certificate Secret
#    itself and injects its CA into the APIService and every webhook; the RBAC for it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${KUBECONFIG:?run under tests/support/with-cluster}" "${HELM:?}" "${TIDAL_BINARY:?}" "${TIDAL_LOCAL_NODE:?}"
kubectl=$("$root/scripts/k8s/build" --kubectl 2>/dev/null)/kubectl
k() { "$kubectl" --kubeconfig="$KUBECONFIG" "$@"; }
h() { "$HELM" --kubeconfig "$KUBECONFIG" "$@"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tidal-helm-e2e.XXXXXX")
ns=keda
sa=system:serviceaccount:$ns:keda-operator
passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
expect() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then
    kill -TERM "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  if [ "$failed" -ne 0 ] || [ -n "${KEEP:-}" ]; then
    echo "logs kept in $work"; for f in "$work"/pods/*.log "$work"/local-node.log; do
      [ -f "$f" ] && { echo "--- $f (last 30 lines)"; tail -n 30 "$f"; }
    done
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

free_port() { "$root/scripts/free-port" "$@"; }
read -r p_metrics p_probes p_api p_webhook <<< "$(free_port 4 | tr '\n' ' ')"
version=$(sed -n 's/^appVersion: "\(.*\)"/\1/p' "$root/deploy/helm/tidal/Chart.yaml")

cat > "$work/images.yaml" <<YAML
images:
  tidal/operator:$version:
    binary: $TIDAL_BINARY
    args: ["operator"]
YAML
cat > "$work/values.yaml" <<YAML
ports: {metrics: $p_metrics, probes: $p_probes, metricsServer: $p_api, webhook: $p_webhook}
extraEnv:
  - {name: KUBECONFIG, value: "$KUBECONFIG"}
logging: {format: text}
operator:
  updateStrategy: {type: Recreate}   # one host: old and new pod would share the ports
YAML

mkdir -p "$work/pods"
setsid "$TIDAL_LOCAL_NODE" --kubeconfig="$KUBECONFIG" --image-map="$work/images.yaml" \
  --namespace="$ns" --log-dir="$work/pods" < /dev/null > "$work/local-node.log" 2>&1 &
node_pid=$!
for _ in $(seq 60); do
  [ "$(k get node tidal-local-node -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] && break
  sleep 0.5
done

# ---- install
if h install tidal "$root/deploy/helm/tidal" --namespace "$ns" --create-namespace \
    -f "$work/values.yaml" --wait --timeout 180s > "$work/install.log" 2>&1; then
  ok "helm install --wait (every object accepted, operator pod Ready)"
else
  bad "helm install --wait"; cat "$work/install.log"
fi
h get manifest tidal -n "$ns" > "$work/manifest.yaml"
expect "every object of the release exists" k get -f "$work/manifest.yaml" -o name
for crd in scaledobjects scaledjobs triggerauthentications clustertriggerauthentications; do
  expect "CRD $crd.keda.sh Established" k wait --for=condition=Established "crd/$crd.keda.sh" --timeout=30s
done
expect "APIService points to keda/keda-operator-metrics-apiserver:443" test \
  "$(k get apiservice v1beta1.external.metrics.k8s.io -o 'jsonpath={.spec.service.namespace}/{.spec.service.name}:{.spec.service.port}')" \
  = "$ns/keda-operator-metrics-apiserver:443"
expect "webhook keda-admission has 4 webhooks" test \
  "$(k get validatingwebhookconfiguration keda-admission -o 'jsonpath={range .webhooks[*]}{.name}{"\n"}{end}' | wc -l)" = 4
expect "operator pod Ready" k wait -n "$ns" --for=condition=Ready pod -l app=keda-operator --timeout=60s
ready=""
for _ in $(seq 60); do
  ready=$(curl -s "http://127.0.0.1:$p_probes/readyz" || true)
  [ "$ready" = ok ] && break
  sleep 1
done
expect "operator /readyz answers ok on the probe port" test "$ready" = ok
expect "operator /metrics has keda_build_info" \
  bash -c "curl -s http://127.0.0.1:$p_metrics/metrics | grep -q '^keda_build_info'"

# ---- RBAC as the ServiceAccount
can() { [ "$(k auth can-i "$@" --as="$sa" 2>/dev/null)" = yes ]; }
cannot() { ! can "$@"; }
expect "SA may patch deployments/scale" can patch deployments.apps --subresource=scale -n default
expect "SA may create HPAs" can create horizontalpodautoscalers.autoscaling -n default
expect "SA may watch scaledobjects" can watch scaledobjects.keda.sh --all-namespaces
expect "SA may patch scaledjobs/status" can patch scaledjobs.keda.sh --subresource=status -n default
expect "SA may create jobs" can create jobs.batch -n default
expect "SA may get secrets" can get secrets -n default
expect "SA may create serviceaccount tokens" can create serviceaccounts --subresource=token -n default
expect "SA may create events" can create events.events.k8s.io -n default
expect "SA may not list secrets" cannot list secrets -n default
expect "SA may not delete secrets" cannot delete secrets -n default
expect "SA may not create deployments" cannot create deployments.apps -n default
expect "SA may not delete scaledobjects" cannot delete scaledobjects.keda.sh -n default
expect "SA may not update leases (1 replica, no leader election)" cannot update leases.coordination.k8s.io -n "$ns"

# ---- upgrade: leader election on, the ServiceAccount's credentials, certificate kept
ca_before=$(k get apiservice v1beta1.external.metrics.k8s.io -o 'jsonpath={.spec.caBundle}')
sa_kubeconfig=$work/sa.kubeconfig
server=$(k config view --raw --minify -o 'jsonpath={.clusters[0].cluster.server}')
k config view --raw --minify -o 'jsonpath={.clusters[0].cluster.certificate-authority-data}' |
  base64 -d > "$work/ca.crt"
token=$(k create token keda-operator -n "$ns" --duration=1h)
kc() { "$kubectl" --kubeconfig="$sa_kubeconfig" "$@" > /dev/null; }
kc config set-cluster local --server="$server" --certificate-authority="$work/ca.crt" --embed-certs=true
kc config set-credentials keda-operator --token="$token"
kc config set-context local --cluster=local --user=keda-operator
kc config use-context local
for f in "$work"/pods/*.log; do echo "${f##*/}"; done > "$work/pods-before-upgrade"
if h upgrade tidal "$root/deploy/helm/tidal" --namespace "$ns" -f "$work/values.yaml" \
    --set operator.leaderElection.enabled=true --set "extraEnv[0].name=KUBECONFIG" \
    --set "extraEnv[0].value=$sa_kubeconfig" --wait --timeout 180s > "$work/upgrade.log" 2>&1; then
  ok "helm upgrade --set operator.leaderElection.enabled=true --wait (ServiceAccount credentials)"
else
  bad "helm upgrade"; cat "$work/upgrade.log"
fi
ready=""
for _ in $(seq 60); do
  ready=$(curl -s "http://127.0.0.1:$p_probes/readyz" || true)
  [ "$ready" = ok ] && break
  sleep 1
done
expect "operator with the ServiceAccount's RBAC: /readyz ok" test "$ready" = ok
expect "upgrade keeps the generated CA" test \
  "$(k get apiservice v1beta1.external.metrics.k8s.io -o 'jsonpath={.spec.caBundle}')" = "$ca_before"
expect "SA may update leases in $ns" can update leases.coordination.k8s.io -n "$ns"
holder=""
for _ in $(seq 60); do
  holder=$(k get lease operator.keda.sh -n "$ns" -o 'jsonpath={.spec.holderIdentity}' 2>/dev/null || true)
  [ -n "$holder" ] && break
  sleep 1
done
expect "the operator holds Lease $ns/operator.keda.sh ($holder)" test -n "$holder"
new_log=""
for f in "$work"/pods/*keda-operator*.log; do
  name=${f##*/}
  grep -qxF "$name" "$work/pods-before-upgrade" || { new_log=$name; break; }
done
expect "the upgraded operator's log exists ($new_log)" test -n "$new_log"
expect "the operator logged that its caches synced" grep -q 'caches synced' "$work/pods/$new_log"
expect "the operator logged that it became the leader" grep -q 'became the leader' "$work/pods/$new_log"
expect "no request of the operator was forbidden" bash -c "! grep -i 'forbidden\| 403' '$work/pods/$new_log'"

# ---- a ScaledObject reconciled with the ServiceAccount's RBAC: finalizer, HPA, status, events
k apply -f - > /dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.example/web:1}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web, namespace: default}
spec:
  scaleTargetRef: {name: web}
  minReplicaCount: 1
  maxReplicaCount: 3
  triggers:
    - type: cron
      metadata: {timezone: UTC, start: "0 0 1 1 *", end: "5 0 1 1 *", desiredReplicas: "2"}
YAML
expect "ScaledObject web Ready=True" k wait --for=condition=Ready scaledobject/web -n default --timeout=90s
expect "HPA keda-hpa-web created" k get hpa keda-hpa-web -n default -o name
expect "finalizer set on ScaledObject web" test \
  "$(k get scaledobject web -n default -o 'jsonpath={.metadata.finalizers[0]}')" = finalizer.keda.sh
expect "Event ScaledObjectReady written" bash -c "'$kubectl' --kubeconfig='$KUBECONFIG' get events.events.k8s.io -n default -o jsonpath='{.items[*].reason}' | grep -q ScaledObjectReady"
k delete scaledobject web -n default --wait=true --timeout=60s > /dev/null 2>&1 || true
expect "ScaledObject web deleted (finalizer removed)" bash -c "! '$kubectl' --kubeconfig='$KUBECONFIG' get scaledobject web -n default >/dev/null 2>&1"
# The HPA goes with its owner through kube-controller-manager's garbage collector. Once in CI
# (1e3af32) it took over 30 s, presumably because the collector learns of a new CRD only at its
# 30 s discovery resync and these CRDs are seconds old (not verified: the cluster logs were gone);
# allow 90 s.
hpa_gone() {
  for _ in $(seq 180); do
    k get hpa keda-hpa-web -n default > /dev/null 2>&1 || return 0
    sleep 0.5
  done
  return 1
}
expect "HPA keda-hpa-web gone with its ScaledObject" hpa_gone
expect "still no request of the operator forbidden" bash -c "! grep -i 'forbidden\| 403' '$work/pods/$new_log'"

# ---- uninstall
if h uninstall tidal --namespace "$ns" --wait --timeout 120s > "$work/uninstall.log" 2>&1; then
  ok "helm uninstall"
else
  bad "helm uninstall"; cat "$work/uninstall.log"
fi
expect "APIService removed" bash -c "! '$kubectl' --kubeconfig='$KUBECONFIG' get apiservice v1beta1.external.metrics.k8s.io >/dev/null 2>&1"
expect "webhook configuration removed" bash -c "! '$kubectl' --kubeconfig='$KUBECONFIG' get validatingwebhookconfiguration keda-admission >/dev/null 2>&1"
expect "ClusterRole removed" bash -c "! '$kubectl' --kubeconfig='$KUBECONFIG' get clusterrole keda-operator >/dev/null 2>&1"
expect "CRDs kept (helm never deletes crds/)" k get crd scaledobjects.keda.sh -o name

# ---- certificates.operatorManaged: the operator makes its certificate and injects the CA
if h install tidal "$root/deploy/helm/tidal" --namespace "$ns" -f "$work/values.yaml" \
    --set certificates.operatorManaged=true --wait --timeout 180s > "$work/install-managed.log" 2>&1; then
  ok "helm install --set certificates.operatorManaged=true --wait"
else
  bad "helm install (operatorManaged)"; cat "$work/install-managed.log"
fi
secret_made() {
  for _ in $(seq 60); do
    [ -n "$(k get secret kedaorg-certs -n "$ns" -o 'jsonpath={.data.ca\.key}' 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  return 1
}
expect "the operator created Secret $ns/kedaorg-certs with its CA key" secret_made
expect "the Secret is the operator's, not Helm's" test \
  "$(k get secret kedaorg-certs -n "$ns" -o 'jsonpath={.metadata.labels.app\.kubernetes\.io/managed-by}')" = tidal
ca_managed=$(k get secret kedaorg-certs -n "$ns" -o 'jsonpath={.data.ca\.crt}')
injected() {
  for _ in $(seq 60); do
    [ "$(k get apiservice v1beta1.external.metrics.k8s.io -o 'jsonpath={.spec.caBundle}')" = "$ca_managed" ] &&
      [ "$(k get validatingwebhookconfiguration keda-admission -o 'jsonpath={range .webhooks[*]}{.clientConfig.caBundle}{"\n"}{end}' | sort -u)" = "$ca_managed" ] &&
      return 0
    sleep 0.5
  done
  return 1
}
expect "its CA injected into the APIService and all 4 webhooks" injected
expect "SA may create secrets in $ns" can create secrets -n "$ns"
expect "SA may update its Secret" can update secrets/kedaorg-certs -n "$ns"
expect "SA may not update other Secrets" cannot update secrets/other -n "$ns"
expect "SA may patch the APIService" can patch apiservices.apiregistration.k8s.io/v1beta1.external.metrics.k8s.io
expect "SA may not patch other APIServices" cannot patch apiservices.apiregistration.k8s.io/v1.apps
expect "SA may update the webhook configuration" can update validatingwebhookconfigurations.admissionregistration.k8s.io/keda-admission
h uninstall tidal --namespace "$ns" --wait --timeout 120s > "$work/uninstall-managed.log" 2>&1 ||
  bad "helm uninstall (operatorManaged)"
k delete secret kedaorg-certs -n "$ns" --ignore-not-found > /dev/null

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
