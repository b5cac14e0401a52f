#!/usr/bin/env python3
"""Generates a synthetic corpus of Kubernetes manifests shaped like `shared/corpus/real`.

    bench/gen_corpus.py OUT_DIR --objects 100000 [--seed 1]

The real corpus (4,916 files of ten public repositories) is mostly workloads (Pods,
Deployments, CronJobs, StatefulSets, Jobs, DaemonSets) with their Services, ConfigMaps, Secrets,
ServiceAccounts, Ingresses, PodDisruptionBudgets and NetworkPolicies, RBAC (Roles,
ClusterRoles and their bindings), Namespaces, Kyverno ClusterPolicies and some
CustomResourceDefinitions. This generator writes the same mixture, grouped the way repositories
group it: one directory per namespace, one "app" per file (several documents separated by
`---`) or, for some apps, one file per object; a few `kind: List` files. The objects are wired
together like real ones (Services and NetworkPolicies select their pods, RoleBindings name their
Role and ServiceAccount, workloads mount their ConfigMap and Secret), so cross-object rules do
real work. Security settings vary: most workloads are partly hardened, some are privileged, use
host namespaces or hostPath, `latest` tags, no limits; some RBAC uses wildcards.

Deterministic for a given --seed and --objects. Nothing is copied from the real corpus. It
prints a JSON summary (objects by kind, files, bytes) and writes it beside the corpus, to
OUT_DIR.json (not inside it, so that it is not scanned).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

IMAGES = ["nginx", "redis", "postgres", "busybox", "registry.example.com/shop/api", "ghcr.io/acme/worker",
          "quay.io/prometheus/node-exporter", "gcr.io/distroless/static", "docker.io/library/python",
          "registry.k8s.io/ingress-nginx/controller"]
VERBS = ['"get"', '"list"', '"watch"', '"create"', '"update"', '"patch"', '"delete"']
RESOURCES = ['"pods"', '"services"', '"configmaps"', '"secrets"', '"deployments"', '"jobs"', '"events"']


def image(r: random.Random) -> str:
    base = r.choice(IMAGES)
    u = r.random()
    if u < 0.08:
        return base  # no tag
    if u < 0.15:
        return base + ":latest"
    if u < 0.25:
        return f"{base}@sha256:{r.getrandbits(256):064x}"
    return f"{base}:{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}"


def security_context(r: random.Random, ind: str) -> str:
    """A container securityContext, from absent to hardened, sometimes dangerous."""
    u = r.random()
    if u < 0.2:
        return ""
    if u < 0.27:
        return f"{ind}securityContext:\n{ind}  privileged: true\n"
    lines = [f"{ind}securityContext:"]
    if r.random() < 0.8:
        lines.append(f"{ind}  allowPrivilegeEscalation: false")
    if r.random() < 0.6:
        lines.append(f"{ind}  readOnlyRootFilesystem: true")
    if r.random() < 0.6:
        lines.append(f"{ind}  runAsNonRoot: true")
        lines.append(f"{ind}  runAsUser: {r.randint(1000, 65000)}")
    if r.random() < 0.5:
        lines.append(f"{ind}  capabilities:\n{ind}    drop: [\"ALL\"]")
    elif r.random() < 0.15:
        lines.append(f"{ind}  capabilities:\n{ind}    add: [\"NET_ADMIN\", \"SYS_TIME\"]")
    if r.random() < 0.4:
        lines.append(f"{ind}  seccompProfile:\n{ind}    type: RuntimeDefault")
    return "\n".join(lines) + "\n"


def container(r: random.Random, name: str, ind: str, cm: str | None, secret: str | None) -> str:
    s = f"{ind}- name: {name}\n{ind}  image: {image(r)}\n"
    if r.random() < 0.3:
        s += f"{ind}  imagePullPolicy: {r.choice(['Always', 'IfNotPresent'])}\n"
    if r.random() < 0.6:
        s += f"{ind}  ports:\n{ind}    - containerPort: {r.choice([80, 8080, 8443, 9090, 5432, 6379])}\n"
    if r.random() < 0.5:
        s += (f"{ind}  args:\n{ind}    - --log-level={r.choice(['info', 'debug'])}\n"
              f"{ind}    - --listen=:{r.choice([8080, 9090])}\n")
    if cm or secret:
        s += f"{ind}  env:\n"
        s += f"{ind}    - name: MODE\n{ind}      value: \"{r.choice(['prod', 'staging'])}\"\n"
        if secret and r.random() < 0.7:
            s += (f"{ind}    - name: PASSWORD\n{ind}      valueFrom:\n{ind}        secretKeyRef:\n"
                  f"{ind}          name: {secret}\n{ind}          key: password\n")
        elif secret:
            s += f"{ind}    - name: DB_PASSWORD\n{ind}      value: \"hunter{r.randint(1, 99)}\"\n"
    u = r.random()
    if u < 0.65:
        s += (f"{ind}  resources:\n{ind}    requests:\n{ind}      cpu: {r.choice(['50m', '100m', '250m'])}\n"
              f"{ind}      memory: {r.choice(['64Mi', '128Mi', '256Mi'])}\n")
        if u < 0.5:
            s += f"{ind}    limits:\n{ind}      cpu: 500m\n{ind}      memory: {r.choice(['256Mi', '512Mi', '1Gi'])}\n"
    if r.random() < 0.5:
        s += (f"{ind}  livenessProbe:\n{ind}    httpGet:\n{ind}      path: /healthz\n{ind}      port: 8080\n"
              f"{ind}    initialDelaySeconds: 10\n")
    if r.random() < 0.4:
        s += (f"{ind}  readinessProbe:\n{ind}    httpGet:\n{ind}      path: /ready\n{ind}      port: 8080\n")
    if cm and r.random() < 0.6:
        s += f"{ind}  volumeMounts:\n{ind}    - name: config\n{ind}      mountPath: /etc/{name}\n"
    s += security_context(r, ind + "  ")
    return s


def pod_spec(r: random.Random, app: str, ind: str, cm: str | None, secret: str | None, sa: str | None,
             restart: str | None = None) -> str:
    s = ""
    if sa:
        s += f"{ind}serviceAccountName: {sa}\n"
    if r.random() < 0.35:
        s += f"{ind}automountServiceAccountToken: false\n"
    u = r.random()
    if u < 0.03:
        s += f"{ind}hostNetwork: true\n"
    elif u < 0.05:
        s += f"{ind}hostPID: true\n"
    if restart:
        s += f"{ind}restartPolicy: {restart}\n"
    if r.random() < 0.4:
        s += (f"{ind}securityContext:\n{ind}  runAsNonRoot: true\n{ind}  fsGroup: 2000\n"
              f"{ind}  seccompProfile:\n{ind}    type: RuntimeDefault\n")
    if r.random() < 0.15:
        s += f"{ind}nodeSelector:\n{ind}  kubernetes.io/os: linux\n"
    if r.random() < 0.1:
        s += (f"{ind}tolerations:\n{ind}  - key: node-role.kubernetes.io/control-plane\n"
              f"{ind}    operator: Exists\n{ind}    effect: NoSchedule\n")
    if r.random() < 0.12:
        s += f"{ind}initContainers:\n" + container(r, "init", ind + "  ", None, None)
    s += f"{ind}containers:\n"
    s += container(r, app, ind + "  ", cm, secret)
    if r.random() < 0.25:
        s += container(r, "sidecar", ind + "  ", None, None)
    vols = []
    if cm:
        vols.append(f"{ind}  - name: config\n{ind}    configMap:\n{ind}      name: {cm}\n")
    if r.random() < 0.05:
        vols.append(f"{ind}  - name: host\n{ind}    hostPath:\n{ind}      path: {r.choice(['/var/run/docker.sock', '/var/log', '/'])}\n")
    if r.random() < 0.2:
        vols.append(f"{ind}  - name: tmp\n{ind}    emptyDir: {{}}\n")
    if vols:
        s += f"{ind}volumes:\n" + "".join(vols)
    return s


def meta(name: str, ns: str | None, app: str | None, r: random.Random, ind: str = "") -> str:
    s = f"{ind}metadata:\n{ind}  name: {name}\n"
    if ns:
        s += f"{ind}  namespace: {ns}\n"
    if app:
        s += f"{ind}  labels:\n{ind}    app.kubernetes.io/name: {app}\n{ind}    app.kubernetes.io/part-of: {ns or 'cluster'}\n"
        if r.random() < 0.2:
            s += f"{ind}    tier: {r.choice(['frontend', 'backend', 'data'])}\n"
    if r.random() < 0.1:
        s += f"{ind}  annotations:\n{ind}    description: \"{name} generated for benchmarks\"\n"
    return s


def workload(r: random.Random, kind: str, app: str, ns: str, cm, secret, sa) -> str:
    sel = f"app.kubernetes.io/name: {app}"
    if kind == "Pod":
        return "apiVersion: v1\nkind: Pod\n" + meta(app, ns, app, r) + "spec:\n" + pod_spec(r, app, "  ", cm, secret, sa)
    tmpl_meta = f"    metadata:\n      labels:\n        {sel}\n"
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        head = f"apiVersion: apps/v1\nkind: {kind}\n" + meta(app, ns, app, r) + "spec:\n"
        if kind != "DaemonSet":
            head += f"  replicas: {r.choice([1, 2, 3, 5])}\n"
        if kind == "StatefulSet":
            head += f"  serviceName: {app}\n"
        head += f"  selector:\n    matchLabels:\n      {sel}\n  template:\n" + tmpl_meta + "    spec:\n"
        return head + pod_spec(r, app, "      ", cm, secret, sa)
    if kind == "Job":
        return ("apiVersion: batch/v1\nkind: Job\n" + meta(app, ns, app, r) + "spec:\n  backoffLimit: 3\n  template:\n"
                + tmpl_meta + "    spec:\n" + pod_spec(r, app, "      ", cm, secret, sa, "OnFailure"))
    # CronJob
    return ("apiVersion: batch/v1\nkind: CronJob\n" + meta(app, ns, app, r)
            + f"spec:\n  schedule: \"{r.randint(0, 59)} */{r.randint(1, 12)} * * *\"\n  jobTemplate:\n    spec:\n      template:\n"
            + f"        metadata:\n          labels:\n            {sel}\n        spec:\n"
            + pod_spec(r, app, "          ", cm, secret, sa, "OnFailure"))


def app_objects(r: random.Random, app: str, ns: str) -> list[tuple[str, str]]:
    """(kind, text) of one app: a workload and what usually comes with it."""
    objs = []
    cm = f"{app}-config" if r.random() < 0.45 else None
    secret = f"{app}-secret" if r.random() < 0.2 else None
    sa = app if r.random() < 0.4 else None
    kind = r.choices(["Deployment", "Pod", "CronJob", "StatefulSet", "Job", "DaemonSet"],
                     [48, 22, 14, 7, 5, 4])[0]
    objs.append((kind, workload(r, kind, app, ns, cm, secret, sa)))
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Pod") and r.random() < 0.65:
        port = r.choice([80, 8080, 443])
        typ = r.choices(["ClusterIP", "NodePort", "LoadBalancer"], [85, 8, 7])[0]
        objs.append(("Service", "apiVersion: v1\nkind: Service\n" + meta(app, ns, app, r)
                     + f"spec:\n  type: {typ}\n  selector:\n    app.kubernetes.io/name: {app}\n"
                     + f"  ports:\n    - name: http\n      port: {port}\n      targetPort: 8080\n"))
        if r.random() < 0.3:
            tls = f"  tls:\n    - hosts: [\"{app}.example.com\"]\n      secretName: {app}-tls\n" if r.random() < 0.6 else ""
            objs.append(("Ingress", "apiVersion: networking.k8s.io/v1\nkind: Ingress\n" + meta(app, ns, app, r)
                         + f"spec:\n  ingressClassName: nginx\n{tls}  rules:\n    - host: {app}.example.com\n"
                         + f"      http:\n        paths:\n          - path: /\n            pathType: Prefix\n"
                         + f"            backend:\n              service:\n                name: {app}\n"
                         + f"                port:\n                  number: {port}\n"))
    if cm:
        data = "".join(f"  key{i}: \"value-{r.getrandbits(32):08x}\"\n" for i in range(r.randint(1, 6)))
        objs.append(("ConfigMap", "apiVersion: v1\nkind: ConfigMap\n" + meta(cm, ns, app, r) + "data:\n" + data))
    if secret:
        objs.append(("Secret", "apiVersion: v1\nkind: Secret\n" + meta(secret, ns, app, r)
                     + f"type: Opaque\nstringData:\n  password: \"{r.getrandbits(64):016x}\"\n"))
    if sa:
        objs.append(("ServiceAccount", "apiVersion: v1\nkind: ServiceAccount\n" + meta(sa, ns, app, r)
                     + ("automountServiceAccountToken: false\n" if r.random() < 0.4 else "")))
        if r.random() < 0.7:
            if r.random() < 0.08:
                rules = '  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]\n'
            else:
                rules = "".join(f"  - apiGroups: [\"\"]\n    resources: [{', '.join(r.sample(RESOURCES, r.randint(1, 3)))}]\n"
                                f"    verbs: [{', '.join(r.sample(VERBS, r.randint(1, 4)))}]\n"
                                for _ in range(r.randint(1, 3)))
            objs.append(("Role", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n" + meta(app, ns, app, r)
                         + "rules:\n" + rules))
            objs.append(("RoleBinding", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                         + meta(app, ns, app, r)
                         + f"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {app}\n"
                         + f"subjects:\n  - kind: ServiceAccount\n    name: {sa}\n    namespace: {ns}\n"))
    if r.random() < 0.3:
        objs.append(("NetworkPolicy", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n" + meta(app, ns, app, r)
                     + f"spec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"
                     + "  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector: {}\n"
                     + "      ports:\n        - port: 8080\n"))
    if kind in ("Deployment", "StatefulSet") and r.random() < 0.15:
        objs.append(("PodDisruptionBudget", "apiVersion: policy/v1\nkind: PodDisruptionBudget\n" + meta(app, ns, app, r)
                     + f"spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"))
    return objs


def namespace_objects(r: random.Random, ns: str) -> list[tuple[str, str]]:
    labels = ""
    if r.random() < 0.5:
        level = r.choice(["restricted", "baseline", "privileged"])
        labels = f"  labels:\n    pod-security.kubernetes.io/enforce: {level}\n"
    objs = [("Namespace", f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n{labels}")]
    if r.random() < 0.4:
        objs.append(("NetworkPolicy", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                     + f"metadata:\n  name: default-deny\n  namespace: {ns}\n"
                     + "spec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"))
    return objs


def cluster_objects(r: random.Random, i: int) -> list[tuple[str, str]]:
    u = r.random()
    name = f"cluster-{i:06d}"
    if u < 0.45:
        verbs = '["*"]' if r.random() < 0.1 else f"[{', '.join(r.sample(VERBS, 3))}]"
        res = '["*"]' if r.random() < 0.05 else f"[{', '.join(r.sample(RESOURCES, 3))}]"
        return [("ClusterRole", f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\n"
                 f"rules:\n  - apiGroups: [\"\", \"apps\"]\n    resources: {res}\n    verbs: {verbs}\n"),
                ("ClusterRoleBinding", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
                 f"metadata:\n  name: {name}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n"
                 f"  name: {r.choice([name, name, 'cluster-admin'])}\nsubjects:\n  - kind: ServiceAccount\n"
                 f"    name: {name}\n    namespace: kube-system\n")]
    if u < 0.9:
        return [("ClusterPolicy", "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\n"
                 f"metadata:\n  name: {name}\n  annotations:\n    policies.kyverno.io/title: Disallow something {i}\n"
                 "spec:\n  validationFailureAction: Audit\n  background: true\n  rules:\n"
                 f"    - name: check-{i}\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n"
                 "      validate:\n        message: \"Privileged mode is disallowed.\"\n        pattern:\n"
                 "          spec:\n            containers:\n              - =(securityContext):\n"
                 "                  =(privileged): \"false\"\n")]
    props = "".join(f"                field{j}:\n                  type: string\n                  description: Field {j}.\n"
                    for j in range(r.randint(5, 30)))
    return [("CustomResourceDefinition", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
             f"metadata:\n  name: widgets{i}.example.com\nspec:\n  group: example.com\n  names:\n"
             f"    kind: Widget{i}\n    plural: widgets{i}\n  scope: Namespaced\n  versions:\n    - name: v1\n"
             "      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n"
             "          properties:\n            spec:\n              type: object\n              properties:\n" + props)]


def summary_path(out: Path) -> Path:
    """The summary sits beside the corpus (`OUT.json`), not in it, so that it is not scanned."""
    return out.parent / (out.name + ".json")


def as_list(objs: list[tuple[str, str]]) -> str:
    """A `kind: List` of the objects (items indented)."""
    items = "".join("  - " + "\n    ".join(t.rstrip("\n").split("\n")) + "\n" for _, t in objs)
    return "apiVersion: v1\nkind: List\nitems:\n" + items


def generate(out: Path, objects: int, seed: int) -> dict:
    r = random.Random(seed)
    kinds: Counter[str] = Counter()
    files = 0
    size = 0
    n = 0
    ns_i = 0
    cluster_i = 0

    def write(rel: str, text: str) -> None:
        nonlocal files, size
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        files += 1
        size += len(text)

    while n < objects:
        ns = f"team-{ns_i:05d}"
        batch = namespace_objects(r, ns)
        write(f"{ns}/namespace.yaml", "---\n".join(t for _, t in batch))
        for k, _ in batch:
            kinds[k] += 1
        n += len(batch)
        for a in range(r.randint(5, 20)):
            if n >= objects:
                break
            app = f"app-{a:03d}"
            objs = app_objects(r, app, ns)
            objs = objs[: max(1, objects - n)]
            u = r.random()
            if u < 0.4:  # one file per object
                for k, t in objs:
                    write(f"{ns}/{app}/{k.lower()}.yaml", t)
            elif u < 0.43:  # a List
                write(f"{ns}/{app}.list.yaml", as_list(objs))
            else:  # one multi-document file
                write(f"{ns}/{app}.yaml", "---\n".join(t for _, t in objs))
            for k, _ in objs:
                kinds[k] += 1
            n += len(objs)
            # Cluster-scoped objects, about 3% of the corpus.
            if r.random() < 0.12 and n < objects:
                cobjs = cluster_objects(r, cluster_i)[: max(1, objects - n)]
                write(f"cluster/{cluster_i // 1000:03d}/{cluster_i:06d}.yaml", "---\n".join(t for _, t in cobjs))
                cluster_i += 1
                for k, _ in cobjs:
                    kinds[k] += 1
                n += len(cobjs)
        ns_i += 1
    summary = {"objects": n, "files": files, "bytes": size, "seed": seed, "namespaces": ns_i,
               "kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1]))}
    summary_path(out).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--objects", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="remove OUT first if it exists")
    a = ap.parse_args()
    if a.out.exists():
        if not a.force:
            print(f"{a.out} exists (use --force)", file=sys.stderr)
            return 2
        shutil.rmtree(a.out)
    a.out.mkdir(parents=True)
    print(json.dumps(generate(a.out, a.objects, a.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
