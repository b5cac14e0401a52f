use crate::analysis::node::apiserver_flags::{apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers with `--token-auth-file` set.
    ///
    /// ## Why is this bad?
    /// Static tokens are long-lived bearer secrets kept in clear text on the control-plane nodes;
    /// they never expire, cannot be revoked without restarting the API server, and are often
    /// shared.
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
    ///         - --token-auth-file=/etc/kubernetes/tokens.csv
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
    /// ```
    ///
    /// ## How to fix
    /// Move the users of the static tokens to client certificates, an OIDC provider or service
    /// account tokens, then remove `--token-auth-file` and delete the file.
    pub ApiserverTokenAuthFile {
        code: "NODE021",
        name: "apiserver-token-auth-file",
        summary: "kube-apiserver authenticates static tokens from a file",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `--token-auth-file` from kube-apiserver and use client certificates, OIDC or service account tokens",
        checklist: ["kube-bench"],
        cis: ["1.2.2"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverTokenAuthFile {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        if comp.flags.has("token-auth-file") {
            let msg = format!(
                "kube-apiserver container `{}` has `--token-auth-file` {}: static bearer tokens are accepted",
                c.name(),
                shown(&comp, "token-auth-file")
            );
            report(pod, c, &comp, "token-auth-file", msg, cx);
        }
    }
}
