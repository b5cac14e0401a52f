use crate::analysis::node::cluster_config::is_kops;
use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a kops `Cluster` whose `spec.kubelet.anonymousAuth` is not `false` (unset means
    /// the kubelet default, `true`), and an explicit `anonymousAuth: true` in
    /// `spec.controlPlaneKubelet` / `spec.masterKubelet` or in an `InstanceGroup`'s
    /// `spec.kubelet` (an unset InstanceGroup value inherits the cluster's).
    ///
    /// ## Why is this bad?
    /// With anonymous authentication the kubelet API (port 10250) treats unauthenticated
    /// requests as `system:anonymous`; with a permissive authorization mode anyone reaching the
    /// node can list pods, read logs and run commands in containers. kops itself warns
    /// "Kubelet anonymousAuth is currently turned on" when the field is unset.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   kubelet:
    ///     anonymousAuth: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   kubelet:
    ///     anonymousAuth: false
    /// ```
    ///
    /// ## How to fix
    /// Set `spec.kubelet.anonymousAuth: false` in the cluster spec (and remove `true` overrides
    /// from InstanceGroups and `controlPlaneKubelet`), then `kops update cluster --yes` and
    /// `kops rolling-update cluster --yes`.
    pub KopsKubeletAnonymousAuthEnabled {
        code: "NODE077",
        name: "kops-kubelet-anonymous-auth-enabled",
        summary: "kops kubelets accept anonymous requests",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "set `spec.kubelet.anonymousAuth: false` in the kops cluster spec and remove `true` overrides",
        checklist: ["guide.anonymous-auth", "components.3"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsKubeletAnonymousAuthEnabled {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let spec = FieldPath::root().key("spec");
        if is_kops(obj, "Cluster") {
            let value = obj.root.at(&["spec", "kubelet", "anonymousAuth"]);
            match value.and_then(|v| v.as_bool()) {
                Some(false) => {}
                Some(true) => {
                    cx.report(
                        obj,
                        spec.key("kubelet").key("anonymousAuth"),
                        "`spec.kubelet.anonymousAuth` is `true`: kubelets accept anonymous requests",
                    );
                }
                None => {
                    cx.report(obj, spec.key("kubelet").key("anonymousAuth"), "`spec.kubelet.anonymousAuth` is not set to `false`: kubelets keep the default `true` and accept anonymous requests");
                }
            }
            for field in ["controlPlaneKubelet", "masterKubelet"] {
                if obj.root.at(&["spec", field, "anonymousAuth"]).is_some_and(|v| v.is_true()) {
                    let msg = format!(
                        "`spec.{field}.anonymousAuth` is `true`: control-plane kubelets accept anonymous requests"
                    );
                    cx.report(obj, spec.key(field).key("anonymousAuth"), msg);
                }
            }
        } else if is_kops(obj, "InstanceGroup")
            && obj.root.at(&["spec", "kubelet", "anonymousAuth"]).is_some_and(|v| v.is_true())
        {
            cx.report(
                obj,
                spec.key("kubelet").key("anonymousAuth"),
                "instance group sets `spec.kubelet.anonymousAuth: true`: its kubelets accept anonymous requests",
            );
        }
    }
}
