//! Rules of the `docker` area: the Docker host (CIS Docker Benchmark, docker-bench-security
//! sections 1 to 3), audited by `kubeward node`.
//! Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[];
