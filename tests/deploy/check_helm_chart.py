#!/usr/bin/env python3
"""Renders deploy/helm/tidal with helm and checks what it produces (no cluster needed):

  check_helm_chart.py HELM CHART_DIR CRD_DIR TIDAL

- `helm lint` passes (also with --strict);
- the chart's crds/ are byte-identical to deploy/crds/;
- `helm template` with default values and several combinations, each checked for: no "*" in any
  RBAC rule; the rules the operator's code needs (and secrets read-only, scoped when restricted);
  the APIService and the webhook pointing at the chart's Services, whose target ports are the
  container ports that `tidal operator --help` gives as defaults; probes on /healthz and /readyz
  on the probe port; non-root, read-only root filesystem; leader election on with 2 replicas;
  the generated certificate signed by the CA in both caBundles and naming both Services; only
  environment variables that `tidal operator --help` names or src/operator/operator.cc reads
  (plus POD_NAME and extraEnv).
Prints one line per case and "N passed, M failed".
"""
import base64
import filecmp
import os
import re
import subprocess
import sys
import tempfile

import yaml

NS = "keda"
failures = []
passed = 0


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def helm(*args, ok=True):
    r = subprocess.run([HELM, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise RuntimeError(f"helm {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r


def render(*sets, values=None):
    args = ["template", "tidal", CHART, "--namespace", NS]
    for s in sets:
        args += ["--set", s]
    if values:
        args += ["-f", values]
    out = helm(*args).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    return docs


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def one(docs, kind, name=None):
    found = [d for d in by_kind(docs, kind) if name is None or d["metadata"]["name"] == name]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind} {name or ''}, found {len(found)}")
    return found[0]


def operator_defaults():
    """Flag defaults and environment variables from `tidal operator --help`."""
    text = subprocess.run([TIDAL, "operator", "--help"], capture_output=True, text=True).stdout
    flags = dict(re.findall(r"(--[a-z-]+) TEXT=(\S+)", text))
    env = set(re.findall(r"\b(WATCH_[A-Z_]+|POD_NAMESPACE|KEDA_[A-Z_]+)", text))
    # --help names some only as a family (KEDA_OPERATOR_LEADER_ELECTION_*) or not at all: add
    # every variable the operator's source reads (envString/envInt/envDuration("NAME")).
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "operator",
                       "operator.cc")
    env |= set(re.findall(r'env(?:String|Int|Duration)\("([A-Z_]+)"', open(src).read()))
    return flags, env


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def rbac_rules(docs):
    rules = []
    for kind in ("ClusterRole", "Role"):
        for d in by_kind(docs, kind):
            for r in d.get("rules", []):
                rules.append((kind, d["metadata"].get("namespace"), r))
    return rules


def grants(rules, group, resource, verb, kind=None, namespace=None):
    for k, ns, r in rules:
        if kind and k != kind:
            continue
        if namespace is not None and ns != namespace:
            continue
        if group in r.get("apiGroups", []) and resource in r.get("resources", []) and \
                verb in r.get("verbs", []):
            return True
    return False


# What the operator calls (src/controller, src/scaling, src/operator, src/k8s): (group, resource, verb).
REQUIRED = [
    ("keda.sh", "scaledobjects", v) for v in ("list", "watch", "patch")
] + [
    ("keda.sh", "scaledjobs", v) for v in ("list", "watch", "patch")
] + [
    ("keda.sh", r + "/status", "patch") for r in
    ("scaledobjects", "scaledjobs", "triggerauthentications", "clustertriggerauthentications")
] + [
    ("keda.sh", r, v) for r in ("triggerauthentications", "clustertriggerauthentications")
    for v in ("get", "list", "watch", "patch")
] + [
    ("autoscaling", "horizontalpodautoscalers", v)
    for v in ("get", "list", "watch", "create", "update", "delete")
] + [
    ("apps", r, v) for r in ("deployments", "statefulsets") for v in ("get", "list", "watch")
] + [
    ("apps", r + "/scale", v) for r in ("deployments", "statefulsets") for v in ("get", "patch")
] + [
    ("batch", "jobs", v) for v in ("list", "create", "delete")
] + [
    ("", "pods", "list"), ("", "configmaps", "get"), ("", "serviceaccounts", "get"),
    ("", "serviceaccounts/token", "create"), ("", "limitranges", "list"),
    ("events.k8s.io", "events", "create"), ("events.k8s.io", "events", "patch"),
]


def common_checks(name, docs, leader, restrict_ns=None, metrics=True, webhooks=True,
                  managed=False):
    flags, env_names = operator_defaults()
    rules = rbac_rules(docs)
    for kind, ns, r in rules:
        for field in ("apiGroups", "resources", "verbs", "resourceNames"):
            check("*" not in r.get(field, []), f"{name}: '*' in {kind} {field}: {r}")
            check(not any("*" in x for x in r.get(field, [])), f"{name}: wildcard in {kind}: {r}")
    for g, res, v in REQUIRED:
        check(grants(rules, g, res, v, kind="ClusterRole"),
              f"{name}: ClusterRole lacks {v} on {g or 'core'}/{res}")
    # Secrets: read-only; cluster-wide unless restricted.
    for k, ns, r in rules:
        if "secrets" in r.get("resources", []):
            # certificates.operatorManaged: its own Secret (by name) in the release namespace.
            own = managed and k == "Role" and ns == NS and (
                (set(r["verbs"]) == {"get", "update"} and r.get("resourceNames") == [
                    "kedaorg-certs"]) or set(r["verbs"]) == {"create"})
            check(own or set(r["verbs"]) == {"get"},
                  f"{name}: secrets verbs {r['verbs']}, want [get]")
    if restrict_ns:
        check(not grants(rules, "", "secrets", "get", kind="ClusterRole"),
              f"{name}: ClusterRole still grants secrets with restrict.secret")
        check(grants(rules, "", "secrets", "get", kind="Role", namespace=restrict_ns),
              f"{name}: no Role granting secrets in {restrict_ns}")
    else:
        check(grants(rules, "", "secrets", "get", kind="ClusterRole"),
              f"{name}: ClusterRole lacks get on secrets")
    # Leases only with leader election, in the release namespace.
    check(grants(rules, "coordination.k8s.io", "leases", "update", kind="Role", namespace=NS)
          == leader, f"{name}: Lease Role present={not leader}, want {leader}")
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for b in by_kind(docs, kind):
            check(b["subjects"] == [{"kind": "ServiceAccount", "name": "keda-operator",
                                     "namespace": NS}], f"{name}: {kind} subjects {b['subjects']}")

    dep = one(docs, "Deployment", "keda-operator")
    pod = dep["spec"]["template"]["spec"]
    check(dep["spec"]["selector"]["matchLabels"].items() <=
          dep["spec"]["template"]["metadata"]["labels"].items(), f"{name}: selector/labels")
    check(pod["serviceAccountName"] == "keda-operator", f"{name}: serviceAccountName")
    c = pod["containers"][0]
    args = c["args"]
    check(("--leader-elect" in args) == leader, f"{name}: --leader-elect in args={not leader}")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    check(ports["metrics"] == port_of(flags["--metrics-bind-address"]), f"{name}: metrics port")
    check(ports["probes"] == port_of(flags["--health-probe-bind-address"]), f"{name}: probe port")
    if metrics:
        check(ports.get("metrics-api") == port_of(flags["--metrics-server-bind-address"]),
              f"{name}: metrics API port {ports.get('metrics-api')}")
    if webhooks:
        check(ports.get("webhook") == port_of(flags["--webhook-bind-address"]),
              f"{name}: webhook port {ports.get('webhook')}")
    for flag, port_name in (("--metrics-bind-address", "metrics"),
                            ("--health-probe-bind-address", "probes")):
        check(f"{flag}=:{ports[port_name]}" in args, f"{name}: {flag} not :{ports[port_name]}")
    check(c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "probes"},
          f"{name}: liveness probe {c['livenessProbe']}")
    check(c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "probes"},
          f"{name}: readiness probe {c['readinessProbe']}")
    sc, psc = c["securityContext"], pod["securityContext"]
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) != 0, f"{name}: non-root")
    check(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem")
    check(sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation")
    check("resources" in c and c["resources"].get("requests"), f"{name}: resources")
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in pod["volumes"]}
    if managed:
        check("--enable-cert-rotation" in args and "--cert-secret-name=kedaorg-certs" in args,
              f"{name}: --enable-cert-rotation")
        check("certificates" not in mounts and "certificates" not in vols,
              f"{name}: a certificate volume although the operator makes its own")
    else:
        check(f"--cert-dir={flags['--cert-dir']}" in args, f"{name}: --cert-dir")
        check(mounts.get("certificates") == flags["--cert-dir"], f"{name}: certificates mount")
        check(vols["certificates"]["secret"]["secretName"] == "kedaorg-certs",
              f"{name}: cert Secret")
    env = {e["name"]: e for e in c["env"]}
    check(env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace",
          f"{name}: POD_NAMESPACE")
    unknown = set(env) - env_names - {"POD_NAME", "EXTRA_ONE"}
    check(not unknown, f"{name}: env vars the operator does not read: {sorted(unknown)}")

    services = {s["metadata"]["name"]: s for s in by_kind(docs, "Service")}

    def target_port(svc, port):
        for p in services[svc]["spec"]["ports"]:
            if p["port"] == port:
                tp = p["targetPort"]
                return ports.get(tp, tp)
        return None

    check(target_port("keda-operator", 8080) == ports["metrics"], f"{name}: /metrics Service")
    for s in services.values():
        check(s["spec"]["selector"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(),
              f"{name}: Service {s['metadata']['name']} selects other pods")
    ca = None
    if metrics:
        api = one(docs, "APIService", "v1beta1.external.metrics.k8s.io")
        svc = api["spec"]["service"]
        check(svc["namespace"] == NS and svc["name"] == "keda-operator-metrics-apiserver" and
              svc["port"] == 443, f"{name}: APIService service {svc}")
        check(target_port(svc["name"], 443) == port_of(flags["--metrics-server-bind-address"]),
              f"{name}: metrics API Service 443 -> {target_port(svc['name'], 443)}")
        check(api["spec"]["group"] == "external.metrics.k8s.io" and
              api["spec"]["version"] == "v1beta1", f"{name}: APIService group/version")
        ca = api["spec"].get("caBundle")
        check((ca is None) == managed, f"{name}: APIService caBundle present={ca is not None}")
    else:
        check(not by_kind(docs, "APIService"), f"{name}: APIService rendered although disabled")
        check("--metrics-server-bind-address=" in args, f"{name}: metrics API not switched off")
    if webhooks:
        vwc = one(docs, "ValidatingWebhookConfiguration", "keda-admission")
        kinds = set()
        for w in vwc["webhooks"]:
            cc = w["clientConfig"]
            check(cc["service"]["name"] == "keda-admission-webhooks" and
                  cc["service"]["namespace"] == NS and cc["service"]["port"] == 443,
                  f"{name}: webhook service {cc['service']}")
            kind = cc["service"]["path"].rsplit("-", 1)[1]
            kinds.add(kind)
            check(w["rules"][0]["resources"] == [kind + "s"], f"{name}: webhook {kind} rule")
            check(w["sideEffects"] == "None" and w["admissionReviewVersions"] == ["v1"],
                  f"{name}: webhook {kind} sideEffects/versions")
            if managed:
                check("caBundle" not in cc, f"{name}: webhook {kind} has a caBundle")
                continue
            if ca is None:
                ca = cc["caBundle"]
            check(cc["caBundle"] == ca, f"{name}: webhook {kind} caBundle differs from APIService")
        check(kinds == {"scaledobject", "scaledjob", "triggerauthentication",
                        "clustertriggerauthentication"}, f"{name}: webhook kinds {kinds}")
        check(target_port("keda-admission-webhooks", 443) == port_of(flags["--webhook-bind-address"]),
              f"{name}: webhook Service 443 -> wrong port")
    else:
        check(not by_kind(docs, "ValidatingWebhookConfiguration"), f"{name}: webhook rendered")
        check("--webhook-bind-address=" in args, f"{name}: webhook not switched off")
    return dep, c, env, ca


def check_generated_certificate(name, docs, ca):
    secret = one(docs, "Secret", "kedaorg-certs")
    data = secret["data"]
    check(data["ca.crt"] == ca, f"{name}: Secret ca.crt differs from the caBundles")
    with tempfile.TemporaryDirectory() as d:
        for key in ("ca.crt", "tls.crt"):
            with open(os.path.join(d, key), "wb") as f:
                f.write(base64.b64decode(data[key]))
        r = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(d, "ca.crt"),
                            os.path.join(d, "tls.crt")], capture_output=True, text=True)
        check(r.returncode == 0, f"{name}: tls.crt not signed by ca.crt: {r.stdout}{r.stderr}")
        san = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in",
                              os.path.join(d, "tls.crt")], capture_output=True, text=True).stdout
        for host in (f"keda-operator-metrics-apiserver.{NS}.svc",
                     f"keda-admission-webhooks.{NS}.svc"):
            check(f"DNS:{host}" in san, f"{name}: certificate does not name {host}: {san}")
    check(b"PRIVATE KEY" in base64.b64decode(data["tls.key"]), f"{name}: tls.key")


