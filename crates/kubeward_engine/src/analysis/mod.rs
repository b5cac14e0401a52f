//! What several rules work out from the input in the same way: the components of a static pod
//! and their flags, kubelet settings, node files, Dockerfile stages, pod security fields. Each
//! module serves one rule area; a helper only one rule uses lives in that rule's file instead.

pub mod docker;
pub(crate) mod dockerfile;
pub mod node;
pub(crate) mod pod;
