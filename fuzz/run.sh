#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 600) at the lowest priority, on the stable
# toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly-only sanitizer flags).
#   fuzz/run.sh yaml_load 600
# Needs `cargo install cargo-fuzz` once. Seeds: fuzz/seed.sh. Log: fuzz/logs/TARGET.log;
# crashes land in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
t=${1:?target}; secs=${2:-600}
[ -d "corpus/$t" ] || ./seed.sh
mkdir -p logs
export RUSTC_BOOTSTRAP=1
nice -n 19 cargo fuzz run -O "$t" "corpus/$t" -- \
  -max_total_time="$secs" -max_len=16384 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
  >"logs/$t.log" 2>&1