def case(name, fn):
    global passed
    before = len(failures)
    try:
        fn()
    except Exception as e:  # a failed render or a missing object
        failures.append(f"{name}: {type(e).__name__}: {e}")
    ok = len(failures) == before
    passed += ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}")
    for f in failures[before:]:
        print(f"     {f}")


def case_lint():
    helm("lint", CHART)
    helm("lint", "--strict", CHART)


def case_crds():
    mine = sorted(os.listdir(os.path.join(CHART, "crds")))
    theirs = sorted(f for f in os.listdir(CRDS) if f.endswith(".yaml"))
    check(mine == theirs, f"crds: chart has {mine}, deploy/crds has {theirs}")
    for f in theirs:
        check(filecmp.cmp(os.path.join(CHART, "crds", f), os.path.join(CRDS, f), shallow=False),
              f"crds: {f} differs from deploy/crds (copy it: cp deploy/crds/*.yaml {CHART}/crds/)")


def case_defaults():
    docs = render()
    _, _, env, ca = common_checks("defaults", docs, leader=False)
    check_generated_certificate("defaults", docs, ca)
    check(one(docs, "Deployment")["spec"]["replicas"] == 1, "defaults: replicas")
    check(env["WATCH_NAMESPACE"]["value"] == "", "defaults: WATCH_NAMESPACE")
    check(env["KEDA_RESTRICT_SECRET_ACCESS"]["value"] == "false", "defaults: restrict")
    names = sorted(f"{d['kind']}/{d['metadata']['name']}" for d in docs)
    check(names == sorted([
        "APIService/v1beta1.external.metrics.k8s.io", "ClusterRole/keda-operator",
        "ClusterRoleBinding/keda-operator", "Deployment/keda-operator",
        "Secret/kedaorg-certs", "Service/keda-admission-webhooks", "Service/keda-operator",
        "Service/keda-operator-metrics-apiserver", "ServiceAccount/keda-operator",
        "ValidatingWebhookConfiguration/keda-admission"]), f"defaults: objects {names}")


