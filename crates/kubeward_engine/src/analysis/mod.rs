//! What several rules (and the inventory) work out from the input in the same way: selector and
//! CIDR maths, RBAC resolution, whole-cluster anchors and components, the components of a static
//! pod and their flags, kubelet settings, node files, Dockerfile stages, pod security fields. It
//! reports nothing itself; a helper only one rule uses lives in that rule's file instead.

pub mod cluster;
pub mod docker;
pub(crate) mod dockerfile;
pub mod network;
pub mod node;
pub(crate) mod pod;
pub mod rbac;
