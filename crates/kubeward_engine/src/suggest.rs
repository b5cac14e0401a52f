//! "Did you mean": the rule codes, names and categories closest to a mistyped selector, by
//! edit distance (Levenshtein over lowercase characters; no dependency for ~40 lines).

use crate::registry::rules;
use crate::rule::Severity;

/// The edit distance between `a` and `b` (insertions, deletions, substitutions), ASCII case
/// ignored.
#[must_use]
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to three rule codes, names or categories close to `query` (closest first), for an
/// error message: within a third of the query's length (at least 1, at most 3 edits), or a
/// name that contains the query as a word.
#[must_use]
pub fn closest(query: &str) -> Vec<String> {
    let q = query.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let limit = (q.chars().count() / 3).clamp(1, 3);
    let mut candidates: Vec<(usize, String)> = Vec::new();
    let mut push = |d: usize, s: &str| {
        if !candidates.iter().any(|(_, c)| c == s) {
            candidates.push((d, s.to_string()));
        }
    };
    for r in rules() {
        let m = r.meta();
        for s in [m.code, m.name, m.category.as_str()] {
            let d = distance(q, s);
            if d <= limit {
                push(d, s);
            } else if q.len() >= 4 && s.split('-').any(|w| w.eq_ignore_ascii_case(q)) {
                // `privileged` → `privileged-container`: a whole word of the name.
                push(limit + 1, s);
            }
        }
    }
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    candidates.into_iter().take(3).map(|(_, s)| s).collect()
}

/// The message for a selector that matches no rule: a hint to `--min-severity` for a
/// severity name, else the closest rules, else the list command.
#[must_use]
pub fn unknown_selector(sel: &str) -> String {
    if sel.parse::<Severity>().is_ok() {
        return format!(
            "`{sel}` is a severity, not a rule: to show only findings at or above it use \
             `--min-severity {0}`; to fail the run on them use `--fail-on {0}`",
            sel.to_ascii_lowercase()
        );
    }
    if crate::settings::is_cis_selector(sel) {
        return format!("`{sel}` is no rule's CIS id or section (see the CIS column of `kubeward rules -f json`)");
    }
    if closest(sel).is_empty() {
        // `critcal`: a mistyped severity gets the same hint as a severity.
        let limit = (sel.chars().count() / 3).clamp(1, 3);
        let near = ["critical", "high", "medium", "low", "info"].into_iter().find(|s| distance(sel, s) <= limit);
        if let Some(sev) = near {
            return format!(
                "`{sel}` matches no rule; did you mean the severity `{sev}`? To show only findings at \
                 or above it use `--min-severity {sev}`; to fail the run on them use `--fail-on {sev}`"
            );
        }
    }
    did_you_mean(&format!("`{sel}` matches no rule"), sel)
}

/// `what`, then `; did you mean `X`?` when rules are close to `query`, and the list command.
#[must_use]
pub fn did_you_mean(what: &str, query: &str) -> String {
    let near = closest(query);
    if near.is_empty() {
        format!("{what} (see `kubeward rules`)")
    } else {
        let list: Vec<String> = near.iter().map(|s| format!("`{s}`")).collect();
        format!("{what}; did you mean {}? (see `kubeward rules`)", list.join(" or "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("POD001", "pod001"), 0);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("POD01")[0], "POD001");
        assert!(closest("privilegd-container").contains(&"privileged-container".to_string()));
        assert!(closest("privileged").contains(&"privileged-container".to_string()), "{:?}", closest("privileged"));
        assert!(closest("zzzzzzzzzzzz").is_empty());
        assert!(unknown_selector("critical").contains("--min-severity critical"));
        assert!(unknown_selector("POD0001").contains("did you mean `POD001`"), "{}", unknown_selector("POD0001"));
        let typo = unknown_selector("critcal");
        assert!(typo.contains("the severity `critical`") && typo.contains("--min-severity critical"), "{typo}");
    }
}
