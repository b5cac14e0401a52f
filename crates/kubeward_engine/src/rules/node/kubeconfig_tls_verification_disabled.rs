use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a kubeconfig file (`apiVersion: v1`, `kind: Config`) with a cluster entry that
    /// turns TLS verification off (`insecure-skip-tls-verify: true`) or talks to the API server
    /// over plain HTTP (`server: http://...`). It judges the kubeconfigs `kubeward node` reads
    /// (the kubelet's, kube-proxy's, the scheduler's and controller manager's, `admin.conf`) and
    /// any kubeconfig given to `kubeward scan`.
    ///
    /// ## Why is this bad?
    /// A component that does not verify the API server's certificate sends its credentials
    /// (client certificate handshake, bearer token) to whoever answers on the network path, and
    /// trusts whatever that impostor returns: pod specs for the kubelet, Secrets, RBAC
    /// decisions. Plain HTTP sends the token in clear text. Every connection between
    /// components must be TLS with a verified server certificate.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Config
    /// clusters:
    ///   - name: kubernetes
    ///     cluster:
    ///       server: https://10.0.0.1:6443
    ///       insecure-skip-tls-verify: true
    /// contexts:
    ///   - name: default
    ///     context: {cluster: kubernetes, user: kubelet}
    /// current-context: default
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Config
    /// clusters:
    ///   - name: kubernetes
    ///     cluster:
    ///       server: https://10.0.0.1:6443
    ///       certificate-authority: /etc/kubernetes/pki/ca.crt
    /// contexts:
    ///   - name: default
    ///     context: {cluster: kubernetes, user: kubelet}
    /// current-context: default
    /// ```
    ///
    /// ## How to fix
    /// Remove `insecure-skip-tls-verify`, set `certificate-authority` (or
    /// `certificate-authority-data`) to the cluster CA, and use an `https://` server URL.
    pub KubeconfigTlsVerificationDisabled {
        code: "NODE088",
        name: "kubeconfig-tls-verification-disabled",
        summary: "kubeconfig does not verify the API server's TLS certificate",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "remove `insecure-skip-tls-verify`, set `certificate-authority` to the cluster CA and use an `https://` server",
        checklist: ["components.2"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KubeconfigTlsVerificationDisabled {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() != "Config" || obj.root.get("apiVersion").and_then(Node::as_str) != Some("v1") {
            return;
        }
        let Some(clusters) = obj.root.get("clusters") else { return };
        for (i, entry) in clusters.items().iter().enumerate() {
            let name = entry.get("name").and_then(Node::as_str).unwrap_or("");
            let Some(cluster) = entry.get("cluster") else { continue };
            let base = FieldPath::root().key("clusters").index(i).key("cluster");
            if cluster.get("insecure-skip-tls-verify").and_then(Node::as_bool) == Some(true) {
                cx.report(
                    obj,
                    base.key("insecure-skip-tls-verify"),
                    format!("cluster `{name}` has `insecure-skip-tls-verify: true`: the API server's certificate is not verified"),
                );
            }
            if let Some(server) = cluster.get("server").and_then(Node::as_str) {
                if server.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://")) {
                    cx.report(
                        obj,
                        base.key("server"),
                        format!("cluster `{name}` talks to `{server}` over plain HTTP: credentials cross the network in clear text"),
                    );
                }
            }
        }
    }
}
