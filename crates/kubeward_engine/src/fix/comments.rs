//! The comments of a YAML text, each with the key path it belongs to: what the tests and the
//! `fix` fuzz target use to check that a fix keeps every comment with its key.
//!
//! A comment starts at a `#` at the start of a line or after a space or tab, outside every
//! scalar (the parser's spans tell quoted strings and block scalars apart). A comment after code
//! on its line ("trailing") belongs to the outermost key or sequence item that starts on that
//! line before it: `securityContext: # c` to `securityContext`, `- name: x # c` to the item.

use super::cst::{self, CKind, CNode};

/// One comment of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// From `#` to the end of its line (without the line break).
    pub text: String,
    /// For a comment after code on its line, the path (`0:/spec/containers/0`: document index,
    /// then the JSON pointer) of the outermost key or item starting on that line before it;
    /// `None` for a comment on a line of its own or after a line without a key (`}`).
    pub path: Option<String>,
}

fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Scalar spans and the start of every key and item, with its path, in document order.
fn collect(node: &CNode, path: &str, scalars: &mut Vec<(usize, usize)>, anchors: &mut Vec<(usize, String)>) {
    match &node.kind {
        CKind::Scalar { .. } => scalars.push((node.start, node.end)),
        CKind::Alias => {}
        CKind::Map { entries, .. } => {
            for (k, v) in entries {
                let p = format!("{path}/{}", escape(k.scalar().unwrap_or("?")));
                anchors.push((k.start, p.clone()));
                collect(k, &p, scalars, anchors);
                collect(v, &p, scalars, anchors);
            }
        }
        CKind::Seq { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}/{i}");
                anchors.push((item.start, p.clone()));
                collect(item, &p, scalars, anchors);
            }
        }
    }
}

/// Every comment of `text`, in order.
///
/// # Errors
/// The text does not parse.
pub fn comments(text: &str) -> Result<Vec<Comment>, String> {
    let docs = cst::parse(text)?;
    let mut scalars = Vec::new();
    let mut anchors = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if let Some(root) = &d.root {
            collect(root, &format!("{i}:"), &mut scalars, &mut anchors);
        }
    }
    scalars.sort_unstable();
    // Stable: among anchors starting at the same offset, the outermost (first visited) first.
    anchors.sort_by_key(|(start, _)| *start);
    let in_scalar = |at: usize| {
        let i = scalars.partition_point(|(s, _)| *s <= at);
        i > 0 && scalars.get(i - 1).is_some_and(|(s, e)| at >= *s && at < *e)
    };
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let bytes = line.as_bytes();
        let hash = (0..bytes.len()).find(|&j| {
            bytes.get(j) == Some(&b'#')
                && (j == 0 || matches!(bytes.get(j - 1), Some(b' ' | b'\t')))
                && !in_scalar(line_start + j)
        });
        if let Some(j) = hash {
            let body = line.get(j..).unwrap_or_default().trim_end_matches(['\n', '\r']);
            let code = line.get(..j).unwrap_or_default().trim();
            let path = if code.is_empty() {
                None
            } else {
                let from = anchors.partition_point(|(s, _)| *s < line_start);
                anchors.get(from).filter(|(s, _)| *s < line_start + j).map(|(_, p)| p.clone())
            };
            out.push(Comment { text: body.to_string(), path });
        }
        line_start += line.len();
    }
    Ok(out)
}

/// Whether `after` (a fixed `before`) keeps the comments of `before`: the same comments in the
/// same order, and each comment after a key still after that key, where the key remains.
///
/// # Errors
/// What moved or was lost.
pub fn check_kept(before: &str, after: &str) -> Result<(), String> {
    let b = comments(before)?;
    let a = comments(after)?;
    let texts = |c: &[Comment]| c.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
    if texts(&b) != texts(&a) {
        return Err(format!("comments lost or added: {:?} became {:?}", texts(&b), texts(&a)));
    }
    let docs = cst::parse(after)?;
    let mut remaining = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if let Some(root) = &d.root {
            collect(root, &format!("{i}:"), &mut Vec::new(), &mut remaining);
        }
    }
    for (cb, ca) in b.iter().zip(&a) {
        let Some(p) = &cb.path else { continue };
        if remaining.iter().any(|(_, r)| r == p) && ca.path.as_ref() != Some(p) {
            return Err(format!(
                "comment `{}` moved from `{p}` to `{}`",
                cb.text,
                ca.path.as_deref().unwrap_or("its own line")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_and_their_keys() {
        let text = "# head\na: \"x # not\" # c1\nsc: # c2\n  - name: x # c3\n    v: |\n      # text\n    w: 1\n";
        let c = comments(text).expect("parse");
        let got: Vec<(&str, Option<&str>)> = c.iter().map(|c| (c.text.as_str(), c.path.as_deref())).collect();
        assert_eq!(
            got,
            vec![("# head", None), ("# c1", Some("0:/a")), ("# c2", Some("0:/sc")), ("# c3", Some("0:/sc/0")),]
        );
        assert!(check_kept(text, text).is_ok());
        let moved = "# head\na: \"x # not\" # c1\nsc:\n  z: 1 # c2\n";
        assert!(check_kept("# head\na: \"x # not\" # c1\nsc: # c2\n  z: 1\n", moved).is_err());
    }
}
