use crate::analysis::node::apiserver_flags::{apiserver, report, shown_bool};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers whose `--service-account-extend-token-expiration` is `true`
    /// or not set (it defaults to `true`).
    ///
    /// ## Why is this bad?
    /// With the extension, projected service account tokens requested for one hour are issued valid
    /// for a year (to ease migration from legacy tokens): a token stolen from a pod stays usable
    /// long after the pod is gone.
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
    ///         - --service-account-extend-token-expiration=false
    /// ```
    ///
    /// ## How to fix
    /// Set `--service-account-extend-token-expiration=false` once workloads refresh their projected
    /// tokens (client-go does so since 1.15; check the `authentication.k8s.io/stale-token` audit
    /// annotation first).
    pub ApiserverServiceAccountTokenExpirationExtended {
        code: "NODE027",
        name: "apiserver-service-account-token-expiration-extended",
        summary: "kube-apiserver extends projected service account token lifetimes",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--service-account-extend-token-expiration=false` on kube-apiserver",
        checklist: ["kube-bench"],
        cis: ["1.2.30"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverServiceAccountTokenExpirationExtended {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        match comp.flags.get_bool("service-account-extend-token-expiration") {
            Some(false) => {}
            None if comp.flags.has("service-account-extend-token-expiration") => {}
            v => {
                let state = if v.is_some() {
                    shown_bool(&comp, "service-account-extend-token-expiration")
                } else {
                    "not set, defaults to `true`".to_string()
                };
                let msg = format!("kube-apiserver container `{}` has `--service-account-extend-token-expiration` {state}: projected tokens are valid for a year", c.name());
                report(pod, c, &comp, "service-account-extend-token-expiration", msg, cx);
            }
        }
    }
}
