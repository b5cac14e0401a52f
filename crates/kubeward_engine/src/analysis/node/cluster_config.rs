//! Helpers of the encryption, audit, kops and version rules: recognising the configuration
//! documents by content (`EncryptionConfiguration`, audit `Policy`, kops `Cluster` and
//! `InstanceGroup`) and reading them.

use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;

/// An `EncryptionConfiguration` (`apiserver.config.k8s.io/v1`), or the pre-1.13 `EncryptionConfig`.
#[must_use]
pub fn is_encryption_config(obj: &Object<'_>) -> bool {
    (obj.kind() == "EncryptionConfiguration" && obj.group() == "apiserver.config.k8s.io")
        || (obj.kind() == "EncryptionConfig" && matches!(obj.group(), "" | "apiserver.config.k8s.io"))
}

/// An audit `Policy` (`audit.k8s.io/v1`, `v1beta1`, `v1alpha1`).
#[must_use]
pub fn is_audit_policy(obj: &Object<'_>) -> bool {
    obj.kind() == "Policy" && obj.group() == "audit.k8s.io"
}

/// A kops object of `kind` (`kops.k8s.io/v1alpha2`, `v1alpha3`, or the old `kops/v1alpha2`).
#[must_use]
pub fn is_kops(obj: &Object<'_>, kind: &str) -> bool {
    obj.kind() == kind && matches!(obj.group(), "kops.k8s.io" | "kops")
}

/// Whether a resource name of an `EncryptionConfiguration` entry covers core `secrets`.
#[must_use]
pub fn covers_secrets(resource: &str) -> bool {
    matches!(resource.trim(), "secrets" | "secrets." | "*." | "*.*")
}

/// The first `resources[]` item of an `EncryptionConfiguration` whose `resources` cover
/// `secrets`: its index and node. The apiserver uses the first matching item.
#[must_use]
pub fn secrets_entry(root: &Node) -> Option<(usize, &Node)> {
    root.get("resources")?.items().iter().enumerate().find(|(_, item)| {
        item.get("resources").is_some_and(|r| r.items().iter().any(|n| n.as_str().is_some_and(covers_secrets)))
    })
}

/// The provider that encrypts new writes of secrets (the first of the entry covering secrets):
/// its type (`identity`, `aescbc`, `aesgcm`, `secretbox`, `kms`), its settings and its path.
#[must_use]
pub fn secrets_write_provider(root: &Node) -> Option<(&str, &Node, FieldPath)> {
    let (i, entry) = secrets_entry(root)?;
    let first = entry.get("providers")?.items().first()?;
    let e = first.entries().first()?;
    Some((&e.key, &e.value, FieldPath::root().key("resources").index(i).key("providers").index(0).key(&e.key)))
}

/// Whether a CIDR is open to the whole internet (`0.0.0.0/0`, `::/0`).
#[must_use]
pub fn is_open_cidr(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0" | "0::0/0" | "0:0:0:0:0:0:0:0/0")
}

/// Audit levels in increasing order of detail; `None` for an unknown level.
#[must_use]
pub fn audit_level(level: &str) -> Option<u8> {
    Some(match level {
        "None" => 0,
        "Metadata" => 1,
        "Request" => 2,
        "RequestResponse" => 3,
        _ => return None,
    })
}

/// Whether an audit rule has no selector, i.e. matches every request. An empty list matches
/// everything, like an absent one (the apiserver's `ruleMatches`).
#[must_use]
pub fn audit_rule_matches_all(rule: &Node) -> bool {
    ["users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs"]
        .iter()
        .all(|k| rule.get(k).is_none_or(|n| n.items().is_empty() && n.as_str().is_none_or(str::is_empty)))
}

fn omits(list: Option<&Node>, stage: &str) -> bool {
    list.is_some_and(|l| l.items().iter().any(|n| n.as_str() == Some(stage)))
}

/// Whether the stages that carry the authorization decision (`ResponseComplete`, and
/// `Panic` for failed requests) are both omitted, by the policy or by the rule.
#[must_use]
pub fn audit_omits_final_stages(policy: &Node, rule: Option<&Node>) -> bool {
    let p = policy.get("omitStages");
    let r = rule.and_then(|r| r.get("omitStages"));
    ["ResponseComplete", "Panic"].iter().all(|s| omits(p, s) || omits(r, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_levels() {
        assert!(is_open_cidr("0.0.0.0/0"));
        assert!(is_open_cidr("::/0"));
        assert!(!is_open_cidr("10.0.0.0/8"));
        assert!(covers_secrets("*.*"));
        assert!(!covers_secrets("configmaps"));
        assert_eq!(audit_level("Metadata"), Some(1));
        assert_eq!(audit_level("metadata"), None);
    }
}
