#!/usr/bin/env python3
"""Validates example manifests against tidal's CRD schemas, offline.

Usage: check_examples.py CRD_DIR EXAMPLES_DIR

Every *.yaml under EXAMPLES_DIR (not recursive) must be valid; every *.yaml under
EXAMPLES_DIR/invalid must be rejected for exactly one reason (the mistake it demonstrates). Checks per keda.sh object:
  * schema: what the API server enforces from openAPIV3Schema: types (int32 range, int-or-string),
    required, enum, minimum/maximum, minLength, minItems, pattern, and unknown fields (kubectl's
    default strict field validation turns a pruned field into an error);
  * cel: the ScaledObject replica-bounds rule of spec §a.1, evaluated here in Python (the one
    CEL rule the CRDs carry);
  * webhook: the trigger rules of spec §e item 7 (non-empty, useCachedMetrics not on cpu/memory/
    cron, unique non-empty names), which no CRD schema can express.
Other kinds (Secret, Deployment, ...) are skipped. Exit 1 on any unexpected result, 2 on usage
error. Needs only PyYAML. This is a stand-in until `tidal check` can do the same.
"""

import glob
import os
import re
import sys

import yaml

INT32 = (-2**31, 2**31 - 1)
INT64 = (-2**63, 2**63 - 1)


def load_schemas(crd_dir):
    schemas = {}
    for path in glob.glob(os.path.join(crd_dir, "*.yaml")):
        with open(path, encoding="utf-8") as f:
            crd = yaml.safe_load(f)
        kind = crd["spec"]["names"]["kind"]
        schemas[kind] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schemas


def _type_ok(node, value):
    if node.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    t = node.get("type")
    if t is None:
        return True
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool, "object": dict, "array": list}[t])


def validate(node, value, path, errors):
    if not _type_ok(node, value):
        errors.append(f"{path}: wrong type {type(value).__name__}, want {node.get('type')}")
        return
    fmt = node.get("format")
    if isinstance(value, int) and fmt in ("int32", "int64"):
        lo, hi = INT32 if fmt == "int32" else INT64
        if not lo <= value <= hi:
            errors.append(f"{path}: {value} out of {fmt} range")
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{path}: {value!r} not one of {node['enum']}")
    if "minimum" in node and isinstance(value, (int, float)) and value < node["minimum"]:
        errors.append(f"{path}: {value} < minimum {node['minimum']}")
    if "maximum" in node and isinstance(value, (int, float)) and value > node["maximum"]:
        errors.append(f"{path}: {value} > maximum {node['maximum']}")
    if isinstance(value, str):
        if "minLength" in node and len(value) < node["minLength"]:
            errors.append(f"{path}: shorter than {node['minLength']}")
        if "pattern" in node and not re.search(node["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {node['pattern']}")
    if isinstance(value, list):
        if "minItems" in node and len(value) < node["minItems"]:
            errors.append(f"{path}: fewer than {node['minItems']} items")
        for i, item in enumerate(value):
            validate(node.get("items", {}), item, f"{path}[{i}]", errors)
    if isinstance(value, dict):
        if node.get("x-kubernetes-preserve-unknown-fields"):
            return
        props = node.get("properties", {})
        ap = node.get("additionalProperties")
        for req in node.get("required", []):
            if req not in value:
                errors.append(f"{path}.{req}: required")
        for k, v in value.items():
            if path == "" and k == "metadata":
                continue  # ObjectMeta: validated by the API server itself, not by the schema
            if k in props:
                validate(props[k], v, f"{path}.{k}", errors)
            elif isinstance(ap, dict):
                validate(ap, v, f"{path}[{k}]", errors)
            else:
                errors.append(f"{path}.{k}: unknown field")


def check_cel(obj, errors):
    spec = obj.get("spec", {})
    if "minReplicaCount" in spec:
        mx = spec.get("maxReplicaCount", 100)
        if not spec["minReplicaCount"] <= mx:
            errors.append("spec: minReplicaCount must be less than or equal to maxReplicaCount")


def check_webhook_triggers(obj, errors):
    triggers = obj.get("spec", {}).get("triggers") or []
    if not triggers:
        errors.append("spec.triggers: no triggers")
    seen = set()
    for i, t in enumerate(triggers):
        if t.get("useCachedMetrics") and t.get("type") in ("cpu", "memory", "cron"):
            errors.append(f"spec.triggers[{i}]: useCachedMetrics is not allowed for {t['type']}")
        name = t.get("name")
        if name:
            if name in seen:
                errors.append(f"spec.triggers[{i}]: duplicate trigger name {name!r}")
            seen.add(name)


def check_manifest(path, schemas):
    """Returns a list of (document label, check, error)."""
    out = []
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    for d in docs:
        kind = d.get("kind")
        if not str(d.get("apiVersion", "")).startswith("keda.sh/"):
            continue
        label = f"{kind}/{d.get('metadata', {}).get('name')}"
        if d.get("apiVersion") != "keda.sh/v1alpha1" or kind not in schemas:
            out.append((label, "schema", f"unknown apiVersion/kind {d.get('apiVersion')} {kind}"))
            continue
        if not d.get("metadata", {}).get("name"):
            out.append((label, "schema", "metadata.name missing"))
        errs = []
        validate(schemas[kind], d, "", errs)
        out += [(label, "schema", e) for e in errs]
        if kind == "ScaledObject":
            errs = []
            check_cel(d, errs)
            out += [(label, "cel", e) for e in errs]
        if kind in ("ScaledObject", "ScaledJob"):
            errs = []
            check_webhook_triggers(d, errs)
            out += [(label, "webhook", e) for e in errs]
    return out, len(docs)


def main(argv):
    if len(argv) != 3 or not os.path.isdir(argv[1]) or not os.path.isdir(argv[2]):
        sys.stderr.write("usage: check_examples.py CRD_DIR EXAMPLES_DIR\n")
        return 2
    schemas = load_schemas(argv[1])
    failed = False
    for path in sorted(glob.glob(os.path.join(argv[2], "*.yaml"))):
        problems, n = check_manifest(path, schemas)
        if problems:
            failed = True
            print(f"FAIL {path}: should be valid")
            for label, check, e in problems:
                print(f"  {label} [{check}] {e}")
        else:
            print(f"ok   {path} ({n} documents)")
    invalid = sorted(glob.glob(os.path.join(argv[2], "invalid", "*.yaml")))
    for path in invalid:
        problems, _ = check_manifest(path, schemas)
        if len(problems) == 1:
            label, check, e = problems[0]
            print(f"ok   {path}: rejected [{check}] {e}")
        elif not problems:
            failed = True
            print(f"FAIL {path}: should be rejected but passed every check")
        else:
            # An invalid example demonstrates one mistake; more would hide which one it shows.
            failed = True
            print(f"FAIL {path}: rejected for {len(problems)} reasons, want exactly one")
            for label, check, e in problems:
                print(f"  {label} [{check}] {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
