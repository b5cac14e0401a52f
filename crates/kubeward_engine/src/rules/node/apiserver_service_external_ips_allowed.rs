use crate::analysis::node::apiserver_flags::{admission_plugin, apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers that do not enable the `DenyServiceExternalIPs` admission
    /// plugin (not in the default set) in `--enable-admission-plugins` (or the legacy
    /// `--admission-control`).
    ///
    /// ## Why is this bad?
    /// Anyone who can create or edit a Service can set `spec.externalIPs` to any address, and
    /// kube-proxy then redirects cluster traffic for that address to their pods: a
    /// man-in-the-middle of other tenants' and the cluster's own connections (CVE-2020-8554).
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
    ///         - --enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs
    /// ```
    ///
    /// ## How to fix
    /// Add `DenyServiceExternalIPs` to `--enable-admission-plugins`. If some Services need external
    /// IPs, leave the plugin off and restrict `spec.externalIPs` with a validating admission policy
    /// instead, then exempt this finding with the reason.
    pub ApiserverServiceExternalIpsAllowed {
        code: "NODE028",
        name: "apiserver-service-external-ips-allowed",
        summary: "kube-apiserver lets any Service claim external IPs",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "add `DenyServiceExternalIPs` to `--enable-admission-plugins` on kube-apiserver",
        checklist: ["kube-bench"],
        cis: ["1.2.3"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverServiceExternalIpsAllowed {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let (on, flag) = admission_plugin(&comp, "DenyServiceExternalIPs");
        if !on {
            let msg = format!("kube-apiserver container `{}` does not enable the `DenyServiceExternalIPs` admission plugin (`--{flag}` {})", c.name(), shown(&comp, flag));
            report(pod, c, &comp, flag, msg, cx);
        }
    }
}
