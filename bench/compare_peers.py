#!/usr/bin/env python3
"""Runs kubeward, checkov and trivy on the same files and lists, for every check the three share,
each object where kubeward and a peer disagree.

    bench/compare_peers.py [DIR] [--venv VENV] [--all-files] [--skip-build]
                           [--reuse-dir DIR_WITH_kubeward.json_checkov.json_trivy.json]

DIR defaults to shared/corpus/real. Writes bench/out/compare-<date>.md and .json.

Matching method (per shared check, per object; "flags" = at least one failed check of the peer
ids mapped to that kubeward code, or at least one kubeward finding of the code):
- Object identity is (file, kind, namespace, name), namespace "default" when the manifest has
  none (checkov's convention; cluster-scoped objects get it too, on every side).
- kubeward: `file` and `object` of each JSON finding.
- checkov: `file_path` and `resource` ("Kind.namespace.name"; the name is everything after the
  second dot, since names may contain dots).
- trivy: reports per file (`Target`) with `CauseMetadata.StartLine`; the line is mapped to the
  YAML document (split on `---` lines) that contains it, and that document's top-level `kind`
  and `metadata.name`/`namespace` are read with a small line scanner (block and flow style).
  When a finding has no line, the object is taken from the message ("... of Deployment 'web'",
  "Pod 'x' should ...") or, when the file holds one object, that object; otherwise it is listed
  as unmatched.
- Everything runs on a "same files" tree (hard links, hidden folders renamed) so checkov does
  not skip hidden folders; paths in the report are the original ones.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import common

# kubeward code -> (what, checkov ids, trivy ids). Looked up in checkov 3.3.30's
# checkov/kubernetes/checks/resource/k8s/*.py and trivy 0.76.0's embedded checks (JSON ID and
# Title); see bench/README.md. An empty list: that peer has no such check.
SHARED: dict[str, tuple[str, list[str], list[str]]] = {
    "POD001": ("privileged container", ["CKV_K8S_16"], ["KSV-0017"]),
    "POD002": ("privilege escalation allowed", ["CKV_K8S_20"], ["KSV-0001"]),
    "POD003": ("may run as root", ["CKV_K8S_23"], ["KSV-0012", "KSV-0105"]),
    "POD004": ("capabilities: not dropping ALL", ["CKV_K8S_37"], ["KSV-0003"]),
    "POD005": ("dangerous capabilities added", ["CKV_K8S_25", "CKV_K8S_39"], ["KSV-0022", "KSV-0005"]),
    "POD006": ("hostNetwork", ["CKV_K8S_19"], ["KSV-0009"]),
    "POD007": ("hostPID", ["CKV_K8S_17"], ["KSV-0010"]),
    "POD008": ("hostIPC", ["CKV_K8S_18"], ["KSV-0008"]),
    "POD010": ("hostPath volume", [], ["KSV-0023"]),
    "POD011": ("root filesystem not read-only", ["CKV_K8S_22"], ["KSV-0014"]),
    "POD012": ("no seccomp profile", ["CKV_K8S_31"], ["KSV-0030"]),
    "POD017": ("no resource limits", ["CKV_K8S_11", "CKV_K8S_13"], ["KSV-0011", "KSV-0018"]),
    "POD019": ("service account token automounted", ["CKV_K8S_38"], ["KSV-0036"]),
    "IMG001": ("latest or no image tag", ["CKV_K8S_14"], ["KSV-0013"]),
    "RBAC001": ("RBAC wildcards", ["CKV_K8S_49"], ["KSV-0044", "KSV-0045", "KSV-0046"]),
}
PEERS = ("checkov", "trivy")

Key = tuple[str, str, str, str]  # file, kind, namespace, name


def norm_id(peer_id: str) -> str:
    """`KSV017`, `KSV-017` and `KSV-0017` are the same trivy check."""
    m = re.fullmatch(r"(KSV)-?0*(\d+)", peer_id)
    return f"KSV-{int(m.group(2)):04d}" if m else peer_id


# --- reading manifests, for trivy's line numbers ---------------------------------------------

_DOC_SEP = re.compile(r"^---(\s|$)")
_TOP = re.compile(r"""^(kind|apiVersion):\s*["']?([^"'\s#]+)""")
_FLOW_META = re.compile(r"^metadata:\s*\{(.*)\}")
_KV = re.compile(r"""^\s*(name|namespace|generateName):\s*["']?([^"'\s#,}]+)""")


class Doc:
    def __init__(self, start: int, end: int, kind: str, name: str, namespace: str) -> None:
        self.start, self.end, self.kind, self.name, self.namespace = start, end, kind, name, namespace


def _doc_identity(lines: list[str]) -> tuple[str, str, str]:
    kind = name = gen = ""
    namespace = ""
    in_meta = False
    child_indent: int | None = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            in_meta = False
            m = _TOP.match(line)
            if m and m.group(1) == "kind":
                kind = m.group(2)
            fm = _FLOW_META.match(line)
            if fm:
                for part in fm.group(1).split(","):
                    kv = _KV.match(part)
                    if kv:
                        if kv.group(1) == "name":
                            name = kv.group(2)
                        elif kv.group(1) == "namespace":
                            namespace = kv.group(2)
                        else:
                            gen = kv.group(2)
            elif line.rstrip().startswith("metadata:"):
                in_meta = True
                child_indent = None
            continue
        if in_meta:
            if child_indent is None:
                child_indent = indent
            if indent != child_indent:
                continue
            kv = _KV.match(line)
            if kv:
                if kv.group(1) == "name":
                    name = kv.group(2)
                elif kv.group(1) == "namespace":
                    namespace = kv.group(2)
                else:
                    gen = kv.group(2)
    return kind, name or gen, namespace or "default"


def read_docs(path: Path) -> list[Doc]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    lines = text.splitlines()
    if path.suffix.lower() == ".json":
        try:
            obj = json.loads(text)
        except ValueError:
            return []
        if isinstance(obj, dict):
            meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            return [Doc(1, len(lines), str(obj.get("kind", "")), str(meta.get("name", "")),
                        str(meta.get("namespace") or "default"))]
        return []
    docs = []
    start = 1
    chunk: list[str] = []
    for i, line in enumerate(lines, 1):
        if _DOC_SEP.match(line):
            if chunk:
                docs.append((start, i - 1, chunk))
            start, chunk = i + 1, []
        else:
            chunk.append(line)
    if chunk:
        docs.append((start, len(lines), chunk))
    out = []
    for s, e, c in docs:
        kind, name, ns = _doc_identity(c)
        if kind:
            out.append(Doc(s, e, kind, name, ns))
    return out


# --- parsing each tool's report --------------------------------------------------------------

def kubeward_findings(report: Path, tree: common.Tree) -> dict[str, set[Key]]:
    data = common.load_json(report) or {}
    out: dict[str, set[Key]] = defaultdict(set)
    for f in data.get("findings", []):
        o = f["object"]
        key = (tree.original(f.get("file") or ""), o["kind"], o.get("namespace") or "default", o["name"])
        out[f["code"]].add(key)
    return out


def checkov_findings(report: Path, tree: common.Tree) -> dict[str, set[Key]]:
    data = common.load_json(report)
    parts = data if isinstance(data, list) else [data] if data else []
    out: dict[str, set[Key]] = defaultdict(set)
    for part in parts:
        if not isinstance(part, dict) or part.get("check_type", "kubernetes") != "kubernetes":
            continue
        for c in (part.get("results") or {}).get("failed_checks", []):
            res = c.get("resource", "")
            bits = res.split(".", 2)
            if len(bits) != 3:
                continue
            kind, ns, name = bits
            out[c["check_id"]].add((tree.original(c.get("file_path", "")), kind, ns, name))
    return out


_MSG_OBJ = [
    re.compile(r"of (\w+) '([^']+)'"),
    re.compile(r'of (\w+) "([^"]+)"'),
    re.compile(r"^(\w+) '([^']+)'"),
]


def trivy_findings(report: Path, tree: common.Tree) -> tuple[dict[str, set[Key]], list[dict[str, object]]]:
    data = common.load_json(report) or {}
    out: dict[str, set[Key]] = defaultdict(set)
    unmatched: list[dict[str, object]] = []
    docs_cache: dict[str, list[Doc]] = {}
    for r in data.get("Results") or []:
        target = r.get("Target", "")
        if target not in docs_cache:
            docs_cache[target] = read_docs(tree.root / target)
        docs = docs_cache[target]
        for m in r.get("Misconfigurations") or []:
            if m.get("Status", "FAIL") != "FAIL":
                continue
            pid = norm_id(m.get("ID", ""))
            line = (m.get("CauseMetadata") or {}).get("StartLine") or 0
            doc = next((d for d in docs if d.start <= line <= d.end), None) if line else None
            if doc is None:
                msg = m.get("Message", "")
                for rx in _MSG_OBJ:
                    mm = rx.search(msg)
                    if mm:
                        cands = [d for d in docs if d.kind.lower() == mm.group(1).lower() and d.name == mm.group(2)]
                        if len(cands) == 1:
                            doc = cands[0]
                        break
            if doc is None and len(docs) == 1:
                doc = docs[0]
            if doc is None:
                unmatched.append({"file": tree.original(target), "id": pid, "line": line, "message": m.get("Message", "")})
                continue
            out[pid].add((tree.original(target), doc.kind, doc.namespace, doc.name))
    return out, unmatched


# --- comparing ---------------------------------------------------------------------------------

def compare(kw: dict[str, set[Key]], peers: dict[str, dict[str, set[Key]]], kw_codes: set[str]) -> dict[str, object]:
    checks = {}
    for code, (what, ckv_ids, ksv_ids) in SHARED.items():
        entry: dict[str, object] = {"what": what, "kubeward_rule": code in kw_codes,
                                    "kubeward": len(kw.get(code, set())), "peers": {}}
        mine = kw.get(code, set())
        for peer, ids in (("checkov", ckv_ids), ("trivy", ksv_ids)):
            if peer not in peers:
                continue
            if not ids:
                entry["peers"][peer] = {"ids": [], "note": "no such check"}
                continue
            theirs: set[Key] = set()
            for i in ids:
                theirs |= peers[peer].get(i, set())
            entry["peers"][peer] = {
                "ids": ids,
                "flagged": len(theirs),
                "agree": len(mine & theirs),
                "only_kubeward": sorted(mine - theirs),
                "only_peer": sorted(theirs - mine),
            }
        checks[code] = entry
    return checks


def fmt_key(k: Key) -> str:
    file, kind, ns, name = k
    return f"`{file}` {kind}/{ns}/{name}"


def markdown(doc: dict[str, object]) -> str:
    lines = [f"# kubeward vs checkov and trivy: {doc['date']}", ""]
    lines.append(f"Files: {doc['files']} from `{doc['dir']}`"
                 f"{' (same-files tree: hidden folders included for every tool)' if doc['same_files'] else ''}.")
    lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in doc["versions"].items()) + ".")
    lines.append("")
    lines.append("Counts are objects (file, kind, namespace, name) flagged for the check. Matching: "
                 "see `bench/compare_peers.py`.")
    lines.append("")
    peers = [p for p in PEERS if p in doc["peers_run"]]
    head = "| code | check | kubeward |"
    sep = "|---|---|---:|"
    for p in peers:
        head += f" {p} ids | {p} | agree | only kubeward | only {p} |"
        sep += "---|---:|---:|---:|---:|"
    lines += [head, sep]
    for code, e in doc["checks"].items():
        kwcell = str(e["kubeward"]) if e["kubeward_rule"] else "no rule yet"
        row = f"| {code} | {e['what']} | {kwcell} |"
        for p in peers:
            pe = e["peers"].get(p, {})
            if not pe.get("ids"):
                row += " none | n/a | | | |"
                continue
            row += (f" {', '.join(pe['ids'])} | {pe['flagged']} | {pe['agree']} | {len(pe['only_kubeward'])} |"
                    f" {len(pe['only_peer'])} |")
        lines.append(row)
    lines.append("")
    for code, e in doc["checks"].items():
        if not e["kubeward_rule"]:
            continue
        for p in peers:
            pe = e["peers"].get(p, {})
            if not pe.get("ids") or not (pe["only_kubeward"] or pe["only_peer"]):
                continue
            lines.append(f"## {code} {e['what']}: kubeward vs {p}")
            lines.append("")
            for side, label in (("only_kubeward", "only kubeward flags"), ("only_peer", f"only {p} flags")):
                items = pe[side]
                if not items:
                    continue
                lines.append(f"<details><summary>{label}: {len(items)}</summary>")
                lines.append("")
                lines += [f"- {fmt_key(tuple(k))}" for k in items]
                lines.append("")
                lines.append("</details>")
                lines.append("")
    missing = [c for c, e in doc["checks"].items() if not e["kubeward_rule"]]
    if missing:
        lines.append(f"kubeward has no rule yet for: {', '.join(missing)} (peer counts shown, no lists).")
        lines.append("")
    if doc["trivy_unmatched"]:
        lines.append(f"## trivy findings of shared checks not mapped to an object: {len(doc['trivy_unmatched'])}")
        lines.append("")
        for u in doc["trivy_unmatched"][:200]:
            lines.append(f"- `{u['file']}`:{u['line']} {u['id']}: {u['message']}")
        lines.append("")
    return "\n".join(lines)


