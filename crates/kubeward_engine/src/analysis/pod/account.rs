//! Helpers of the ServiceAccount rules.

use crate::input::node::Node;
use crate::input::workload::PodSpecView;

/// The ServiceAccount a pod names and the field naming it: `serviceAccountName`, else the
/// deprecated `serviceAccount` (the API server copies it into an empty `serviceAccountName`);
/// `None` when neither is set or both are empty.
#[must_use]
pub(crate) fn named_service_account<'a>(pod: &PodSpecView<'a>) -> (&'static str, Option<&'a str>) {
    let named = |k: &str| pod.get(k).and_then(Node::as_str).map(str::trim).filter(|s| !s.is_empty());
    match (named("serviceAccountName"), named("serviceAccount")) {
        (Some(n), _) => ("serviceAccountName", Some(n)),
        (None, Some(n)) => ("serviceAccount", Some(n)),
        (None, None) => ("serviceAccountName", None),
    }
}
