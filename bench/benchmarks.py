#!/usr/bin/env python3
"""All of issue 9's benchmarks in one run, then docs/benchmarks.md and docs/benchmarks.svg.

    bench/run-peers.sh                  # once: checkov and trivy into ~/.cache/kubeward-peers
    bench/benchmarks.py                 # the full run (about 35 to 45 minutes, see below)
    bench/benchmarks.py --render bench/results/benchmarks.json    # page and plot only, no run
    bench/benchmarks.py --sizes 1k,10k --runs 1 --peer-timeout 120 --cluster-pods 2000 \\
        --serve-seconds 10 --docs /tmp/bench-docs                 # a quick check of the script

One process after the other, on the same machine, in this order:

1. `cargo build --release -p kubeward -p fake_apiserver -p serve-load --bins --examples`
   (`--skip-build` to skip).
2. scan, for each size (--sizes, default 1k, 10k, 100k, 1M objects): the synthetic corpus of
   bench/gen_corpus.py (seed 1; generated once into --corpora and reused), one untimed run of
   the floor to fill the page cache, then
   - floor: `target/release/examples/parse_floor .` (walks, reads and parses with kubeward's
     own walker and loader, runs no rule), best of --runs;
   - kubeward: `kubeward scan . --config /dev/null -f json -q -o json=FILE`, best of --runs
     (--runs defaults to 3 up to 100k objects and 1 above);
   - checkov and trivy (bench/common.py's command lines), one run each, stopped after
     --peer-timeout seconds (600). A peer stopped at one size is not run at the larger ones.
3. cluster: `kubeward cluster` against bench/cluster.py's fake API server at each
   --cluster-pods count (10k and 100k pods), pods owned by ReplicaSets, and the same with every
   pod standalone; best of --cluster-runs (3).
4. serve: target/release/serve-load (keep-alive HTTPS AdmissionReviews on loopback) for
   --serve-seconds (60) at each --serve-connections (8).

Wall time, CPU time and peak RSS come from wait4 (like `/usr/bin/time -v`). A failing step is
recorded and the run goes on. The results go to bench/out/benchmarks-<time>.json, rewritten
after every step (an interrupted run keeps what it measured), then docs/benchmarks.md and
docs/benchmarks.svg are generated from it and the JSON is copied to
bench/results/benchmarks.json (the page's data; `--docs DIR` writes the page, plot and data
copy elsewhere).

Time of the full default run on a 2-core machine: build 0 to 5 min; corpora 0 (reused) or
about 5 min; kubeward and the floor about 4 min (1M objects: about 2.5 min); peers 20 to 35 min
(on a trial run checkov took 12 s and trivy 37 s at 1k objects; at 10k each may take several
minutes or be stopped at 10 min, and the one that finishes 10k is stopped at 100k after 10 min);
cluster about 3 min (about 17 s a run at 100k owned pods, 30 s standalone); serve about 1 min.
In all about 35 to 45 minutes; the bound is 8 peer runs of 10 min plus about 10 min. Run it on
an idle machine.

Standard library only (the plot is hand-written SVG).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402
import common  # noqa: E402
import scale  # noqa: E402
import speed  # noqa: E402

TOOLS = ("floor", "kubeward", "checkov", "trivy")
PEERS = ("checkov", "trivy")
DEFAULT_SIZES = "1k,10k,100k,1M"
DOCS = common.REPO / "docs"
DATA_COPY = common.REPO / "bench" / "results" / "benchmarks.json"
MB = 1_000_000

# Targets (issue 9 for scan; bench/README.md for cluster and serve).
LINEAR_MAX = 1.5          # per-object time at the largest size / at 10k and 100k
SCAN_1M_SECONDS = 60
SCAN_1M_BYTES = 500 * MB
PEER_MIN_RATIO = 100      # at 10k objects
FLOOR_MAX_RATIO = 3
CLUSTER_10K_SECONDS = 5
CLUSTER_10K_BYTES = 200 * MB
CLUSTER_100K_BYTES = 500 * MB
SERVE_MIN_RATE = 5000
SERVE_MAX_P99_MS = 5
SERVE_MAX_RSS_GROWTH = 0.10


# --------------------------------------------------------------------------------------------
# Small helpers

START = time.monotonic()


def log(msg: str) -> None:
    el = int(time.monotonic() - START)
    print(f"[{time.strftime('%H:%M:%S')} +{el // 60:d}m{el % 60:02d}s] {msg}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def parse_count(s: str) -> int:
    s = s.strip().replace("_", "").replace(",", "")
    mult = 1
    if s[-1:] in ("k", "K"):
        mult, s = 1000, s[:-1]
    elif s[-1:] in ("m", "M"):
        mult, s = 1_000_000, s[:-1]
    return int(float(s) * mult)


def parse_list(s: str) -> list[int]:
    return [parse_count(x) for x in s.split(",") if x.strip()]


def short(n: int) -> str:
    for div, suf in ((1_000_000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return f"{n // div}{suf}"
    return f"{n:,}"


def fmt_mem(text: str) -> str:
    """/proc/meminfo's "24684084 kB" as "23.5 GiB"."""
    m = re.match(r"(\d+)\s*kB", str(text))
    return f"{int(m.group(1)) / 2**20:.1f} GiB" if m else str(text)


