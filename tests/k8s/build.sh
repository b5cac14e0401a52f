#!/usr/bin/env bash
# Builds the real components the tests use, from source through the Go module proxy, once, into a
# cache folder (`$KUBEWARD_GO_TOOLS_CACHE`, default ~/.cache/kubeward-ci/go-tools), and prints the
# environment the tests read:
#
#   eval "$(tests/k8s/build.sh)"      # KUBE_APISERVER, ETCD, HELM, OPA
#
# Versions are pinned in .ci/go-tools.sh (helm, opa) and in this folder's go.mod (kube-apiserver
# from k8s.io/kubernetes v1.37.2 with every k8s.io/* staging module at v0.37.2; etcd v3.7.0). A
# cached binary is reused; a prebuilt binary is never downloaded. Each tool's build time (or
# "cached") and size go to stderr. Build times and sizes: docs/architecture.md, "Real components".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
for pair in KUBE_APISERVER:kube-apiserver ETCD:etcd HELM:helm OPA:opa; do
  printf 'export %s=%q\n' "${pair%%:*}" "$("$root/.ci/go-tools.sh" "${pair#*:}")"
done
