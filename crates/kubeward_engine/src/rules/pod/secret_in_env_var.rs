use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags Secrets passed to a container through its environment: every
    /// `env[].valueFrom.secretKeyRef` and every `envFrom[].secretRef`, one finding per item.
    ///
    /// ## Why is this bad?
    /// The environment leaks: programs print it in crash reports and debug endpoints, child
    /// processes inherit it, it is readable in `/proc/<pid>/environ` by anything sharing the
    /// PID namespace, and it is frozen at container start, so a rotated Secret needs a restart.
    /// A Secret mounted as a file is updated in place, can be read by one process only and is not
    /// inherited.
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
    ///       env:
    ///         - name: DB_PASSWORD
    ///           valueFrom:
    ///             secretKeyRef: {name: db, key: password}
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
    ///       volumeMounts:
    ///         - {name: db, mountPath: /run/secrets/db, readOnly: true}
    ///   volumes:
    ///     - name: db
    ///       secret: {secretName: db}
    /// ```
    ///
    /// ## How to fix
    /// Mount the Secret as a volume (`secret` or `projected`) and have the program read the
    /// file (many images accept a `*_FILE` variable pointing to it).
    pub SecretInEnvVar {
        code: "POD023",
        name: "secret-in-env-var",
        summary: "secret passed through an environment variable",
        severity: Low,
        category: Pod,
        targets: CONTAINER,
        remediation: "mount the Secret as a volume and read it from the file",
        checklist: ["guide.no-credentials"],
        cis: ["5.4.1"],
        since: "0.1.0",
    }
}

impl Rule for SecretInEnvVar {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let secret_name = |r: &Node| r.get("name").and_then(Node::as_str).unwrap_or("").to_string();
        for (i, e) in c.get("env").map(Node::items).unwrap_or_default().iter().enumerate() {
            let Some(r) = e.at(&["valueFrom", "secretKeyRef"]).filter(|r| !r.is_null()) else {
                continue;
            };
            let var = e.get("name").and_then(Node::as_str).unwrap_or("");
            let key = r.get("key").and_then(Node::as_str).unwrap_or("");
            let msg = format!(
                "container `{}` reads key `{key}` of Secret `{}` into environment variable `{var}`",
                c.name(),
                secret_name(r)
            );
            cx.report(pod.object, c.path.key("env").index(i).key("valueFrom").key("secretKeyRef"), msg)
                .container(c.name());
        }
        for (i, e) in c.get("envFrom").map(Node::items).unwrap_or_default().iter().enumerate() {
            let Some(r) = e.get("secretRef").filter(|r| !r.is_null()) else {
                continue;
            };
            let msg =
                format!("container `{}` loads every key of Secret `{}` into its environment", c.name(), secret_name(r));
            cx.report(pod.object, c.path.key("envFrom").index(i).key("secretRef"), msg).container(c.name());
        }
    }
}
