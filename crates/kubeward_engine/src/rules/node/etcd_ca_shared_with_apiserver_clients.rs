use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{component, Etcd};
use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers whose `--trusted-ca-file` is the same file as a kube-apiserver's
    /// `--client-ca-file` in the scanned files (same path after normalisation). The check
    /// compares paths, so it is meant for the manifests of one control-plane node, where equal
    /// paths are the same file.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// CIS 2.7 asks for a certificate authority used only for etcd. The API server's client CA
    /// signs every kubelet and user client certificate of the cluster: when etcd trusts it too,
    /// any of those certificates (a stolen kubelet certificate, an admin kubeconfig) opens etcd
    /// directly, past RBAC, admission and audit.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: List
    /// items:
    ///   - apiVersion: v1
    ///     kind: Pod
    ///     metadata: {name: etcd, namespace: kube-system}
    ///     spec:
    ///       containers:
    ///         - name: etcd
    ///           image: registry.k8s.io/etcd:3.5.21-0
    ///           command: [etcd, --client-cert-auth=true, --trusted-ca-file=/etc/kubernetes/pki/ca.crt]
    ///   - apiVersion: v1
    ///     kind: Pod
    ///     metadata: {name: kube-apiserver, namespace: kube-system}
    ///     spec:
    ///       containers:
    ///         - name: kube-apiserver
    ///           image: registry.k8s.io/kube-apiserver:v1.33.1
    ///           command: [kube-apiserver, --client-ca-file=/etc/kubernetes/pki/ca.crt]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: List
    /// items:
    ///   - apiVersion: v1
    ///     kind: Pod
    ///     metadata: {name: etcd, namespace: kube-system}
    ///     spec:
    ///       containers:
    ///         - name: etcd
    ///           image: registry.k8s.io/etcd:3.5.21-0
    ///           command: [etcd, --client-cert-auth=true, --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt]
    ///   - apiVersion: v1
    ///     kind: Pod
    ///     metadata: {name: kube-apiserver, namespace: kube-system}
    ///     spec:
    ///       containers:
    ///         - name: kube-apiserver
    ///           image: registry.k8s.io/kube-apiserver:v1.33.1
    ///           command: [kube-apiserver, --client-ca-file=/etc/kubernetes/pki/ca.crt]
    /// ```
    ///
    /// ## How to fix
    /// Create a CA used only for etcd (kubeadm: `/etc/kubernetes/pki/etcd/ca.crt`), issue the
    /// etcd server, peer and API server client (`--etcd-certfile`) certificates from it, and set
    /// etcd's `--trusted-ca-file` to it.
    pub EtcdCaSharedWithApiserverClients {
        code: "NODE038",
        name: "etcd-ca-shared-with-apiserver-clients",
        summary: "etcd trusts the CA that signs the cluster's client certificates",
        severity: High,
        category: Node,
        targets: INVENTORY,
        remediation: "give etcd a dedicated CA and set its `--trusted-ca-file` to it, not to the API server's `--client-ca-file`",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.7"],
        since: "0.1.0",
    }
}

/// A path compared lexically: duplicate and trailing slashes and `.` segments dropped.
fn norm(p: &str) -> String {
    let abs = p.trim().starts_with('/');
    let segs: Vec<&str> = p.trim().split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    format!("{}{}", if abs { "/" } else { "" }, segs.join("/"))
}

impl Rule for EtcdCaSharedWithApiserverClients {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        let objects = snap.objects();
        let mut client_cas: Vec<(String, String)> = Vec::new();
        snap.for_each_workload(&objects, |pod| {
            for c in pod.containers() {
                let Some(comp) = component(&c, ComponentKind::ApiServer) else { continue };
                if let Some(ca) = comp.flags.get("client-ca-file").filter(|v| !v.trim().is_empty()) {
                    client_cas.push((norm(ca), pod.object.oref.to_string()));
                }
            }
        });
        if client_cas.is_empty() {
            return;
        }
        snap.for_each_workload(&objects, |pod| {
            for c in pod.containers() {
                let Some(etcd) = Etcd::of(&c) else { continue };
                let Some(s) = etcd.setting("trusted-ca-file") else { continue };
                let Some(raw) = s.raw.as_deref() else { continue };
                let Some((_, api)) = client_cas.iter().find(|(ca, _)| *ca == norm(raw)) else { continue };
                cx.report(
                    pod.object,
                    s.path.clone(),
                    format!(
                        "etcd container `{}` trusts the API server's client CA: {} is the `--client-ca-file` of `{api}`",
                        c.name(),
                        s.describe("trusted-ca-file")
                    ),
                )
                .container(c.name());
            }
        });
    }
}
