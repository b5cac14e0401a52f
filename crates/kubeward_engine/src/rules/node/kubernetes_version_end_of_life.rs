use crate::analysis::node::releases::{
    container_version, declared_version, parse_version, past_end_of_life, TABLE_DATE,
};
use crate::context::Context;
use crate::input::object::Object;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a Kubernetes version past its end of life on the scan date: the image tag of a
    /// container running kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy or
    /// the kubelet (`registry.k8s.io/kube-apiserver:v1.31.4`, mirrors, `-eks-`/`+k3s` suffixes),
    /// a kops `Cluster`'s `spec.kubernetesVersion`, the `spec.version` of a `kubeward.io/v1`
    /// `KubernetesVersion` (`kubeward node --k8s-version`; the API server's `/version` read by
    /// `kubeward cluster`) and a Node's `status.nodeInfo.kubeletVersion`. End-of-life dates come
    /// from the release table built into kubeward (data as of 2026-09-15; each message names the date); a minor
    /// newer than the table is not reported, one older than the table is past end of life. A
    /// version kubeward cannot parse (a kops channel name, a URL) is not reported.
    ///
    /// ## Why is this bad?
    /// A minor past its end of life gets no more patches: every Kubernetes CVE published after
    /// that date (privilege escalations, kubelet and apiserver bypasses) stays open, and
    /// upgrading later means crossing several minors and their API removals at once.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: kube-apiserver
    ///   namespace: kube-system
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.29.14
    ///       command:
    ///         - kube-apiserver
    ///         - --authorization-mode=Node,RBAC
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: kube-apiserver
    ///   namespace: kube-system
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.35.9
    ///       command:
    ///         - kube-apiserver
    ///         - --authorization-mode=Node,RBAC
    /// ```
    ///
    /// ## How to fix
    /// Upgrade one minor at a time (`kubeadm upgrade`, `kops upgrade cluster`, or the managed
    /// service's upgrade) to a supported minor, checking removed APIs before each step.
    pub KubernetesVersionEndOfLife {
        code: "NODE084",
        name: "kubernetes-version-end-of-life",
        summary: "kubernetes version is past its end of life",
        severity: High,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "upgrade the cluster, one minor at a time, to a supported kubernetes minor",
        checklist: ["general.2"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KubernetesVersionEndOfLife {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        crate::analysis::node::cluster_versions::check_eol(obj, cx);
        let Some((text, path, field)) = declared_version(obj) else { return };
        let Some(v) = parse_version(text) else { return };
        if let Some(when) = past_end_of_life(v, &cx.settings.today) {
            let msg = format!(
                "{field} is `{text}`: Kubernetes {}.x reached end of life {when} (release table of {TABLE_DATE})",
                v_minor(v.minor)
            );
            cx.report(obj, path, msg);
        }
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some((v, component)) = container_version(c) else { return };
        if let Some(when) = past_end_of_life(v, &cx.settings.today) {
            let msg = format!(
                "`{component}` runs Kubernetes `{v}`: {}.x reached end of life {when} (release table of {TABLE_DATE})",
                v_minor(v.minor)
            );
            cx.report(pod.object, c.path.key("image"), msg).container(c.name());
        }
    }
}

fn v_minor(minor: u32) -> String {
    format!("1.{minor}")
}
