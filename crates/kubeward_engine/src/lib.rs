//! kubeward's engine: reads Kubernetes manifests into position-carrying trees, runs the rules,
//! and renders reports. Pure and synchronous: no network, no async runtime. The CLI, the cluster
//! collector and the admission server are thin layers around [`engine::run`].
#![warn(missing_docs)]

pub mod admission;
pub mod analysis;
pub mod base64;
pub mod checklist;
pub mod context;
pub mod diagnostic;
mod dispatch;
pub mod docs;
pub mod engine;
pub mod fix;
pub mod images;
pub mod input;
pub mod inventory;
pub mod packed;
pub mod project;
pub mod pss;
pub mod registry;
pub mod report;
pub mod rootfs;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod snapshot;
#[cfg(test)]
mod stream_tests;
pub mod suggest;
pub mod suppression;
pub mod verify;

#[cfg(test)]
pub(crate) mod testing;

pub use diagnostic::{Diagnostic, InputError};
pub use engine::{run, Report};
pub use registry::{find, rules as all_rules};
pub use rule::{Category, Rule, RuleMeta, Severity};
pub use settings::Settings;
pub use snapshot::Snapshot;

/// The version of kubeward.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