def git_info() -> dict:
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=common.REPO, capture_output=True, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {"commit": git("rev-parse", "HEAD"), "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def rustc_version() -> str:
    return common.tool_version(["rustc", "--version"])


def serve_load_bin() -> Path:
    return common.REPO / "target" / "release" / "serve-load"


def build() -> None:
    cmd = ["cargo", "build", "--release", "-p", "kubeward", "-p", "fake_apiserver", "-p", "serve-load",
           "--bins", "--examples"]
    log("+ " + " ".join(cmd))
    subprocess.run(cmd, cwd=common.REPO, check=True)


# --------------------------------------------------------------------------------------------
# Steps

def peer_run(tool: str, venv: Path, d: Path, work: Path, timeout: float) -> dict:
    """One run of a peer on corpus `d` (or its same-files tree when `d` has hidden folders or
    files other than manifests), stopped after `timeout` seconds."""
    files = common.list_files(d)
    hidden = any(common.is_hidden(f) for f in files)
    tree = common.same_files_tree(d) if hidden else common.direct_tree(d)
    report = work / f"{tool}.json"
    cmd, on_stdout = common.command(tool, venv, report)
    stdout = report if on_stdout else work / f"{tool}.stdout"
    stderr = work / f"{tool}.stderr"
    try:
        r = common.run_measured(cmd, tree.root, stdout, stderr, timeout=timeout)
    finally:
        tree.cleanup()
    entry: dict = {"seconds": round(r.seconds, 3), "user": round(r.user, 3), "sys": round(r.sys, 3),
                   "max_rss_kib": r.max_rss_kib, "exit_code": r.exit_code, "timeout_seconds": timeout,
                   "scanned": "same-files tree" if hidden else "corpus directory as is", "files": len(files)}
    entry["runs"] = [{k: entry[k] for k in ("seconds", "user", "sys", "max_rss_kib", "exit_code")}]
    if r.timed_out:
        entry["status"] = "timeout"
        entry["note"] = f"did not finish within {timeout:g} s (stopped)"
    else:
        size = report.stat().st_size if report.exists() else 0
        entry["report_bytes"] = size
        entry["output"] = speed.summarize_outputs(tool, report) if size < 4_000_000_000 else "report too large to read"
        bad = entry["output"].startswith(("unreadable", "empty")) or r.exit_code not in (0, 1)
        entry["status"] = "failed" if bad else "ok"
        if bad:
            entry["note"] = f"exit code {r.exit_code}; " + stderr.read_text(errors="replace")[-600:].strip()
    for f in (report, stdout, stderr):
        f.unlink(missing_ok=True)
    return entry


def scan_size(n: int, args: argparse.Namespace, work: Path, peers: list[str], stopped: dict[str, int],
              results: dict, save) -> None:
    entry: dict = {"objects": n, "tools": {}}
    results["scan"].append(entry)
    log(f"scan: corpus of {n:,} objects")
    try:
        d, summary = scale.corpus(args.corpora, n)
    except Exception as e:  # noqa: BLE001 - recorded, the run goes on
        entry["error"] = f"corpus: {e}"
        results["failures"].append(f"scan {n:,}: corpus: {e}")
        log(f"  corpus failed: {e}")
        save()
        return
    entry.update({"files": summary["files"], "bytes": summary["bytes"], "corpus": str(d)})
    results["corpora"][str(n)] = summary
    runs = args.runs if args.runs else (3 if n <= 100_000 else 1)
    entry["load_before"] = loadavg()
    try:
        w = scale.measured([str(common.floor_bin()), "."], d, work / "warm.stdout", work / "warm.stderr",
                           timeout=args.tool_timeout)
        entry["warmup_seconds"] = w["seconds"]
        log(f"  warm-up (floor, untimed): {w['seconds']:.2f} s")
    except Exception as e:  # noqa: BLE001
        log(f"  warm-up failed: {e}")
    for tool in ("floor", "kubeward"):
        log(f"  {tool}: best of {runs}")
        try:
            t = scale.time_tool(tool, d, runs, work, timeout=args.tool_timeout, label=f"{n:,} objects, ")
            ok = not t.get("timed_out") and t["exit_code"] in ((0,) if tool == "floor" else (0, 1))
            t["status"] = "ok" if ok else ("timeout" if t.get("timed_out") else "failed")
            if t.get("timed_out"):
                t["timeout_seconds"] = args.tool_timeout
            if not ok:
                t["note"] = (f"did not finish within {args.tool_timeout:g} s" if t.get("timed_out")
                             else f"exit code {t['exit_code']}: "
                                  + (work / f"{tool}.stderr").read_text(errors="replace")[-600:].strip())
                results["failures"].append(f"scan {n:,}: {tool}: {t['note']}")
        except Exception as e:  # noqa: BLE001
            t = {"status": "error", "note": str(e)}
            results["failures"].append(f"scan {n:,}: {tool}: {e}")
        t["command"] = common.command(tool, args.venv, Path("REPORT.json"))[0]
        entry["tools"][tool] = t
        save()
    for tool in PEERS:
        if tool not in peers:
            entry["tools"][tool] = {"status": "missing", "note": "not run (--no-peers or not installed)"}
            continue
        if tool in stopped:
            entry["tools"][tool] = {"status": "skipped", "stopped_at": stopped[tool],
                                    "timeout_seconds": args.peer_timeout,
                                    "note": f"not run: did not finish {stopped[tool]:,} objects within "
                                            f"{args.peer_timeout:g} s"}
            log(f"  {tool}: skipped (stopped at {stopped[tool]:,} objects)")
            continue
        log(f"  {tool}: one run, timeout {args.peer_timeout:g} s")
        try:
            t = peer_run(tool, args.venv, d, work, args.peer_timeout)
        except Exception as e:  # noqa: BLE001
            t = {"status": "error", "note": str(e)}
            results["failures"].append(f"scan {n:,}: {tool}: {e}")
        if t["status"] == "timeout":
            stopped[tool] = n
        if t["status"] == "failed":
            results["failures"].append(f"scan {n:,}: {tool}: {t.get('note', '')}")
        t["command"] = common.command(tool, args.venv, Path("REPORT.json"))[0]
        entry["tools"][tool] = t
        log(f"  {tool}: {t['status']}, {t.get('seconds', 0):.1f} s, {t.get('max_rss_kib', 0) / 1024:,.0f} MiB, "
            f"{t.get('output', t.get('note', ''))}")
        save()
    entry["load_after"] = loadavg()
    save()


def cluster_step(pods: int, standalone: bool, args: argparse.Namespace, results: dict, save) -> None:
    deployments, namespaces = max(1, pods // 5), max(1, pods // 200)
    what = f"{pods:,} pods{' (standalone)' if standalone else ''}"
    log(f"cluster: {what}, {deployments:,} deployments, {namespaces:,} namespaces, best of {args.cluster_runs}")
    entry: dict = {"pods": pods, "deployments": deployments, "namespaces": namespaces, "standalone_pods": standalone,
                   "load_before": loadavg()}
    try:
        res = cluster.run_cluster(pods, deployments, namespaces, standalone, args.cluster_runs,
                                  timeout=args.tool_timeout)
        entry.update(res)
        entry["status"] = "ok"
        log(f"  best {res['best_seconds']:.2f} s, peak RSS {res['peak_rss_mib']:.1f} MiB, "
            f"{res['objects']} objects audited; {res['server']}")
    except Exception as e:  # noqa: BLE001
        entry["status"] = "failed"
        entry["note"] = str(e)[-1000:]
        results["failures"].append(f"cluster {what}: {str(e)[:300]}")
        log(f"  failed: {str(e)[:300]}")
    entry["load_after"] = loadavg()
    results["cluster"].append(entry)
    save()


SERVE_PATTERNS = {
    "reviews": r"^\s*reviews\s+(\d+)",
    "throughput": r"throughput\s+([\d.]+) reviews/s",
    "p50_ms": r"p50 ([\d.]+)",
    "p90_ms": r"p90 ([\d.]+)",
    "p99_ms": r"p99 ([\d.]+)",
    "p999_ms": r"p99\.9 ([\d.]+)",
    "max_ms": r"max ([\d.]+)",
    "second_p99_best_ms": r"per-second p99 ms\s+best ([\d.]+)",
    "second_p99_median_ms": r"per-second p99 ms.*median ([\d.]+)",
    "second_p99_worst_ms": r"per-second p99 ms.*worst ([\d.]+)",
    "load_min": r"load average during the run\s+min ([\d.]+)",
    "load_max": r"load average during the run.*max ([\d.]+)",
    "errors": r"errors\s+(\d+)",
    "wrong": r"wrong verdicts: (\d+)",
    "rss_start_kib": r"server RSS KiB start (\d+)",
    "rss_end_kib": r"server RSS KiB.*end (\d+)",
    "rss_max_kib": r"server RSS KiB.*max (\d+)",
    "measured_seconds": r"connections, ([\d.]+) s measured",
}


def serve_step(connections: int, args: argparse.Namespace, results: dict, save, work: Path) -> None:
    log(f"serve: {connections} connections, {args.serve_seconds:g} s after a 2 s warm-up")
    cmd = [str(serve_load_bin()), "--duration", f"{args.serve_seconds:g}", "--connections", str(connections),
           "--warmup", "2"]
    entry: dict = {"connections": connections, "duration": args.serve_seconds, "warmup": 2,
                   "command": ["target/release/serve-load"] + cmd[1:], "load_before": loadavg()}
    try:
        r = common.run_measured(cmd, common.REPO, work / "serve.stdout", work / "serve.stderr",
                                timeout=args.serve_seconds + 180)
        out = (work / "serve.stdout").read_text(errors="replace")
        err = (work / "serve.stderr").read_text(errors="replace")
        entry["stdout"] = out
        entry["exit_code"] = r.exit_code
        entry["client_max_rss_kib"] = r.max_rss_kib
        for key, pat in SERVE_PATTERNS.items():
            m = re.search(pat, out, re.M)
            if m:
                entry[key] = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
        per = []
        table = False
        for line in err.splitlines():
            if line.startswith("second  reviews"):
                table = True
                continue
            parts = line.split()
            if table and len(parts) >= 3 and parts[0].isdigit():
                per.append([float(x) for x in parts[:4]])
        entry["per_second"] = per  # [second, reviews, p99 ms, load average]
        if r.timed_out or "throughput" not in entry:
            entry["status"] = "failed"
            entry["note"] = ("timed out; " if r.timed_out else f"exit code {r.exit_code}; ") + err[-600:].strip()
            results["failures"].append(f"serve {connections} connections: {entry['note'][:300]}")
        else:
            entry["status"] = "ok" if r.exit_code == 0 else "errors"
            log(f"  {entry['throughput']:,.0f} reviews/s, p50 {entry.get('p50_ms')} ms, p99 {entry.get('p99_ms')} ms, "
                f"errors {entry.get('errors')}, wrong {entry.get('wrong')}")
    except Exception as e:  # noqa: BLE001
        entry["status"] = "failed"
        entry["note"] = str(e)
        results["failures"].append(f"serve {connections} connections: {e}")
        log(f"  failed: {e}")
    entry["load_after"] = loadavg()
    results["serve"].append(entry)
    save()


def run(args: argparse.Namespace) -> Path:
    sizes = parse_list(args.sizes)
    out = args.out or common.out_dir() / f"benchmarks-{common.timestamp()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    peers: list[str] = []
    if not args.no_peers:
        for name, path in common.peer_paths(args.venv).items():
            if path.exists():
                peers.append(name)
            else:
                log(f"warning: {path} missing (run bench/run-peers.sh); {name} not run")
    results: dict = {
        "schema": 1,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "command": " ".join(["bench/benchmarks.py"] + sys.argv[1:]),
        "options": {"sizes": sizes, "runs": args.runs, "peer_timeout": args.peer_timeout,
                    "tool_timeout": args.tool_timeout, "peers": peers,
                    "cluster_pods": [] if args.no_cluster else parse_list(args.cluster_pods),
                    "cluster_runs": args.cluster_runs,
                    "serve_connections": [] if args.no_serve else parse_list(args.serve_connections),
                    "serve_seconds": args.serve_seconds, "corpora": str(args.corpora), "skip_build": args.skip_build},
        "machine": {**common.machine(), "nice": os.getpriority(os.PRIO_PROCESS, 0), "load_start": loadavg()},
        "versions": {}, "git": git_info(), "corpora": {}, "scan": [], "cluster": [], "serve": [], "failures": [],
    }

    def save() -> None:
        results["elapsed_seconds"] = round(time.monotonic() - START, 1)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=1) + "\n")
        tmp.replace(out)

    log(f"results: {out}")
    if not args.skip_build:
        try:
            build()
        except (subprocess.CalledProcessError, OSError) as e:
            results["failures"].append(f"build: {e}")
            log(f"build failed ({e}); going on with the binaries in target/release")
    results["versions"] = {**common.versions(args.venv, with_peers=bool(peers)), "rustc": rustc_version()}
    results["git"] = git_info()
    save()
    steps = len(sizes) + 2 * len(results["options"]["cluster_pods"]) + len(results["options"]["serve_connections"])
    step = 0
    with tempfile.TemporaryDirectory(prefix="kubeward-benchmarks-") as work_s:
        work = Path(work_s)
        stopped: dict[str, int] = {}
        for n in sizes:
            step += 1
            log(f"step {step}/{steps}")
            scan_size(n, args, work, peers, stopped, results, save)
        for pods in results["options"]["cluster_pods"]:
            for standalone in (False, True):
                step += 1
                log(f"step {step}/{steps}")
                cluster_step(pods, standalone, args, results, save)
        for c in results["options"]["serve_connections"]:
            step += 1
            log(f"step {step}/{steps}")
            serve_step(c, args, results, save, work)
    results["machine"]["load_end"] = loadavg()
    save()
    log(f"done in {results['elapsed_seconds'] / 60:.1f} min; results: {out}")
    return out


