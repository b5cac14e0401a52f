use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) that run as Windows HostProcess
    /// containers: `securityContext.windowsOptions.hostProcess: true`, set on the container or
    /// inherited from the pod-level `securityContext` (the kubelet merges `windowsOptions` key by
    /// key, so a container's `windowsOptions: {}` still inherits the pod's `hostProcess`).
    ///
    /// ## Why is this bad?
    /// A HostProcess container is not isolated at all: it runs as a process on the Windows node,
    /// in the host's network namespace, with the node's file system and, usually, as
    /// `NT AUTHORITY\SYSTEM`. It is the Windows counterpart of a privileged container with every
    /// host namespace. The Pod Security Standards' baseline level forbids it and the CIS
    /// Kubernetes Benchmark (5.2.10) asks to minimise its admission.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: agent}
    /// spec:
    ///   os: {name: windows}
    ///   hostNetwork: true
    ///   securityContext:
    ///     windowsOptions:
    ///       hostProcess: true
    ///       runAsUserName: "NT AUTHORITY\\SYSTEM"
    ///   containers:
    ///     - name: agent
    ///       image: registry.example.com/agent:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: agent}
    /// spec:
    ///   os: {name: windows}
    ///   securityContext:
    ///     windowsOptions:
    ///       runAsUserName: "ContainerUser"
    ///   containers:
    ///     - name: agent
    ///       image: registry.example.com/agent:1.0
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostProcess: true` (pod and containers) and `hostNetwork: true`, and run the
    /// workload as an ordinary Windows container. A node agent that truly needs the host
    /// belongs in a dedicated namespace whose Pod Security level is `privileged`, with a
    /// kubeward exemption that says why.
    pub WindowsHostProcess {
        code: "POD027",
        name: "windows-host-process",
        summary: "container runs as a Windows HostProcess container",
        severity: Critical,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove `securityContext.windowsOptions.hostProcess` (pod and containers) and `hostNetwork`",
        checklist: ["workload.5", "guide.privileged"],
        cis: ["5.2.10"],
        since: "0.1.0",
    }
}

impl Rule for WindowsHostProcess {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(e) = c.effective_key("windowsOptions", "hostProcess") else {
            return;
        };
        if e.value.is_true() {
            let name = c.name();
            let from = if e.inherited { " (inherited from the pod)" } else { "" };
            cx.report(
                pod.object,
                e.path,
                format!("container `{name}` runs as a Windows HostProcess container (`hostProcess: true`){from}"),
            )
            .container(name);
        }
    }
}
