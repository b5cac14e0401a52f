//! Kubelet versions that `kubeward cluster` reads from the API (issue 4): each Node's
//! `status.nodeInfo.kubeletVersion`. NODE084 and NODE085 judge them with the release table,
//! like component image tags. (The API server's `/version` becomes a `kubeward.io/v1`
//! `KubernetesVersion` object, which `releases::declared_version` reads.)

use crate::analysis::node::releases::{parse_version, past_end_of_life, release, Version, TABLE_DATE};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;

/// The version an object states, what runs it, and where it is written.
#[must_use]
pub fn object_version<'a>(obj: &Object<'a>) -> Option<(Version, &'a str, &'static str, FieldPath)> {
    let (keys, what): (&[&str], &str) = match (obj.kind(), obj.group()) {
        ("Node", "") => (&["status", "nodeInfo", "kubeletVersion"], "the node's kubelet"),
        _ => return None,
    };
    let text = obj.root.at(keys).and_then(Node::as_str)?;
    let v = parse_version(text)?;
    Some((v, text, what, keys.iter().fold(FieldPath::root(), |p, k| p.key(k))))
}

/// NODE084 on API objects.
pub fn check_eol(obj: &Object<'_>, cx: &mut Context<'_>) {
    let Some((v, text, what, path)) = object_version(obj) else { return };
    if let Some(when) = past_end_of_life(v, &cx.settings.today) {
        let msg = format!(
            "{what} runs Kubernetes `{text}`: 1.{}.x reached end of life {when} (release table of {TABLE_DATE})",
            v.minor
        );
        cx.report(obj, path, msg);
    }
}

/// NODE085 on API objects.
pub fn check_patch(obj: &Object<'_>, cx: &mut Context<'_>) {
    let Some((v, text, what, path)) = object_version(obj) else { return };
    let Some(patch) = v.patch else { return };
    let Some(r) = release(v.minor) else { return };
    if past_end_of_life(v, &cx.settings.today).is_some() || patch >= r.latest_patch {
        return;
    }
    let msg = format!(
        "{what} runs Kubernetes `{text}`: the newest known patch of 1.{} is `1.{}.{}` (release table of {TABLE_DATE})",
        v.minor, v.minor, r.latest_patch
    );
    cx.report(obj, path, msg);
}