def kubeward_codes() -> set[str]:
    import subprocess
    out = subprocess.run([str(common.kubeward_bin()), "rules", "-f", "json"], capture_output=True, text=True,
                         check=True, env=common.clean_env())
    return {r["code"] for r in json.loads(out.stdout)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", type=Path, default=None, help="directory to scan (default: shared/corpus/real)")
    ap.add_argument("--venv", type=Path, default=common.DEFAULT_VENV, help="peers' virtualenv (bench/run-peers.sh)")
    ap.add_argument("--all-files", action="store_true",
                    help="scan DIR itself instead of the same-files tree (checkov then skips hidden folders)")
    ap.add_argument("--skip-build", action="store_true", help="do not run cargo build --release first")
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep the tools' raw reports (kubeward.json, checkov.json, trivy.json) in this folder")
    ap.add_argument("--reuse", type=Path, default=None,
                    help="folder of raw reports from an earlier --keep run: do not run the tools again")
    ap.add_argument("--out", type=Path, default=None, help="output prefix (default bench/out/compare-<date>)")
    args = ap.parse_args()

    source = args.dir or common.default_corpus()
    if not source.is_dir():
        print(f"no such directory: {source}", file=sys.stderr)
        return 2
    if not args.skip_build and args.reuse is None:
        common.build_release()
    peer_bins = common.peer_paths(args.venv)
    if args.reuse is not None:
        # Reuse only the reports that exist and are not empty (a peer stopped early leaves none).
        peers_run = [p for p in PEERS if (args.reuse / f"{p}.json").is_file() and (args.reuse / f"{p}.json").stat().st_size > 0]
    else:
        peers_run = [p for p in PEERS if peer_bins[p].exists()]
    for p in PEERS:
        if p not in peers_run:
            print(f"warning: {peer_bins[p]} missing (run bench/run-peers.sh); skipping {p}", file=sys.stderr)

    tree = common.direct_tree(source) if args.all_files else common.same_files_tree(source)
    work = Path(tempfile.mkdtemp(prefix="kubeward-compare-"))
    try:
        reports: dict[str, Path] = {}
        for tool in ["kubeward", *peers_run]:
            if args.reuse is not None:
                reports[tool] = args.reuse / f"{tool}.json"
                continue
            print(f"running {tool} on {tree.files} files ...", file=sys.stderr)
            run, reports[tool] = common.run_tool(tool, args.venv, tree, work)
            print(f"  {run.seconds:.1f}s, exit {run.exit_code}", file=sys.stderr)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(reports[tool], args.keep / f"{tool}.json")
        kw = kubeward_findings(reports["kubeward"], tree)
        peers: dict[str, dict[str, set[Key]]] = {}
        unmatched: list[dict[str, object]] = []
        if "checkov" in peers_run:
            peers["checkov"] = checkov_findings(reports["checkov"], tree)
        if "trivy" in peers_run:
            peers["trivy"], unmatched = trivy_findings(reports["trivy"], tree)
        shared_ksv = {i for _, _, ids in SHARED.values() for i in ids}
        date = common.timestamp()
        doc = {
            "date": date,
            "dir": str(source),
            "same_files": not args.all_files,
            "files": tree.files,
            "versions": common.versions(args.venv, with_peers=bool(peers_run)),
            "peers_run": peers_run,
            "mapping": {c: {"what": w, "checkov": ck, "trivy": tv} for c, (w, ck, tv) in SHARED.items()},
            "checks": compare(kw, peers, kubeward_codes()),
            "trivy_unmatched": [u for u in unmatched if u["id"] in shared_ksv],
        }
    finally:
        tree.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    prefix = args.out or common.out_dir() / f"compare-{date}"
    prefix.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{prefix}.json").write_text(json.dumps(doc, indent=2) + "\n")
    Path(f"{prefix}.md").write_text(markdown(doc) + "\n")
    print(f"wrote {prefix}.md and {prefix}.json")
    for code, e in doc["checks"].items():
        cells = [f"kubeward {e['kubeward'] if e['kubeward_rule'] else '-'}"]
        for p, pe in e["peers"].items():
            if pe.get("ids"):
                cells.append(f"{p} {pe['flagged']} (agree {pe['agree']}, only kw {len(pe['only_kubeward'])}, "
                             f"only {p} {len(pe['only_peer'])})")
        print(f"  {code:<8} {', '.join(cells)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
