//! Rules of the `dockerfile` area (`DF`): Dockerfiles and Containerfiles found by `scan`.
//! Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

mod add_from_url;
mod base_image_not_pinned_by_digest;
mod credential_file_copied;
mod healthcheck_missing;
mod latest_base_image;
mod nonstandard_base_image;
mod remote_script_piped_to_shell;
mod root_user_in_final_stage;
mod secret_in_env_or_arg;
mod ssh_port_exposed;
mod sudo_in_run;

use crate::rule::Rule;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &root_user_in_final_stage::RootUserInFinalStage,
    &nonstandard_base_image::NonstandardBaseImage,
    &latest_base_image::LatestBaseImage,
    &base_image_not_pinned_by_digest::BaseImageNotPinnedByDigest,
    &secret_in_env_or_arg::SecretInEnvOrArg,
    &credential_file_copied::CredentialFileCopied,
    &add_from_url::AddFromUrl,
    &remote_script_piped_to_shell::RemoteScriptPipedToShell,
    &sudo_in_run::SudoInRun,
    &ssh_port_exposed::SshPortExposed,
    &healthcheck_missing::HealthcheckMissing,
];
