#!/usr/bin/env bash
# Builds a pinned Go tool from source through the Go module proxy and prints the path of its binary.
#
#   .ci/go-tools.sh helm        # -> $HOME/.cache/kubeward-ci/go-tools/helm-v4.3.2/bin/helm
#
# The binary is built only when the cached one is missing; a prebuilt binary is never downloaded.
# Build output goes to stderr, so `HELM=$(.ci/go-tools.sh helm)` works. Add a tool by adding one
# line to the table (name, Go package, version); the cache folder carries the version, so bumping a
# version builds the new one beside the old.
set -euo pipefail

# name | Go package (built with `go install PACKAGE@VERSION`) | version
TOOLS='
helm|helm.sh/helm/v4/cmd/helm|v4.3.2
'

usage() {
  echo "usage: $0 TOOL    (one of:$(printf '%s\n' "$TOOLS" | awk -F'|' 'NF==3{printf " %s", $1}'))" >&2
  exit 2
}

[ $# -eq 1 ] || usage
name=$1
line=$(printf '%s\n' "$TOOLS" | awk -F'|' -v n="$name" 'NF==3 && $1==n{print; exit}')
[ -n "$line" ] || usage
pkg=$(printf '%s' "$line" | cut -d'|' -f2)
version=$(printf '%s' "$line" | cut -d'|' -f3)
bin_name=${pkg##*/}

cache="${KUBEWARD_GO_TOOLS_CACHE:-$HOME/.cache/kubeward-ci/go-tools}"
gobin="$cache/$name-$version/bin"
if [ ! -x "$gobin/$bin_name" ]; then
  # The Go toolchain of the machine image, when a login PATH does not carry it.
  command -v go >/dev/null 2>&1 || [ ! -x /usr/local/go/bin/go ] || PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null 2>&1 || { echo "$0: go is not on PATH (needed to build $name $version)" >&2; exit 1; }
  echo "== building $name $version ($pkg) into $gobin" >&2
  mkdir -p "$gobin"
  # -mod=mod: resolve from the module proxy even inside another module's folder; CGO off for a
  # static binary that does not depend on the build machine's libc.
  GOFLAGS=-mod=mod GOBIN="$gobin" CGO_ENABLED=0 go install "$pkg@$version" >&2
fi
printf '%s\n' "$gobin/$bin_name"