# --------------------------------------------------------------------------------------------
# Analysis (from the results JSON only)

def tool(entry: dict, name: str) -> dict:
    return entry.get("tools", {}).get(name, {})


def ok(t: dict) -> bool:
    return t.get("status") == "ok"


def secs(t: dict) -> float | None:
    """Seconds for ratios: the best wall time, or the timeout (a lower bound) for a peer that was
    stopped or skipped after being stopped at a smaller size."""
    if ok(t):
        return t["seconds"]
    if t.get("status") in ("timeout", "skipped"):
        return t.get("timeout_seconds")
    return None


def ratio(entry: dict, a: str, b: str) -> tuple[float | None, bool]:
    """a/b wall-time ratio, and whether it is a lower bound."""
    ta, tb = tool(entry, a), tool(entry, b)
    sa, sb = secs(ta), (tb.get("seconds") if ok(tb) else None)
    if sa is None or not sb:
        return None, False
    return sa / sb, not ok(ta)


def scan_by_size(res: dict) -> dict[int, dict]:
    return {e["objects"]: e for e in res.get("scan", [])}


def targets(res: dict) -> list[dict]:
    """Each target: name, measured (text), result (PASS / FAIL / not measured)."""
    by = scan_by_size(res)
    cores = res.get("machine", {}).get("cpus")
    out: list[dict] = []

    def add(name: str, measured: str, result: str) -> None:
        out.append({"target": name, "measured": measured, "result": result})

    kw = {n: tool(e, "kubeward") for n, e in by.items()}
    good = {n: t for n, t in kw.items() if ok(t)}
    # Linear time.
    big = max(good) if good else None
    refs = [n for n in (10_000, 100_000) if n in good and big and n < big]
    if big and big >= 1_000_000 and refs:
        per_big = good[big]["seconds"] / big
        parts, worst = [], 0.0
        for n in refs:
            r = per_big / (good[n]["seconds"] / n)
            worst = max(worst, r)
            parts.append(f"{r:.2f}x the per-object time at {short(n)}")
        add(f"time grows linearly (per-object time at {short(big)} within {LINEAR_MAX}x of 10k and 100k)",
            f"{good[big]['seconds'] / big * 1e6:.0f} µs/object at {short(big)}: " + ", ".join(parts),
            "PASS" if worst <= LINEAR_MAX else "FAIL")
    else:
        add(f"time grows linearly (per-object time at 1M within {LINEAR_MAX}x of 10k and 100k)",
            "needs kubeward at 1M and at 10k or 100k", "not measured")
    core_note = "" if cores == 2 else f" (this machine: {cores} cores)"
    t1m = kw.get(1_000_000)
    if t1m and ok(t1m):
        add(f"1M objects scanned in under {SCAN_1M_SECONDS} s on 2 cores{core_note}", f"{t1m['seconds']:.1f} s",
            "PASS" if t1m["seconds"] < SCAN_1M_SECONDS else "FAIL")
        rss = t1m["max_rss_kib"] * 1024
        add(f"peak memory under 500 MB at 1M", f"{rss / MB:,.0f} MB ({t1m['max_rss_kib'] / 1024:,.0f} MiB)",
            "PASS" if rss < SCAN_1M_BYTES else "FAIL")
    else:
        why = t1m.get("note", t1m.get("status")) if t1m else "size not run"
        late = bool(t1m) and t1m.get("status") == "timeout"
        add(f"1M objects scanned in under {SCAN_1M_SECONDS} s on 2 cores{core_note}",
            why if late else f"not measured ({why})", "FAIL" if late else "not measured")
        add("peak memory under 500 MB at 1M", f"not measured ({why})", "not measured")
    e10 = by.get(10_000)
    for peer in PEERS:
        name = f"at least {PEER_MIN_RATIO}x faster than {peer} at 10k objects"
        if not e10:
            add(name, "10k not run", "not measured")
            continue
        r, lower = ratio(e10, peer, "kubeward")
        pt = tool(e10, peer)
        if r is None:
            add(name, f"{peer}: {pt.get('note', pt.get('status', 'not run'))}", "not measured")
            continue
        if pt.get("status") == "skipped":
            how = (f"≥ {r:,.0f}x (lower bound: {peer} did not finish {pt['stopped_at']:,} objects within "
                   f"{pt['timeout_seconds']:g} s, so it was not run at 10k)")
        elif lower:
            how = f"≥ {r:,.0f}x (lower bound: {peer} stopped after {pt['timeout_seconds']:g} s)"
        else:
            how = f"{r:,.0f}x ({pt['seconds']:.1f} s against {tool(e10, 'kubeward')['seconds']:.2f} s)"
        add(name, how, "PASS" if r >= PEER_MIN_RATIO else ("FAIL" if not lower else "inconclusive"))
    # scan within 3x of the floor at every size.
    parts, worst, missing = [], 0.0, []
    for n in sorted(by):
        r, _ = ratio(by[n], "kubeward", "floor")
        if r is None or not ok(tool(by[n], "kubeward")):
            missing.append(short(n))
            continue
        worst = max(worst, r)
        parts.append(f"{short(n)}: {r:.2f}x")
    if parts:
        res_s = "PASS" if worst <= FLOOR_MAX_RATIO and not missing else "FAIL"
        add(f"scan within {FLOOR_MAX_RATIO}x of the parse floor at every size",
            ", ".join(parts) + (f"; not measured at {', '.join(missing)}" if missing else ""), res_s)
    else:
        add(f"scan within {FLOOR_MAX_RATIO}x of the parse floor at every size", "no size measured", "not measured")
    # cluster at 10k pods (bench/README.md's target).
    c10 = [c for c in res.get("cluster", []) if c.get("pods") == 10_000 and not c.get("standalone_pods")]
    if c10:
        c = c10[0]
        if c.get("status") == "ok":
            rss = c["peak_rss_mib"] * 1024 * 1024
            good_c = c["best_seconds"] < CLUSTER_10K_SECONDS and rss < CLUSTER_10K_BYTES
            add(f"cluster, 10k pods: under {CLUSTER_10K_SECONDS} s and 200 MB",
                f"{c['best_seconds']:.2f} s, {rss / MB:,.0f} MB", "PASS" if good_c else "FAIL")
        else:
            add(f"cluster, 10k pods: under {CLUSTER_10K_SECONDS} s and 200 MB", c.get("note", "failed")[:200], "FAIL")
    # cluster at 100k pods: the audit streams, so memory stays bounded and time linear.
    for standalone in (False, True):
        kind = "every pod audited" if standalone else "pods owned by ReplicaSets"
        name = (f"cluster, 100k pods ({kind}): peak memory under 500 MB, time per pod within {LINEAR_MAX}x "
                "of 10k")
        runs = {c.get("pods"): c for c in res.get("cluster", [])
                if bool(c.get("standalone_pods")) == standalone and c.get("status") == "ok"}
        big, small = runs.get(100_000), runs.get(10_000)
        if not big or not small:
            add(name, "needs cluster runs at 10k and 100k pods", "not measured")
            continue
        rss = big["peak_rss_mib"] * 1024 * 1024
        growth = (big["best_seconds"] / 100_000) / (small["best_seconds"] / 10_000)
        add(name, f"{rss / MB:,.0f} MB; {big['best_seconds']:.2f} s at 100k against {small['best_seconds']:.2f} s "
                  f"at 10k ({growth:.2f}x the per-pod time)",
            "PASS" if rss < CLUSTER_100K_BYTES and growth <= LINEAR_MAX else "FAIL")
    for s in res.get("serve", []):
        name = (f"serve, {s['connections']} connections: ≥ {SERVE_MIN_RATE:,} reviews/s, p99 < {SERVE_MAX_P99_MS} ms, "
                f"no errors, flat memory")
        if "throughput" not in s:
            add(name, s.get("note", "failed")[:200], "FAIL")
            continue
        growth = (s.get("rss_end_kib", 0) - s.get("rss_start_kib", 0)) / max(1, s.get("rss_start_kib", 1))
        passed = (s["throughput"] >= SERVE_MIN_RATE and s.get("p99_ms", 1e9) < SERVE_MAX_P99_MS
                  and s.get("errors", 1) == 0 and s.get("wrong", 1) == 0 and growth <= SERVE_MAX_RSS_GROWTH)
        add(name, f"{s['throughput']:,.0f} reviews/s, p99 {s.get('p99_ms')} ms, {s.get('errors')} errors, "
                  f"{s.get('wrong')} wrong verdicts, RSS {s.get('rss_start_kib', 0) / 1024:.1f} → "
                  f"{s.get('rss_end_kib', 0) / 1024:.1f} MiB", "PASS" if passed else "FAIL")
    return out


