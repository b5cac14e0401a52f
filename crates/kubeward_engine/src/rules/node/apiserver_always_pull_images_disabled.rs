use crate::analysis::node::apiserver_flags::{admission_plugin, apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers that do not enable the `AlwaysPullImages` admission plugin
    /// (not in the default set) in `--enable-admission-plugins` (or the legacy
    /// `--admission-control`).
    ///
    /// ## Why is this bad?
    /// Once a private image is cached on a node, any pod scheduled there can run it with
    /// `imagePullPolicy: IfNotPresent` or `Never`, without the pull Secret that grants access to
    /// it: in a multi-tenant cluster one tenant uses another's private images.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --enable-admission-plugins=NodeRestriction
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --enable-admission-plugins=NodeRestriction,AlwaysPullImages
    /// ```
    ///
    /// ## How to fix
    /// Add `AlwaysPullImages` to `--enable-admission-plugins`. It makes every container start
    /// depend on the registry; from Kubernetes 1.33 the kubelet's
    /// `imagePullCredentialsVerificationPolicy` (ensure secret-pulled images, alpha behind the
    /// `KubeletEnsureSecretPulledImages` feature gate) is an alternative, in which case exempt this
    /// finding with the reason.
    pub ApiserverAlwaysPullImagesDisabled {
        code: "NODE029",
        name: "apiserver-always-pull-images-disabled",
        summary: "kube-apiserver lets pods use cached images without pull credentials",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "add `AlwaysPullImages` to `--enable-admission-plugins` on kube-apiserver",
        checklist: ["kube-bench", "image.1"],
        cis: ["1.2.11"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAlwaysPullImagesDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let (on, flag) = admission_plugin(&comp, "AlwaysPullImages");
        if !on {
            let msg = format!(
                "kube-apiserver container `{}` does not enable the `AlwaysPullImages` admission plugin (`--{flag}` {})",
                c.name(),
                shown(&comp, flag)
            );
            report(pod, c, &comp, flag, msg, cx);
        }
    }
}
