#!/usr/bin/env python3
"""Times kubeward against its parse floor and its peers, in one run on the same machine.

    bench/speed.py [DIR] [--runs 5] [--peer-runs 1] [--no-peers] [--all-files] [--skip-build]

DIR defaults to shared/corpus/real. By default every tool scans the same files: a temporary
tree of hard links to every .yaml/.yml/.json file of DIR, hidden folders renamed so that
checkov (which skips folders starting with a dot) sees them too. `--all-files` scans DIR as it
is instead (then checkov scans fewer files than kubeward and trivy).

Measured, each in its own process: (1) `parse_floor`, the example that only walks, reads and
parses (no rules); (2) `kubeward scan . -f json -q -o json=FILE`; (3) checkov; (4) trivy.
kubeward and the floor: best of --runs; peers: --peer-runs runs (best kept, all recorded).
Wall time and peak RSS (wait4). Results: a table on stdout and bench/out/speed-<time>.json.
"""

from __future__ import annotations

import argparse
import shutil
import json
import sys
import tempfile
from pathlib import Path

import common


def summarize_outputs(tool: str, report: Path) -> str:
    """A short check that the tool produced what it should (counts from its report)."""
    try:
        data = common.load_json(report)
    except (OSError, ValueError) as e:
        return f"unreadable report ({e.__class__.__name__})"
    if data is None:
        return "empty report"
    if tool == "floor":
        return f"{data['files']} files, {data['objects']} objects, {data['errors']} errors"
    if tool == "kubeward":
        s = data["summary"]
        return f"{s['files']} files, {s['objects']} objects, {s['findings']} findings, {s['errors']} errors"
    if tool == "checkov":
        parts = data if isinstance(data, list) else [data]
        sums = [p.get("summary", p) for p in parts if isinstance(p, dict)]
        res = sum(int(s.get("resource_count", 0)) for s in sums)
        failed = sum(int(s.get("failed", 0)) for s in sums)
        errs = sum(int(s.get("parsing_errors", 0)) for s in sums)
        return f"{res} resources, {failed} failed checks, {errs} parsing errors"
    if tool == "trivy":
        results = data.get("Results") or []
        fails = sum(len(r.get("Misconfigurations") or []) for r in results)
        return f"{len(results)} files with results, {fails} failed checks"
    return ""


def fmt_rss(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", type=Path, default=None, help="directory to scan (default: shared/corpus/real)")
    ap.add_argument("--venv", type=Path, default=common.DEFAULT_VENV, help="peers' virtualenv (bench/run-peers.sh)")
    ap.add_argument("--runs", type=int, default=5, help="runs of kubeward and the floor (best kept)")
    ap.add_argument("--peer-runs", type=int, default=1, help="runs of each peer (best kept)")
    ap.add_argument("--no-peers", action="store_true", help="time only kubeward and the floor")
    ap.add_argument("--all-files", action="store_true",
                    help="scan DIR itself instead of the same-files tree (checkov then skips hidden folders)")
    ap.add_argument("--skip-build", action="store_true", help="do not run cargo build --release first")
    ap.add_argument("--out", type=Path, default=None, help="results JSON (default bench/out/speed-<time>.json)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep each tool's first report (kubeward.json, checkov.json, trivy.json) in this folder, "
                         "for `compare_peers.py --reuse` (one peer run serves both scripts)")
    args = ap.parse_args()

    source = args.dir or common.default_corpus()
    if not source.is_dir():
        print(f"no such directory: {source}", file=sys.stderr)
        return 2
    if not args.skip_build:
        common.build_release()
    tools = ["floor", "kubeward"]
    if not args.no_peers:
        for name, path in common.peer_paths(args.venv).items():
            if path.exists():
                tools.append(name)
            else:
                print(f"warning: {path} missing (run bench/run-peers.sh); skipping {name}", file=sys.stderr)

    tree = common.direct_tree(source) if args.all_files else common.same_files_tree(source)
    results: dict[str, dict[str, object]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="kubeward-speed-") as work_s:
            work = Path(work_s)
            print(f"scanning {tree.files} files from {source} (as {tree.root})", file=sys.stderr)
            for tool in tools:
                n = args.runs if tool in ("floor", "kubeward") else args.peer_runs
                runs = []
                summary = ""
                for i in range(max(1, n)):
                    run, report = common.run_tool(tool, args.venv, tree, work, tag=f"-{i}")
                    runs.append(run)
                    print(f"  {tool} run {i + 1}/{n}: {run.seconds:.2f}s, {fmt_rss(run.max_rss_kib)}, "
                          f"exit {run.exit_code}", file=sys.stderr)
                    if i == 0:
                        summary = summarize_outputs(tool, report)
                        if args.keep is not None and tool != "floor" and report.exists():
                            args.keep.mkdir(parents=True, exist_ok=True)
                            shutil.copyfile(report, args.keep / f"{tool}.json")
                best = min(runs, key=lambda r: r.seconds)
                results[tool] = {
                    "best_seconds": round(best.seconds, 4),
                    "seconds": [round(r.seconds, 4) for r in runs],
                    "max_rss_kib": max(r.max_rss_kib for r in runs),
                    "exit_codes": sorted({r.exit_code for r in runs}),
                    "output": summary,
                    "command": common.command(tool, args.venv, Path("REPORT.json"))[0],
                }
    finally:
        tree.cleanup()

    def ratio(a: str, b: str) -> float | None:
        if a in results and b in results and results[b]["best_seconds"]:
            return round(float(results[a]["best_seconds"]) / float(results[b]["best_seconds"]), 2)
        return None

    ratios = {
        "checkov/kubeward": ratio("checkov", "kubeward"),
        "trivy/kubeward": ratio("trivy", "kubeward"),
        "kubeward/floor": ratio("kubeward", "floor"),
    }
    doc = {
        "when": common.timestamp(),
        "dir": str(source),
        "same_files": not args.all_files,
        "files": tree.files,
        "machine": common.machine(),
        "versions": common.versions(args.venv, with_peers=not args.no_peers),
        "results": results,
        "ratios": ratios,
    }
    out = args.out or common.out_dir() / f"speed-{doc['when']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")

    print(f"\n{tree.files} files from {source}{'' if args.all_files else ' (same-files tree)'}; "
          f"{doc['machine']['cpus']} CPUs")
    print(f"{'tool':<10} {'version':<12} {'best':>9} {'runs':>5} {'peak RSS':>10}  output")
    for tool, r in results.items():
        version = doc["versions"].get(tool if tool != "floor" else "kubeward", "")
        print(f"{tool:<10} {version.split()[-1] if version else '':<12} {r['best_seconds']:>8.2f}s "
              f"{len(r['seconds']):>5} {fmt_rss(int(r['max_rss_kib'])):>10}  {r['output']}")
    print()
    for k, v in ratios.items():
        if v is not None:
            print(f"{k}: {v}x")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
