use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers running a 1.x release of the Kubernetes Dashboard: images
    /// `kubernetesui/dashboard`, `k8s.gcr.io/kubernetes-dashboard-<arch>`,
    /// `gcr.io/google_containers/kubernetes-dashboard-<arch>`, `registry.k8s.io/...` and their
    /// mirrors, tagged `v1.x` (`v1.10.1`). Releases before v1.7 are critical. Tags that name no
    /// version (`latest`, a digest only) are not reported, nor are the images of the split
    /// v3+ dashboard (`kubernetesui/dashboard-api`, `-web`, `-auth`, `-metrics-scraper`),
    /// which have their own version numbers.
    ///
    /// ## Why is this bad?
    /// Before v1.7 the dashboard had no login: every visitor acted with the dashboard's own
    /// ServiceAccount, often cluster-admin, which is how several public cluster compromises
    /// started. The 1.x line as a whole has been unmaintained since 2019 and has known
    /// vulnerabilities; v2 and later require a login token and run with minimal privileges.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: kubernetes-dashboard, namespace: kube-system}
    /// spec:
    ///   selector: {matchLabels: {k8s-app: kubernetes-dashboard}}
    ///   template:
    ///     metadata: {labels: {k8s-app: kubernetes-dashboard}}
    ///     spec:
    ///       containers:
    ///         - name: kubernetes-dashboard
    ///           image: k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
    /// spec:
    ///   selector: {matchLabels: {k8s-app: kubernetes-dashboard}}
    ///   template:
    ///     metadata: {labels: {k8s-app: kubernetes-dashboard}}
    ///     spec:
    ///       containers:
    ///         - name: kubernetes-dashboard
    ///           image: kubernetesui/dashboard:v2.7.0
    /// ```
    ///
    /// ## How to fix
    /// Upgrade to the current dashboard (the Helm chart of kubernetes/dashboard), which asks
    /// for a bearer token and runs with a minimal ServiceAccount. Do not expose it outside the
    /// cluster; `kubectl proxy` or a port-forward is enough for most teams.
    pub OutdatedDashboard {
        code: "RBAC012",
        name: "outdated-dashboard",
        summary: "container runs a 1.x kubernetes dashboard",
        severity: High,
        category: Rbac,
        targets: CONTAINER,
        remediation: "upgrade the Kubernetes Dashboard to v2 or later and keep it behind authentication",
        checklist: ["components.4"],
        cis: [],
        since: "0.1.0",
    }
}

/// The repository path and tag of an image reference (digest dropped).
fn split_image(image: &str) -> (&str, Option<&str>) {
    let s = image.split('@').next().unwrap_or(image);
    match s.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (s, None),
    }
}

/// Whether the repository is the (pre-v3, single-image) Kubernetes Dashboard.
fn is_dashboard_repo(name: &str) -> bool {
    let mut segs = name.rsplit('/');
    let last = segs.next().unwrap_or("");
    if last == "dashboard" {
        let rest: Vec<&str> = segs.collect();
        return rest.contains(&"kubernetesui") || rest.iter().any(|s| matches!(*s, "registry.k8s.io" | "k8s.gcr.io"));
    }
    match last.strip_prefix("kubernetes-dashboard") {
        Some(arch) => matches!(arch, "" | "-amd64" | "-arm" | "-arm64" | "-ppc64le" | "-s390x" | "-386"),
        None => false,
    }
}

/// `v1.10.1` -> (1, 10); `2.7.0` -> (2, 7); `latest` -> None.
fn version(tag: &str) -> Option<(u32, u32)> {
    let t = tag.strip_prefix('v').unwrap_or(tag);
    let mut parts = t.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor_part = parts.next()?;
    let digits = minor_part.bytes().take_while(u8::is_ascii_digit).count();
    let minor = minor_part.get(..digits)?.parse().ok()?;
    Some((major, minor))
}

impl Rule for OutdatedDashboard {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(image) = c.image() else {
            return;
        };
        let (name, Some(tag)) = split_image(image.trim()) else {
            return;
        };
        if !is_dashboard_repo(name) {
            return;
        }
        let Some((major, minor)) = version(tag) else {
            return;
        };
        if major >= 2 {
            return;
        }
        let path = c.path.key("image");
        if major == 0 || minor < 7 {
            cx.report(
                pod.object,
                path,
                format!(
                    "container `{}` runs Kubernetes Dashboard `{tag}`: before v1.7 every visitor acts with the dashboard's own ServiceAccount",
                    c.name()
                ),
            )
            .container(c.name())
            .severity(Severity::Critical);
        } else {
            cx.report(
                pod.object,
                path,
                format!("container `{}` runs Kubernetes Dashboard `{tag}`, an unmaintained 1.x release", c.name()),
            )
            .container(c.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(split_image("kubernetesui/dashboard:v2.7.0"), ("kubernetesui/dashboard", Some("v2.7.0")));
        assert_eq!(
            split_image("localhost:5000/kubernetesui/dashboard"),
            ("localhost:5000/kubernetesui/dashboard", None)
        );
        assert_eq!(split_image("kubernetesui/dashboard:v1.8@sha256:abc"), ("kubernetesui/dashboard", Some("v1.8")));
        assert!(is_dashboard_repo("docker.io/kubernetesui/dashboard"));
        assert!(is_dashboard_repo("k8s.gcr.io/kubernetes-dashboard-amd64"));
        assert!(is_dashboard_repo("gcr.io/google_containers/kubernetes-dashboard-arm"));
        assert!(is_dashboard_repo("registry.k8s.io/kubernetes-dashboard"));
        assert!(!is_dashboard_repo("kubernetesui/dashboard-api"));
        assert!(!is_dashboard_repo("kubernetesui/metrics-scraper"));
        assert!(!is_dashboard_repo("gcr.io/google_containers/kubernetes-dashboard-init-amd64"));
        assert!(!is_dashboard_repo("grafana/dashboard"));
        assert_eq!(version("v1.10.1"), Some((1, 10)));
        assert_eq!(version("2.0.0-beta8"), Some((2, 0)));
        assert_eq!(version("v1.6"), Some((1, 6)));
        assert_eq!(version("latest"), None);
        assert_eq!(version("v1"), None);
    }
}
