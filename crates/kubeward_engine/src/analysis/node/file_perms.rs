//! Shared checks of the node file permission and ownership rules (CIS 1.1.x and 4.1.x).

use crate::context::Context;
use crate::input::hostfile::{mode_within, FileRole, FileState, HostFile};

/// Reports `f` when it has one of `roles`, is present and its mode grants bits outside `max`.
pub(crate) fn check_mode(f: &HostFile, cx: &mut Context<'_>, roles: &[FileRole], max: u32) {
    if !roles.contains(&f.role) {
        return;
    }
    let Some(mode) = f.mode() else { return };
    if !mode_within(mode, max) {
        cx.report_host_file(f, format!("`{}` has mode {mode:04o}, more permissive than {max:04o}", f.path));
    }
}

/// Whether a present file is owned by uid 0 and gid 0 (compared numerically, so a node whose
/// `/etc/passwd` could not be read is judged the same).
pub(crate) fn root_owned(f: &HostFile) -> bool {
    matches!(f.state, FileState::Present { uid: 0, gid: 0, .. })
}

/// Reports `f` when it has one of `roles`, is present and is not owned by `root:root`.
pub(crate) fn check_root_owner(f: &HostFile, cx: &mut Context<'_>, roles: &[FileRole]) {
    if !roles.contains(&f.role) || root_owned(f) {
        return;
    }
    let Some(owner) = f.owner() else { return };
    cx.report_host_file(f, format!("`{}` is owned by `{owner}`, not `root:root`", f.path));
}
