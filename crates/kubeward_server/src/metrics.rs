//! Prometheus metrics, written by hand in the text exposition format (version 0.0.4).
//! Counters are atomics indexed by fixed tables (status codes, verdicts, rules), so recording
//! costs a few relaxed increments and no lock.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::review::{Decision, Verdict};

const CODES: [u16; 10] = [200, 400, 404, 405, 408, 413, 415, 500, 503, 0];
const VERDICTS: [Verdict; 4] = [Verdict::Allowed, Verdict::Denied, Verdict::Exempt, Verdict::Skipped];
/// Latency bucket upper bounds, in seconds.
const BUCKETS: [f64; 15] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
/// How a finding counted: denied the request, would have in audit mode, or a warning.
const FINDING_KINDS: [&str; 3] = ["deny", "audit", "warn"];

/// The server's counters.
pub struct Metrics {
    requests: [AtomicU64; CODES.len()],
    decisions: [AtomicU64; VERDICTS.len()],
    /// Per rule (in `all_rules()` order), per finding kind.
    findings: Vec<[AtomicU64; 3]>,
    codes: Vec<&'static str>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_sum_us: AtomicU64,
    latency_count: AtomicU64,
    cert_reloads: AtomicU64,
    cert_reload_errors: AtomicU64,
    in_flight: AtomicU64,
    judge_timeouts: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut codes: Vec<&'static str> = kubeward_engine::all_rules().iter().map(|r| r.meta().code).collect();
        codes.sort_unstable();
        Self {
            requests: Default::default(),
            decisions: Default::default(),
            findings: codes.iter().map(|_| Default::default()).collect(),
            codes,
            buckets: Default::default(),
            latency_sum_us: AtomicU64::new(0),
            latency_count: AtomicU64::new(0),
            cert_reloads: AtomicU64::new(0),
            cert_reload_errors: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            judge_timeouts: AtomicU64::new(0),
        }
    }
}

/// Decrements the in-flight gauge when a request ends (also on timeout or cancellation).
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

impl Metrics {
    /// Counts a request in flight until the guard drops.
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(self)
    }

    /// Requests being handled now.
    #[must_use]
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Relaxed)
    }

    /// Records an answered `/validate` request.
    pub fn request(&self, status: u16, elapsed: Duration) {
        let i = CODES.iter().position(|c| *c == status).unwrap_or(CODES.len() - 1);
        self.requests[i].fetch_add(1, Relaxed);
        let secs = elapsed.as_secs_f64();
        if let Some(b) = BUCKETS.iter().position(|le| secs <= *le) {
            self.buckets[b].fetch_add(1, Relaxed);
        }
        self.latency_sum_us.fetch_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX), Relaxed);
        self.latency_count.fetch_add(1, Relaxed);
    }

    /// Records a decision and its findings.
    pub fn decision(&self, d: &Decision, audit: bool) {
        if let Some(i) = VERDICTS.iter().position(|v| *v == d.verdict) {
            self.decisions[i].fetch_add(1, Relaxed);
        }
        let at_threshold = if audit { 1 } else { 0 };
        for (codes, kind) in [(&d.denying, at_threshold), (&d.warning, 2)] {
            for c in codes.iter() {
                if let Ok(i) = self.codes.binary_search(&c.code) {
                    self.findings[i][kind].fetch_add(u64::try_from(c.count).unwrap_or(u64::MAX), Relaxed);
                }
            }
        }
    }

    /// Records a request read but not judged within the request timeout.
    pub fn judge_timeout(&self) {
        self.judge_timeouts.fetch_add(1, Relaxed);
    }

    /// Records a certificate reload (or a failed one).
    pub fn cert_reload(&self, ok: bool) {
        if ok { &self.cert_reloads } else { &self.cert_reload_errors }.fetch_add(1, Relaxed);
    }

    /// The exposition text.
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(4096);
        s.push_str("# HELP kubeward_admission_requests_total Requests to /validate by HTTP status code.\n");
        s.push_str("# TYPE kubeward_admission_requests_total counter\n");
        for (c, n) in CODES.iter().zip(&self.requests) {
            let code = if *c == 0 { "other".to_string() } else { c.to_string() };
            let _ = writeln!(s, "kubeward_admission_requests_total{{code=\"{code}\"}} {}", n.load(Relaxed));
        }
        s.push_str("# HELP kubeward_admission_decisions_total Admission decisions by verdict.\n");
        s.push_str("# TYPE kubeward_admission_decisions_total counter\n");
        for (v, n) in VERDICTS.iter().zip(&self.decisions) {
            let _ = writeln!(s, "kubeward_admission_decisions_total{{verdict=\"{}\"}} {}", v.as_str(), n.load(Relaxed));
        }
        s.push_str("# HELP kubeward_admission_findings_total Findings by rule and how they counted (deny: denied the request; audit: would have denied, audit mode; warn: below the threshold).\n");
        s.push_str("# TYPE kubeward_admission_findings_total counter\n");
        for (code, ns) in self.codes.iter().zip(&self.findings) {
            for (kind, n) in FINDING_KINDS.iter().zip(ns) {
                let n = n.load(Relaxed);
                if n > 0 {
                    let _ = writeln!(s, "kubeward_admission_findings_total{{rule=\"{code}\",verdict=\"{kind}\"}} {n}");
                }
            }
        }
        s.push_str("# HELP kubeward_admission_request_duration_seconds Time from request headers to response, for /validate.\n");
        s.push_str("# TYPE kubeward_admission_request_duration_seconds histogram\n");
        let mut cum = 0;
        for (le, n) in BUCKETS.iter().zip(&self.buckets) {
            cum += n.load(Relaxed);
            let _ = writeln!(s, "kubeward_admission_request_duration_seconds_bucket{{le=\"{le}\"}} {cum}");
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(s, "kubeward_admission_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)]
        let sum = self.latency_sum_us.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(s, "kubeward_admission_request_duration_seconds_sum {sum}");
        let _ = writeln!(s, "kubeward_admission_request_duration_seconds_count {count}");
        s.push_str("# HELP kubeward_admission_in_flight Requests to /validate being handled.\n");
        s.push_str("# TYPE kubeward_admission_in_flight gauge\n");
        let _ = writeln!(s, "kubeward_admission_in_flight {}", self.in_flight());
        s.push_str("# HELP kubeward_admission_not_judged_total Requests read but not judged within the request timeout (answered as --on-timeout says).\n");
        s.push_str("# TYPE kubeward_admission_not_judged_total counter\n");
        let _ = writeln!(s, "kubeward_admission_not_judged_total {}", self.judge_timeouts.load(Relaxed));
        s.push_str("# HELP kubeward_tls_certificate_reloads_total Serving certificate reloads.\n");
        s.push_str("# TYPE kubeward_tls_certificate_reloads_total counter\n");
        let _ = writeln!(s, "kubeward_tls_certificate_reloads_total {}", self.cert_reloads.load(Relaxed));
        s.push_str("# HELP kubeward_tls_certificate_reload_errors_total Changed certificate files that could not be loaded (the previous certificate kept serving).\n");
        s.push_str("# TYPE kubeward_tls_certificate_reload_errors_total counter\n");
        let _ = writeln!(s, "kubeward_tls_certificate_reload_errors_total {}", self.cert_reload_errors.load(Relaxed));
        s
    }
}
