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


def build() -> None:
    cmd = ["cargo", "build", "--release", "-p", "kubeward", "-p", "fake_apiserver", "--bins"]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=common.REPO, check=True)


def fake_bin() -> Path:
    return common.REPO / "target" / "release" / "fake-apiserver"


def run_cluster(pods: int, deployments: int, namespaces: int, standalone_pods: bool = False, runs: int = 3,
                timeout: float | None = None) -> dict:
    """Serves the synthetic cluster from fake-apiserver and times `kubeward cluster` against it
    `runs` times. Returns the runs (wall time, peak RSS, findings, objects audited), the best wall
    time, the peak RSS and the server's request count. Raises RuntimeError when the server does
    not start or kubeward fails."""
    runs_out: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="kubeward-cluster-bench-") as tmp:
        work = Path(tmp)
        kubeconfig = work / "kubeconfig"
        server_cmd = [str(fake_bin()), "--kubeconfig", str(kubeconfig), "--pods", str(pods),
                      "--deployments", str(deployments), "--namespaces", str(namespaces)]
        if standalone_pods:
            server_cmd.append("--standalone-pods")
        server = subprocess.Popen(server_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        err = ""
        try:
            ready = server.stdout.readline() if server.stdout else ""
            if not ready.startswith("ready"):
                raise RuntimeError(f"fake-apiserver did not start: {ready.strip()}")
            for i in range(runs):
                report = work / f"report-{i}.json"
                cmd = [str(common.kubeward_bin()), "cluster", "--kubeconfig", str(kubeconfig),
                       "--config", "/dev/null", "-f", "json", "-q", "-o", f"json={report}"]
                r = common.run_measured(cmd, work, work / f"stdout-{i}", work / f"stderr-{i}", timeout=timeout)
                if r.timed_out or r.exit_code not in (0, 1):
                    tail = (work / f"stderr-{i}").read_text(errors="replace")[-2000:]
                    why = f"timed out after {timeout} s" if r.timed_out else f"exit code {r.exit_code}"
                    raise RuntimeError(f"kubeward cluster {why}: {tail}")
                data = common.load_json(report) or {}
                summary = data.get("summary", {}) if isinstance(data, dict) else {}
                runs_out.append({"seconds": round(r.seconds, 3), "user": round(r.user, 3), "sys": round(r.sys, 3),
                                 "max_rss_mib": round(r.max_rss_kib / 1024, 1), "exit_code": r.exit_code,
                                 "findings": len(data.get("findings", [])), "objects": summary.get("objects")})
                report.unlink(missing_ok=True)
                print(f"run {i + 1}: {r.seconds:.2f} s, peak RSS {r.max_rss_kib / 1024:.1f} MiB, "
                      f"{runs_out[-1]['findings']} findings, {runs_out[-1]['objects']} objects audited",
                      file=sys.stderr)
        finally:
            if server.stdin:
                server.stdin.close()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            err = server.stderr.read() if server.stderr else ""
    requests = err.strip().splitlines()[-1] if err.strip() else ""
    best = min(runs_out, key=lambda r: r["seconds"])
    return {"scenario": {"pods": pods, "deployments": deployments, "namespaces": namespaces,
                         "standalone_pods": standalone_pods, "runs": runs},
            "runs": runs_out, "best_seconds": best["seconds"], "peak_rss_mib": max(r["max_rss_mib"] for r in runs_out),
            "objects": best["objects"], "findings": best["findings"], "server": requests}


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
        build()
    try:
        res = run_cluster(args.pods, args.deployments, args.namespaces, args.standalone_pods, args.runs)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 2
    print(f"best {res['best_seconds']:.2f} s; peak RSS {res['peak_rss_mib']:.1f} MiB (targets: < 5 s, < 200 MB); "
          f"{res['server']}")
    result = {"scenario": vars(args), "machine": common.machine(), "runs": res["runs"],
              "best_seconds": res["best_seconds"], "peak_rss_mib": res["peak_rss_mib"], "server": res["server"]}
    path = common.out_dir() / f"cluster-{common.timestamp()}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