# --------------------------------------------------------------------------------------------
# Markdown

def fs(s: float | None) -> str:
    if s is None:
        return "–"
    if s < 10:
        return f"{s:.2f} s"
    if s < 100:
        return f"{s:.1f} s"
    return f"{s:,.0f} s"


def fmib(kib: float | None) -> str:
    if kib is None:
        return "–"
    m = kib / 1024
    return f"{m:.1f} MiB" if m < 10 else f"{m:,.0f} MiB"


def fratio(r: float | None, lower: bool) -> str:
    if r is None:
        return "–"
    txt = f"{r:,.0f}x" if r >= 20 else f"{r:.2f}x"
    return ("≥ " + txt) if lower else txt


def cell_time(t: dict) -> str:
    st = t.get("status")
    if st == "ok":
        return fs(t["seconds"])
    if st == "timeout":
        return f"did not finish in {t.get('timeout_seconds', 0):g} s"
    if st == "skipped":
        return "not run"
    if st == "missing":
        return "not run"
    if not t:
        return "–"
    return st or "–"


def cell_rss(t: dict) -> str:
    st = t.get("status")
    if st == "ok":
        return fmib(t["max_rss_kib"])
    if st == "timeout":
        return f"≥ {fmib(t['max_rss_kib'])} (when stopped)"
    return "–"


