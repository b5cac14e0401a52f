//! `cargo xtask new-rule AREA NAME`: writes a new rule's file, its fixture, and its `mod` line
//! and `RULES` entry in the area's `mod.rs` (as clippy's `cargo dev new_lint` and ruff's
//! `scripts/add_rule.py` do). The rule it writes reports nothing yet: its doc example and its
//! `# fail:` fixture document make the test suite fail until the author writes the check.

use std::path::{Path, PathBuf};

use kubeward_engine::rule::Category;

/// What the scaffold wrote, for the message.
#[derive(Debug)]
pub struct Written {
    pub code: String,
    pub rule_file: PathBuf,
    pub fixture: PathBuf,
    pub mod_file: PathBuf,
}

/// The area's category from its folder name (`pod`, `image`, `rbac`, ...).
fn category(area: &str) -> Result<Category, String> {
    Category::ALL.into_iter().find(|c| c.as_str() == area).ok_or_else(|| {
        let areas: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        format!("unknown area `{area}`: one of {}", areas.join(", "))
    })
}

/// `privileged-container` → `PrivilegedContainer`.
fn camel(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The next free code of `prefix` among `codes` (`POD031` after `POD030`).
fn next_code<'a>(prefix: &str, codes: impl Iterator<Item = &'a str>) -> String {
    let max = codes.filter_map(|c| c.strip_prefix(prefix)).filter_map(|n| n.parse::<u32>().ok()).max().unwrap_or(0);
    format!("{prefix}{:03}", max + 1)
}

/// Writes the rule `name` (kebab-case) of `area` under `root` (the repository), with the next
/// code after `existing` codes; refuses a name or file that exists.
pub fn scaffold(
    root: &Path,
    area: &str,
    name: &str,
    cross: bool,
    existing: &[(&str, &str)],
) -> Result<Written, String> {
    let cat = category(area)?;
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !valid {
        return Err(format!("`{name}` is not a kebab-case rule name (lowercase words joined by `-`)"));
    }
    if name.starts_with("no-") {
        return Err(format!("`{name}`: a rule's name names the bad pattern and never starts with `no-`"));
    }
    if existing.iter().any(|(_, n)| *n == name) {
        return Err(format!("a rule named `{name}` exists"));
    }
    let code = next_code(cat.prefix(), existing.iter().map(|(c, _)| *c));
    let snake = name.replace('-', "_");
    let rules = root.join("crates/kubeward_engine/src/rules").join(area);
    let rule_file = rules.join(format!("{snake}.rs"));
    let mod_file = rules.join("mod.rs");
    let fixture = root.join("crates/kubeward_engine/resources/test/fixtures").join(area).join(format!("{code}.yaml"));
    for f in [&rule_file, &fixture] {
        if f.exists() {
            return Err(format!("{} exists", f.display()));
        }
    }
    let module = std::fs::read_to_string(&mod_file).map_err(|e| format!("{}: {e}", mod_file.display()))?;
    let module = register(&module, &snake, &camel(name)).ok_or_else(|| {
        format!("{}: no `pub(crate) const RULES: &[&dyn Rule] = &[ ... ];` to add the rule to", mod_file.display())
    })?;
    let write = |path: &Path, text: &str| -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (rule, fixture_body) = if cross {
        (rule_text(&code, name, &camel(name), cat, &CROSS), cross_fixture_text(name))
    } else {
        (rule_text(&code, name, &camel(name), cat, &PER_OBJECT), fixture_text(name))
    };
    write(&rule_file, &rule)?;
    write(&fixture, &fixture_body)?;
    write(&mod_file, &module)?;
    Ok(Written { code, rule_file, fixture, mod_file })
}

/// `module` with `mod SNAKE;` after its last `mod` line and `&SNAKE::CAMEL,` as the last entry
/// of `RULES`; `None` when it has no `RULES` list.
fn register(module: &str, snake: &str, camel: &str) -> Option<String> {
    let mut lines: Vec<String> = module.lines().map(String::from).collect();
    let start = lines.iter().position(|l| l.starts_with("pub(crate) const RULES: &[&dyn Rule] = &["))?;
    let end = start + lines.iter().skip(start).position(|l| l.trim_end() == "];")?;
    lines.insert(end, format!("    &{snake}::{camel},"));
    let last_mod = lines.iter().take(start).rposition(|l| {
        let l = l.trim_start_matches("pub(crate) ");
        l.starts_with("mod ") && l.ends_with(';')
    });
    lines.insert(last_mod.map_or(0, |i| i + 1), format!("mod {snake};"));
    let mut out = lines.join("\n");
    out.push('\n');
    Some(out)
}

