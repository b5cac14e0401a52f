//! Where the components of the supported node layouts keep their files: kubeadm (and most
//! hand-made installs), RKE2 and K3s, plus the Docker host. Every path is tried; a file that
//! is absent is not applicable, so one table serves every layout. Sources: kube-bench's
//! `cfg/config.yaml`, `cfg/rke2-cis-*` and `cfg/k3s-cis-*` (docs/design/node-layouts.md).

use kubeward_engine::input::hostfile::FileRole;

/// Directories of static pod manifests, besides the kubelet's own `staticPodPath` /
/// `--pod-manifest-path`.
pub const STATIC_POD_DIRS: &[&str] = &[
    "/etc/kubernetes/manifests",
    "/var/lib/rancher/rke2/agent/pod-manifests",
    "/var/lib/rancher/k3s/agent/pod-manifests",
];

/// Static pod manifest file names and the CIS role of each.
pub const MANIFEST_ROLES: &[(&str, FileRole)] = &[
    ("kube-apiserver.yaml", FileRole::ApiServerManifest),
    ("kube-controller-manager.yaml", FileRole::ControllerManagerManifest),
    ("kube-scheduler.yaml", FileRole::SchedulerManifest),
    ("etcd.yaml", FileRole::EtcdManifest),
];

/// Kubelet config files when no `--config` is visible: kubeadm's path, and RKE2's and K3s's
/// drop-in directories are read through `--config-dir` when the kubelet is visible.
pub const KUBELET_CONFIG_DEFAULTS: &[&str] = &["/var/lib/kubelet/config.yaml"];

/// Kubelet drop-in config directories when no `--config-dir` is visible (RKE2 and K3s
/// write their kubelet settings there from v1.29 on).
pub const KUBELET_CONFIG_DIR_DEFAULTS: &[&str] =
    &["/var/lib/rancher/rke2/agent/etc/kubelet.conf.d", "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d"];

