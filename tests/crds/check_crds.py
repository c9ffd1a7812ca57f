#!/usr/bin/env python3
"""Offline check of tidal's CustomResourceDefinitions for KEDA's API (keda.sh/v1alpha1).

Usage: check_crds.py DIR        (DIR is normally deploy/crds)

For each of the four CRD files in DIR it checks:
  * the file parses as YAML and is an apiextensions.k8s.io/v1 CustomResourceDefinition with the
    names, scope, short names, version, status subresource and printer columns of spec §a;
  * the openAPIV3Schema is structural (every node typed, or int-or-string / preserve-unknown;
    no properties together with additionalProperties; anyOf branches carry no type, except the
    int-or-string pair; defaults match their node; no unknown or forbidden keywords);
  * every spec and status field path of spec §a (listed below in EXPECTED) is present with the
    expected type and, where §a gives them, the required flag, bounds, enum and default;
  * the ScaledObject spec carries the CEL replica-bounds rule of §a.1.
It prints every missing path and every mismatch, and exits 1 if there is any (0 otherwise,
2 on usage error). Needs only PyYAML.
"""

import os
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - environment problem, not a CRD problem
    sys.stderr.write("check_crds.py needs PyYAML (pip install pyyaml)\n")
    sys.exit(2)

# --------------------------------------------------------------------------------------------
# Expected field paths, derived from spec/keda-spec.md §a.
#
# One line per path: PATH KIND [flag ...]
#   PATH: dotted; "[]" steps into array items, "{}" into map values (additionalProperties).
#   KIND: string | boolean | int32 | int64 | object | array | map (object of strings)
#         | quantity (int-or-string) | date-time (string, format date-time)
#         | opaque (object with x-kubernetes-preserve-unknown-fields) | absent (must NOT exist)
#   flags: required (listed in the parent's required), min=N, max=N, minLength=N, minItems=N,
#          enum=a,b,c, default=V
# --------------------------------------------------------------------------------------------

TRIGGER_PATHS = """
spec.triggers                          array required minItems=1
spec.triggers[]                        object
spec.triggers[].type                   string required minLength=1
spec.triggers[].name                   string
spec.triggers[].metadata               map required
spec.triggers[].authenticationRef      object
spec.triggers[].authenticationRef.name string required
spec.triggers[].authenticationRef.kind string enum=TriggerAuthentication,ClusterTriggerAuthentication
spec.triggers[].useCachedMetrics       boolean
"""

CONDITION_PATHS = """
status.conditions                      array
status.conditions[]                    object
status.conditions[].type               string required
status.conditions[].status             string required
status.conditions[].reason             string
status.conditions[].message            string
"""


def _scaling_rules(prefix):
    return f"""
{prefix}                                object
{prefix}.stabilizationWindowSeconds     int32 min=0 max=3600
{prefix}.selectPolicy                   string
{prefix}.policies                       array
{prefix}.policies[]                     object
{prefix}.policies[].type                string required
{prefix}.policies[].value               int32 required
{prefix}.policies[].periodSeconds       int32 required
{prefix}.tolerance                      quantity
"""


HPA = "spec.advanced.horizontalPodAutoscalerConfig"