def case_two_replicas():
    docs = render("operator.replicaCount=2")
    dep, c, env, _ = common_checks("replicas=2", docs, leader=True)
    check(dep["spec"]["replicas"] == 2, "replicas=2: replicas")
    check("--leader-election-id=operator.keda.sh" in c["args"], "replicas=2: lease id")


def case_two_replicas_forced_off():
    docs = render("operator.replicaCount=2", "operator.leaderElection.enabled=false")
    common_checks("replicas=2,leaderElection=false", docs, leader=False)


def case_one_replica_forced_on():
    docs = render("operator.leaderElection.enabled=true",
                  "operator.leaderElection.leaseDuration=30s")
    _, _, env, _ = common_checks("replicas=1,leaderElection=true", docs, leader=True)
    check(env["KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION"]["value"] == "30s",
          "leaderElection: lease duration env")


def case_restricted_secrets():
    docs = render("permissions.operator.restrict.secret=true",
                  "env.clusterObjectNamespace=keda-secrets",
                  "permissions.operator.restrict.namesAllowList={a,b}")
    _, _, env, _ = common_checks("restrict.secret", docs, leader=False, restrict_ns="keda-secrets")
    check(env["KEDA_RESTRICT_SECRET_ACCESS"]["value"] == "true", "restrict.secret: env")
    check(env["KEDA_CLUSTER_OBJECT_NAMESPACE"]["value"] == "keda-secrets", "restrict.secret: ns")
    role = one(docs, "Role", "keda-operator-secrets")
    check(role["rules"][0].get("resourceNames") == ["a", "b"], "restrict.secret: resourceNames")
    binding = one(docs, "RoleBinding", "keda-operator-secrets")
    check(binding["metadata"]["namespace"] == "keda-secrets", "restrict.secret: binding ns")


