use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

use crate::analysis::pod::credential::{is_credential_value, is_descriptive_name, token_shape};

crate::declare_rule! {
    /// ## What it does
    /// Flags keys of a ConfigMap's `data` that hold a credential, one finding per key: the key
    /// looks like a credential name (`rules.pod.secret-name-patterns`: `password`, `pwd`,
    /// `db.pass`, `client-secret`, `api_key`, `storageAccountKey`...; the list of
    /// `credential-in-env`) and its value is a literal, or the value contains a well-known
    /// credential (AWS access key id, a PEM private key, GitHub, GitLab, Slack, Google or Stripe
    /// token, an HTTP `Authorization: Bearer <token>` or `Basic <base64 of user:password>`, in a
    /// configuration file held by the key too), whatever the key.
    ///
    /// The exclusions of `credential-in-env` apply: empty and very short values, references and
    /// templates, paths, URLs without a password, booleans, numbers, placeholders
    /// (`<password>`, `REPLACE_ME`, `xxxxxxxx`), keys that describe a credential
    /// (`*-secret-name`, `*_file`, `tokenAudience`...) or name public material (`public_key`),
    /// and look-alikes (`ssl-pass-through`, `compass`, `partition-key`).
    ///
    /// ## Why is this bad?
    /// ConfigMaps are not meant for secrets: they are readable by far more users and controllers
    /// than Secrets (many roles grant `get configmaps` cluster-wide), appear in logs and
    /// `kubectl describe` output, are never encrypted at rest, and end up in version control.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: app-config}
    /// data:
    ///   log-level: info
    ///   db-password: hunter22
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: app-config}
    /// data:
    ///   log-level: info
    ///   db-password-file: /run/secrets/db/password
    /// ```
    ///
    /// ## How to fix
    /// Move the value to a Secret (created out of band or by an external secret store
    /// operator), mount it as a file, and rotate the credential: it has been exposed.
    pub CredentialInConfigmap {
        code: "POD022",
        name: "credential-in-configmap",
        summary: "a ConfigMap holds a literal credential",
        severity: High,
        category: Pod,
        targets: OBJECT,
        remediation: "move the credential to a Secret, mount it as a file, and rotate it",
        checklist: ["guide.no-credentials"],
        cis: ["5.4.2"],
        since: "0.1.0",
    }
}

impl Rule for CredentialInConfigmap {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() != "ConfigMap" || !obj.group().is_empty() {
            return;
        }
        let Some(data) = obj.root.get("data") else {
            return;
        };
        for e in data.entries() {
            let Some(value) = e.value.as_str() else {
                continue;
            };
            let key = &*e.key;
            let path = FieldPath::root().key("data").key(key);
            if let Some(what) = token_shape(value) {
                cx.report(obj, path, format!("key `{key}` holds {what}"));
            } else if cx.settings.is_secret_name(key) && !is_descriptive_name(key) && is_credential_value(key, value) {
                let multi = if value.trim().contains('\n') { " (a file named like a credential)" } else { "" };
                cx.report(obj, path, format!("key `{key}` holds a literal credential{multi}"));
            }
        }
    }
}
