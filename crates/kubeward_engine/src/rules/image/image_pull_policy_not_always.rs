use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::input::image_ref::ImageRef;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers whose `imagePullPolicy` is not `Always`. An unset policy counts as the
    /// API server's default: `Always` for `:latest` and untagged images (not reported),
    /// `IfNotPresent` otherwise (reported). Images pinned by digest (`app@sha256:…`, also
    /// `app:1.0@sha256:…` and `app:latest@sha256:…`, where the runtime uses the digest and
    /// ignores the tag) are not reported: a digest names exactly one image, which no push can
    /// re-point. Turned off by `rules.image.require-pull-policy-always: false`.
    ///
    /// ## Why is this bad?
    /// With `IfNotPresent` or `Never`, a pod uses whatever image is cached on the node without
    /// asking the registry: a pod without the pull credentials can run a private image another
    /// tenant pulled, and a locally tampered image is never replaced. `Always` makes the registry
    /// check credentials and (with a digest) return exactly the expected image.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       imagePullPolicy: IfNotPresent
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       imagePullPolicy: Always
    /// ```
    ///
    /// ## How to fix
    /// Set `imagePullPolicy: Always` (with a digest, pulls are cheap: only the manifest is
    /// checked), or pin the image by digest, or enable the `AlwaysPullImages` admission plugin
    /// cluster-wide. A digest does not make the registry check the pod's pull credentials for
    /// an image already on the node; the `AlwaysPullImages` admission plugin (or the kubelet's
    /// credential verification of pulled images, KEP-2535) covers that cluster-wide.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): with `Always`, every container start asks the
    /// registry, so a registry outage or a lost pull secret stops pods from restarting, and an
    /// image loaded onto the nodes directly (`kind load`, air-gapped nodes with pre-pulled
    /// images, `imagePullPolicy: Never` for local builds) cannot start at all.
    pub ImagePullPolicyNotAlways {
        code: "IMG004",
        name: "image-pull-policy-not-always",
        summary: "image pull policy is not `Always`",
        severity: Low,
        category: Image,
        targets: CONTAINER,
        remediation: "set `imagePullPolicy: Always`",
        checklist: ["guide.official-images"],
        cis: [],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for ImagePullPolicyNotAlways {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if !cx.settings.require_pull_policy_always() {
            return;
        }
        let Some(image) = c.image() else {
            return;
        };
        let Some(r) = ImageRef::parse(image) else {
            return;
        };
        // A digest cannot be re-pointed: the cached image is the one named.
        if r.digest.is_some_and(is_digest) {
            return;
        }
        let path = c.path.key("imagePullPolicy");
        match c.get("imagePullPolicy").and_then(Node::as_str).filter(|p| !p.is_empty()) {
            Some("Always") => {}
            Some(p) => {
                let fix = Fix::set(Safety::Unsafe, path.clone(), serde_json::Value::String("Always".into()));
                cx.report(pod.object, path, format!("container `{}` has `imagePullPolicy: {p}`", c.name()))
                    .container(c.name())
                    .fix(fix);
            }
            None if r.is_latest() => {}
            None => {
                let msg = format!(
                    "container `{}` does not set `imagePullPolicy`, which defaults to `IfNotPresent` for `{image}`",
                    c.name()
                );
                let fix = Fix::set(Safety::Unsafe, path.clone(), serde_json::Value::String("Always".into()));
                cx.report(pod.object, path, msg).container(c.name()).fix(fix);
            }
        }
    }
}

/// Whether `d` is a content digest (`sha256:` and at least 32 hex digits, as the OCI
/// distribution spec writes them): something a runtime resolves to exactly one image.
fn is_digest(d: &str) -> bool {
    d.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty()
            && alg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'.' | b'_' | b'-'))
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}
