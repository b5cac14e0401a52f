#!/usr/bin/env python3
"""Records libyaml's verdict on every YAML layout case (tests/yaml_layout/cases/*.yaml).

kubeward reads manifests the way kubectl and the API server do: with go-yaml, a port of
libyaml. PyYAML's CSafeLoader is libyaml itself, so its verdict (accept, with the loaded
documents as JSON, or reject) is the oracle for the layout test (tests/yaml_layout.rs).
Where go-yaml decides otherwise, go-yaml wins: such cases are listed in GO_YAML below with the
reason, and `expect` follows go-yaml.

    python3 oracle.py            # rewrite expectations.json
    python3 oracle.py --print    # print it (the Rust test compares the two)

Needs PyYAML with libyaml (the PyPI wheels carry it): `pip install pyyaml==6.0.3`.
"""

import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
OUT = os.path.join(HERE, "expectations.json")

# Cases where go-yaml (sigs.k8s.io/yaml 1.6.0 over go.yaml.in/yaml/v2 2.4.2, as kubectl and the
# API server decode; and gopkg.in/yaml.v3 3.0.1) does not decide as libyaml does. go-yaml wins.
# Each entry: the verdict go-yaml gives ("accept" keeps libyaml's value) and why.
GO_YAML = {
    "doc-start-inline-value.yaml": {
        "verdict": "accept",
        "reason": "go-yaml accepts it too; kubectl reads only 'one': it splits files at lines that "
        "are exactly '---' (with an optional comment), and sigs.k8s.io/yaml decodes the first "
        "document of each part",
    },
    "doc-end-then-content-no-marker.yaml": {
        "verdict": "reject",
        "reason": "go-yaml's parser (yaml.v3 Decoder) rejects it too; kubectl accepts it only "
        "because sigs.k8s.io/yaml decodes the first document and ignores the rest ('c: d' is "
        "silently dropped)",
    },
}

# Cases kubeward reads although libyaml and go-yaml refuse them: leniencies of saphyr-parser
# kept on purpose (an auditor that reads more than kubectl audits objects kubectl would refuse,
# which is harmless; refusing what kubectl reads is not). `expect` is "accept"; the test checks
# the verdict only (libyaml has no value to compare).
KUBEWARD_LENIENT = {
    "tab-after-dash.yaml": "saphyr takes a tab after '- ' as separation (vendor/README.md)",
    "tab-blank-line-in-plain.yaml": "saphyr allows a tab on an otherwise blank line inside a "
    "multi-line plain scalar (YAML 1.2 does; libyaml calls it a tab in the indentation)",
    "tab-indented-comment.yaml": "same as tab-blank-line-in-plain: a comment line indented with "
    "a tab after a plain scalar",
    "doc-end-then-content-no-marker.yaml": "YAML 1.2 lets a bare document follow '...'; saphyr "
    "reads 'c: d' as a second document, which kubectl silently drops",
}


def verdict(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    try:
        docs = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as e:
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return {"verdict": "reject", "libyaml": problem + where}
    # Round-trip through JSON: non-string keys become strings, as kubeward's keys are text.
    value = json.loads(json.dumps(docs, default=str))
    return {"verdict": "accept", "value": value}


def expectations():
    if not getattr(yaml, "__with_libyaml__", False):
        sys.exit("PyYAML was built without libyaml (CSafeLoader): install a PyPI wheel")
    out = {"pyyaml": yaml.__version__, "cases": {}}
    for name in sorted(os.listdir(CASES)):
        if not name.endswith(".yaml"):
            continue
        v = verdict(os.path.join(CASES, name))
        case = {"libyaml": v}
        go = GO_YAML.get(name)
        if go is None:
            case["expect"] = v["verdict"]
        else:
            case["expect"] = go["verdict"]
            case["go_yaml"] = go["reason"]
        lenient = KUBEWARD_LENIENT.get(name)
        if lenient is not None:
            case["expect"] = "accept"
            case["kubeward_lenient"] = lenient
        out["cases"][name] = case
    return out


def main():
    text = json.dumps(expectations(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if sys.argv[1:] == ["--print"]:
        sys.stdout.write(text)
    elif sys.argv[1:] == []:
        with open(OUT, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.exit("usage: oracle.py [--print]")


if __name__ == "__main__":
    main()