SCALEDOBJECT_PATHS = f"""
spec                                   object required
spec.scaleTargetRef                    object required
spec.scaleTargetRef.name               string required minLength=1
spec.scaleTargetRef.apiVersion         string
spec.scaleTargetRef.kind               string
spec.scaleTargetRef.envSourceContainerName string
spec.pollingInterval                   int32 min=1
spec.initialCooldownPeriod             int32 min=0
spec.cooldownPeriod                    int32 min=0
spec.idleReplicaCount                  int32 min=0
spec.minReplicaCount                   int32 min=0
spec.maxReplicaCount                   int32 min=1
spec.advanced                          object
spec.advanced.restoreToOriginalReplicaCount boolean
{HPA}                                  object
{HPA}.name                             string
{HPA}.behavior                         object
{_scaling_rules(HPA + ".behavior.scaleUp")}
{_scaling_rules(HPA + ".behavior.scaleDown")}
spec.advanced.scalingModifiers         object
spec.advanced.scalingModifiers.formula string
spec.advanced.scalingModifiers.target  string
spec.advanced.scalingModifiers.activationTarget string
spec.advanced.scalingModifiers.metricType string enum=AverageValue,Value
{TRIGGER_PATHS}
spec.triggers[].metricType             string
spec.fallback                          object
spec.fallback.failureThreshold         int32 required min=0
spec.fallback.replicas                 int32 required min=0
spec.fallback.behavior                 string enum=static,currentReplicas,currentReplicasIfHigher,currentReplicasIfLower,scalingModifiers default=static
status                                 object
status.scaleTargetKind                 string
status.scaleTargetGVKR                 object
status.scaleTargetGVKR.group           string
status.scaleTargetGVKR.version         string
status.scaleTargetGVKR.kind            string
status.scaleTargetGVKR.resource        string
status.originalReplicaCount            int32
status.lastActiveTime                  date-time
status.externalMetricNames             array
status.externalMetricNames[]           string
status.resourceMetricNames             array
status.resourceMetricNames[]           string
status.compositeScalerName             string
{CONDITION_PATHS}
status.health                          object
status.health{{}}                      object
status.health{{}}.numberOfFailures     int32
status.health{{}}.status               string
status.triggersActivity                object
status.triggersActivity{{}}            object
status.triggersActivity{{}}.isActive   boolean
status.pausedReplicaCount              int32
status.hpaName                         string
status.triggersTypes                   string
status.authenticationsTypes            string
"""

JOB = "spec.jobTargetRef"

SCALEDJOB_PATHS = f"""
spec                                   object required
{JOB}                                  object required
{JOB}.parallelism                      int32
{JOB}.completions                      int32
{JOB}.activeDeadlineSeconds            int64
{JOB}.backoffLimit                     int32
{JOB}.ttlSecondsAfterFinished          int32
{JOB}.completionMode                   string
{JOB}.suspend                          boolean
{JOB}.podFailurePolicy                 object
{JOB}.selector                         object
{JOB}.manualSelector                   boolean
{JOB}.template                         opaque required
spec.pollingInterval                   int32 min=1
spec.successfulJobsHistoryLimit        int32 min=0
spec.failedJobsHistoryLimit            int32 min=0
spec.rolloutStrategy                   string enum=gradual,immediate
spec.rollout                           object
spec.rollout.strategy                  string enum=gradual,immediate
spec.rollout.propagationPolicy         string enum=foreground,background
spec.envSourceContainerName            string
spec.minReplicaCount                   int32 min=0
spec.maxReplicaCount                   int32 min=1
spec.scalingStrategy                   object
spec.scalingStrategy.strategy          string enum=default,custom,accurate,eager
spec.scalingStrategy.customScalingQueueLengthDeduction int32
spec.scalingStrategy.customScalingRunningJobPercentage string
spec.scalingStrategy.pendingPodConditions array
spec.scalingStrategy.pendingPodConditions[] string
spec.scalingStrategy.multipleScalersCalculation string enum=min,avg,sum,max
{TRIGGER_PATHS}
spec.triggers[].metricType             absent
status                                 object
status.lastActiveTime                  date-time
{CONDITION_PATHS}
status.Paused                          string
status.triggersTypes                   string
status.authenticationsTypes            string
status.externalMetricNames             array
status.externalMetricNames[]           string
status.triggersActivity                object
status.triggersActivity{{}}            object
status.triggersActivity{{}}.isActive   boolean
"""


def _secret_ref(prefix):
    """A {valueFrom: {secretKeyRef: {name, key}}} value."""
    return f"""
{prefix}                                      object
{prefix}.valueFrom                            object required
{prefix}.valueFrom.secretKeyRef               object required
{prefix}.valueFrom.secretKeyRef.name          string required
{prefix}.valueFrom.secretKeyRef.key           string required
"""


