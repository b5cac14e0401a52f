"""Shared helpers of the benchmark and peer-comparison scripts (Python 3.11 standard library).

- Locating the repository, `shared/` (sibling of the repository, or of the worktree folder)
  and the peers' virtualenv.
- Building the "same files" tree: every .yaml/.yml/.json file under a directory, hard-linked
  (copied when linking fails) into a temporary directory, with hidden path components renamed
  (`.github` -> `_dot_github`), because checkov skips folders whose names start with a dot and
  trivy does not follow symlinks. All tools then scan exactly the same files.
- Running a command with wall time, CPU time and peak RSS (os.wait4 of the child), optionally
  with a timeout.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# A SIGTERM unwinds like Ctrl-C, so that temporary trees are removed.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
EXTENSIONS = (".yaml", ".yml", ".json")
DEFAULT_VENV = Path(os.environ.get("KUBEWARD_PEERS_VENV", Path.home() / ".cache" / "kubeward-peers"))


def shared_dir() -> Path:
    """`shared/`: $KUBEWARD_SHARED, else `../shared` of the repository, else `../../shared`
    (a git worktree under a sibling folder)."""
    env = os.environ.get("KUBEWARD_SHARED")
    if env:
        return Path(env)
    for cand in (REPO.parent / "shared", REPO.parent.parent / "shared"):
        if (cand / "tools" / "install-peers.sh").exists() or (cand / "corpus").is_dir():
            return cand
    return REPO.parent / "shared"


def default_corpus() -> Path:
    return shared_dir() / "corpus" / "real"


def out_dir() -> Path:
    d = REPO / "bench" / "out"
    d.mkdir(parents=True, exist_ok=True)
    return d


def kubeward_bin() -> Path:
    return REPO / "target" / "release" / "kubeward"


def floor_bin() -> Path:
    return REPO / "target" / "release" / "examples" / "parse_floor"


def build_release() -> None:
    """Builds the release binary and the parse_floor example."""
    cmd = ["cargo", "build", "--release", "-p", "kubeward", "--bins", "--examples"]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=REPO, check=True)


def clean_env() -> dict[str, str]:
    """The environment without KUBEWARD_* variables (they would change what kubeward does)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("KUBEWARD_")}


def peer_paths(venv: Path) -> dict[str, Path]:
    return {"checkov": venv / "bin" / "checkov", "trivy": venv / "bin" / "trivy"}


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=clean_env())
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e.__class__.__name__})"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


def versions(venv: Path, with_peers: bool = True) -> dict[str, str]:
    v = {"kubeward": tool_version([str(kubeward_bin()), "--version"]).removeprefix("kubeward ")}
    if with_peers:
        p = peer_paths(venv)
        v["checkov"] = tool_version([str(p["checkov"]), "--version"])
        v["trivy"] = tool_version([str(p["trivy"]), "--version"]).removeprefix("Version: ")
    return v


def machine() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": mem, "platform": platform.platform(),
            "python": platform.python_version()}


def is_hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def list_files(root: Path) -> list[Path]:
    """Every file with a manifest extension under `root` (following no symlinked folders),
    skipping `.git`; relative paths, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for f in filenames:
            if f.lower().endswith(EXTENSIONS):
                out.append((Path(dirpath) / f).relative_to(root))
    return sorted(out)


def safe_rel(rel: Path) -> Path:
    """Renames hidden path components so that no tool skips them."""
    return Path(*[("_dot_" + p[1:]) if p.startswith(".") else p for p in rel.parts])


@dataclass
class Tree:
    """A directory that all tools scan, and how its paths map to the originals."""

    root: Path
    source: Path
    files: int
    to_original: dict[str, str] = field(default_factory=dict)
    temporary: bool = False

    def original(self, rel: str) -> str:
        rel = rel.lstrip("/").removeprefix("./")
        return self.to_original.get(rel, rel)

    def cleanup(self) -> None:
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)


def same_files_tree(source: Path, keep: Path | None = None) -> Tree:
    """Hard-links (or copies) every manifest file of `source` into a fresh directory with hidden
    components renamed. `keep`: build it there instead of a temporary directory (not removed)."""
    source = source.resolve()
    if keep is not None:
        root = keep
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="kubeward-bench-"))
    mapping: dict[str, str] = {}
    files = list_files(source)
    for rel in files:
        dst_rel = safe_rel(rel)
        dst = root / dst_rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        src = source / rel
        try:
            os.link(src.resolve(), dst)
        except OSError:
            shutil.copyfile(src, dst)
        mapping[dst_rel.as_posix()] = rel.as_posix()
    return Tree(root=root, source=source, files=len(files), to_original=mapping, temporary=keep is None)


def direct_tree(source: Path) -> Tree:
    """No copy: the tools scan `source` itself (checkov then skips hidden folders)."""
    source = source.resolve()
    return Tree(root=source, source=source, files=len(list_files(source)))


@dataclass
class Run:
    seconds: float
    max_rss_kib: int
    exit_code: int
    stdout: Path
    stderr: Path
    user: float = 0.0
    sys: float = 0.0
    timed_out: bool = False


# The process that starts, times and waits for the measured command. A small separate Python
# rather than this one: the kernel counts the memory a process had before its `exec` in its peak
# RSS, and a child forked from this process (which may hold large peer reports) would start at
# this process's size. The helper is about 7 MiB, so peaks below that read as about 7 MiB.
# argv: RESULT_FILE TIMEOUT GRACE CMD...; it writes {"seconds", "status", "maxrss", "utime",
# "stime", "timed_out"} (JSON) to RESULT_FILE. The command runs in its own session; after
# TIMEOUT seconds (0: none) its group gets SIGTERM, SIGKILL GRACE seconds later; SIGTERM to the
# helper kills the group at once.
_HELPER = r"""
import json, os, signal, sys, time
result, timeout, grace, cmd = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
fired = []
def kill(sig):
    try:
        os.killpg(pid, sig)
    except OSError:
        pass
