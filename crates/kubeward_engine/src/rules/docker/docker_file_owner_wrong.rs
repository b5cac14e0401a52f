use crate::analysis::docker::expected::expected;
use crate::context::Context;
use crate::input::hostfile::{FileState, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Checks the owner and group of the Docker node files against the CIS Docker Benchmark
    /// section 3: `docker.service` and `docker.socket` units, `/etc/docker`,
    /// `/etc/docker/daemon.json`, `/etc/default/docker`, `/etc/sysconfig/docker` and the
    /// containerd socket owned by `root:root` (checks 3.1, 3.3, 3.5, 3.17, 3.19, 3.21, 3.23),
    /// `/var/run/docker.sock` by `root:docker` (3.15). Names come from the node's `/etc/passwd`
    /// and `/etc/group`; `root` also matches uid/gid 0. Absent files are not applicable;
    /// unreadable ones are reported as not checked.
    ///
    /// ## Why is this bad?
    /// The owner of a file can change its mode and content: a non-root owner of the Docker units
    /// or daemon.json can reconfigure a daemon that runs as root, and a socket group other than
    /// `docker` hands control of the daemon to that group's members.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/docker/daemon.json
    /// role: docker-daemon-json
    /// mode: "0644"
    /// owner: deploy:deploy
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/docker/daemon.json
    /// role: docker-daemon-json
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// `chown` the file to the owner in the finding (`chown root:root /etc/docker/daemon.json`,
    /// `chown root:docker /var/run/docker.sock`; for the socket set `SocketUser=root` and
    /// `SocketGroup=docker` in `docker.socket`).
    pub DockerFileOwnerWrong {
        code: "DOCKER011",
        name: "docker-file-owner-wrong",
        summary: "a Docker unit, socket or configuration file is not owned by the CIS owner",
        severity: High,
        category: Docker,
        targets: HOST_FILE,
        remediation: "`chown` the file to the owner given in the finding",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

fn matches(want: &str, uid: u32, gid: u32, user: Option<&str>, group: Option<&str>) -> bool {
    let (wu, wg) = want.split_once(':').unwrap_or((want, want));
    let ok = |w: &str, id: u32, name: Option<&str>| name == Some(w) || (w == "root" && id == 0);
    ok(wu, uid, user) && ok(wg, gid, group)
}

impl Rule for DockerFileOwnerWrong {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        let Some(e) = expected(f) else { return };
        let (owner, cis) = (e.owner, e.owner_cis);
        match &f.state {
            FileState::Present { uid, gid, user, group, .. } => {
                if !matches(owner, *uid, *gid, user.as_deref(), group.as_deref()) {
                    let now = f.owner().unwrap_or_default();
                    cx.report_host_file(f, format!("owner is `{now}`, should be `{owner}` (CIS Docker {cis})"))
                        .remediation = format!("run `chown {owner} {}`", f.path).into();
                }
            }
            FileState::Unreadable(err) => {
                cx.report_host_file(f, format!("could not check the owner: {err}"));
            }
            FileState::Absent => {}
        }
    }
}
