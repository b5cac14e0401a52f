use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, Severity};

use crate::analysis::pod::security::{cap_base, capability_list, same_cap};

crate::declare_rule! {
    /// ## What it does
    /// Flags each dangerous capability in a container's `securityContext.capabilities.add`
    /// (init, regular and ephemeral containers), one finding per capability. Names are matched
    /// with or without the `CAP_` prefix, in any case. Severity depends on the capability:
    ///
    /// - critical: `ALL`, `SYS_ADMIN`, `SYS_MODULE`, `SYS_RAWIO`, `DAC_READ_SEARCH` (each is a
    ///   known, direct escape to the node);
    /// - high: `NET_ADMIN`, `SYS_PTRACE`, `BPF`, `PERFMON`, `SYS_BOOT`, `SYS_TIME`, `MAC_ADMIN`,
    ///   `MAC_OVERRIDE`;
    /// - medium: `NET_RAW`, `DAC_OVERRIDE`, `SETUID`, `SETGID`, `SETFCAP`, `SETPCAP`,
    ///   `SYS_RESOURCE`, `SYSLOG`;
    /// - low: `CHOWN`, `FOWNER`, `KILL`, `MKNOD`, `SYS_CHROOT`, `AUDIT_WRITE`, `LINUX_IMMUTABLE`,
    ///   `IPC_LOCK`, `LEASE`, `WAKE_ALARM`, `BLOCK_SUSPEND`.
    ///
    /// Other capabilities (`NET_BIND_SERVICE` for instance) are not reported. Capabilities
    /// listed in the option `rules.pod.allowed-capabilities` are not reported either. Windows
    /// pods (`spec.os.name: windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// Capabilities are slices of root's power. `SYS_ADMIN` is almost root (mount, namespaces,
    /// BPF), `SYS_MODULE` loads kernel code, `DAC_READ_SEARCH` reads any host file through
    /// `open_by_handle_at` (the "shocker" escape), `NET_ADMIN` rewrites the pod network,
    /// `SYS_PTRACE` injects code into other processes, `NET_RAW` spoofs packets on the node's
    /// network. Added capabilities stay available to an attacker who takes over the process.
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
    ///       securityContext:
    ///         capabilities:
    ///           add: [SYS_ADMIN]
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
    ///       securityContext:
    ///         capabilities:
    ///           drop: [ALL]
    ///           add: [NET_BIND_SERVICE]
    /// ```
    ///
    /// ## How to fix
    /// Remove the capability from `capabilities.add`; find out what the process does with it
    /// and use a narrower mechanism (a non-privileged port above 1024 instead of
    /// `NET_BIND_SERVICE`, an init container or a node agent for host setup). When a workload
    /// really needs it, allow it in the configuration (`rules.pod.allowed-capabilities`) or
    /// exempt the object with a reason.
    pub DangerousCapabilityAdded {
        code: "POD005",
        name: "dangerous-capability-added",
        summary: "container adds a dangerous Linux capability",
        severity: High,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove the capability from `securityContext.capabilities.add`",
        checklist: ["guide.capabilities", "workload.5", "kubeaudit"],
        cis: ["5.2.8", "5.2.9"],
        since: "0.1.0",
    }
}

/// Dangerous capabilities (without `CAP_`) and their severity.
const DANGEROUS: &[(&str, Severity)] = &[
    ("ALL", Severity::Critical),
    ("SYS_ADMIN", Severity::Critical),
    ("SYS_MODULE", Severity::Critical),
    ("SYS_RAWIO", Severity::Critical),
    ("DAC_READ_SEARCH", Severity::Critical),
    ("NET_ADMIN", Severity::High),
    ("SYS_PTRACE", Severity::High),
    ("BPF", Severity::High),
    ("PERFMON", Severity::High),
    ("SYS_BOOT", Severity::High),
    ("SYS_TIME", Severity::High),
    ("MAC_ADMIN", Severity::High),
    ("MAC_OVERRIDE", Severity::High),
    ("NET_RAW", Severity::Medium),
    ("DAC_OVERRIDE", Severity::Medium),
    ("SETUID", Severity::Medium),
    ("SETGID", Severity::Medium),
    ("SETFCAP", Severity::Medium),
    ("SETPCAP", Severity::Medium),
    ("SYS_RESOURCE", Severity::Medium),
    ("SYSLOG", Severity::Medium),
    ("CHOWN", Severity::Low),
    ("FOWNER", Severity::Low),
    ("KILL", Severity::Low),
    ("MKNOD", Severity::Low),
    ("SYS_CHROOT", Severity::Low),
    ("AUDIT_WRITE", Severity::Low),
    ("LINUX_IMMUTABLE", Severity::Low),
    ("IPC_LOCK", Severity::Low),
    ("LEASE", Severity::Low),
    ("WAKE_ALARM", Severity::Low),
    ("BLOCK_SUSPEND", Severity::Low),
];

impl Rule for DangerousCapabilityAdded {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let name = c.name();
        for (i, cap) in capability_list(c, "add") {
            let Some((canonical, severity)) = DANGEROUS.iter().find(|(d, _)| cap_base(cap).eq_ignore_ascii_case(d))
            else {
                continue;
            };
            if cx.settings.rules.pod.allowed_capabilities.iter().any(|a| same_cap(a, canonical)) {
                continue;
            }
            let msg = if *canonical == "ALL" {
                format!("container `{name}` adds all capabilities (`{}`)", cap.trim())
            } else {
                format!("container `{name}` adds the `{canonical}` capability")
            };
            cx.report(pod.object, c.sc_path("capabilities/add").index(i), msg).container(name).severity(*severity);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DangerousCapabilityAdded;
    use crate::engine::run_rules;
    use crate::snapshot::Snapshot;
    use crate::testing::fixture_settings;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: x\n      securityContext:\n        capabilities:\n          add: [NET_ADMIN, CAP_NET_RAW, SYS_TIME]\n";

    #[test]
    fn allowed_capabilities_are_not_reported() {
        let snap = Snapshot::from_text("p.yaml", POD);
        let mut settings = fixture_settings();
        assert_eq!(run_rules(&snap, &settings, &[&DangerousCapabilityAdded]).finding_count(), 3);
        settings.rules.pod.allowed_capabilities = vec!["cap_net_admin".into(), "NET_RAW".into()];
        let report = run_rules(&snap, &settings, &[&DangerousCapabilityAdded]);
        let messages: Vec<String> = report.findings().map(|d| d.message.clone()).collect();
        assert_eq!(messages, ["container `app` adds the `SYS_TIME` capability"]);
    }
}
