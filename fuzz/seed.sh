#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs taken from the repository's own fixtures and
# examples (nothing from outside the repository). Run from anywhere; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
seed() { # target, files...
  local t=$1; shift
  mkdir -p "fuzz/corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    # Seeds above 64 KiB slow libFuzzer down more than they help.
    [ "$(stat -c %s "$f")" -le 65536 ] || continue
    cp "$f" "fuzz/corpus/$t/$(echo "$f" | tr '/' '_')"
  done
}
yaml=$(find examples crates/kubeward_engine/resources/test/fixtures crates/kubeward/tests -name '*.yaml' -o -name '*.yml' | sort)
docker=$(find crates/kubeward_engine/resources/test -name '*Dockerfile*' | sort)
reports=$(find crates/kubeward_engine/resources/test/scanner-reports -name '*.json' -o -name '*.json.golden' | sort)
audit=$(find crates/kubeward/tests/nodes -name '*.rules' | sort)
cmdlines=$(find crates/kubeward/tests/nodes -name 'cmdline' | sort)
# shellcheck disable=SC2086
{
  seed yaml_load $yaml $reports
  seed scan $yaml
  seed stream $yaml
  seed fix $yaml
  seed dockerfile $docker
  seed scanner_report $reports
  seed argv_auditd $audit $cmdlines
}
# Encodings, tabs and byte-order marks (issue 15): yaml_load decodes bytes as `scan` does.
pod='apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext: {privileged:\ttrue}\n'
printf "$pod" >fuzz/corpus/yaml_load/tabs.yaml
printf "\xef\xbb\xbf$pod---\n\xef\xbb\xbf$pod" >fuzz/corpus/yaml_load/bom-docs.yaml
for enc in UTF-16LE UTF-16BE UTF-32LE UTF-32BE; do
  { printf "$pod" | iconv -f UTF-8 -t "$enc" | { case $enc in
      UTF-16LE) printf '\xff\xfe' ;; UTF-16BE) printf '\xfe\xff' ;;
      UTF-32LE) printf '\xff\xfe\x00\x00' ;; UTF-32BE) printf '\x00\x00\xfe\xff' ;; esac; cat; }; } \
    >"fuzz/corpus/yaml_load/$enc.yaml" 2>/dev/null || rm -f "fuzz/corpus/yaml_load/$enc.yaml"
done
# Many documents in one file: the stream target audits the whole input in parts.
for i in $(seq 1 60); do
  printf -- "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p$i, namespace: n$((i % 4))}\nspec: {hostNetwork: true, containers: [{name: c, image: nginx}]}\n"
done >fuzz/corpus/stream/many-documents.yaml
mkdir -p fuzz/corpus/argv_auditd
printf '%s\n' '-w /usr/bin/dockerd -p wa -k docker' '-a always,exit -F path=/usr/bin/containerd -F perm=wa -k docker' \
  '-w /var/lib/docker -k docker' '# comment' '-k docker -p rwa -w /etc/docker/' >fuzz/corpus/argv_auditd/audit.rules
printf 'kube-apiserver\0--anonymous-auth=false\0--authorization-mode=Node,RBAC\0-v\0--profiling\0false\0' \
  >fuzz/corpus/argv_auditd/cmdline
mkdir -p fuzz/corpus/admission_review
ar() { # name, operation, namespace, object JSON
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-%s","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"%s","operation":"%s","userInfo":{"username":"alice","groups":["system:authenticated"]},"dryRun":false,"object":%s}}' \
    "$1" "$3" "$2" "$4" >"fuzz/corpus/admission_review/$1.json"
}
ar pod CREATE shop '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop","annotations":{"kubeward.io/ignore":"POD001","kubeward.io/ignore-reason":"x"}},"spec":{"hostNetwork":true,"containers":[{"name":"a","image":"nginx:latest","securityContext":{"privileged":true,"capabilities":{"add":["SYS_ADMIN"]}}}]}}'
ar deploy UPDATE shop '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"registry.example.com/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","securityContext":{"runAsNonRoot":true,"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}}}'
ar role CREATE kube-system '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"x"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"Group","name":"system:anonymous"}]}'
ar del DELETE shop 'null'
for t in yaml_load scan fix dockerfile scanner_report argv_auditd admission_review; do
  echo "$t: $(ls "fuzz/corpus/$t" | wc -l) seeds"
done