def case_provided_certificate():
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump({"certificates": {"generate": False, "caBundle": pem}}, f)
    try:
        docs = render(values=f.name)
    finally:
        os.unlink(f.name)
    _, _, _, ca = common_checks("provided certificate", docs, leader=False)
    check(not by_kind(docs, "Secret"), "provided certificate: the chart must not write the Secret")
    check(base64.b64decode(ca).decode() == pem, "provided certificate: caBundle is not the value")
    r = helm("template", "tidal", CHART, "--namespace", NS, "--set", "certificates.generate=false",
             ok=False)
    check(r.returncode != 0 and "certificates.caBundle" in r.stderr,
          f"provided certificate without caBundle: want a clear failure, got {r.returncode} "
          f"{r.stderr.strip()}")


def case_operator_managed():
    docs = render("certificates.operatorManaged=true")
    common_checks("operator-managed certificate", docs, leader=False, managed=True)
    check(not by_kind(docs, "Secret"), "operator-managed: the chart must not write the Secret")
    rules = rbac_rules(docs)
    for group, res, name, verb in (("apiregistration.k8s.io", "apiservices",
                                    "v1beta1.external.metrics.k8s.io", "patch"),
                                   ("admissionregistration.k8s.io",
                                    "validatingwebhookconfigurations", "keda-admission", "update")):
        check(any(k == "ClusterRole" and group in r["apiGroups"] and res in r["resources"] and
                  verb in r["verbs"] and r.get("resourceNames") == [name] for k, _, r in rules),
              f"operator-managed: no {verb} on {res}/{name}")
    check(grants(rules, "", "secrets", "create", kind="Role", namespace=NS),
          "operator-managed: cannot create its Secret")
    # Off by default: no such rules.
    plain = rbac_rules(render())
    check(not any("apiservices" in r["resources"] for _, _, r in plain),
          "defaults: apiservices granted without operatorManaged")


