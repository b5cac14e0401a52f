use crate::analysis::node::apiserver_flags::{apiserver, report};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

/// The CIS 1.12 strong suites (1.2.29), as Go names them (with the legacy aliases).
const STRONG: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers whose `--tls-cipher-suites` lists a suite outside the CIS
    /// strong set (TLS 1.3 suites and ECDHE with AES-GCM or ChaCha20-Poly1305). When the flag is
    /// not set, Go's default suites apply, which exclude RC4 and (Go 1.22 and 1.23 and later) RSA
    /// key exchange and 3DES, so an unset flag is not a finding (kube-bench reports it).
    ///
    /// ## Why is this bad?
    /// CBC suites with SHA-1 are prone to padding-oracle attacks, RSA key exchange has no forward
    /// secrecy (a stolen key decrypts recorded traffic), and RC4 and 3DES are broken. Explicitly
    /// listing them makes the API server accept them from a downgraded client.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    /// ```
    ///
    /// ## How to fix
    /// List only strong suites, e.g.
    /// `--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256`,
    /// or remove the flag to use Go's defaults.
    pub ApiserverWeakTlsCipherSuites {
        code: "NODE019",
        name: "apiserver-weak-tls-cipher-suites",
        summary: "kube-apiserver allows TLS cipher suites outside the strong set",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--tls-cipher-suites` on kube-apiserver to AEAD suites with forward secrecy only (ECDHE with AES-GCM or ChaCha20-Poly1305)",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.2.29"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverWeakTlsCipherSuites {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let Some(suites) = comp.flags.get_list("tls-cipher-suites") else {
            return;
        };
        let weak: Vec<&str> = suites.into_iter().filter(|s| !STRONG.contains(s)).collect();
        if !weak.is_empty() {
            let msg = format!(
                "kube-apiserver container `{}` has `--tls-cipher-suites` allowing weak suites `{}`",
                c.name(),
                weak.join(",")
            );
            report(pod, c, &comp, "tls-cipher-suites", msg, cx);
        }
    }
}
