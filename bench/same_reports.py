#!/usr/bin/env python3
"""Proves that a refactor changed no report: runs two kubeward binaries on the same inputs and
compares their stdout, exit codes and written files byte for byte.

    bench/same_reports.py --before /tmp/kubeward-old --after target/release/kubeward

Inputs: `examples/` in every format (and with --min-severity), the rule fixtures, `rules`,
`node --root`, `fix --diff`, a baseline written and read back, standard input, and the real corpus
(`../shared/corpus/real`, read in place) as JSON, SARIF and a baseline; with `--fake-apiserver BIN`
also `kubeward cluster` against the synthetic cluster (10,000 pods). Prints one line per case and
exits 1 when any differs (the first differing line is shown). Python 3.11 standard library only.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ["text", "compact", "json", "sarif", "junit", "html", "markdown"]


def cases(corpus: Path | None, tmp: Path):
    ex = "examples"
    fixtures = "crates/kubeward_engine/resources/test/fixtures"
    for f in FORMATS:
        yield f"scan examples/ --format {f}", ["scan", ex, "--format", f, "--color", "never"], None, []
    yield "scan examples/ --min-severity high", ["scan", ex, "--format", "json", "--min-severity", "high"], None, []
    yield "scan examples/ -o sarif=FILE -o html=FILE", ["scan", ex, "-q", "-o", "sarif={out}/r.sarif", "-o", "html={out}/r.html"], None, ["r.sarif", "r.html"]
    yield "scan rule fixtures (json)", ["scan", fixtures, "--format", "json"], None, []
    yield "scan rule fixtures (sarif)", ["scan", fixtures, "--format", "sarif"], None, []
    yield "rules --format json", ["rules", "--format", "json"], None, []
    yield "node --root (text)", ["node", "--root", "examples/insecure/node", "--color", "never"], None, []
    yield "node --root (sarif)", ["node", "--root", "examples/insecure/node", "--format", "sarif"], None, []
    yield "fix --diff examples/", ["fix", "--diff", ex], None, []
    yield "fix --diff --unsafe-fixes examples/", ["fix", "--diff", "--unsafe-fixes", ex], None, []
    yield "scan examples/ --write-baseline", ["scan", ex, "-q", "--write-baseline", "{out}/base.json"], None, ["base.json"]
    yield "scan examples/ --baseline (examples/insecure)", ["scan", ex, "--format", "json", "--baseline", "{out}/base.json"], None, []
    stdin = (ROOT / "examples/insecure/web.yaml")
    if stdin.exists():
        yield "scan - (stdin)", ["scan", "-", "--format", "json"], stdin.read_bytes(), []
    if corpus is not None:
        c = str(corpus)
        yield "corpus json", ["scan", c, "--format", "json"], None, []
        yield "corpus sarif", ["scan", c, "--format", "sarif"], None, []
        yield "corpus compact", ["scan", c, "--format", "compact"], None, []
        yield "corpus --write-baseline", ["scan", c, "-q", "--write-baseline", "{out}/corpus-base.json"], None, ["corpus-base.json"]
        yield "corpus html", ["scan", c, "-q", "-o", "html={out}/corpus.html"], None, ["corpus.html"]


def run(binary: str, args, stdin, out: Path, extra_env=None):
    args = [a.replace("{out}", str(out)) for a in args]
    env = dict(os.environ, NO_COLOR="1", KUBEWARD_COLOR="never")
    env.pop("KUBEWARD_CONFIG", None)
    if extra_env:
        env.update(extra_env)
    p = subprocess.run([binary, *args], input=stdin, capture_output=True, cwd=ROOT, env=env, timeout=1800)
    return p.returncode, p.stdout, p.stderr


def first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}:\n    before: {x[:300]!r}\n    after:  {y[:300]!r}"
    return f"lengths differ: {len(la)} lines before, {len(lb)} after"


def cluster_case(fake: str, before: str, after: str, tmp: Path):
    """`kubeward cluster` of both binaries against one synthetic cluster."""
    kubeconfig = tmp / "kubeconfig"
    srv = subprocess.Popen([fake, "--kubeconfig", str(kubeconfig), "--pods", "10000", "--deployments", "2000"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = srv.stdout.readline() if srv.stdout else ""
        if not line.startswith("ready"):
            raise RuntimeError(f"fake API server did not start: {line!r}")
        env = {"KUBECONFIG": str(kubeconfig)}
        results = []
        for fmt in ["json", "sarif"]:
            args = ["cluster", "--format", fmt]
            results.append((f"cluster --format {fmt} (10,000 pods)", run(before, args, None, tmp / "b", env),
                            run(after, args, None, tmp / "a", env)))
        return results
    finally:
        if srv.stdin:
            srv.stdin.close()
        srv.wait(timeout=60)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="the binary built before the change")
    ap.add_argument("--after", required=True, help="the binary built after it")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus/real"),
                    help="the real corpus (default ../shared/corpus/real); 'none' to skip")
    ap.add_argument("--fake-apiserver", help="a fake-apiserver binary: also compare `kubeward cluster`")
    a = ap.parse_args()
    corpus = None if a.corpus == "none" else Path(a.corpus)
    if corpus is not None and not corpus.is_dir():
        print(f"corpus {corpus} not found; pass --corpus none to skip it", file=sys.stderr)
        return 2
    failed = 0
    total = 0
    with tempfile.TemporaryDirectory(prefix="same-reports-") as t:
        tmp = Path(t)
        (tmp / "b").mkdir()
        (tmp / "a").mkdir()
        for name, args, stdin, files in cases(corpus, tmp):
            rb = run(a.before, args, stdin, tmp / "b")
            ra = run(a.after, args, stdin, tmp / "a")
            outputs = [("stdout", rb[1], ra[1]), ("stderr", rb[2], ra[2])]
            for f in files:
                outputs.append((f, (tmp / "b" / f).read_bytes(), (tmp / "a" / f).read_bytes()))
            total += 1
            diff = [(what, x, y) for what, x, y in outputs if x.replace(str(tmp / "b").encode(), b"OUT")
                    != y.replace(str(tmp / "a").encode(), b"OUT")]
            if rb[0] != ra[0]:
                print(f"DIFFERS  {name}: exit {rb[0]} before, {ra[0]} after")
                failed += 1
            elif diff:
                what, x, y = diff[0]
                print(f"DIFFERS  {name}: {what} {first_difference(x, y)}")
                failed += 1
            else:
                size = sum(len(x) for _, x, _ in outputs)
                print(f"same     {name} (exit {rb[0]}, {size:,} bytes)")
        if a.fake_apiserver:
            for name, rb, ra in cluster_case(a.fake_apiserver, a.before, a.after, tmp):
                total += 1
                if rb[:2] != ra[:2]:
                    print(f"DIFFERS  {name}: exit {rb[0]}/{ra[0]} {first_difference(rb[1], ra[1])}")
                    failed += 1
                else:
                    print(f"same     {name} (exit {rb[0]}, {len(rb[1]):,} bytes)")
    print(f"{total - failed} of {total} cases byte-identical")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