def case_settings():
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump({
            "watchNamespace": "apps", "logging": {"level": "debug", "format": "text"},
            "env": {"httpTimeout": "5000", "scaledObjectMaxReconciles": "10",
                    "minTlsVersion": "TLS13"},
            "extraEnv": [{"name": "EXTRA_ONE", "value": "1"}],
            "nodeSelector": {"pool": "system"},
            "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "zone", "operator": "In", "values": ["a"]}]}]}}},
            "image": {"repository": "registry.example/tidal", "tag": "9.9.9"},
            "rbac": {"scaleTargets": [{"apiGroup": "argoproj.io", "resources": ["rollouts"]}]},
            "metricsServer": {"requestHeaderAllowedNames": ["front-proxy-client"]},
        }, f)
    try:
        docs = render(values=f.name)
    finally:
        os.unlink(f.name)
    dep, c, env, _ = common_checks("settings", docs, leader=False)
    pod = dep["spec"]["template"]["spec"]
    check(env["WATCH_NAMESPACE"]["value"] == "apps", "settings: WATCH_NAMESPACE")
    check(env["KEDA_HTTP_DEFAULT_TIMEOUT"]["value"] == "5000", "settings: http timeout")
    check(env["KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES"]["value"] == "10", "settings: reconciles")
    check(env["KEDA_SERVICE_MIN_TLS_VERSION"]["value"] == "TLS13", "settings: TLS")
    check(env["EXTRA_ONE"]["value"] == "1", "settings: extraEnv")
    check("--log-level=debug" in c["args"] and "--log-format=text" in c["args"], "settings: logs")
    check("--requestheader-allowed-names=front-proxy-client" in c["args"], "settings: names")
    check(c["image"] == "registry.example/tidal:9.9.9", f"settings: image {c['image']}")
    check(pod["nodeSelector"].get("pool") == "system", "settings: nodeSelector")
    check(pod["tolerations"][0]["key"] == "dedicated", "settings: tolerations")
    check("nodeAffinity" in pod["affinity"], "settings: affinity")
    rules = rbac_rules(docs)
    check(grants(rules, "argoproj.io", "rollouts", "get"), "settings: rollouts get")
    check(grants(rules, "argoproj.io", "rollouts/scale", "patch"), "settings: rollouts/scale")


def case_serving_off():
    docs = render("metricsServer.enabled=false", "webhooks.enabled=false")
    common_checks("metrics API and webhook off", docs, leader=False, metrics=False, webhooks=False)
    names = {s["metadata"]["name"] for s in by_kind(docs, "Service")}
    check(names == {"keda-operator"}, f"serving off: Services {names}")


def main(argv):
    global HELM, CHART, CRDS, TIDAL
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    HELM, CHART, CRDS, TIDAL = argv[1:]
    flags, env = operator_defaults()
    if not flags or not env:
        print(f"cannot read defaults from {TIDAL} operator --help")
        return 1
    cases = [("helm lint", case_lint), ("crds identical to deploy/crds", case_crds),
             ("defaults", case_defaults), ("replicas=2", case_two_replicas),
             ("replicas=2, leaderElection.enabled=false", case_two_replicas_forced_off),
             ("replicas=1, leaderElection.enabled=true", case_one_replica_forced_on),
             ("restricted secret access", case_restricted_secrets),
             ("provided certificate", case_provided_certificate),
             ("operator-managed certificate", case_operator_managed),
             ("settings (namespace, logs, env, scheduling, image, scale targets)", case_settings),
             ("metrics API and webhook off", case_serving_off)]
    for name, fn in cases:
        case(name, fn)
    print(f"{passed} passed, {len(cases) - passed} failed")
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
