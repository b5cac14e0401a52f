use crate::analysis::node::kubelet_settings::{KubeletSettings, TLS_CIPHER_SUITES};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets whose `tlsCipherSuites` (or `--tls-cipher-suites`) list a suite outside
    /// the strong set of CIS 4.2.12: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305
    /// (TLS 1.3 suite names are accepted too). An absent list uses Go's defaults and is fine.
    ///
    /// ## Why is this bad?
    /// Suites without forward secrecy (`TLS_RSA_*`), with CBC mode, 3DES or RC4 let a recorded
    /// or downgraded session be decrypted.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// tlsCipherSuites:
    ///   - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    ///   - TLS_RSA_WITH_AES_128_CBC_SHA
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// tlsCipherSuites:
    ///   - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    ///   - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    /// ```
    ///
    /// ## How to fix
    /// Keep only `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`, `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`,
    /// `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305`, `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`,
    /// `TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305` and `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`, or
    /// remove the setting.
    pub KubeletWeakTlsCiphers {
        code: "NODE061",
        name: "kubelet-weak-tls-ciphers",
        summary: "kubelet allows weak tls cipher suites",
        severity: Medium,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "keep only ECDHE suites with AES-GCM or ChaCha20-Poly1305 in `tlsCipherSuites`, or remove the setting",
        checklist: ["components.2", "kube-bench"],
        cis: ["4.2.12"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletWeakTlsCiphers);

const STRONG: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

impl KubeletWeakTlsCiphers {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(TLS_CIPHER_SUITES) else { return };
        let Some(list) = set.list() else { return };
        let weak: Vec<String> = list.iter().filter(|c| !STRONG.contains(&c.trim())).map(|c| format!("`{c}`")).collect();
        if !weak.is_empty() {
            s.report(
                cx,
                &set,
                format!("kubelet allows weak TLS cipher suites: `{}` includes {}", set.name, weak.join(", ")),
            );
        }
    }
}
