use crate::analysis::node::apiserver_flags::{apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers with `--service-account-lookup` set to `false` (the default
    /// is `true`, so an unset flag is not a finding).
    ///
    /// ## Why is this bad?
    /// Without the lookup the API server only checks a service account token's signature, not that
    /// the service account (or Secret) still exists: a leaked legacy token keeps working after the
    /// account is deleted.
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
    ///         - --service-account-lookup=false
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
    ///         - --service-account-lookup=true
    /// ```
    ///
    /// ## How to fix
    /// Remove `--service-account-lookup=false` (or set it to `true`).
    pub ApiserverServiceAccountLookupDisabled {
        code: "NODE022",
        name: "apiserver-service-account-lookup-disabled",
        summary: "kube-apiserver accepts tokens of deleted service accounts",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--service-account-lookup=true` on kube-apiserver or remove the flag",
        checklist: ["kube-bench"],
        cis: ["1.2.21"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverServiceAccountLookupDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        if comp.flags.get_bool("service-account-lookup") == Some(false) {
            let msg = format!("kube-apiserver container `{}` has `--service-account-lookup` {}: tokens of deleted service accounts stay valid", c.name(), shown(&comp, "service-account-lookup"));
            report(pod, c, &comp, "service-account-lookup", msg, cx);
        }
    }
}