def _pod_identity(prefix, required=""):
    return f"""
{prefix}                               object {required}
{prefix}.provider                      string required enum=azure-workload,gcp,aws,aws-eks,none
{prefix}.identityId                    string
{prefix}.identityTenantId              string
{prefix}.identityAuthorityHost         string
{prefix}.roleArn                       string
{prefix}.externalID                    string
{prefix}.identityOwner                 string enum=keda,workload
"""


V = "spec.hashiCorpVault"
AZ = "spec.azureKeyVault"
GCP = "spec.gcpSecretManager"
AWS = "spec.awsSecretManager"

TRIGGERAUTH_PATHS = f"""
spec                                   object required
{_pod_identity("spec.podIdentity")}
spec.secretTargetRef                   array
spec.secretTargetRef[]                 object
spec.secretTargetRef[].parameter       string required
spec.secretTargetRef[].name            string required
spec.secretTargetRef[].key             string required
spec.configMapTargetRef                array
spec.configMapTargetRef[]              object
spec.configMapTargetRef[].parameter    string required
spec.configMapTargetRef[].name         string required
spec.configMapTargetRef[].key          string required
spec.env                               array
spec.env[]                             object
spec.env[].parameter                   string required
spec.env[].name                        string required
spec.env[].containerName               string
spec.filePath                          string
{V}                                    object
{V}.address                            string required
{V}.authentication                     string required enum=token,kubernetes
{V}.secrets                            array required minItems=1
{V}.secrets[]                          object
{V}.secrets[].parameter                string required
{V}.secrets[].path                     string required
{V}.secrets[].key                      string required
{V}.secrets[].type                     string enum=,secretV2,secret,pki
{V}.secrets[].pkiData                  object
{V}.secrets[].pkiData.commonName       string
{V}.secrets[].pkiData.altNames         string
{V}.secrets[].pkiData.ipSans           string
{V}.secrets[].pkiData.uriSans          string
{V}.secrets[].pkiData.otherSans        string
{V}.secrets[].pkiData.ttl              string
{V}.secrets[].pkiData.format           string
{V}.namespace                          string
{V}.credential                         object
{V}.credential.token                   string
{V}.credential.serviceAccount          string
{V}.credential.serviceAccountName      string
{V}.role                               string
{V}.mount                              string
{AZ}                                   object
{AZ}.vaultUri                          string required
{AZ}.secrets                           array required minItems=1
{AZ}.secrets[]                         object
{AZ}.secrets[].parameter               string required
{AZ}.secrets[].name                    string required
{AZ}.secrets[].version                 string
{AZ}.credentials                       object
{AZ}.credentials.clientId              string required
{AZ}.credentials.tenantId              string required
{_secret_ref(AZ + ".credentials.clientSecret")}
{_pod_identity(AZ + ".podIdentity")}
{AZ}.cloud                             object
{AZ}.cloud.type                        string required
{AZ}.cloud.keyVaultResourceURL         string
{AZ}.cloud.activeDirectoryEndpoint     string
{GCP}                                  object
{GCP}.secrets                          array required minItems=1
{GCP}.secrets[]                        object
{GCP}.secrets[].parameter              string required
{GCP}.secrets[].id                     string required
{GCP}.secrets[].version                string
{GCP}.credentials                      object
{_secret_ref(GCP + ".credentials.clientSecret")}
{_pod_identity(GCP + ".podIdentity")}
{AWS}                                  object
{AWS}.secrets                          array required minItems=1
{AWS}.secrets[]                        object
{AWS}.secrets[].parameter              string required
{AWS}.secrets[].name                   string required
{AWS}.secrets[].versionId              string
{AWS}.secrets[].versionStage           string
{AWS}.secrets[].secretKey              string
{AWS}.credentials                      object
{_secret_ref(AWS + ".credentials.accessKey")}
{_secret_ref(AWS + ".credentials.accessSecretKey")}
{_secret_ref(AWS + ".credentials.accessToken")}
{_pod_identity(AWS + ".podIdentity")}
{AWS}.region                           string
spec.boundServiceAccountToken          array
spec.boundServiceAccountToken[]        object
spec.boundServiceAccountToken[].parameter string required
spec.boundServiceAccountToken[].serviceAccountName string required
spec.oauth2                            object
spec.oauth2.type                       string enum=clientCredentials default=clientCredentials
spec.oauth2.clientId                   string
spec.oauth2.clientSecret               object
{_secret_ref("spec.oauth2.clientSecret")}
spec.oauth2.tokenUrl                   string
spec.oauth2.scopes                     array
spec.oauth2.scopes[]                   string
spec.oauth2.tokenUrlParams             map
status                                 object
status.scaledobjects                   string
status.scaledjobs                      string
"""


