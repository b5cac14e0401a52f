use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::input::image_ref::{literal_tail, ImageRef};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers whose image is `:latest`, or has neither a tag nor a digest (which
    /// means `:latest`). A registry port is not a tag: `registry:5000/team/app` is untagged.
    /// References pinned by digest (`app@sha256:...`, `app:1.0@sha256:...`) pass. Templated
    /// references (`{{ }}`, `${VAR}`) are skipped.
    ///
    /// ## Why is this bad?
    /// `latest` is whatever was pushed last: two nodes can run different code under the same
    /// spec, a rollback redeploys the broken version, and a compromised or careless push reaches
    /// production on the next pod restart without any review. Nobody can tell which version
    /// (and which vulnerabilities) is running.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:latest
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
    ///       image: registry.example.com/app:1.4.2
    /// ```
    ///
    /// ## How to fix
    /// Reference an immutable version tag, or better a digest (`app:1.4.2@sha256:...`), and
    /// update it through your release process.
    pub LatestImageTag {
        code: "IMG001",
        name: "latest-image-tag",
        summary: "image uses the `latest` tag or no tag",
        severity: Medium,
        category: Image,
        targets: CONTAINER,
        remediation: "use an immutable version tag or a digest",
        checklist: ["guide.official-images", "kubeaudit"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for LatestImageTag {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(image) = c.image() else {
            return;
        };
        let (latest, tagged) = match ImageRef::parse(image) {
            Some(r) => (r.is_latest(), r.tag.is_some()),
            // A templated registry or repository with a literal last component (`$REG/app`,
            // `<PROJECT>/app:latest`): its tag is known.
            None => match literal_tail(image) {
                Some((None, None)) => (true, false),
                Some((Some(t), None)) => (t == "latest", true),
                _ => (false, false),
            },
        };
        if latest {
            let msg = if tagged {
                format!("container `{}` uses image `{image}` with the `latest` tag", c.name())
            } else {
                format!("container `{}` uses image `{image}` without a tag, which means `latest`", c.name())
            };
            cx.report(pod.object, c.path.key("image"), msg).container(c.name());
        }
    }
}