/// What differs between a per-object and a cross-object rule file.
struct Kind {
    imports: &'static str,
    what: &'static str,
    example: &'static str,
    use_instead: &'static str,
    targets: &'static str,
    check: &'static str,
}

const PER_OBJECT: Kind = Kind {
    imports: "use crate::input::workload::{ContainerView, PodSpecView};\n",
    what: "TODO: one or two sentences: what the rule flags, and where (pod spec, container,\n    /// object).",
    example: "apiVersion: v1\n    /// kind: Pod\n    /// metadata: {name: app}\n    /// spec:\n    ///   containers:\n    ///     - name: app\n    ///       image: registry.example.com/app:1.0",
    use_instead: "apiVersion: v1\n    /// kind: Pod\n    /// metadata: {name: app}\n    /// spec:\n    ///   containers:\n    ///     - name: app\n    ///       image: registry.example.com/app:1.0",
    targets: "CONTAINER",
    check: "    fn check_container(&self, _pod: &PodSpecView<'_>, _c: &ContainerView<'_>, _cx: &mut Context<'_>) {\n        // TODO: report what is wrong, at the offending field:\n        // cx.report(pod.object, c.path.key(\"FIELD\"), format!(\"container `{}` ...\", c.name())).container(c.name());\n    }\n",
};

const CROSS: Kind = Kind {
    imports: "use crate::inventory::Inventory;\n",
    what: "TODO: one or two sentences: what the rule flags across objects, and on which object\n    /// the finding is reported.",
    example: "apiVersion: v1\n    /// kind: Namespace\n    /// metadata: {name: shop}\n    /// ---\n    /// apiVersion: v1\n    /// kind: Pod\n    /// metadata: {name: web, namespace: shop}\n    /// spec:\n    ///   containers:\n    ///     - name: app\n    ///       image: registry.example.com/app:1.0",
    use_instead: "apiVersion: v1\n    /// kind: Namespace\n    /// metadata: {name: shop}\n    /// ---\n    /// apiVersion: v1\n    /// kind: Pod\n    /// metadata: {name: web, namespace: shop}\n    /// spec:\n    ///   containers:\n    ///     - name: app\n    ///       image: registry.example.com/app:1.0",
    targets: "INVENTORY",
    check: "    fn check_inventory(&self, _inv: &Inventory, _cx: &mut Context<'_>) {\n        // TODO: compare the inventory's entries (inv.workloads(), inv.namespaces(), ...) and\n        // report on an entry's handle, at a field it captured:\n        // cx.report_at(&w.handle, &w.labels_at.anchor(w.labels_path()), \"... in the scanned files\");\n        // A fact the inventory lacks is added in src/inventory/mod.rs (CONTRIBUTING.md).\n    }\n",
};

/// The rule file: its documentation template (the TODOs are the author's to fill in: the
/// suite fails until they are), metadata and an empty check of its kind.
fn rule_text(code: &str, name: &str, camel: &str, cat: Category, kind: &Kind) -> String {
    let category = format!("{cat:?}");
    let Kind { imports, what, example, use_instead, targets, check } = kind;
    format!(
        r#"use crate::context::Context;
{imports}use crate::rule::Rule;

crate::declare_rule! {{
    /// ## What it does
    /// {what}
    ///
    /// ## Why is this bad?
    /// TODO: what an attacker or an accident gets from it.
    ///
    /// ## Example
    /// ```yaml
    /// {example}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// {use_instead}
    /// ```
    ///
    /// ## How to fix
    /// TODO: what to change, in the user's words.
    ///
    /// ## Fix safety
    /// TODO: **Safe**, **Unsafe** (and what it may break) or no automated fix.
    pub {camel} {{
        code: "{code}",
        name: "{name}",
        summary: "TODO: one line, lowercase",
        severity: Medium,
        category: {category},
        targets: {targets},
        remediation: "TODO: what to do, imperative",
        checklist: [],
        cis: [],
        since: "0.1.0",
    }}
}}

impl Rule for {camel} {{
{check}}}
"#
    )
}

