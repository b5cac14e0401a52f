use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::pod::credential::{is_credential_value, is_descriptive_name, token_shape};

crate::declare_rule! {
    /// ## What it does
    /// Flags environment variables whose literal `value` is a credential: the name looks like
    /// one (`rules.pod.secret-name-patterns`: `*PASSWORD*`, `*PASSWD*`, `pwd`, `*_PASS`,
    /// `*PASSPHRASE*`, `*SECRET*`, `*_TOKEN`, `*API_KEY*`, `*PRIVATE_KEY*`, `*CREDENTIALS*`,
    /// `*_CREDS`, keys named for what they unlock: `*_ACCESS_KEY`, `*_SECRET_KEY`,
    /// `*_ACCOUNT_KEY`, `*_STORAGE_KEY`, `*_BATCH_KEY`, `*_SIGNING_KEY`, `*_ENCRYPTION_KEY`,
    /// `*_KEY_CONTENT`..., and a cloud vendor's `*_KEY`: `AZURE_*_KEY`, `OCI_*_KEY`, `AWS_*_KEY`)
    /// and the value is not empty, or the value has the shape of a well-known credential (AWS
    /// access key id, private key, GitHub, GitLab, Slack, Google or Stripe token, an HTTP
    /// `Authorization` credential: `Bearer <token>` or `Basic <base64 of user:password>`),
    /// whatever the name.
    ///
    /// To stay precise it skips values that cannot be a credential: references (`$(VAR)`) and
    /// templates (`${VAR}`, `{{ }}`), paths (`/run/secrets/token`), URLs without a password,
    /// ARNs, booleans, numbers, values of fewer than 4 characters and values equal to the name,
    /// and placeholders that say they are to be replaced (`<password>`, `REPLACE_ME`,
    /// `your-token-here`, `xxxxxxxx`, `********`, `[REDACTED]`); names that describe a
    /// credential rather than hold it (`*_FILE`, `*_PATH`, `*_NAME`, `*_URL`, `*_ENDPOINT`,
    /// `*_AUDIENCE`, `*_TTL`...) or name public material (`PUBLIC_KEY`, `*_PUBLISHABLE_KEY`);
    /// and look-alikes (`*_PASS_THROUGH`, `BYPASS`, `COMPASS`, `PARTITION_KEY`, `KEY_PATH`).
    /// A `Bearer` token must have 16 characters or more, letters and digits; a `Basic` value
    /// must decode to `user:password`. Words that work as a password as they are (`changeme`,
    /// `yourpassword`, `admin`) are reported: they are credentials, and weak ones.
    ///
    /// ## Why is this bad?
    /// A credential written in a manifest is in version control, in every copy of the chart, in
    /// the object readable by anyone who can `get` the workload (a far larger group than those
    /// who can read Secrets), and in `kubectl describe` output. It cannot be rotated without a
    /// change of the manifest.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: db}
    /// spec:
    ///   containers:
    ///     - name: db
    ///       image: registry.example.com/db:1.0
    ///       env:
    ///         - name: DB_PASSWORD
    ///           value: hunter22
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: db}
    /// spec:
    ///   containers:
    ///     - name: db
    ///       image: registry.example.com/db:1.0
    ///       volumeMounts:
    ///         - {name: db-credentials, mountPath: /run/secrets/db, readOnly: true}
    ///       env:
    ///         - name: DB_PASSWORD_FILE
    ///           value: /run/secrets/db/password
    ///   volumes:
    ///     - name: db-credentials
    ///       secret: {secretName: db-credentials}
    /// ```
    ///
    /// ## How to fix
    /// Move the value to a Secret (created out of band, or by an external secret store
    /// operator) and mount it as a file; if the program only reads the environment, use
    /// `valueFrom.secretKeyRef`. Rotate the credential: it has been exposed.
    pub CredentialInEnv {
        code: "POD021",
        name: "credential-in-env",
        summary: "environment variable holds a literal credential",
        severity: High,
        category: Pod,
        targets: CONTAINER,
        remediation: "move the credential to a Secret, mount it as a file (or use `valueFrom.secretKeyRef`), and rotate it",
        checklist: ["guide.no-credentials"],
        cis: ["5.4.2"],
        since: "0.1.0",
    }
}

impl Rule for CredentialInEnv {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(env) = c.get("env") else {
            return;
        };
        for (i, e) in env.items().iter().enumerate() {
            let Some(name) = e.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some(value) = e.get("value").and_then(Node::as_str) else {
                continue;
            };
            let path = c.path.key("env").index(i).key("value");
            if let Some(what) = token_shape(value) {
                let msg = format!(
                    "container `{}` has {what} in the literal value of environment variable `{name}`",
                    c.name()
                );
                cx.report(pod.object, path, msg).container(c.name());
            } else if cx.settings.is_secret_name(name) && !is_descriptive_name(name) && is_credential_value(name, value)
            {
                let msg = format!("container `{}` sets the credential `{name}` to a literal value", c.name());
                cx.report(pod.object, path, msg).container(c.name());
            }
        }
    }
}
