//! What the pod rules share: ServiceAccount use, literal credentials, resource settings and
//! security context fields.

pub(crate) mod account;
pub(crate) mod credential;
pub(crate) mod resource;
pub(crate) mod security;
