use crate::analysis::docker::expected::expected;
use crate::context::Context;
use crate::input::hostfile::{mode_within, FileState, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Checks the permission bits of the Docker node files against the CIS Docker Benchmark
    /// section 3 maximum: `docker.service` and `docker.socket` units 644 (checks 3.2, 3.4),
    /// `/etc/docker` 755 (3.6), `/var/run/docker.sock` 660 (3.16), `/etc/docker/daemon.json`
    /// 644 (3.18), `/etc/default/docker` and `/etc/sysconfig/docker` 644 (3.20, 3.22), and the
    /// containerd socket `/run/containerd/containerd.sock` 660 (3.24). A mode passes when it
    /// grants no bit outside the maximum (unlike docker-bench, which compares the octal digits
    /// as a decimal number and passes 606). Absent files are not applicable; unreadable ones
    /// are reported as not checked.
    ///
    /// ## Why is this bad?
    /// Whoever can write the Docker socket controls the daemon, i.e. is root on the host;
    /// whoever can write the units or daemon.json changes how dockerd runs at its next start.
    ///
    /// ## Example
    /// ```yaml
    /// path: /var/run/docker.sock
    /// role: docker-socket
    /// mode: "0666"
    /// owner: root:docker
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /var/run/docker.sock
    /// role: docker-socket
    /// mode: "0660"
    /// owner: root:docker
    /// ```
    ///
    /// ## How to fix
    /// `chmod` the file to the mode in the finding (for example
    /// `chmod 660 /var/run/docker.sock`, `chmod 644 /etc/docker/daemon.json`). The socket is
    /// created by `docker.socket`: set `SocketMode=0660` there.
    pub DockerFilePermissionsTooOpen {
        code: "DOCKER010",
        name: "docker-file-permissions-too-open",
        summary: "a Docker unit, socket or configuration file has permissions wider than the CIS maximum",
        severity: High,
        category: Docker,
        targets: HOST_FILE,
        remediation: "`chmod` the file to the CIS maximum given in the finding or more restrictive",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerFilePermissionsTooOpen {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        let Some(e) = expected(f) else { return };
        let (max, cis) = (e.max_mode, e.mode_cis);
        match &f.state {
            FileState::Present { mode, .. } if !mode_within(*mode, max) => {
                cx.report_host_file(
                    f,
                    format!("mode is {mode:04o}, should be {max:04o} or more restrictive (CIS Docker {cis})"),
                )
                .remediation = format!("run `chmod {max:o} {}`", f.path).into();
            }
            FileState::Unreadable(err) => {
                cx.report_host_file(f, format!("could not check the permissions: {err}"));
            }
            _ => {}
        }
    }
}