def _cond(name, ctype):
    return (name, "string", f'.status.conditions[?(@.type=="{ctype}")].status', 0)


SO_COLUMNS = [
    ("ScaleTargetKind", "string", ".status.scaleTargetKind", 0),
    ("ScaleTargetName", "string", ".spec.scaleTargetRef.name", 0),
    ("Min", "integer", ".spec.minReplicaCount", 0),
    ("Max", "integer", ".spec.maxReplicaCount", 0),
    _cond("Ready", "Ready"),
    _cond("Active", "Active"),
    _cond("Fallback", "Fallback"),
    _cond("Paused", "Paused"),
    ("Triggers", "string", ".status.triggersTypes", 0),
    ("Authentications", "string", ".status.authenticationsTypes", 0),
    ("Age", "date", ".metadata.creationTimestamp", 0),
]
SJ_COLUMNS = [
    ("Min", "integer", ".spec.minReplicaCount", 0),
    ("Max", "integer", ".spec.maxReplicaCount", 0),
    _cond("Ready", "Ready"),
    _cond("Active", "Active"),
    _cond("Paused", "Paused"),
    ("Triggers", "string", ".status.triggersTypes", 0),
    ("Authentications", "string", ".status.authenticationsTypes", 0),
    ("Age", "date", ".metadata.creationTimestamp", 0),
]
_TA_HEAD = [
    ("PodIdentity", "string", ".spec.podIdentity.provider", 0),
    ("Secret", "string", ".spec.secretTargetRef[*].name", 0),
    ("Env", "string", ".spec.env[*].name", 0),
]
_TA_TAIL = [
    ("VaultAddress", "string", ".spec.hashiCorpVault.address", 0),
    ("ScaledObjects", "string", ".status.scaledobjects", 1),
    ("ScaledJobs", "string", ".status.scaledjobs", 1),
]
TA_COLUMNS = _TA_HEAD + _TA_TAIL
CTA_COLUMNS = _TA_HEAD + [("FilePath", "string", ".spec.filePath", 0)] + _TA_TAIL

CEL_RULE = ("!has(self.minReplicaCount) || self.minReplicaCount <= "
            "(has(self.maxReplicaCount) ? self.maxReplicaCount : 100)")
CEL_MESSAGE = "minReplicaCount must be less than or equal to maxReplicaCount"

# file -> (kind, plural, singular, scope, short names, columns, paths)
CRDS = {
    "keda.sh_scaledobjects.yaml": (
        "ScaledObject", "scaledobjects", "scaledobject", "Namespaced", ["so"],
        SO_COLUMNS, SCALEDOBJECT_PATHS),
    "keda.sh_scaledjobs.yaml": (
        "ScaledJob", "scaledjobs", "scaledjob", "Namespaced", ["sj"],
        SJ_COLUMNS, SCALEDJOB_PATHS),
    "keda.sh_triggerauthentications.yaml": (
        "TriggerAuthentication", "triggerauthentications", "triggerauthentication",
        "Namespaced", ["ta", "triggerauth"], TA_COLUMNS, TRIGGERAUTH_PATHS),
    "keda.sh_clustertriggerauthentications.yaml": (
        "ClusterTriggerAuthentication", "clustertriggerauthentications",
        "clustertriggerauthentication", "Cluster", ["cta", "clustertriggerauth"],
        CTA_COLUMNS, TRIGGERAUTH_PATHS),
}

