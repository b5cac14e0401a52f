#!/usr/bin/env python3
"""`kubeward fix` time against the number of documents in one file (issue 15, point 13).

    bench/fix.py                                  # 500, 2,000 and 20,000 documents
    bench/fix.py --docs 500,2000,20000 --runs 3 --skip-build

For each size it writes one file of N Deployments (each with a comment on `metadata.name`, a
quoted image with a comment, `securityContext: # hardening` holding `privileged: true`: five
safe fixes a document, POD001, POD002, POD004, POD012 and IMG004), then, best of --runs:
- `kubeward fix FILE --config /dev/null -f json -q` on a fresh copy (the file rewritten);
- `kubeward fix FILE --diff --config /dev/null` (the diff on stdout, nothing written);
- `kubeward scan FILE --config /dev/null -f json -q` (for scale: the same file, no fix).
Wall time and peak RSS come from wait4 (`common.run_measured`). Before issue 15 the fix time
grew with the square of the documents (every patch re-read the whole file, and `--diff` diffed
the whole file at once): 500 documents took 61 s and 20,000 did not finish in 10 minutes.
Results: a Markdown table on stdout and bench/out/fix-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import common

DOC = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}  # the web tier
  namespace: shop
spec:
  selector: {{matchLabels: {{app: web-{i}}}}}
  template:
    metadata:
      labels: {{app: web-{i}}}
    spec:
      containers:
        - name: app
          image: "registry.example.com/web:1.{i}"   # pinned
          imagePullPolicy: IfNotPresent
          securityContext: # hardening
            privileged: true
"""


def write_file(path: Path, n: int) -> None:
    path.write_text("---\n".join(DOC.format(i=i) for i in range(n)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", default="500,2000,20000", help="documents per file, comma-separated")
    ap.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a run is stopped")
    ap.add_argument("--skip-build", action="store_true", help="use target/release/kubeward as it is")
    args = ap.parse_args()
    if not args.skip_build:
        common.build_release()
    bin_ = str(common.kubeward_bin())
    rows = []
    with tempfile.TemporaryDirectory(prefix="kubeward-fix-bench-") as tmp:
        work = Path(tmp)
        for n in [int(x) for x in args.docs.split(",")]:
            src = work / f"docs-{n}.yaml"
            write_file(src, n)
            row = {"documents": n, "bytes": src.stat().st_size}
            for mode in ("fix", "diff", "scan"):
                best = None
                for _ in range(args.runs):
                    target = work / "target.yaml"
                    shutil.copyfile(src, target)
                    cmd = {
                        "fix": [bin_, "fix", target.name, "--config", "/dev/null", "-f", "json", "-q"],
                        "diff": [bin_, "fix", target.name, "--diff", "--config", "/dev/null"],
                        "scan": [bin_, "scan", target.name, "--config", "/dev/null", "-f", "json", "-q"],
                    }[mode]
                    r = common.run_measured(cmd, work, work / "stdout", work / "stderr", timeout=args.timeout)
                    if r.exit_code not in (0, 1) and not r.timed_out:
                        print((work / "stderr").read_text()[-2000:], file=sys.stderr)
                        raise SystemExit(f"{mode} at {n} documents failed with exit code {r.exit_code}")
                    if mode == "fix":
                        fixed = target.read_text()
                        if "privileged: false" not in fixed or fixed.count("---") != n - 1:
                            raise SystemExit(f"fix at {n} documents: the file was not fixed as expected")
                    if best is None or r.seconds < best.seconds:
                        best = r
                    if r.timed_out:
                        break
                assert best is not None
                row[mode] = {"seconds": round(best.seconds, 3), "max_rss_mib": round(best.max_rss_kib / 1024, 1),
                             "timed_out": best.timed_out}
                print(f"{n} documents, {mode}: {best.seconds:.2f} s, {best.max_rss_kib / 1024:.0f} MiB", file=sys.stderr)
            rows.append(row)
    result = {"machine": common.machine(), "runs": args.runs, "rows": rows}
    out = common.out_dir() / f"fix-{common.timestamp()}.json"
    out.write_text(json.dumps(result, indent=2))
    print("| documents | file | `fix` (written) | `fix --diff` | `scan` (same file) | ms per document (`fix`) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        def cell(m: str) -> str:
            c = r[m]
            t = f"{c['seconds']:.2f} s, {c['max_rss_mib']:.0f} MiB"
            return t + (" (stopped)" if c["timed_out"] else "")
        per = 1000 * r["fix"]["seconds"] / r["documents"]
        print(f"| {r['documents']:,} | {r['bytes'] / 1e6:.1f} MB | {cell('fix')} | {cell('diff')} | {cell('scan')} | {per:.2f} |")
    print(f"\n(results in {out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
