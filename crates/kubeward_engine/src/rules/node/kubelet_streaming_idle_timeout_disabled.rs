use crate::analysis::node::kubelet_settings::{KubeletSettings, STREAMING_IDLE_TIMEOUT};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets whose streaming connections never time out:
    /// `streamingConnectionIdleTimeout` (or `--streaming-connection-idle-timeout`) set to a zero
    /// duration (`0`, `0s`, `0h0m0s`). The default is `4h0m0s`.
    ///
    /// ## Why is this bad?
    /// `exec`, `attach` and `port-forward` sessions stay open forever once idle: forgotten
    /// sessions keep access alive and exhaust the node's connections.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// streamingConnectionIdleTimeout: 0s
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// streamingConnectionIdleTimeout: 5m0s
    /// ```
    ///
    /// ## How to fix
    /// Set `streamingConnectionIdleTimeout` to a non-zero duration such as `5m`, or remove it
    /// to get the default of four hours.
    pub KubeletStreamingIdleTimeoutDisabled {
        code: "NODE055",
        name: "kubelet-streaming-idle-timeout-disabled",
        summary: "kubelet streaming connections never time out",
        severity: Medium,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `streamingConnectionIdleTimeout` to a non-zero duration such as `5m`, or remove it",
        checklist: ["kube-bench"],
        cis: ["4.2.5"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletStreamingIdleTimeoutDisabled);

/// A Go duration (`0`, `0s`, `1h30m`, `0.5s`) that is zero: only zero digits and unit letters.
fn is_zero_duration(v: &str) -> bool {
    let v = v.trim();
    let v = v.strip_prefix(['+', '-']).unwrap_or(v);
    v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().all(|b| b == b'0' || b == b'.' || b.is_ascii_alphabetic() || b == 0xc2 || b == 0xb5)
}

impl KubeletStreamingIdleTimeoutDisabled {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(STREAMING_IDLE_TIMEOUT) else { return };
        if let Some(v) = set.str().filter(|v| is_zero_duration(v)) {
            s.report(cx, &set, format!("kubelet streaming connections never time out: {}", set.state(v)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_zero_duration;

    #[test]
    fn zero_durations() {
        for z in ["0", "0s", "0h0m0s", "0.0s", "00m"] {
            assert!(is_zero_duration(z), "{z}");
        }
        for nz in ["5m", "4h0m0s", "0.5s", "", "s", "10ms"] {
            assert!(!is_zero_duration(nz), "{nz}");
        }
    }
}
