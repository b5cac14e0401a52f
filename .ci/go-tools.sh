#!/usr/bin/env bash
# Builds a pinned Go tool from source through the Go module proxy and prints the path of its binary.
#
#   .ci/go-tools.sh helm             # -> $HOME/.cache/kubeward-ci/go-tools/helm-v4.3.2/bin/helm
#   .ci/go-tools.sh kube-apiserver   # -> .../kube-apiserver-v1.37.2-<go.sum hash>/bin/kube-apiserver
#   tests/k8s/build.sh               # all of them, as `export VAR=PATH` lines for the tests
#
# The binary is built only when the cached one is missing; a prebuilt binary is never downloaded.
# Build output goes to stderr, so `HELM=$(.ci/go-tools.sh helm)` works. Add a tool by adding one
# line to the table (name, Go package, version); the cache folder carries the version, so bumping a
# version builds the new one beside the old.
set -euo pipefail

# name | Go package | version | -X linker settings (optional)
# A package path starting with ./ is a main package of the module in tests/k8s (its go.mod pins
# the version and the matching k8s.io/* staging modules; built with `go build`); any other is
# built with `go install PACKAGE@VERSION`. The -X settings give a binary the version its
# release build would report (kube-apiserver's /version).
V=k8s.io/component-base/version
TOOLS="
helm|helm.sh/helm/v4/cmd/helm|v4.3.2|
kube-apiserver|./cmd/kube-apiserver|v1.37.2|$V.gitVersion=v1.37.2 $V.gitMajor=1 $V.gitMinor=37 $V.gitTreeState=clean
etcd|./cmd/etcd|v3.7.0|
opa|github.com/open-policy-agent/opa|v1.22.4|
"

usage() {
  echo "usage: $0 TOOL    (one of:$(printf '%s\n' "$TOOLS" | awk -F'|' 'NF==4{printf " %s", $1}'))" >&2
  exit 2
}

[ $# -eq 1 ] || usage
name=$1
line=$(printf '%s\n' "$TOOLS" | awk -F'|' -v n="$name" 'NF==4 && $1==n{print; exit}')
[ -n "$line" ] || usage
pkg=$(printf '%s' "$line" | cut -d'|' -f2)
version=$(printf '%s' "$line" | cut -d'|' -f3)
xflags=""
for x in $(printf '%s' "$line" | cut -d'|' -f4); do xflags="$xflags -X $x"; done
bin_name=${pkg##*/}

cache="${KUBEWARD_GO_TOOLS_CACHE:-$HOME/.cache/kubeward-ci/go-tools}"
module="$(cd "$(dirname "$0")/.." && pwd)/tests/k8s"
case "$pkg" in
  ./*)
    # The module's go.sum names every dependency version: a change to it builds anew.
    sum=$( (cat "$module/go.sum"; printf '%s' "$xflags") | sha256sum | cut -c1-12)
    gobin="$cache/$name-$version-$sum/bin" ;;
  *) gobin="$cache/$name-$version/bin" ;;
esac
if [ -x "$gobin/$bin_name" ]; then
  echo "== $name $version: cached, $(du -m "$gobin/$bin_name" | cut -f1) MB" >&2
else
  start=$(date +%s)
  # The Go toolchain of the machine image, when a login PATH does not carry it.
  command -v go >/dev/null 2>&1 || [ ! -x /usr/local/go/bin/go ] || PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null 2>&1 || { echo "$0: go is not on PATH (needed to build $name $version)" >&2; exit 1; }
  echo "== building $name $version ($pkg) into $gobin" >&2
  mkdir -p "$gobin"
  # -mod=mod: resolve from the module proxy even inside another module's folder; CGO off for a
  # static binary that does not depend on the build machine's libc.
  case "$pkg" in
    # -trimpath and -s -w: no build paths, no symbol tables (kube-apiserver: 170 MB -> about 110 MB).
    ./*) (cd "$module" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w$xflags" -o "$gobin/$bin_name" "$pkg") >&2 ;;
    *) GOFLAGS=-mod=mod GOBIN="$gobin" CGO_ENABLED=0 go install "$pkg@$version" >&2 ;;
  esac
  echo "== $name $version: built in $(( $(date +%s) - start )) s, $(du -m "$gobin/$bin_name" | cut -f1) MB" >&2
fi
printf '%s\n' "$gobin/$bin_name"
