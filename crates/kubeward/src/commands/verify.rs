//! `kubeward verify`: proves that security settings are enforced. The engine's probes
//! (`kubeward_engine::verify`: known-unsafe objects, each tied to the rule it probes) are
//! submitted with server-side dry run (`dryRun=All`, nothing persisted) in each namespace by
//! `kubeward_cluster::verify`; each probe a namespace admits is a finding of the probed rule on
//! that Namespace. Inconclusive probes are input errors (exit code 2), never a pass.

use std::io::Write;
use std::time::Duration;

use anyhow::{anyhow, Result};
use kubeward_cluster::Options;
use kubeward_engine::report::Sources;

use crate::args::VerifyArgs;
use crate::config;

/// The RBAC `kubeward verify` needs (deploy/verify/rbac.yaml, printed by `--print-rbac`).
pub const RBAC: &str = include_str!("../../../../deploy/verify/rbac.yaml");

/// Runs the verification.
///
/// # Errors
/// Usage errors, a cluster that cannot be reached, and a server without server-side dry run.
pub fn run(args: &VerifyArgs) -> Result<u8> {
    if args.print_rbac {
        let mut out = std::io::stdout().lock();
        out.write_all(RBAC.as_bytes())?;
        out.flush()?;
        return Ok(0);
    }
    let settings = config::load(&args.report)?;
    let plan = kubeward_engine::verify::plan(&settings);
    let opts = Options {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: None,
        page_size: None,
        timeout: Some(Duration::from_secs(args.request_timeout)),
        overall_timeout: Some(Duration::from_secs(args.timeout)),
        skip_kubelet_config: true,
    };
    let verified = kubeward_cluster::verify::verify_blocking(&opts, &args.namespaces, &args.exclude_namespace, &plan)
        .map_err(|e| anyhow!("{e}"))?;
    if !args.report.quiet {
        for note in plan.notes.iter().chain(&verified.notes) {
            eprintln!("kubeward: note: {}", kubeward_engine::report::printable::printable(note));
        }
    }
    let report = kubeward_engine::verify::report(&plan, &verified.results, verified.errors);
    let sources = Sources::default();
    let results = &verified.results;
    let table = |_: &kubeward_engine::Report, out: &mut dyn Write| kubeward_engine::verify::write_table(results, out);
    super::output::emit_full(&args.report, &settings, &report, &sources, "verify", &[], Some(&table))
}
