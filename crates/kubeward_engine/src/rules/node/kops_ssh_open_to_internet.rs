use crate::analysis::node::cluster_config::{is_kops, is_open_cidr};
use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a kops `Cluster` whose `spec.sshAccess` contains `0.0.0.0/0` or `::/0`.
    ///
    /// ## Why is this bad?
    /// kops opens port 22 of the nodes (or of the bastion) to the listed CIDRs. SSH open to the
    /// internet invites brute force and exploitation of sshd, and a shell on a node is root on
    /// its kubelet credentials and on every pod scheduled there.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   sshAccess:
    ///     - 0.0.0.0/0
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
    ///   sshAccess:
    ///     - 10.20.0.0/16
    /// ```
    ///
    /// ## How to fix
    /// List only the admin VPN or bastion ranges in `spec.sshAccess` (or use SSM Session
    /// Manager and an empty list), then `kops update cluster --yes`.
    pub KopsSshOpenToInternet {
        code: "NODE080",
        name: "kops-ssh-open-to-internet",
        summary: "kops cluster nodes accept ssh from the internet",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "restrict `spec.sshAccess` to the admin or bastion address ranges",
        checklist: ["guide.cloud"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsSshOpenToInternet {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_kops(obj, "Cluster") {
            return;
        }
        let Some(list) = obj.root.at(&["spec", "sshAccess"]) else { return };
        for (i, cidr) in list.items().iter().enumerate() {
            if let Some(c) = cidr.as_str().filter(|c| is_open_cidr(c)) {
                let path = FieldPath::root().key("spec").key("sshAccess").index(i);
                cx.report(
                    obj,
                    path,
                    format!("`spec.sshAccess` contains `{c}`: ssh to the nodes is open to the whole internet"),
                );
            }
        }
    }
}