def render_md(res: dict, data_path: str) -> str:
    by = scan_by_size(res)
    m, v, g = res.get("machine", {}), res.get("versions", {}), res.get("git", {})
    opts = res.get("options", {})
    peer_timeout = opts.get("peer_timeout", 600)
    L: list[str] = []
    a = L.append
    a("# Benchmarks")
    a("")
    a(f"<!-- Generated by bench/benchmarks.py from {data_path}; do not edit by hand: re-run, or "
      f"`bench/benchmarks.py --render {data_path}`. -->")
    a("")
    a(f"Run of {res.get('when', '?')} on {m.get('cpus')} cores ({m.get('cpu', '?')}), {fmt_mem(m.get('memory', '?'))} of RAM; "
      f"kubeward {v.get('kubeward', '?')} at commit `{g.get('commit', '?')[:12]}`"
      f"{' (with uncommitted changes)' if g.get('dirty') else ''}. Command: `{res.get('command', '')}`.")
    a("")
    partial = []
    sizes = sorted(by)
    missing_sizes = [s for s in parse_list(DEFAULT_SIZES) if s not in by]
    if missing_sizes:
        partial.append("sizes not run: " + ", ".join(short(s) for s in missing_sizes))
    if set(opts.get("peers", [])) != set(PEERS):
        partial.append("peers not run: " + ", ".join(p for p in PEERS if p not in opts.get("peers", [])))
    if not res.get("cluster"):
        partial.append("cluster not run")
    if not res.get("serve"):
        partial.append("serve not run")
    if peer_timeout != 600:
        partial.append(f"peer timeout {peer_timeout:g} s instead of 600 s")
    load = m.get("load_start") or []
    if load and load[0] > 1.0:
        partial.append(f"the machine was not idle: 1-minute load average {load[0]:.2f} at the start")
    if m.get("cpus") != 2:
        partial.append(f"{m.get('cpus')} cores, not 2")
    if partial:
        a(f"> **Not the reference run** ({'; '.join(partial)}). Re-run `bench/benchmarks.py` with its "
          f"defaults on an idle 2-core machine for the reference figures.")
        a("")
    a("## Reproduce")
    a("")
    a("```sh")
    a("bench/run-peers.sh     # once: installs checkov and trivy into ~/.cache/kubeward-peers")
    a("bench/benchmarks.py    # everything below, about 35 to 45 minutes on 2 cores; rewrites this page")
    a("```")
    a("")
    a(f"It writes every run to `bench/out/benchmarks-<time>.json`, copies it to `{data_path}` and "
      f"regenerates this page and [benchmarks.svg](benchmarks.svg) from it; `bench/benchmarks.py --render "
      f"{data_path}` regenerates them without running anything. Options and the time each step takes: "
      f"`bench/benchmarks.py --help`; how each tool is run: [Method](#method).")
    a("")
    a("## Targets (issue 9)")
    a("")
    a("| target | measured | result |")
    a("|---|---|---|")
    for t in targets(res):
        r = t["result"]
        a(f"| {t['target']} | {t['measured']} | {'**' + r + '**' if r in ('PASS', 'FAIL') else r} |")
    a("")
    a("## scan: time and memory against size")
    a("")
    a("![Wall time and peak RSS of kubeward scan, the parse floor, checkov and trivy against the number of "
      "objects, log-log](benchmarks.svg)")
    a("")
    a("| objects | files | MB | floor | kubeward scan | scan/floor | µs/object | checkov | trivy | "
      "checkov/kubeward | trivy/kubeward |")
    a("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        e = by[n]
        k = tool(e, "kubeward")
        per = f"{k['seconds'] / n * 1e6:.1f}" if ok(k) else "–"
        a(f"| {n:,} | {e.get('files', 0):,} | {e.get('bytes', 0) / MB:,.1f} | {cell_time(tool(e, 'floor'))} | "
          f"{cell_time(k)} | {fratio(*ratio(e, 'kubeward', 'floor'))} | {per} | {cell_time(tool(e, 'checkov'))} | "
          f"{cell_time(tool(e, 'trivy'))} | {fratio(*ratio(e, 'checkov', 'kubeward'))} | "
          f"{fratio(*ratio(e, 'trivy', 'kubeward'))} |")
    a("")
    a("Peak RSS:")
    a("")
    a("| objects | floor | kubeward scan | KiB/object | checkov | trivy |")
    a("|---|---|---|---|---|---|")
    for n in sizes:
        e = by[n]
        k = tool(e, "kubeward")
        per = f"{k['max_rss_kib'] / n:.1f}" if ok(k) else "–"
        a(f"| {n:,} | {cell_rss(tool(e, 'floor'))} | {cell_rss(k)} | {per} | {cell_rss(tool(e, 'checkov'))} | "
          f"{cell_rss(tool(e, 'trivy'))} |")
    a("")
    for n in sizes:
        e = by[n]
        a(f"### {n:,} objects")
        a("")
        if e.get("error"):
            a(f"Not measured: {e['error']}")
            a("")
            continue
        a(f"{e.get('files', 0):,} files, {e.get('bytes', 0) / MB:,.1f} MB; load average "
          f"{' / '.join(f'{x:.2f}' for x in e.get('load_before', []))} before, "
          f"{' / '.join(f'{x:.2f}' for x in e.get('load_after', []))} after (1, 5, 15 min).")
        a("")
        a("| tool | wall time | runs (wall) | CPU user+sys | peak RSS | against kubeward | output |")
        a("|---|---|---|---|---|---|---|")
        for name in TOOLS:
            t = tool(e, name)
            if not t:
                continue
            runs = ", ".join(fs(r["seconds"]) for r in t.get("runs", []))
            cpu = fs(t["user"] + t["sys"]) if "user" in t and t.get("status") in ("ok", "timeout") else "–"
            if name == "floor":
                r, lo = ratio(e, "kubeward", "floor")
                vs = f"kubeward takes {fratio(r, lo)} the floor's time" if r else "–"
            elif name == "kubeward":
                vs = "–"
            else:
                r, lo = ratio(e, name, "kubeward")
                vs = f"{fratio(r, lo)} slower" if r else "–"
            if name == "floor" and isinstance(t.get("counted"), dict):
                c = t["counted"]
                out = f"{c.get('files', '?'):,} files, {c.get('objects', '?'):,} objects, {c.get('errors', '?')} errors"
            elif name == "kubeward" and "findings" in t:
                out = f"{t.get('findings') or 0:,} findings, {t.get('errors') or 0} errors"
            else:
                out = t.get("output") or t.get("note", "")
            a(f"| {name} | {cell_time(t)} | {runs or '–'} | {cpu} | {cell_rss(t)} | {vs} | {out} |")
        a("")
    # Corpora.
    a("## Corpora")
    a("")
    corp = {int(k): c for k, c in res.get("corpora", {}).items()}
    a("Synthetic corpora of `bench/gen_corpus.py` (seed 1): one directory per namespace, one app per file "
      "(several `---` documents) or one file per object, a few `kind: List` files; objects wired together "
      "(selectors, roleRefs, mounted ConfigMaps) and security settings varied, shaped like the development "
      "corpus of real manifests (read for its proportions only).")
    a("")
    if corp:
        cs = sorted(corp)
        a("| | " + " | ".join(f"{n:,}" for n in cs) + " |")
        a("|---|" + "---|" * len(cs))
        a("| files | " + " | ".join(f"{corp[n]['files']:,}" for n in cs) + " |")
        a("| MB | " + " | ".join(f"{corp[n]['bytes'] / MB:,.1f}" for n in cs) + " |")
        a("| namespaces | " + " | ".join(f"{corp[n].get('namespaces', 0):,}" for n in cs) + " |")
        kinds: dict[str, int] = {}
        for n in cs:
            for k, c in corp[n].get("kinds", {}).items():
                kinds[k] = kinds.get(k, 0) + c
        for k in sorted(kinds, key=lambda k: -kinds[k]):
            a(f"| {k} | " + " | ".join(
                f"{corp[n].get('kinds', {}).get(k, 0):,} ({100 * corp[n].get('kinds', {}).get(k, 0) / corp[n]['objects']:.1f} %)"
                for n in cs) + " |")
        a("")
    # Cluster.
    a("## cluster: fake API server")
    a("")
    if res.get("cluster"):
        a("`kubeward cluster --kubeconfig FILE --config /dev/null -f json -q -o json=FILE` against "
          "`fake-apiserver` (crates/fake_apiserver: loopback HTTPS, bearer token, lists paginated by 500), "
          "which serves N pods, N/5 Deployments (each with its ServiceAccount, Role, RoleBinding, "
          "NetworkPolicy and Service), N/200 namespaces with a default-deny policy, and three nodes with "
          "their kubelet configz. Owned pods (the default) are controlled by ReplicaSets and skipped in "
          "favour of their owner's template; standalone pods are each audited. The fake server runs on the "
          "same cores, so wall times include its work. Best of "
          f"{opts.get('cluster_runs', 3)} (wall time); peak RSS is the largest of the runs.")
        a("")
        a("| pods | pod owners | objects audited | findings | best wall time | runs | CPU user+sys (best) | peak RSS | "
          "API requests |")
        a("|---|---|---|---|---|---|---|---|---|")
        for c in res["cluster"]:
            kind = "standalone" if c.get("standalone_pods") else "owned by ReplicaSets"
            if c.get("status") != "ok":
                a(f"| {c['pods']:,} | {kind} | failed: {c.get('note', '')[:200]} | | | | | | |")
                continue
            best = min(c["runs"], key=lambda r: r["seconds"])
            reqs = re.search(r"served (\d+) requests", c.get("server", ""))
            a(f"| {c['pods']:,} | {kind} | {c.get('objects') or 0:,} | {c.get('findings') or 0:,} | "
              f"{fs(c['best_seconds'])} | {', '.join(fs(r['seconds']) for r in c['runs'])} | "
              f"{fs(best.get('user', 0) + best.get('sys', 0))} | {c['peak_rss_mib']:,.1f} MiB | "
              f"{reqs.group(1) if reqs else '?'} |")
        a("")
        a(f"bench/README.md's target for `cluster` (under {CLUSTER_10K_SECONDS} s and 200 MB) is stated for "
          "10,000 pods; at 100,000 pods the audit must stay under 500 MB and grow linearly (each page is "
          "audited as it is read and dropped; docs/architecture.md, \"Streaming and memory\").")
    else:
        a("Not run.")
    a("")
    a("## serve: admission webhook under load")
    a("")
    if res.get("serve"):
        a("`target/release/serve-load` (bench/serve-load) makes a throwaway CA and certificate, starts "
          "`kubeward serve` on 127.0.0.1, opens N keep-alive HTTPS/1.1 connections and sends AdmissionReviews "
          "back to back after a 2 s warm-up, rotating over a hardened Deployment (allowed), a privileged Pod "
          "(denied), a CronJob (allowed) and a wildcard Role (denied), and checks every verdict. The client "
          "runs on the same cores as the server. Server RSS is sampled every second from /proc.")
        a("")
        a("| connections | seconds | reviews | throughput | p50 | p90 | p99 | p99.9 | max | per-second p99 "
          "(best / median / worst) | errors | wrong verdicts | server RSS start → end | load average |")
        a("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for s in res["serve"]:
            if "throughput" not in s:
                a(f"| {s['connections']} | failed: {s.get('note', '')[:200]} |" + " |" * 12)
                continue
            a(f"| {s['connections']} | {s.get('measured_seconds', s['duration'])} | {s.get('reviews', 0):,} | "
              f"{s['throughput']:,.0f} /s | {s.get('p50_ms')} ms | {s.get('p90_ms')} ms | {s.get('p99_ms')} ms | "
              f"{s.get('p999_ms')} ms | {s.get('max_ms')} ms | {s.get('second_p99_best_ms')} / "
              f"{s.get('second_p99_median_ms')} / {s.get('second_p99_worst_ms')} ms | {s.get('errors')} | "
              f"{s.get('wrong')} | {s.get('rss_start_kib', 0):,} → {s.get('rss_end_kib', 0):,} KiB | "
              f"{s.get('load_min')} – {s.get('load_max')} |")
        a("")
        a(f"Targets (bench/README.md): at least {SERVE_MIN_RATE:,} reviews/s, p99 under {SERVE_MAX_P99_MS} ms, "
          f"no error or wrong verdict, flat memory (here: server RSS growing by at most "
          f"{SERVE_MAX_RSS_GROWTH:.0%} over the run).")
    else:
        a("Not run.")
    a("")
    # Method.
    a("## Method")
    a("")
    venv_cmds = {}
    for e in by.values():
        for name in TOOLS:
            if tool(e, name).get("command"):
                venv_cmds.setdefault(name, tool(e, name)["command"])
    home = str(Path.home())
    a("- **One run, one machine.** Every measurement above comes from the same invocation, one process at a "
      "time. The machine should be otherwise idle: the load averages recorded before and after each step "
      f"show whether it was (at the start of this run: {' / '.join(f'{x:.2f}' for x in load) or '?'}; "
      f"niceness {m.get('nice', '?')}).")
    a("- **Wall time, CPU time, peak RSS** of each process come from `wait4` (the numbers "
      "`/usr/bin/time -v` prints), taken by a small helper process that starts the command and waits for "
      "it (bench/common.py `run_measured`), so that the benchmark script's own memory does not count. Peak "
      "RSS is the largest resident set of the process or of one of its waited-for children, not a sum; "
      "below about 8 MiB (the helper's size at the fork) it reads as about 8 MiB.")
    nruns = opts.get("runs")
    how = ("one run" if nruns == 1 else f"best of {nruns} runs by wall time" if nruns
           else "best of 3 runs by wall time (one run above 100k objects)")
    a(f"- **kubeward and the floor**: {how} (the peak RSS shown is the largest of the runs), after one untimed run of the floor so that every "
      "timed run reads the corpus from the page cache. The floor is `examples/parse_floor`: kubeward's own "
      "walker and YAML loader, which read and parse every file and count objects, and no rule.")
    a(f"- **Peers**: one run each, in the corpus directory, stopped (SIGTERM to its process group, SIGKILL "
      f"10 s later) after {peer_timeout:g} s. A stopped run is shown as \"did not finish\": its time ratio "
      "against kubeward is a lower bound (≥), its peak RSS the peak until it was stopped. A peer stopped at "
      "one size is not run at the larger ones. The synthetic corpora have no hidden folders and only "
      "`.yaml` files, so every tool scans the same files directly (a corpus with hidden folders would be "
      "scanned through bench/common.py's same-files tree, recorded per run as `scanned`).")
    a("- **Command lines** (run in the corpus directory):")
    a("")
    for name in TOOLS:
        if name in venv_cmds:
            cmd = " ".join(venv_cmds[name]).replace(str(common.REPO) + "/", "").replace(home, "~")
            a(f"  - {name}: `{cmd}`")
    a("")
    a(f"- **Versions**: kubeward {v.get('kubeward', '?')} (commit `{g.get('commit', '?')}`, "
      f"{v.get('rustc', '?')}, release profile), checkov {v.get('checkov', 'not run')}, trivy "
      f"{v.get('trivy', 'not run')}; {m.get('platform', '')}, Python {m.get('python', '')}.")
    a(f"- **Targets** are computed from the data by `bench/benchmarks.py`: linear time compares kubeward's "
      f"time per object at the largest size with 10k and 100k (at most {LINEAR_MAX}x); MB is 10^6 bytes, MiB "
      "2^20; a target whose figure is a lower bound passes only when the bound does.")
    a(f"- Total time of this run: {res.get('elapsed_seconds', 0) / 60:.1f} min.")
    if res.get("failures"):
        a("")
        a("## Failures recorded during the run")
        a("")
        for f in res["failures"]:
            a(f"- {f.splitlines()[0][:400] if f else ''}")
    a("")
    return "\n".join(L)


# --------------------------------------------------------------------------------------------
# SVG plot (hand-written)

COLORS = {"floor": "#7f7f7f", "kubeward": "#1f5fbf", "checkov": "#e07b00", "trivy": "#2a9d3a"}
LABELS = {"floor": "parse floor (read + parse only)", "kubeward": "kubeward scan", "checkov": "checkov",
          "trivy": "trivy"}
TARGET_COLOR = "#c62828"


def marker(shape: str, x: float, y: float, color: str, filled: bool, r: float = 4.5) -> str:
    fill = color if filled else "#ffffff"
    style = f'fill="{fill}" stroke="{color}" stroke-width="1.6"'
    if shape == "floor":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {style}/>'
    if shape == "checkov":
        return (f'<polygon points="{x:.1f},{y - r - 1:.1f} {x + r + 0.5:.1f},{y + r - 0.5:.1f} '
                f'{x - r - 0.5:.1f},{y + r - 0.5:.1f}" {style}/>')
    if shape == "trivy":
        q = r + 1
        return f'<polygon points="{x:.1f},{y - q:.1f} {x + q:.1f},{y:.1f} {x:.1f},{y + q:.1f} {x - q:.1f},{y:.1f}" {style}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {style}/>'


def decade_range(vals: list[float]) -> tuple[int, int]:
    vals = [v for v in vals if v and v > 0]
    if not vals:
        return 0, 1
    lo, hi = math.floor(math.log10(min(vals)) + 1e-9), math.ceil(math.log10(max(vals)) - 1e-9)
    if hi <= lo:
        hi = lo + 1
    return lo, hi


def tick_label(k: int, unit: str) -> str:
    v = 10.0 ** k
    if unit == "objects":
        return {0: "1", 1: "10", 2: "100", 3: "1k", 4: "10k", 5: "100k", 6: "1M", 7: "10M"}.get(k, f"1e{k}")
    txt = f"{v:g}" if k < 0 else f"{int(v):,}"
    return f"{txt} {unit}"


def panel(res: dict, metric: str, x0: float, y0: float, w: float, h: float, clip_id: str) -> list[str]:
    """One log-log panel: metric "time" (seconds) or "rss" (MiB)."""
    by = scan_by_size(res)
    sizes = sorted(by)
    timeout = res.get("options", {}).get("peer_timeout", 600)
    S: list[str] = []
    pts: dict[str, list[tuple[int, float, bool]]] = {t: [] for t in TOOLS}  # (n, value, finished)
    for n in sizes:
        for name in TOOLS:
            t = tool(by[n], name)
            if ok(t):
                v = t["seconds"] if metric == "time" else t["max_rss_kib"] / 1024
                pts[name].append((n, v, True))
            elif t.get("status") == "timeout":
                v = t.get("timeout_seconds", timeout) if metric == "time" else t.get("max_rss_kib", 0) / 1024
                if v > 0:
                    pts[name].append((n, v, False))
    target = SCAN_1M_SECONDS if metric == "time" else SCAN_1M_BYTES / 2**20
    # Room above a stopped run's marker for its arrow and label.
    vals = [v * (1 if f else 6) for p in pts.values() for (_, v, f) in p] + [target]
    ylo, yhi = decade_range(vals)
    xlo, xhi = decade_range([float(s) for s in sizes] or [1e3, 1e6])

    def sx(v: float) -> float:
        return x0 + (math.log10(v) - xlo) / (xhi - xlo) * w

    def sy(v: float) -> float:
        return y0 + h - (math.log10(v) - ylo) / (yhi - ylo) * h

    unit = "s" if metric == "time" else "MiB"
    title = "Wall time (best run)" if metric == "time" else "Peak RSS"
    S.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 - 12:.1f}" text-anchor="middle" font-size="15" '
             f'font-weight="bold">{title}</text>')
    S.append(f'<defs><clipPath id="{clip_id}"><rect x="{x0}" y="{y0}" width="{w}" height="{h}"/></clipPath></defs>')
    S.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="#ffffff" stroke="#444" stroke-width="1"/>')
    # Grid and ticks.
    for k in range(xlo, xhi + 1):
        x = sx(10.0 ** k)
        if xlo < k < xhi:
            S.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + h}" stroke="#ddd"/>')
        S.append(f'<line x1="{x:.1f}" y1="{y0 + h}" x2="{x:.1f}" y2="{y0 + h + 5}" stroke="#444"/>')
        S.append(f'<text x="{x:.1f}" y="{y0 + h + 19}" text-anchor="middle" font-size="12">'
                 f'{tick_label(k, "objects")}</text>')
        if k < xhi:
            for m in range(2, 10):
                xm = sx(m * 10.0 ** k)
                S.append(f'<line x1="{xm:.1f}" y1="{y0 + h}" x2="{xm:.1f}" y2="{y0 + h + 3}" stroke="#444"/>')
    for k in range(ylo, yhi + 1):
        y = sy(10.0 ** k)
        if ylo < k < yhi:
            S.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
        S.append(f'<line x1="{x0 - 5}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}" stroke="#444"/>')
        S.append(f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{tick_label(k, unit)}</text>')
        if k < yhi:
            for m in range(2, 10):
                ym = sy(m * 10.0 ** k)
                S.append(f'<line x1="{x0 - 3}" y1="{ym:.1f}" x2="{x0}" y2="{ym:.1f}" stroke="#444"/>')
    S.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 + h + 40}" text-anchor="middle" font-size="13">'
             f'objects in the corpus (log scale)</text>')
    ylab = "wall time, seconds (log scale)" if metric == "time" else "peak RSS, MiB (log scale)"
    S.append(f'<text transform="translate({x0 - 80},{y0 + h / 2:.1f}) rotate(-90)" text-anchor="middle" '
             f'font-size="13">{ylab}</text>')
    S.append(f'<g clip-path="url(#{clip_id})">')
    # Linear guide through kubeward's point at 10k (else its first point).
    kw = [(n, v) for (n, v, f) in pts["kubeward"] if f]
    if kw:
        an = next(((n, v) for n, v in kw if n == 10_000), kw[0])
        xa, xb = 10.0 ** xlo, 10.0 ** xhi
        ya, yb = an[1] * xa / an[0], an[1] * xb / an[0]
        S.append(f'<line x1="{sx(xa):.1f}" y1="{sy(ya):.1f}" x2="{sx(xb):.1f}" y2="{sy(yb):.1f}" stroke="#1f5fbf" '
                 f'stroke-opacity="0.45" stroke-width="1.3" stroke-dasharray="6 4"/>')
    # Target line.
    yt = sy(target)
    S.append(f'<line x1="{x0}" y1="{yt:.1f}" x2="{x0 + w}" y2="{yt:.1f}" stroke="{TARGET_COLOR}" stroke-width="1.3" '
             f'stroke-dasharray="2 3"/>')
    tlabel = (f"target: 1M objects in under {SCAN_1M_SECONDS} s" if metric == "time"
              else "target: under 500 MB (477 MiB) at 1M")
    S.append(f'<text x="{x0 + w - 6}" y="{yt + 14:.1f}" text-anchor="end" font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
             f'fill="{TARGET_COLOR}">{escape(tlabel)}</text>')
    if 1_000_000 >= 10.0 ** xlo and 1_000_000 <= 10.0 ** xhi:
        xt = sx(1_000_000)
        S.append(f'<circle cx="{xt:.1f}" cy="{yt:.1f}" r="3" fill="{TARGET_COLOR}"/>')
    # Series.
    for name in TOOLS:
        p = pts[name]
        if not p:
            continue
        color = COLORS[name]
        done = [(n, v) for (n, v, f) in p if f]
        if len(done) > 1:
            d = " ".join(f"{sx(n):.1f},{sy(v):.1f}" for n, v in done)
            S.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, (n, v, f) in enumerate(p):
            if not f and i > 0 and p[i - 1][2]:
                pn, pv, _ = p[i - 1]
                S.append(f'<line x1="{sx(pn):.1f}" y1="{sy(pv):.1f}" x2="{sx(n):.1f}" y2="{sy(v):.1f}" '
                         f'stroke="{color}" stroke-width="1.5" stroke-dasharray="3 3"/>')
    S.append("</g>")
    # Markers (unclipped so that edge points stay whole).
    for idx, name in enumerate(TOOLS):
        color = COLORS[name]
        for n, v, f in pts[name]:
            x, y = sx(n), sy(v)
            S.append(marker(name, x, y, color, f))
            if not f:
                S.append(f'<line x1="{x:.1f}" y1="{y - 7:.1f}" x2="{x:.1f}" y2="{y - 20:.1f}" stroke="{color}" '
                         f'stroke-width="1.6"/>')
                S.append(f'<polygon points="{x:.1f},{y - 25:.1f} {x + 4:.1f},{y - 18:.1f} {x - 4:.1f},{y - 18:.1f}" '
                         f'fill="{color}"/>')
                label = f"did not finish in {v:g} s" if metric == "time" else "when stopped"
                half = 3.2 * len(label)
                anchor, lx = "middle", x
                if x + half > x0 + w:
                    anchor, lx = "end", x0 + w - 2
                elif x - half < x0:
                    anchor, lx = "start", x0 + 2
                ly = y - 30 - 13 * (idx - 2)
                S.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
                         f'fill="{color}">{escape(label)}</text>')
    return S