def on_alarm(*_):
    if not fired:
        fired.append(1)
        kill(signal.SIGTERM)
        signal.setitimer(signal.ITIMER_REAL, grace)
    else:
        kill(signal.SIGKILL)
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.setsid()
        os.execvp(cmd[0], cmd)
    except OSError as e:
        os.write(2, f"cannot run {cmd[0]}: {e}\n".encode())
    os._exit(127)
signal.signal(signal.SIGALRM, on_alarm)
signal.signal(signal.SIGTERM, lambda *_: kill(signal.SIGKILL))
signal.signal(signal.SIGINT, lambda *_: kill(signal.SIGKILL))
if timeout > 0:
    signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, ru = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
signal.setitimer(signal.ITIMER_REAL, 0)
kill(signal.SIGKILL)
with open(result, "w") as f:
    json.dump({"seconds": elapsed, "status": status, "maxrss": ru.ru_maxrss, "utime": ru.ru_utime,
               "stime": ru.ru_stime, "timed_out": bool(fired)}, f)
"""


def run_measured(cmd: list[str], cwd: Path, stdout: Path, stderr: Path, env: dict[str, str] | None = None,
                 timeout: float | None = None, grace: float = 10.0) -> Run:
    """Runs `cmd`, returns its wall time, CPU time and peak RSS (the largest process of the tree
    that was waited for, as the kernel reports it to wait4; the same number `/usr/bin/time -v`
    prints). A small helper process starts and waits for it (see _HELPER), so that this
    process's own size does not count.

    `timeout`: after `timeout` seconds the command's process group gets SIGTERM, and SIGKILL
    `grace` seconds later. The run is then marked `timed_out` (its wall time includes the grace
    period, its peak RSS is the peak until it was stopped)."""
    fd, result_s = tempfile.mkstemp(prefix="kubeward-measure-", suffix=".json")
    os.close(fd)
    result = Path(result_s)
    helper = [sys.executable, "-S", "-I", "-c", _HELPER, str(result), str(timeout or 0), str(grace), *cmd]
    try:
        with open(stdout, "wb") as out, open(stderr, "wb") as err:
            p = subprocess.Popen(helper, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                 env=env if env is not None else clean_env(), start_new_session=True)
            try:
                p.wait()
            except BaseException:
                # Interrupted (Ctrl-C, SIGTERM): the helper takes the command down, then exits.
                p.terminate()
                p.wait()
                raise
        try:
            r = json.loads(result.read_text())
        except (OSError, ValueError) as e:
            raise RuntimeError(f"measuring helper failed (exit {p.returncode}) for {cmd[0]}") from e
    finally:
        result.unlink(missing_ok=True)
    return Run(seconds=r["seconds"], max_rss_kib=int(r["maxrss"]), exit_code=os.waitstatus_to_exitcode(r["status"]),
               stdout=stdout, stderr=stderr, user=r["utime"], sys=r["stime"], timed_out=r["timed_out"])


def load_json(path: Path) -> object:
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    if not text:
        return None
    return json.loads(text)


def timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def command(tool: str, venv: Path, report: Path) -> tuple[list[str], bool]:
    """The command line of `tool`, run in the scanned directory, and whether it writes its report
    on stdout (else to `report`)."""
    peers = peer_paths(venv)
    if tool == "floor":
        return [str(floor_bin()), "."], True
    if tool == "kubeward":
        # `--config /dev/null`: default settings, whatever .kubeward.yaml lies above the tree.
        return [str(kubeward_bin()), "scan", ".", "--config", "/dev/null", "-f", "json", "-q", "-o",
                f"json={report}"], False
    if tool == "checkov":
        return [str(peers["checkov"]), "-d", ".", "--framework", "kubernetes", "-o", "json", "--quiet",
                "--skip-download"], True
    if tool == "trivy":
        return [str(peers["trivy"]), "config", "--skip-check-update", "--skip-version-check",
                "--disable-telemetry", "--timeout", "60m", "--cache-dir", str(venv / "trivy-cache"),
                "--format", "json", "."], True
    raise ValueError(tool)


def run_tool(tool: str, venv: Path, tree: Tree, work: Path, tag: str = "") -> tuple[Run, Path]:
    """Runs one tool on the tree; returns the measurement and the path of its JSON report."""
    report = work / f"{tool}{tag}.json"
    cmd, on_stdout = command(tool, venv, report)
    stdout = report if on_stdout else work / f"{tool}{tag}.stdout"
    run = run_measured(cmd, tree.root, stdout, work / f"{tool}{tag}.stderr")
    return run, report
