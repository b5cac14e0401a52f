use crate::analysis::node::apiserver_flags::{apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers with `--insecure-port` set to a non-zero port, or with
    /// `--insecure-bind-address` set while `--insecure-port` is not `0` (before Kubernetes 1.20 the
    /// insecure port defaulted to 8080). Both flags were removed in Kubernetes 1.24; an unset
    /// `--insecure-port` is not a finding.
    ///
    /// ## Why is this bad?
    /// The insecure port serves plain HTTP with no authentication and no authorization: every
    /// request is cluster-admin. Bound to a routable address it hands the cluster to the network;
    /// on localhost it hands it to every process and pod with host networking on the node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.19.16
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --insecure-port=8080
    ///         - --insecure-bind-address=0.0.0.0
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
    ///       image: registry.k8s.io/kube-apiserver:v1.19.16
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --insecure-port=0
    /// ```
    ///
    /// ## How to fix
    /// Remove `--insecure-bind-address` and set `--insecure-port=0` (or remove it on 1.20 and
    /// later), then point clients at the secure port with credentials.
    pub ApiserverInsecurePortEnabled {
        code: "NODE020",
        name: "apiserver-insecure-port-enabled",
        summary: "kube-apiserver serves the unauthenticated insecure port",
        severity: Critical,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `--insecure-port` and `--insecure-bind-address` from kube-apiserver (or set `--insecure-port=0`) and upgrade to Kubernetes 1.24 or later",
        checklist: ["components.2", "components.1"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ApiserverInsecurePortEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let port = comp.flags.get("insecure-port").map(str::trim);
        if port.is_some_and(|p| p != "0") {
            let msg = format!(
                "kube-apiserver container `{}` has `--insecure-port` {}: unauthenticated HTTP is served",
                c.name(),
                shown(&comp, "insecure-port")
            );
            report(pod, c, &comp, "insecure-port", msg, cx);
        } else if port.is_none() && comp.flags.get("insecure-bind-address").is_some_and(|a| !a.is_empty()) {
            let msg = format!(
                "kube-apiserver container `{}` has `--insecure-bind-address` {} and `--insecure-port` not set, defaulting to 8080 before 1.20: unauthenticated HTTP may be served",
                c.name(),
                shown(&comp, "insecure-bind-address")
            );
            report(pod, c, &comp, "insecure-bind-address", msg, cx);
        }
    }
}
