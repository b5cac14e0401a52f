use crate::analysis::node::component::{ComponentKind, ComponentView};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-proxy serving its metrics beyond localhost: `--metrics-bind-address` on a
    /// kube-proxy container or process, or `metricsBindAddress` in a `KubeProxyConfiguration`
    /// (a file, or kubeadm's `kube-proxy` ConfigMap key `config.conf`), with a host other than
    /// `127.0.0.1`, `::1` or `localhost`. Unset is the default, `127.0.0.1:10249`.
    ///
    /// ## Why is this bad?
    /// The metrics endpoint has no authentication. Bound to every interface, it tells anyone
    /// who can reach the node the Services, endpoints and sync timings of the whole cluster's
    /// data plane, and it is one more open port on every node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubeproxy.config.k8s.io/v1alpha1
    /// kind: KubeProxyConfiguration
    /// mode: iptables
    /// metricsBindAddress: 0.0.0.0:10249
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubeproxy.config.k8s.io/v1alpha1
    /// kind: KubeProxyConfiguration
    /// mode: iptables
    /// metricsBindAddress: 127.0.0.1:10249
    /// ```
    ///
    /// ## How to fix
    /// Remove `metricsBindAddress` / `--metrics-bind-address` (the default is
    /// `127.0.0.1:10249`), or set it to `127.0.0.1:10249`. Scrape the metrics through a
    /// node-local agent or an authenticating proxy.
    pub KubeProxyMetricsExposed {
        code: "NODE089",
        name: "kube-proxy-metrics-exposed",
        summary: "kube-proxy serves its metrics beyond localhost",
        severity: Low,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "remove `metricsBindAddress` (default `127.0.0.1:10249`) or bind it to `127.0.0.1`",
        checklist: ["kube-bench"],
        cis: ["4.3.1"],
        since: "0.1.0",
    }
}

/// Whether a bind address (`host:port`, `[::1]:port`, or a bare host) is loopback.
fn is_loopback(addr: &str) -> bool {
    let host = if let Some(rest) = addr.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if addr.matches(':').count() > 1 {
        addr
    } else {
        addr.split(':').next().unwrap_or(addr)
    };
    matches!(host, "localhost" | "::1") || host.starts_with("127.")
}

/// Whether a written bind address serves beyond loopback (empty means the default, loopback).
fn exposed(addr: &str) -> bool {
    !addr.is_empty() && !is_loopback(addr)
}

/// The exposed `metricsBindAddress` of a KubeProxyConfiguration.
fn exposed_in(config: &Node) -> Option<&str> {
    config.get(KEY).and_then(Node::as_str).filter(|v| exposed(v))
}

const KEY: &str = "metricsBindAddress";
const CONFIG_MAP_KEY: &str = "config.conf";

fn is_proxy_config(root: &Node) -> bool {
    root.get("kind").and_then(Node::as_str) == Some("KubeProxyConfiguration")
        && root.get("apiVersion").and_then(Node::as_str).is_some_and(|v| v.starts_with("kubeproxy.config.k8s.io/"))
}

impl Rule for KubeProxyMetricsExposed {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if is_proxy_config(obj.root) {
            if let Some(v) = exposed_in(obj.root) {
                cx.report(
                    obj,
                    FieldPath::root().key(KEY),
                    format!("kube-proxy serves unauthenticated metrics on `{v}` (`{KEY}`)"),
                );
            }
            return;
        }
        if obj.kind() != "ConfigMap" || !obj.group().is_empty() {
            return;
        }
        let Some(text) = obj.root.at(&["data", CONFIG_MAP_KEY]).and_then(Node::as_str) else { return };
        let loaded = crate::input::yaml::load(text, crate::input::yaml::Limits::default());
        let Some(doc) = loaded.documents.first().filter(|d| is_proxy_config(&d.root)) else { return };
        if let Some(v) = exposed_in(&doc.root) {
            cx.report(
                obj,
                FieldPath::root().key("data").key(CONFIG_MAP_KEY),
                format!("kube-proxy serves unauthenticated metrics on `{v}` (`{KEY}` in `data.{CONFIG_MAP_KEY}`)"),
            );
        }
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = ComponentView::of(c).filter(|v| v.kind == ComponentKind::KubeProxy) else { return };
        let Some((flag, path)) = comp.flag("metrics-bind-address") else { return };
        let Some(v) = flag.value.as_deref().filter(|v| exposed(v)) else { return };
        cx.report(
            pod.object,
            path,
            format!(
                "kube-proxy container `{}` serves unauthenticated metrics on `{v}` (`--metrics-bind-address`)",
                c.name()
            ),
        )
        .container(c.name());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_addresses() {
        for a in ["127.0.0.1:10249", "127.0.0.1", "localhost:10249", "[::1]:10249", "::1"] {
            assert!(super::is_loopback(a), "{a}");
        }
        for a in ["0.0.0.0:10249", ":10249", "10.0.0.5:10249", "[::]:10249", "::"] {
            assert!(!super::is_loopback(a), "{a}");
        }
    }
}