# --------------------------------------------------------------------------------------------
# Structural-schema check.
# --------------------------------------------------------------------------------------------

SCHEMA_KEYS = {
    "description", "type", "format", "title", "properties", "required", "additionalProperties",
    "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "pattern", "minItems", "maxItems", "minProperties",
    "maxProperties", "multipleOf", "nullable", "anyOf", "allOf", "oneOf", "not", "example",
    "externalDocs", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type", "x-kubernetes-validations",
}
TYPES = {"object", "array", "string", "integer", "number", "boolean"}
# What may appear inside anyOf/allOf/oneOf/not branches of a structural schema.
BRANCH_FORBIDDEN = {"description", "default", "additionalProperties", "nullable", "type",
                    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
                    "x-kubernetes-embedded-resource", "x-kubernetes-list-type",
                    "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
                    "x-kubernetes-validations"}
INT_OR_STRING_BRANCHES = [{"type": "integer"}, {"type": "string"}]


def _value_matches(node, value):
    t = node.get("type")
    if node.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    return {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
    }.get(t, lambda v: True)(value)


def check_structural(node, path, errors):
    if not isinstance(node, dict):
        errors.append(f"{path}: schema node is not a mapping")
        return
    for key in node:
        if key not in SCHEMA_KEYS:
            errors.append(f"{path}: unknown or unsupported schema keyword '{key}'")
    if node.get("uniqueItems"):
        errors.append(f"{path}: uniqueItems is forbidden in CRD schemas")
    int_or_string = node.get("x-kubernetes-int-or-string") is True
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    t = node.get("type")
    if int_or_string:
        if t is not None:
            errors.append(f"{path}: int-or-string node must not set type")
        if "anyOf" in node and node["anyOf"] != INT_OR_STRING_BRANCHES:
            errors.append(f"{path}: int-or-string anyOf must be exactly [integer, string]")
    elif t is None and not preserve:
        errors.append(f"{path}: missing type")
    elif t is not None and t not in TYPES:
        errors.append(f"{path}: unknown type '{t}'")
    for combinator in ("anyOf", "allOf", "oneOf"):
        if combinator in node and not (int_or_string and combinator == "anyOf"):
            for i, branch in enumerate(node[combinator]):
                bad = BRANCH_FORBIDDEN & set(branch)
                if bad:
                    errors.append(f"{path}.{combinator}[{i}]: forbidden in branch: {sorted(bad)}")
    if "format" in node:
        fmt = node["format"]
        if fmt in ("int32", "int64") and t != "integer":
            errors.append(f"{path}: format {fmt} on non-integer")
        if fmt == "date-time" and t != "string":
            errors.append(f"{path}: format date-time on non-string")
    if "properties" in node and "additionalProperties" in node:
        errors.append(f"{path}: properties and additionalProperties are mutually exclusive")
    if ("properties" in node or "additionalProperties" in node) and t != "object":
        errors.append(f"{path}: properties on a non-object node")
    for req in node.get("required", []):
        if req not in node.get("properties", {}):
            errors.append(f"{path}: required field '{req}' not among properties")
    if t == "array" and "items" not in node:
        errors.append(f"{path}: array without items")
    if "items" in node:
        if t != "array":
            errors.append(f"{path}: items on a non-array node")
        check_structural(node["items"], path + "[]", errors)
    for name, child in node.get("properties", {}).items():
        check_structural(child, f"{path}.{name}", errors)
    ap = node.get("additionalProperties")
    if isinstance(ap, dict):
        check_structural(ap, path + "{}", errors)
    elif ap is not None and ap is not True and ap is not False:
        errors.append(f"{path}: additionalProperties must be a schema or bool")
    for value in node.get("enum", []):
        if not _value_matches(node, value):
            errors.append(f"{path}: enum value {value!r} does not match type {t}")
    if "default" in node:
        d = node["default"]
        if not _value_matches(node, d):
            errors.append(f"{path}: default {d!r} does not match type {t}")
        if "enum" in node and d not in node["enum"]:
            errors.append(f"{path}: default {d!r} not in enum")
    for rule in node.get("x-kubernetes-validations", []):
        if "rule" not in rule:
            errors.append(f"{path}: x-kubernetes-validations entry without rule")
    if node.get("x-kubernetes-list-type") not in (None, "atomic", "set", "map"):
        errors.append(f"{path}: bad x-kubernetes-list-type")


