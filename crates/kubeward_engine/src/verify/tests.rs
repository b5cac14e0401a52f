#![allow(clippy::unwrap_used)]

use super::*;

fn with_registries() -> Settings {
    let raw = crate::settings::RawSettings {
        rules: crate::settings::RuleOptions {
            image: crate::settings::ImageOptions {
                allowed_registries: vec!["registry.example.com".into()],
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    };
    Settings::compile(raw).unwrap()
}

fn codes(v: &Value, settings: &Settings) -> Vec<&'static str> {
    audit(v, settings).findings().map(|d| d.rule.code).collect()
}

/// The table is right: each probe object, run through the engine, gets its rule's finding, and
/// the control pod gets none of the probed rules' findings.
#[test]
fn each_probe_trips_its_rule_and_the_control_none() {
    let settings = with_registries();
    let image = control_image(&settings);
    assert_eq!(image, "registry.example.com/kubeward-verify-probe:1.0");
    let control = codes(&control_pod("shop", &image), &settings);
    for p in PROBES {
        assert!(!control.contains(&p.code), "the control pod trips {} ({}): {control:?}", p.code, p.id);
        let got = codes(&p.object("shop", &image), &settings);
        assert!(got.contains(&p.code), "probe `{}` does not trip {}: {got:?}", p.id, p.code);
    }
    let ids: std::collections::HashSet<&str> = PROBES.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), PROBES.len(), "probe ids are unique");
    assert!(!ids.contains(CONTROL_ID));
}

/// Each pod probe differs from the control pod in the probed property only (plus
/// `allowPrivilegeEscalation` where the API server requires it), and keeps its labels.
#[test]
fn probes_change_one_property() {
    let control = control_pod("shop", DEFAULT_CONTROL_IMAGE);
    for p in PROBES.iter().filter(|p| p.target == Target::Pod) {
        let o = p.object("shop", DEFAULT_CONTROL_IMAGE);
        assert_eq!(o["metadata"]["labels"][PROBE_LABEL], p.id);
        assert_eq!(o["metadata"]["generateName"], format!("kubeward-verify-{}-", p.id));
        assert_eq!(o["metadata"]["namespace"], "shop");
        let (mut a, mut b) = (o.clone(), control.clone());
        a["metadata"] = Value::Null;
        b["metadata"] = Value::Null;
        assert_ne!(a, b, "probe `{}` changes something", p.id);
        assert_eq!(a["spec"]["containers"][0]["resources"], b["spec"]["containers"][0]["resources"]);
    }
}

/// Without allowed registries the untrusted-registry probe is left out with a note; an
/// unselected rule leaves its probe out silently; the sensitive host path `/` makes the
/// hostPath probe critical, as the engine rates it.
#[test]
fn plan_follows_the_settings() {
    let plain = plan(&Settings::default());
    assert!(!plain.probes.iter().any(|p| p.probe.id == "untrusted-registry"));
    assert!(
        plain.notes.iter().any(|n| n.contains("untrusted-registry") && n.contains("allowed-registries")),
        "{:?}",
        plain.notes
    );
    assert_eq!(plain.probes.len(), PROBES.len() - 1);
    let host = plain.probes.iter().find(|p| p.probe.id == "host-path-root").unwrap();
    assert_eq!(host.severity, Severity::Critical);
    let full = plan(&with_registries());
    assert_eq!(full.probes.len(), PROBES.len(), "{:?}", full.notes);
    let raw = crate::settings::RawSettings { select: vec!["POD001".into()], ..Default::default() };
    let one = plan(&Settings::compile(raw).unwrap());
    assert_eq!(one.probes.iter().map(|p| p.probe.id).collect::<Vec<_>>(), ["privileged"]);
    assert!(one.notes.is_empty(), "{:?}", one.notes);
}

fn answer(code: u16, message: &str) -> Answer {
    Answer { code, message: message.into(), ..Answer::default() }
}

/// Denials name who denied, from the API server's real messages (taken from kube-apiserver
/// v1.37); what proves nothing is inconclusive.
#[test]
fn classify_names_who_denied() {
    let psa = answer(403, "pods \"kubeward-verify-privileged-x7k2p\" is forbidden: violates PodSecurity \"restricted:latest\": privileged (container \"probe\" must not set securityContext.privileged=true)");
    assert_eq!(classify(&psa), Outcome::Denied(DeniedBy::PodSecurity("restricted".into()), psa.message.clone()));
    let hook = answer(
        403,
        "admission webhook \"validate.kubeward.io\" denied the request: POD001 container `probe` runs privileged",
    );
    assert!(matches!(classify(&hook), Outcome::Denied(DeniedBy::Webhook(n), _) if n == "validate.kubeward.io"));
    let vap = answer(422, "pods \"p\" is forbidden: ValidatingAdmissionPolicy 'no-host-network' with binding 'no-host-network-binding' denied request: failed expression: !object.spec.hostNetwork");
    assert!(matches!(classify(&vap), Outcome::Denied(DeniedBy::Policy(n), _) if n == "no-host-network"));
    let rbac = answer(403, "rolebindings.rbac.authorization.k8s.io \"kubeward-verify-bind-cluster-admin-abcde\" is forbidden: user \"verifier\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}");
    assert!(matches!(classify(&rbac), Outcome::Denied(DeniedBy::RbacEscalation, _)));
    let other = answer(
        403,
        "pods \"p\" is forbidden: unable to create new content in namespace shop because it is being terminated",
    );
    assert!(matches!(classify(&other), Outcome::Denied(DeniedBy::Other, _)));
    let warned = Answer {
        code: 201,
        warnings: vec!["would violate PodSecurity \"restricted:latest\": x".into()],
        ..Answer::default()
    };
    assert_eq!(classify(&warned), Outcome::Admitted(warned.warnings.clone()));

    for inconclusive in [
        answer(403, "pods is forbidden: User \"nobody\" cannot create resource \"pods\" in API group \"\" in the namespace \"shop\""),
        answer(400, "admission webhook \"side.effects.example.com\" does not support dry run"),
        answer(500, "Internal error occurred: failed calling webhook \"validate.kubeward.io\": failed to call webhook: Post \"https://127.0.0.1:1/validate\": dial tcp 127.0.0.1:1: connect: connection refused"),
        answer(422, "Pod \"p\" is invalid: spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: false: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"),
        answer(401, "Unauthorized"),
        answer(404, "namespaces \"gone\" not found"),
        answer(405, "405 Method Not Allowed"),
        answer(302, "Found"),
        Answer { transport: Some("connection refused".into()), ..Answer::default() },
    ] {
        assert!(matches!(classify(&inconclusive), Outcome::Inconclusive(_)), "{inconclusive:?}: {:?}", classify(&inconclusive));
    }
}

