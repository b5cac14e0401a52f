use crate::analysis::node::releases::{
    container_version, declared_version, parse_version, past_end_of_life, release, Version, TABLE_DATE,
};
use crate::context::Context;
use crate::input::object::Object;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

/// The newest known patch when `v` is a supported minor behind it.
fn newer_patch(v: Version, today: &str) -> Option<u32> {
    let patch = v.patch?;
    if past_end_of_life(v, today).is_some() {
        return None; // NODE084 reports it; a newer patch would not fix it
    }
    release(v.minor).map(|r| r.latest_patch).filter(|&latest| patch < latest)
}

crate::declare_rule! {
    /// ## What it does
    /// Flags a Kubernetes version behind the newest patch release of its minor: the image tag
    /// of a container running kube-apiserver, kube-controller-manager, kube-scheduler,
    /// kube-proxy or the kubelet, a kops `Cluster`'s `spec.kubernetesVersion` (when it has
    /// a patch number), the `spec.version` of a `kubeward.io/v1` `KubernetesVersion`
    /// (`kubeward node --k8s-version`; the API server's `/version` read by `kubeward cluster`)
    /// and a Node's `status.nodeInfo.kubeletVersion`. The newest patches come from the release
    /// table built into kubeward
    /// (data as of 2026-09-15; each message names the date): a patch newer than the table, a
    /// minor newer than the table, and a minor past its end of life (NODE084) are not reported.
    ///
    /// ## Why is this bad?
    /// Patch releases carry the security fixes of a minor (CVE fixes are backported to the
    /// supported minors only as patches). Staying behind leaves published, exploitable
    /// vulnerabilities open although the fix is a drop-in update.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.1
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
    /// ```
    ///
    /// ## How to fix
    /// Upgrade to the newest patch of the minor (`kubeadm upgrade apply v1.N.P`, or set
    /// `spec.kubernetesVersion` and `kops update cluster --yes` + `kops rolling-update cluster
    /// --yes`); patch upgrades within a minor do not change APIs.
    pub KubernetesVersionPatchBehind {
        code: "NODE085",
        name: "kubernetes-version-patch-behind",
        summary: "kubernetes version is behind the newest patch of its minor",
        severity: Low,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "upgrade to the newest patch release of the kubernetes minor",
        checklist: ["general.2"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KubernetesVersionPatchBehind {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        crate::analysis::node::cluster_versions::check_patch(obj, cx);
        let Some((text, path, field)) = declared_version(obj) else { return };
        let Some(v) = parse_version(text) else { return };
        if let Some(latest) = newer_patch(v, &cx.settings.today) {
            let msg = format!("{field} is `{text}`: the newest known patch of 1.{} is `1.{}.{latest}` (release table of {TABLE_DATE})", v.minor, v.minor);
            cx.report(obj, path, msg);
        }
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some((v, component)) = container_version(c) else { return };
        if let Some(latest) = newer_patch(v, &cx.settings.today) {
            let msg = format!("`{component}` runs Kubernetes `{v}`: the newest known patch of 1.{} is `1.{}.{latest}` (release table of {TABLE_DATE})", v.minor, v.minor);
            cx.report(pod.object, c.path.key("image"), msg).container(c.name());
        }
    }
}