# --------------------------------------------------------------------------------------------
# Field-path check.
# --------------------------------------------------------------------------------------------

def parse_expected(text):
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        path, kind, flags = parts[0], parts[1], {}
        for f in parts[2:]:
            if "=" in f:
                k, v = f.split("=", 1)
                flags[k] = v
            else:
                flags[f] = True
        entries.append((path, kind, flags))
    return entries


def split_path(path):
    """'a.b[].c{}.d' -> [('prop','a'),('prop','b'),('items',),('prop','c'),('map',),('prop','d')]"""
    steps = []
    for part in path.split("."):
        suffixes = []
        while part.endswith("[]") or part.endswith("{}"):
            suffixes.insert(0, ("items",) if part.endswith("[]") else ("map",))
            part = part[:-2]
        if part:
            steps.append(("prop", part))
        steps.extend(suffixes)
    return steps


def resolve(root, path):
    """Returns (node, parent, last property name) or (None, ..) when the path is missing."""
    node, parent, last = root, None, None
    for step in split_path(path):
        if not isinstance(node, dict):
            return None, None, None
        parent = node
        if step[0] == "prop":
            node, last = node.get("properties", {}).get(step[1]), step[1]
        elif step[0] == "items":
            node, last = node.get("items"), None
        else:
            ap = node.get("additionalProperties")
            node, last = (ap if isinstance(ap, dict) else None), None
        if node is None:
            return None, None, None
    return node, parent, last


def _num(v):
    return int(v) if v.lstrip("-").isdigit() else v


def check_path(root, path, kind, flags, missing, mismatched):
    node, parent, last = resolve(root, path)
    if kind == "absent":
        if node is not None:
            mismatched.append(f"{path}: must not exist")
        return
    if node is None:
        missing.append(path)
        return
    t = node.get("type")

    def bad(what):
        mismatched.append(f"{path}: {what}")

    if kind in ("string", "boolean", "object", "array"):
        if t != kind:
            bad(f"type {t}, want {kind}")
    elif kind in ("int32", "int64"):
        if t != "integer" or node.get("format") != kind:
            bad(f"type {t}/{node.get('format')}, want integer/{kind}")
    elif kind == "date-time":
        if t != "string" or node.get("format") != "date-time":
            bad("want string with format date-time")
    elif kind == "map":
        ap = node.get("additionalProperties")
        if t != "object" or not isinstance(ap, dict) or ap.get("type") != "string":
            bad("want object with additionalProperties {type: string}")
    elif kind == "quantity":
        if node.get("x-kubernetes-int-or-string") is not True or "pattern" not in node:
            bad("want x-kubernetes-int-or-string with a quantity pattern")
    elif kind == "opaque":
        if t != "object" or node.get("x-kubernetes-preserve-unknown-fields") is not True:
            bad("want type object with x-kubernetes-preserve-unknown-fields")
    else:
        bad(f"unknown expected kind {kind} (fix the EXPECTED list)")

    if flags.get("required"):
        if last is None or last not in parent.get("required", []):
            bad("must be required")
    for flag, key in (("min", "minimum"), ("max", "maximum"), ("minLength", "minLength"),
                      ("minItems", "minItems")):
        if flag in flags and node.get(key) != _num(flags[flag]):
            bad(f"{key} {node.get(key)}, want {flags[flag]}")
    if "enum" in flags:
        want = flags["enum"].split(",")
        if sorted(node.get("enum", [])) != sorted(want):
            bad(f"enum {node.get('enum')}, want {want}")
    if "default" in flags and node.get("default") != flags["default"]:
        bad(f"default {node.get('default')!r}, want {flags['default']!r}")


