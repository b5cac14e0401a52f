use crate::analysis::node::cluster_config::is_kops;
use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a kops `Cluster` with `spec.kubeAPIServer.anonymousAuth: true`. Unset is not
    /// reported: current kops versions force `--anonymous-auth=false` on the kube-apiserver
    /// whatever the spec says; older versions honoured an explicit `true`.
    ///
    /// ## Why is this bad?
    /// Anonymous requests reach the kube-apiserver as `system:anonymous`; every binding to
    /// `system:unauthenticated` or `system:anonymous` (and discovery endpoints) is then open to
    /// the network. Even where kops ignores the value, the spec documents an intent that a
    /// kops downgrade or a fork would apply.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   kubeAPIServer:
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
    ///   kubeAPIServer:
    ///     anonymousAuth: false
    /// ```
    ///
    /// ## How to fix
    /// Set `spec.kubeAPIServer.anonymousAuth: false` (or remove it), then
    /// `kops update cluster --yes` and `kops rolling-update cluster --yes`.
    pub KopsApiserverAnonymousAuthEnabled {
        code: "NODE078",
        name: "kops-apiserver-anonymous-auth-enabled",
        summary: "kops cluster enables anonymous requests to the api server",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "set `spec.kubeAPIServer.anonymousAuth: false` in the kops cluster spec",
        checklist: ["guide.anonymous-auth"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsApiserverAnonymousAuthEnabled {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if is_kops(obj, "Cluster")
            && obj.root.at(&["spec", "kubeAPIServer", "anonymousAuth"]).is_some_and(|v| v.is_true())
        {
            cx.report(
                obj,
                FieldPath::root().key("spec").key("kubeAPIServer").key("anonymousAuth"),
                "`spec.kubeAPIServer.anonymousAuth` is `true`: the api server accepts anonymous requests (kops versions that honour the field)",
            );
        }
    }
}
