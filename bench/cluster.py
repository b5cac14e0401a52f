#!/usr/bin/env python3
"""Benchmark of `kubeward cluster` against the fake API server (Python 3.11 standard library).

    bench/cluster.py                       # 10,000 pods, 2,000 deployments, 50 namespaces
    bench/cluster.py --pods 50000 --runs 5
    bench/cluster.py --standalone-pods     # no pod is controlled: every pod is audited

It builds the release binaries (`kubeward`, `fake-apiserver`; `--skip-build` to skip), starts
`fake-apiserver` (loopback HTTPS with a generated CA, bearer token, paginated lists) serving a
synthetic cluster: the pods and deployments, and per deployment its ServiceAccount, Role,
RoleBinding, NetworkPolicy and Service, per namespace a default-deny policy, three nodes with
their kubelet configz. Then it runs `kubeward cluster --kubeconfig FILE -f json -q -o json=OUT`
`--runs` times and reports wall time and peak RSS (wait4, like `/usr/bin/time -v`) of each run,
the best, the number of findings and of API requests. Results go to bench/out/cluster-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--deployments", type=int, default=2_000)
    ap.add_argument("--namespaces", type=int, default=50)
    ap.add_argument("--standalone-pods", action="store_true", help="pods without ownerReferences")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()

    if not args.skip_build:
        cmd = ["cargo", "build", "--release", "-p", "kubeward", "-p", "fake_apiserver", "--bins"]
        print("+", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, cwd=common.REPO, check=True)
    fake = common.REPO / "target" / "release" / "fake-apiserver"
    out = common.out_dir()
    with tempfile.TemporaryDirectory(prefix="kubeward-cluster-bench-") as tmp:
        work = Path(tmp)
        kubeconfig = work / "kubeconfig"
        server_cmd = [str(fake), "--kubeconfig", str(kubeconfig), "--pods", str(args.pods),
                      "--deployments", str(args.deployments), "--namespaces", str(args.namespaces)]
        if args.standalone_pods:
            server_cmd.append("--standalone-pods")
        server = subprocess.Popen(server_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            ready = server.stdout.readline() if server.stdout else ""
            if not ready.startswith("ready"):
                print(f"fake-apiserver did not start: {ready}", file=sys.stderr)
                return 2
            runs = []
            for i in range(args.runs):
                report = work / f"report-{i}.json"
                cmd = [str(common.kubeward_bin()), "cluster", "--kubeconfig", str(kubeconfig),
                       "--config", "/dev/null", "-f", "json", "-q", "-o", f"json={report}"]
                r = common.run_measured(cmd, work, work / f"stdout-{i}", work / f"stderr-{i}")
                if r.exit_code not in (0, 1):
                    print((work / f"stderr-{i}").read_text(), file=sys.stderr)
                    return 2
                data = common.load_json(report) or {}
                summary = data.get("summary", {}) if isinstance(data, dict) else {}
                runs.append({"seconds": round(r.seconds, 3), "max_rss_mib": round(r.max_rss_kib / 1024, 1),
                             "exit_code": r.exit_code, "findings": len(data.get("findings", [])),
                             "objects": summary.get("objects")})
                print(f"run {i + 1}: {r.seconds:.2f} s, peak RSS {r.max_rss_kib / 1024:.1f} MiB, "
                      f"{runs[-1]['findings']} findings, {runs[-1]['objects']} objects audited")
        finally:
            if server.stdin:
                server.stdin.close()
            err = server.stderr.read() if server.stderr else ""
            server.wait(timeout=30)
        requests = err.strip().splitlines()[-1] if err.strip() else ""
    best = min(runs, key=lambda r: r["seconds"])
    peak = max(r["max_rss_mib"] for r in runs)
    print(f"best {best['seconds']:.2f} s; peak RSS {peak:.1f} MiB (targets: < 5 s, < 200 MB); {requests}")
    result = {"scenario": vars(args), "machine": common.machine(), "runs": runs, "best_seconds": best["seconds"],
              "peak_rss_mib": peak, "server": requests}
    path = out / f"cluster-{common.timestamp()}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