/// When the control pod is denied, pod probes are not sent (and are inconclusive); the
/// RoleBinding probe does not depend on it.
#[test]
fn a_denied_control_pod_makes_pod_probes_inconclusive() {
    let p = plan(&Settings::default());
    let control = Outcome::Denied(DeniedBy::Other, "exceeded quota".into());
    let mut sent = Vec::new();
    let out = outcomes(&p, &control, |probe| {
        sent.push(probe.id);
        Outcome::Admitted(Vec::new())
    });
    assert_eq!(sent, ["bind-cluster-admin"]);
    assert!(out
        .iter()
        .filter(|(pr, _)| pr.target == Target::Pod)
        .all(|(_, o)| matches!(o, Outcome::NotSent(m) if m.contains("exceeded quota"))));
    let ns = NamespaceInfo { name: "shop".into(), labels: BTreeMap::new() };
    let r = report(&p, &[NamespaceResult { namespace: ns, control, probes: out }], Vec::new());
    assert_eq!(r.finding_count(), 1, "the RoleBinding probe's finding");
    assert_eq!(r.errors().len(), 1, "one error for the namespace's pod probes: {:?}", r.errors());
    assert!(r.errors()[0].message.contains("namespace `shop`: probes `privileged`, "), "{}", r.errors()[0]);
}

/// An admitted probe's finding: the probed rule's code and severity, the Namespace, the probe's
/// path, what the Pod Security labels say, the server's warnings; a run where nothing was
/// proven is an error.
#[test]
fn admitted_probes_are_findings() {
    let p = plan(&Settings::default());
    let mut labels = BTreeMap::new();
    labels.insert("pod-security.kubernetes.io/enforce".to_string(), "baseline".to_string());
    labels.insert("pod-security.kubernetes.io/warn".to_string(), "restricted".to_string());
    let ns = NamespaceInfo { name: "shop".into(), labels };
    let probes = outcomes(&p, &Outcome::Admitted(Vec::new()), |probe| match probe.psa {
        Some("baseline") => Outcome::Denied(DeniedBy::PodSecurity("baseline".into()), "violates".into()),
        _ => Outcome::Admitted(vec!["would violate PodSecurity \"restricted:latest\": runAsNonRoot != true".into()]),
    });
    let r = report(
        &p,
        &[NamespaceResult { namespace: ns.clone(), control: Outcome::Admitted(Vec::new()), probes }],
        Vec::new(),
    );
    assert!(r.errors().is_empty(), "{:?}", r.errors());
    assert_eq!(r.objects(), 1);
    let root = r.findings().find(|d| d.rule.code == "POD003").unwrap();
    assert_eq!(root.severity, Severity::High);
    assert_eq!(root.object.to_string(), "Namespace/shop");
    assert_eq!(root.path.as_str(), "/probes/run-as-root");
    assert_eq!(
        root.message,
        "namespace `shop` admits pods that run as root: nothing enforces POD003 there; Pod Security enforces \
         `baseline`, which allows it (`restricted` denies it); `warn: restricted` only warns, and no admission \
         webhook or policy denied it; the API server warned: \"would violate PodSecurity \"restricted:latest\": runAsNonRoot != true\""
    );
    assert!(root.remediation.contains("pod-security.kubernetes.io/enforce=restricted"));
    let codes: Vec<&str> = r.findings().map(|d| d.rule.code).collect();
    assert_eq!(codes, ["POD002", "POD003", "POD019", "RBAC002"]);

    let none = NamespaceInfo { name: "bare".into(), labels: BTreeMap::new() };
    let priv_probe = p.probes.iter().find(|x| x.probe.id == "privileged").unwrap();
    let d = finding(&none, priv_probe, &[]).unwrap();
    assert_eq!(
        d.message,
        "namespace `bare` admits privileged pods: nothing enforces POD001 there; Pod Security `enforce` label is \
         absent, and no admission webhook or policy denied it"
    );
    assert_eq!(d.severity, Severity::Critical);

    let nothing = report(&p, &[], Vec::new());
    assert_eq!(nothing.errors().len(), 1);
}