fn cross_fixture_text(name: &str) -> String {
    format!(
        "# context: TODO: the object the failing document is compared with
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
# fail: TODO: why this document is a `{name}` finding
apiVersion: v1
kind: Pod
metadata:
  name: fails
  namespace: shop
  labels:
    app: web
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
---
# pass: TODO: why this one is not
apiVersion: v1
kind: Pod
metadata:
  name: passes
  namespace: shop
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
"
    )
}

fn fixture_text(name: &str) -> String {
    format!(
        "# fail: TODO: why this document is a `{name}` finding
apiVersion: v1
kind: Pod
metadata:
  name: fails
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
---
# pass: TODO: why this one is not
apiVersion: v1
kind: Pod
metadata:
  name: passes
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn writes_the_rule_its_fixture_and_registers_it_with_the_next_code() {
        let root = tempfile_dir();
        let rules = root.join("crates/kubeward_engine/src/rules/pod");
        std::fs::create_dir_all(&rules).unwrap();
        let module = std::fs::read_to_string(repo().join("crates/kubeward_engine/src/rules/pod/mod.rs")).unwrap();
        std::fs::write(rules.join("mod.rs"), &module).unwrap();
        let existing = [("POD001", "privileged-container"), ("POD030", "unmasked-proc-mount-in-user-namespace")];
        let w = scaffold(&root, "pod", "shared-process-namespace", false, &existing).unwrap();
        assert_eq!(w.code, "POD031");
        let rule = std::fs::read_to_string(&w.rule_file).unwrap();
        assert!(rule.contains("pub SharedProcessNamespace {") && rule.contains("code: \"POD031\""), "{rule}");
        assert!(rule.contains("name: \"shared-process-namespace\"") && rule.contains("category: Pod"), "{rule}");
        let fixture = std::fs::read_to_string(&w.fixture).unwrap();
        assert!(fixture.starts_with("# fail:") && fixture.contains("\n# pass:"), "{fixture}");
        let new = std::fs::read_to_string(&w.mod_file).unwrap();
        assert!(new.contains("\nmod shared_process_namespace;\n"), "{new}");
        let rules_list = &new[new.find("pub(crate) const RULES").unwrap()..];
        let entry = rules_list.find("    &shared_process_namespace::SharedProcessNamespace,\n").unwrap();
        assert_eq!(&rules_list[entry..].lines().nth(1), &Some("];"), "the last entry of RULES");
        // Everything else of the module is unchanged.
        assert_eq!(new.lines().count(), module.lines().count() + 2);

        for (name, why) in [
            ("shared-process-namespace", "exists"),
            ("privileged-container", "a rule named"),
            ("no-limits", "never starts with `no-`"),
            ("Bad_Name", "kebab-case"),
        ] {
            let existing = [("POD001", "privileged-container")];
            let err = scaffold(&root, "pod", name, false, &existing).unwrap_err();
            assert!(err.contains(why), "{name}: {err}");
        }
        assert!(scaffold(&root, "pods", "x", false, &[]).unwrap_err().contains("unknown area"));
        // A cross-object rule: `check_inventory`, a fixture with the document it is compared with.
        let existing = [("POD001", "privileged-container"), ("POD031", "shared-process-namespace")];
        let w = scaffold(&root, "pod", "workload-namespace-undeclared", true, &existing).unwrap();
        assert_eq!(w.code, "POD032");
        let rule = std::fs::read_to_string(&w.rule_file).unwrap();
        assert!(
            rule.contains("targets: INVENTORY") && rule.contains("fn check_inventory(&self, _inv: &Inventory"),
            "{rule}"
        );
        let fixture = std::fs::read_to_string(&w.fixture).unwrap();
        assert!(fixture.starts_with("# context:") && fixture.contains("\n# fail:") && fixture.contains("\n# pass:"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("kubeward-new-rule-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
