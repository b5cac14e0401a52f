//! Rules of the `node` area: control-plane and kubelet configuration (CIS Kubernetes
//! Benchmark v1.12 sections 1 to 4), read from static pod manifests, KubeletConfiguration,
//! EncryptionConfiguration, audit Policy and kops specs. `kubeward node` (issue 3) will feed
//! running processes and host files to the same rules.
//! Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

pub mod component;

// ---- api server rules: mods ----
// ---- end api server rules: mods ----

// (spacer)

// ---- etcd, controller manager and scheduler rules: mods ----
// ---- end etcd, controller manager and scheduler rules: mods ----

// (spacer)

// ---- kubelet rules: mods ----
// ---- end kubelet rules: mods ----

// (spacer)

// ---- encryption, audit, kops and versions rules: mods ----
// ---- end encryption, audit, kops and versions rules: mods ----

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    // ---- api server rules: entries ----
    // ---- end api server rules: entries ----
    //
    // (spacer)
    //
    // ---- etcd, controller manager and scheduler rules: entries ----
    // ---- end etcd, controller manager and scheduler rules: entries ----
    //
    // (spacer)
    //
    // ---- kubelet rules: entries ----
    // ---- end kubelet rules: entries ----
    //
    // (spacer)
    //
    // ---- encryption, audit, kops and versions rules: entries ----
    // ---- end encryption, audit, kops and versions rules: entries ----
];