def render_svg(res: dict) -> str:
    W, H = 1080, 610
    pw, ph = 380, 360
    xa, xb, y0 = 120, 650, 92
    m, g, v = res.get("machine", {}), res.get("git", {}), res.get("versions", {})
    S = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
         f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" fill="#222">',
         f'<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>',
         f'<text x="{W / 2}" y="30" text-anchor="middle" font-size="18" font-weight="bold">'
         f'Scanning synthetic corpora: kubeward against its parse floor, checkov and trivy</text>',
         f'<text x="{W / 2}" y="52" text-anchor="middle" font-size="12" fill="#555">'
         f'{escape(str(res.get("when", ""))[:10])}, {m.get("cpus")} cores ({escape(str(m.get("cpu", "")))}), '
         f'{escape(fmt_mem(m.get("memory", "")))} RAM; kubeward {escape(str(v.get("kubeward", "")))} '
         f'({escape(str(g.get("commit", ""))[:10])}), checkov {escape(str(v.get("checkov", "–")))}, '
         f'trivy {escape(str(v.get("trivy", "–")))}</text>']
    S += panel(res, "time", xa, y0, pw, ph, "clip-time")
    S += panel(res, "rss", xb, y0, pw, ph, "clip-rss")
    # Legend.
    ly = y0 + ph + 70
    x = 60.0
    for name in TOOLS:
        S.append(marker(name, x, ly, COLORS[name], True))
        S.append(f'<line x1="{x - 12}" y1="{ly}" x2="{x + 12}" y2="{ly}" stroke="{COLORS[name]}" stroke-width="2"/>')
        S.append(marker(name, x, ly, COLORS[name], True))
        S.append(f'<text x="{x + 18}" y="{ly + 4}" font-size="12">{escape(LABELS[name])}</text>')
        x += 40 + 7.0 * len(LABELS[name])
    ly2 = ly + 26
    x = 60.0
    S.append(marker("kubeward", x, ly2, "#555", False))
    S.append(f'<line x1="{x}" y1="{ly2 - 7}" x2="{x}" y2="{ly2 - 15}" stroke="#555" stroke-width="1.6"/>')
    timeout = res.get("options", {}).get("peer_timeout", 600)
    txt = f"open marker with arrow: stopped after {timeout:g} s, the true value is higher"
    S.append(f'<text x="{x + 18}" y="{ly2 + 4}" font-size="12">{escape(txt)}</text>')
    x += 40 + 6.6 * len(txt)
    S.append(f'<line x1="{x - 12}" y1="{ly2}" x2="{x + 14}" y2="{ly2}" stroke="#1f5fbf" stroke-opacity="0.45" '
             f'stroke-width="1.3" stroke-dasharray="6 4"/>')
    S.append(f'<text x="{x + 20}" y="{ly2 + 4}" font-size="12">linear growth (through kubeward at 10k)</text>')
    x += 50 + 6.6 * 40
    S.append(f'<line x1="{x - 12}" y1="{ly2}" x2="{x + 14}" y2="{ly2}" stroke="{TARGET_COLOR}" stroke-width="1.3" '
             f'stroke-dasharray="2 3"/>')
    S.append(f'<text x="{x + 20}" y="{ly2 + 4}" font-size="12">issue 9 target</text>')
    S.append(f'<text x="60" y="{ly2 + 30}" font-size="11" fill="#555">Each tool in its own process, one after the '
             f'other, on the same machine; kubeward and the floor: best of several runs; peers: one run. '
             f'Source: bench/benchmarks.py.</text>')
    S.append("</svg>")
    return "\n".join(S) + "\n"