# --------------------------------------------------------------------------------------------
# Per-file checks.
# --------------------------------------------------------------------------------------------

def check_file(path, expect):
    kind, plural, singular, scope, short, columns, paths = expect
    problems, missing = [], []
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        return [f"cannot read/parse: {e}"], []
    if len(docs) != 1:
        return [f"expected one YAML document, found {len(docs)}"], []
    crd = docs[0]

    def want(cond, msg):
        if not cond:
            problems.append(msg)

    want(crd.get("apiVersion") == "apiextensions.k8s.io/v1", "apiVersion must be apiextensions.k8s.io/v1")
    want(crd.get("kind") == "CustomResourceDefinition", "kind must be CustomResourceDefinition")
    want(crd.get("metadata", {}).get("name") == f"{plural}.keda.sh", f"metadata.name must be {plural}.keda.sh")
    spec = crd.get("spec", {})
    want(spec.get("group") == "keda.sh", "group must be keda.sh")
    want(spec.get("scope") == scope, f"scope must be {scope}")
    names = spec.get("names", {})
    want(names.get("kind") == kind, f"names.kind must be {kind}")
    want(names.get("listKind") == kind + "List", f"names.listKind must be {kind}List")
    want(names.get("plural") == plural, f"names.plural must be {plural}")
    want(names.get("singular") == singular, f"names.singular must be {singular}")
    want(sorted(names.get("shortNames", [])) == sorted(short), f"names.shortNames must be {short}")
    versions = spec.get("versions", [])
    want(len(versions) == 1, "exactly one version expected")
    if not versions:
        return problems, missing
    v = versions[0]
    want(v.get("name") == "v1alpha1" and v.get("served") is True and v.get("storage") is True,
         "version v1alpha1 must be served and storage")
    want(v.get("subresources") == {"status": {}}, "subresources must be exactly {status: {}}")
    got_cols = [(c.get("name"), c.get("type"), c.get("jsonPath"), c.get("priority", 0))
                for c in v.get("additionalPrinterColumns", [])]
    if got_cols != columns:
        problems.append("printer columns differ from §a (name, type, jsonPath, priority):")
        for i in range(max(len(got_cols), len(columns))):
            got = got_cols[i] if i < len(got_cols) else None
            exp = columns[i] if i < len(columns) else None
            if got != exp:
                problems.append(f"  column {i}: got {got}, want {exp}")
    root = v.get("schema", {}).get("openAPIV3Schema")
    if not isinstance(root, dict):
        problems.append("no openAPIV3Schema")
        return problems, missing
    want(root.get("type") == "object", "schema root must be type object")
    want(root.get("properties", {}).get("metadata") == {"type": "object"},
         "schema metadata must be just {type: object}")
    for k in ("apiVersion", "kind"):
        want(root.get("properties", {}).get(k, {}).get("type") == "string", f"schema {k} must be a string")
    check_structural(root, "<root>", problems)

    mismatched = []
    for p, k, flags in parse_expected(paths):
        check_path(root, p, k, flags, missing, mismatched)
    problems.extend(mismatched)

    if kind == "ScaledObject":
        rules = root.get("properties", {}).get("spec", {}).get("x-kubernetes-validations", [])
        want(any(r.get("rule") == CEL_RULE and r.get("message") == CEL_MESSAGE for r in rules),
             "spec lacks the §a.1 CEL rule with its message")
    return problems, missing


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        sys.stderr.write("usage: check_crds.py DIR\n")
        return 2
    failed = False
    for name, expect in CRDS.items():
        problems, missing = check_file(os.path.join(argv[1], name), expect)
        total = len(parse_expected(expect[6]))
        if problems or missing:
            failed = True
            print(f"FAIL {name}")
            for m in missing:
                print(f"  missing: {m}")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"ok   {name} ({total} field paths)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
