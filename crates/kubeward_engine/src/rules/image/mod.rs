//! Rules of the `image` area. Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod image_not_pinned_by_digest;
mod image_pull_policy_not_always;
mod latest_image_tag;
mod nonstandard_image;
mod untrusted_registry;
mod vulnerable_image;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &latest_image_tag::LatestImageTag,
    &image_not_pinned_by_digest::ImageNotPinnedByDigest,
    &untrusted_registry::UntrustedRegistry,
    &image_pull_policy_not_always::ImagePullPolicyNotAlways,
    &nonstandard_image::NonstandardImage,
    &vulnerable_image::VulnerableImage,
];