def render(res: dict, docs: Path, data_path: str) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "benchmarks.svg").write_text(render_svg(res))
    (docs / "benchmarks.md").write_text(render_md(res, data_path))
    log(f"wrote {docs / 'benchmarks.md'} and {docs / 'benchmarks.svg'}")


def publish(results_path: Path, docs: Path) -> None:
    """Copies the results to the page's data file and renders the page and plot from it."""
    res = json.loads(results_path.read_text())
    if docs.resolve() == DOCS.resolve():
        data = DATA_COPY
        label = "bench/results/benchmarks.json"
    else:
        data = docs / "benchmarks.json"
        label = str(data)
    if results_path.resolve() != data.resolve():
        data.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(results_path, data)
    render(res, docs, label)
    for t in targets(res):
        print(f"{t['result']:<13} {t['target']}: {t['measured']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="object counts (k and M allowed), comma-separated")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs of kubeward and the floor per size, best kept (default 3 up to 100k, 1 above)")
    ap.add_argument("--peer-timeout", type=float, default=600, help="seconds before a peer run is stopped")
    ap.add_argument("--tool-timeout", type=float, default=1800,
                    help="seconds before a kubeward, floor or cluster run is stopped (a failure)")
    ap.add_argument("--no-peers", action="store_true", help="do not run checkov and trivy")
    ap.add_argument("--no-cluster", action="store_true", help="do not run the cluster benchmark")
    ap.add_argument("--no-serve", action="store_true", help="do not run the serve benchmark")
    ap.add_argument("--cluster-pods", default="10k,100k",
                    help="pod counts of the fake API server (each owned, then standalone)")
    ap.add_argument("--cluster-runs", type=int, default=3, help="runs of kubeward cluster per scenario (best kept)")
    ap.add_argument("--serve-seconds", type=float, default=60, help="measured seconds of each serve run")
    ap.add_argument("--serve-connections", default="8", help="connection counts of the serve runs, comma-separated")
    ap.add_argument("--corpora", type=Path, default=Path(tempfile.gettempdir()) / "kubeward-scale-corpora",
                    help="where corpora are generated and kept for the next run")
    ap.add_argument("--venv", type=Path, default=common.DEFAULT_VENV, help="peers' virtualenv (bench/run-peers.sh)")
    ap.add_argument("--skip-build", action="store_true", help="do not run cargo build --release first")
    ap.add_argument("--out", type=Path, default=None, help="results JSON (default bench/out/benchmarks-<time>.json)")
    ap.add_argument("--docs", type=Path, default=DOCS,
                    help="where benchmarks.md and benchmarks.svg go (default docs/; elsewhere, the data copy "
                         "goes beside them)")
    ap.add_argument("--render", type=Path, metavar="RESULTS.json",
                    help="only regenerate the page and plot from an existing results JSON")
    args = ap.parse_args()
    if args.render:
        publish(args.render, args.docs)
        return 0
    try:
        out = run(args)
    except KeyboardInterrupt:
        log("interrupted; the results JSON has what was measured so far")
        return 130
    try:
        publish(out, args.docs)
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
