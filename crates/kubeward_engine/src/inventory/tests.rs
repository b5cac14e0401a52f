//! The inventory as rules see it: one visit per object, typed entries, file order kept when
//! files are appended.

use super::*;
use crate::input::object::objects_in;

fn inventory_of(files: &[(&str, &str)]) -> Inventory {
    let settings = Settings::default();
    let mut all = Inventory::default();
    for (i, (path, text)) in files.iter().enumerate() {
        let snap = Snapshot::from_text(path, text);
        assert!(snap.errors.is_empty(), "{:?}", snap.errors);
        let mut part = Inventory::default();
        for f in &snap.files {
            part.add_file(f);
            for (d, doc) in f.documents.iter().enumerate() {
                part.add_document(f, i, d, doc, &settings);
                let origin = Origin { file: f.path.clone(), file_index: i, doc_index: d, item: None, partial: false };
                objects_in(&doc.root, &origin, |obj| part.add_object(&obj, &settings));
            }
        }
        all.append(part);
    }
    all
}

const APP: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n\
spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web, tier: front}}\n    spec:\n      serviceAccountName: web\n      initContainers: [{name: init, image: busybox:1.36}]\n      containers: [{name: app, image: registry.example.com/web:1.0}, {name: noimage}]\n";

const POLICY_AND_RBAC: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}}\n---\n\
apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\nautomountServiceAccountToken: false\n---\n\
apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: [{apiGroups: [''], resources: [secrets], verbs: [get, list]}]\n---\n\
apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: reader}\n\
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}\nsubjects: [{kind: ServiceAccount, name: web, namespace: shop}, {kind: Group}]\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: later, namespace: shop}\nspec: {containers: [{name: c, image: busybox:1.36}]}\n";

#[test]
fn each_kind_lands_in_its_typed_section_in_file_order() {
    let inv = inventory_of(&[("app.yaml", APP), ("more.yaml", POLICY_AND_RBAC)]);
    assert_eq!(inv.namespaces().iter().map(|n| n.handle.name()).collect::<Vec<_>>(), ["shop"]);
    let names: Vec<_> = inv.workloads().iter().map(|w| w.handle.to_string()).collect();
    assert_eq!(names, ["Deployment/shop/web", "Pod/shop/later"], "file order across appended files");
    let web = inv.workloads().iter().next().expect("web");
    assert_eq!(web.labels.get("tier"), Some("front"));
    assert_eq!(web.labels_path().as_str(), "/spec/template/metadata/labels");
    assert_eq!(web.service_account.as_deref(), Some("web"));
    assert_eq!(web.automount, None);
    assert_eq!(web.automount_anchor().path.as_str(), "/spec/template/spec/automountServiceAccountToken");
    // Containers with an image, init containers included; strings interned once per run.
    let images: Vec<_> = web
        .containers
        .iter()
        .map(|c| (&*c.name, &*c.image, c.image_path(&web.pod_path).as_str().to_string()))
        .collect();
    assert_eq!(
        images,
        [
            ("init", "busybox:1.36", "/spec/template/spec/initContainers/0/image".to_string()),
            ("app", "registry.example.com/web:1.0", "/spec/template/spec/containers/0/image".to_string()),
        ]
    );
    let later = inv.workloads().iter().nth(1).expect("later");
    assert!(Arc::ptr_eq(&web.containers[0].image, &later.containers[0].image), "interned");
    // Policies compiled; accounts, roles and bindings typed.
    let p = inv.network_policies().iter().next().expect("policy");
    assert!(p.deny_ingress && !p.deny_egress && p.pod_selector.matches(&web.labels));
    assert_eq!(p.namespace.as_deref(), Some("shop"));
    let sa = inv.service_accounts().iter().next().expect("account");
    assert_eq!((sa.namespace.as_deref(), &*sa.name, sa.automount), (Some("shop"), "web", Some(false)));
    let role = inv.roles().iter().next().expect("role");
    assert_eq!(&*role.secret_read_verbs, ["get", "list"]);
    assert_eq!(role.rules.as_deref(), Some("get/list secrets"));
    let b = inv.bindings().iter().next().expect("binding");
    assert_eq!(b.role_ref.as_ref().map(|(k, n)| (&**k, &**n)), Some(("ClusterRole", "reader")));
    assert_eq!(b.subjects.len(), 1, "a subject without a name is not one");
    assert!(inv.whole_cluster().is_none(), "application manifests describe no whole cluster");
    assert!(!inv.hides(&["networkpolicies"]) && !inv.namespace_scoped());
    assert!(inv.host_documents().files.is_empty());
}

#[test]
fn whole_cluster_gaps_and_host_documents() {
    let cluster = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\n---\n\
apiVersion: kubeward.io/v1\nkind: AuditGap\nmetadata: {name: g}\nspec: {resource: daemonsets}\n";
    let later = "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n---\n\
apiVersion: kubeward.io/v1\nkind: KubernetesVersion\nmetadata: {name: kube-apiserver}\nspec: {version: v1.37.2, namespace: team}\n";
    let inv = inventory_of(&[("a.yaml", cluster), ("b.yaml", later), ("/etc/docker/daemon.json", "{\"icc\": false}")]);
    let (h, at) = inv.whole_cluster().expect("a cluster");
    assert_eq!((h.kind(), h.name(), at.path.as_str()), ("Namespace", "kube-system", "/metadata/name"));
    assert_eq!(inv.cluster_anchor(ClusterAnchor::Node).map(|(h, _)| h.name()), Some("n1"), "the first Node");
    assert!(inv.hides(&["daemonsets"]) && !inv.hides(&["networkpolicies"]));
    assert!(inv.namespace_scoped());
    let kept: Vec<_> = inv.host_documents().files.iter().map(|f| f.path.as_deref().unwrap_or("")).collect();
    assert_eq!(kept, ["/etc/docker/daemon.json"], "only host documents are kept whole");
}
