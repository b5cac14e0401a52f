//! Analysis shared by several rules: what an object means beyond its fields (selector and CIDR
//! maths, RBAC resolution, which cluster components run). Rules and the inventory use it; it
//! reports nothing itself.

pub mod cluster;
pub mod network;
pub mod rbac;
