//! Helpers of the security context rules (POD002-POD025): capability names, legacy seccomp and
//! AppArmor annotations, profile resolution in the kubelet's order.

use crate::input::node::Node;
use crate::input::path::FieldPath;
use crate::input::workload::{ContainerView, PodSpecView};

/// A capability name without its `CAP_` prefix (any case), trimmed.
#[must_use]
pub fn cap_base(name: &str) -> &str {
    let name = name.trim();
    match name.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("CAP_") => &name[4..],
        _ => name,
    }
}

/// Whether two capability names designate the same capability (`CAP_` prefix and case ignored).
#[must_use]
pub fn same_cap(a: &str, b: &str) -> bool {
    cap_base(a).eq_ignore_ascii_case(cap_base(b))
}

/// A note for messages when the pod-level `securityContext` sets a container-only `field`
/// (where it has no effect), else an empty string.
#[must_use]
pub fn pod_level_note(pod: &PodSpecView<'_>, field: &str) -> &'static str {
    if pod.security_context().and_then(|s| s.get(field)).is_some_and(|v| !v.is_null()) {
        "; the pod-level setting has no effect"
    } else {
        ""
    }
}

/// Where a confinement profile (seccomp or AppArmor) of a container comes from.
#[derive(Clone, Debug)]
pub enum ProfileSource<'a> {
    /// A `seccompProfile`/`appArmorProfile` field (container's or inherited); `value` is its `type`.
    Field {
        /// The `type` value, when it is a string.
        kind: Option<&'a str>,
        /// Path of `type` (or of the profile when `type` is missing).
        path: FieldPath,
        /// Whether it comes from the pod-level securityContext.
        inherited: bool,
    },
    /// A legacy annotation.
    Annotation {
        /// The annotation key.
        key: &'a str,
        /// Its value.
        value: &'a str,
        /// Path of the annotation.
        path: FieldPath,
        /// Whether it is the pod-wide annotation.
        pod_wide: bool,
    },
}

/// The legacy seccomp annotation for the whole pod.
pub const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the legacy per-container seccomp annotation.
pub const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
/// Prefix of the legacy per-container AppArmor annotation.
pub const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The annotation `prefix` + `suffix` of the pod (template metadata for workloads).
fn annotation<'a>(pod: &PodSpecView<'a>, prefix: &str, suffix: &str, pod_wide: bool) -> Option<ProfileSource<'a>> {
    let ann = pod.meta?.get("annotations")?;
    let e = ann.entries().iter().find(|e| e.key.strip_prefix(prefix) == Some(suffix))?;
    let value = e.value.as_str()?;
    let path = pod.meta_path.key("annotations").key(&e.key);
    Some(ProfileSource::Annotation { key: &e.key, value, path, pod_wide })
}

fn field<'a>(pod_level: bool, c: &ContainerView<'a>, name: &str) -> Option<ProfileSource<'a>> {
    let e = c.effective(name)?;
    if e.inherited != pod_level {
        return None;
    }
    let (kind, path) = match e.value.get("type") {
        Some(t) => (t.as_str(), e.path.key("type")),
        None => (None, e.path),
    };
    Some(ProfileSource::Field { kind, path, inherited: e.inherited })
}

/// The seccomp profile of a container as the kubelet picks it: the container's
/// `seccompProfile`, the container annotation, the pod's `seccompProfile`, the pod annotation.
#[must_use]
pub fn seccomp_source<'a>(pod: &PodSpecView<'a>, c: &ContainerView<'a>) -> Option<ProfileSource<'a>> {
    field(false, c, "seccompProfile")
        .or_else(|| annotation(pod, SECCOMP_CONTAINER_PREFIX, c.name(), false))
        .or_else(|| field(true, c, "seccompProfile"))
        .or_else(|| annotation(pod, SECCOMP_POD_ANNOTATION, "", true))
}

/// The AppArmor profile of a container as the kubelet picks it: the container's
/// `appArmorProfile`, the container annotation, the pod's `appArmorProfile`.
#[must_use]
pub fn apparmor_source<'a>(pod: &PodSpecView<'a>, c: &ContainerView<'a>) -> Option<ProfileSource<'a>> {
    field(false, c, "appArmorProfile")
        .or_else(|| annotation(pod, APPARMOR_CONTAINER_PREFIX, c.name(), false))
        .or_else(|| field(true, c, "appArmorProfile"))
}

/// The strings of the container's `securityContext.capabilities.<list>` with their index.
pub fn capability_list<'a>(c: &ContainerView<'a>, list: &str) -> impl Iterator<Item = (usize, &'a str)> {
    c.security_context()
        .and_then(|s| s.get("capabilities"))
        .and_then(|caps| caps.get(list))
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.as_str().map(|s| (i, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names() {
        assert_eq!(cap_base("CAP_SYS_ADMIN"), "SYS_ADMIN");
        assert_eq!(cap_base(" cap_net_raw "), "net_raw");
        assert_eq!(cap_base("SYS_ADMIN"), "SYS_ADMIN");
        assert_eq!(cap_base("CAP"), "CAP");
        assert!(same_cap("cap_sys_admin", "SYS_ADMIN"));
        assert!(!same_cap("NET_RAW", "NET_ADMIN"));
    }
}
