use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags probes (`livenessProbe`, `readinessProbe`, `startupProbe`) and lifecycle handlers
    /// (`lifecycle.postStart`, `lifecycle.preStop`) of every container (init, regular and
    /// ephemeral) whose `httpGet.host` or `tcpSocket.host` is set: the kubelet then connects to
    /// that address instead of the pod's IP.
    ///
    /// ## Why is this bad?
    /// Probes and HTTP/TCP hooks are run by the kubelet, from the node's network namespace, not
    /// by the container. A `host` lets whoever writes a pod make the node connect to any
    /// address it can reach: services bound to the node's loopback, the cloud metadata
    /// endpoint, or internal services that NetworkPolicies keep away from pods; the probe's
    /// success or failure tells the author what answered (a server-side request forgery and
    /// port scanner). The Pod Security Standards' baseline level forbids it since Kubernetes
    /// 1.34 (check `hostProbesAndHostLifecycle`).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       livenessProbe:
    ///         httpGet:
    ///           host: 169.254.169.254
    ///           path: /latest/meta-data/
    ///           port: 80
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       livenessProbe:
    ///         httpGet:
    ///           path: /healthz
    ///           port: 8080
    /// ```
    ///
    /// ## How to fix
    /// Remove `host`: the kubelet then probes the pod's own IP. To send a virtual host name, set
    /// an `httpHeaders` entry `Host` instead. To check a dependency, probe an endpoint of the
    /// container that checks it.
    pub ProbeHostSet {
        code: "POD028",
        name: "probe-host-set",
        summary: "probe or lifecycle hook makes the kubelet connect to another host",
        severity: Medium,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove `host` from the probe or lifecycle handler (use an `httpHeaders` `Host` entry for a virtual host)",
        checklist: ["workload.5"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

/// The handlers the kubelet runs for a container: probes, then lifecycle hooks.
const HANDLERS: &[&[&str]] = &[
    &["livenessProbe"],
    &["readinessProbe"],
    &["startupProbe"],
    &["lifecycle", "postStart"],
    &["lifecycle", "preStop"],
];

impl Rule for ProbeHostSet {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        for keys in HANDLERS {
            let Some(handler) = c.node.at(keys) else {
                continue;
            };
            for action in ["httpGet", "tcpSocket"] {
                let Some(host) = handler.get(action).and_then(|a| a.get("host")).and_then(Node::as_str) else {
                    continue;
                };
                let host = host.trim();
                if host.is_empty() {
                    continue;
                }
                let name = c.name();
                let what = keys.join(".");
                let path = keys.iter().fold(c.path.clone(), |p, k| p.key(k)).key(action).key("host");
                cx.report(
                    pod.object,
                    path,
                    format!(
                        "container `{name}`: `{what}` makes the kubelet connect to host `{host}` (`{action}.host`)"
                    ),
                )
                .container(name);
            }
        }
    }
}
