use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags each sysctl in the pod-level `securityContext.sysctls` that is not in the Pod
    /// Security Standards safe set: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
    /// `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`,
    /// `net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports`,
    /// `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
    /// `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes` (Kubernetes 1.29),
    /// `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem` (1.32), `net.ipv4.tcp_slow_start_after_idle` and
    /// `net.ipv4.tcp_notsent_lowat` (1.37): the newest set of the Pod Security admission library
    /// (`k8s.io/pod-security-admission`, check `sysctls`). Names written with
    /// `/` separators are compared as their dotted form. Windows pods (`spec.os.name: windows`)
    /// are not checked.
    ///
    /// ## Why is this bad?
    /// Safe sysctls are namespaced and isolated from other pods. Other sysctls either change
    /// the whole node (and every pod on it) or let one pod exhaust shared kernel resources;
    /// the kubelet refuses them unless an administrator allows them with
    /// `--allowed-unsafe-sysctls`, which then applies to every pod on the node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///       - name: kernel.msgmax
    ///         value: "65536"
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///       - name: net.ipv4.ip_local_port_range
    ///         value: "1024 65535"
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Remove the sysctl, or tune it on dedicated nodes (node configuration, tainted node pool)
    /// rather than from a pod.
    pub UnsafeSysctl {
        code: "POD016",
        name: "unsafe-sysctl",
        summary: "pod sets a sysctl outside the safe set",
        severity: High,
        category: Pod,
        targets: POD_SPEC,
        remediation: "remove the sysctl from `securityContext.sysctls` or tune it on dedicated nodes",
        checklist: ["workload.5"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

/// The Pod Security Standards (baseline) safe sysctls: `sysctlsAllowedV1Dot37` of
/// `k8s.io/pod-security-admission/policy/check_sysctls.go` (a kubelet older than the version
/// that added a name refuses it unless allowed with `--allowed-unsafe-sysctls`).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    // 1.32
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    // 1.37
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn is_safe(name: &str) -> bool {
    SAFE_SYSCTLS
        .iter()
        .any(|s| s.len() == name.len() && s.bytes().zip(name.bytes()).all(|(a, b)| a == b || (a == b'.' && b == b'/')))
}

impl Rule for UnsafeSysctl {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let Some(list) = pod.security_context().and_then(|s| s.get("sysctls")) else {
            return;
        };
        let base = pod.path.key("securityContext").key("sysctls");
        for (i, item) in list.items().iter().enumerate() {
            let Some(name) = item.get("name").and_then(Node::as_str).map(str::trim) else {
                continue;
            };
            if name.is_empty() || is_safe(name) {
                continue;
            }
            cx.report(pod.object, base.index(i).key("name"), format!("pod sets the unsafe sysctl `{name}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_safe;

    #[test]
    fn safe_names() {
        assert!(is_safe("net.ipv4.tcp_syncookies"));
        assert!(is_safe("net/ipv4/tcp_syncookies"));
        assert!(!is_safe("net.ipv4.tcp_syncookie"));
        assert!(!is_safe("kernel.msgmax"));
        // Added to the Pod Security Standards' safe set in Kubernetes 1.32 and 1.37.
        assert!(is_safe("net.ipv4.tcp_rmem"));
        assert!(is_safe("net/ipv4/tcp_wmem"));
        assert!(is_safe("net.ipv4.tcp_slow_start_after_idle"));
        assert!(is_safe("net.ipv4.tcp_notsent_lowat"));
        assert!(!is_safe("net.ipv4.tcp_mem"));
    }
}
