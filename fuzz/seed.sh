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
  seed fix $yaml
  seed dockerfile $docker
  seed scanner_report $reports
  seed argv_auditd $audit $cmdlines
}
mkdir -p fuzz/corpus/argv_auditd
printf '%s\n' '-w /usr/bin/dockerd -p wa -k docker' '-a always,exit -F path=/usr/bin/containerd -F perm=wa -k docker' \
  '-w /var/lib/docker -k docker' '# comment' '-k docker -p rwa -w /etc/docker/' >fuzz/corpus/argv_auditd/audit.rules
printf 'kube-apiserver\0--anonymous-auth=false\0--authorization-mode=Node,RBAC\0-v\0--profiling\0false\0' \
  >fuzz/corpus/argv_auditd/cmdline
for t in yaml_load scan fix dockerfile scanner_report argv_auditd; do
  echo "$t: $(ls "fuzz/corpus/$t" | wc -l) seeds"
done