/// Node files whose permissions and ownership CIS checks, at each layout's usual path.
pub const HOST_FILES: &[(&str, FileRole)] = &[
    // kubeadm
    ("/var/lib/etcd", FileRole::EtcdDataDir),
    ("/etc/kubernetes/admin.conf", FileRole::AdminKubeconfig),
    ("/etc/kubernetes/super-admin.conf", FileRole::AdminKubeconfig),
    ("/etc/kubernetes/scheduler.conf", FileRole::SchedulerKubeconfig),
    ("/etc/kubernetes/controller-manager.conf", FileRole::ControllerManagerKubeconfig),
    ("/etc/kubernetes/pki", FileRole::Pki),
    ("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", FileRole::KubeletService),
    ("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", FileRole::KubeletService),
    ("/usr/lib/systemd/system/kubelet.service", FileRole::KubeletService),
    ("/lib/systemd/system/kubelet.service", FileRole::KubeletService),
    ("/etc/systemd/system/kubelet.service", FileRole::KubeletService),
    ("/etc/kubernetes/kubelet.conf", FileRole::KubeletKubeconfig),
    ("/var/lib/kube-proxy/kubeconfig.conf", FileRole::ProxyKubeconfig),
    ("/var/lib/kubelet/config.yaml", FileRole::KubeletConfig),
    ("/etc/kubernetes/pki/ca.crt", FileRole::ClientCaFile),
    // RKE2
    ("/var/lib/rancher/rke2/server/db/etcd", FileRole::EtcdDataDir),
    ("/etc/rancher/rke2/rke2.yaml", FileRole::AdminKubeconfig),
    ("/var/lib/rancher/rke2/server/cred/admin.kubeconfig", FileRole::AdminKubeconfig),
    ("/var/lib/rancher/rke2/server/cred/scheduler.kubeconfig", FileRole::SchedulerKubeconfig),
    ("/var/lib/rancher/rke2/server/cred/controller.kubeconfig", FileRole::ControllerManagerKubeconfig),
    ("/var/lib/rancher/rke2/server/tls", FileRole::Pki),
    ("/var/lib/rancher/rke2/agent/kubelet.kubeconfig", FileRole::KubeletKubeconfig),
    ("/var/lib/rancher/rke2/agent/kubeproxy.kubeconfig", FileRole::ProxyKubeconfig),
    ("/var/lib/rancher/rke2/agent/client-ca.crt", FileRole::ClientCaFile),
    ("/usr/local/lib/systemd/system/rke2-server.service", FileRole::KubeletService),
    ("/usr/local/lib/systemd/system/rke2-agent.service", FileRole::KubeletService),
    // K3s
    ("/var/lib/rancher/k3s/server/db/etcd", FileRole::EtcdDataDir),
    ("/etc/rancher/k3s/k3s.yaml", FileRole::AdminKubeconfig),
    ("/var/lib/rancher/k3s/server/cred/admin.kubeconfig", FileRole::AdminKubeconfig),
    ("/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig", FileRole::SchedulerKubeconfig),
    ("/var/lib/rancher/k3s/server/cred/controller.kubeconfig", FileRole::ControllerManagerKubeconfig),
    ("/var/lib/rancher/k3s/server/tls", FileRole::Pki),
    ("/var/lib/rancher/k3s/agent/kubelet.kubeconfig", FileRole::KubeletKubeconfig),
    ("/var/lib/rancher/k3s/agent/kubeproxy.kubeconfig", FileRole::ProxyKubeconfig),
    ("/var/lib/rancher/k3s/agent/client-ca.crt", FileRole::ClientCaFile),
    ("/etc/systemd/system/k3s.service", FileRole::KubeletService),
    ("/etc/systemd/system/k3s-agent.service", FileRole::KubeletService),
    // Docker host
    ("/lib/systemd/system/docker.service", FileRole::DockerUnit),
    ("/lib/systemd/system/docker.socket", FileRole::DockerUnit),
    ("/usr/lib/systemd/system/docker.service", FileRole::DockerUnit),
    ("/usr/lib/systemd/system/docker.socket", FileRole::DockerUnit),
    ("/etc/docker", FileRole::DockerConfigDir),
    ("/var/run/docker.sock", FileRole::DockerSocket),
    ("/run/docker.sock", FileRole::DockerSocket),
    ("/etc/docker/daemon.json", FileRole::DockerDaemonJson),
    ("/etc/default/docker", FileRole::DockerDefaults),
    ("/etc/sysconfig/docker", FileRole::DockerDefaults),
    ("/run/containerd/containerd.sock", FileRole::ContainerdSocket),
    ("/run/k3s/containerd/containerd.sock", FileRole::ContainerdSocket),
];

/// PKI directories whose `*.crt` and `*.key` files CIS checks (1.1.20, 1.1.21).
pub const PKI_DIRS: &[&str] = &[
    "/etc/kubernetes/pki",
    "/etc/kubernetes/pki/etcd",
    "/var/lib/rancher/rke2/server/tls",
    "/var/lib/rancher/rke2/server/tls/etcd",
    "/var/lib/rancher/k3s/server/tls",
    "/var/lib/rancher/k3s/server/tls/etcd",
];

/// CNI configuration directories (CIS 1.1.9, 1.1.10): the CNI default, K3s's own, and the
/// host-local IPAM state that K3s's self-assessment audits.
pub const CNI_DIRS: &[&str] = &["/etc/cni/net.d", "/var/lib/rancher/k3s/agent/etc/cni/net.d", "/var/lib/cni/networks"];

/// Roles of the files that are kubeconfigs, read as documents for the kubeconfig rules.
pub const KUBECONFIG_ROLES: &[FileRole] = &[
    FileRole::AdminKubeconfig,
    FileRole::SchedulerKubeconfig,
    FileRole::ControllerManagerKubeconfig,
    FileRole::KubeletKubeconfig,
    FileRole::ProxyKubeconfig,
];

/// The Docker daemon's config file.
pub const DOCKER_DAEMON_JSON: &str = "/etc/docker/daemon.json";

/// auditd's rules: the compiled file and the directory `augenrules` compiles it from.
pub const AUDIT_RULES_FILE: &str = "/etc/audit/audit.rules";
/// See [`AUDIT_RULES_FILE`].
pub const AUDIT_RULES_DIR: &str = "/etc/audit/rules.d";
