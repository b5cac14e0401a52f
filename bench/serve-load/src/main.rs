//! Load generator for `kubeward serve`.
//!
//! Makes a throwaway CA and serving certificate (rcgen, ring), starts the `kubeward` binary on
//! loopback, and sends AdmissionReviews over keep-alive HTTPS connections for a fixed time.
//! Reports throughput, latency percentiles, errors, and the server's RSS sampled every second.
//!
//! ```text
//! cargo build --release -p kubeward -p serve-load
//! target/release/serve-load --duration 60 --connections 8
//! ```
//!
//! Only loopback addresses are used; the run stops by itself after `--duration` seconds.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

struct Args {
    server_bin: PathBuf,
    duration: Duration,
    connections: usize,
    client_threads: usize,
    warmup: Duration,
    server_args: Vec<String>,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        server_bin: default_bin(),
        duration: Duration::from_secs(60),
        connections: 8,
        client_threads: 1,
        warmup: Duration::from_secs(2),
        server_args: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = || it.next().ok_or_else(|| anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--server-bin" => a.server_bin = PathBuf::from(val()?),
            "--duration" => a.duration = Duration::from_secs_f64(val()?.parse()?),
            "--warmup" => a.warmup = Duration::from_secs_f64(val()?.parse()?),
            "--connections" => a.connections = val()?.parse()?,
            "--client-threads" => a.client_threads = val()?.parse()?,
            "--server-arg" => a.server_args.push(val()?),
            "-h" | "--help" => {
                println!(
                    "serve-load [--server-bin PATH] [--duration SECS] [--warmup SECS] [--connections N] \
                     [--client-threads N] [--server-arg ARG]..."
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}` (see --help)"),
        }
    }
    if a.connections == 0 || a.client_threads == 0 {
        bail!("--connections and --client-threads must be at least 1");
    }
    Ok(a)
}

/// `target/release/kubeward` next to this binary.
fn default_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("kubeward")))
        .unwrap_or_else(|| PathBuf::from("target/release/kubeward"))
}

/// (CA DER, cert PEM, key PEM)
fn pki() -> Result<(rustls::pki_types::CertificateDer<'static>, String, String)> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "serve-load CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;
    let leaf = CertificateParams::new(vec!["localhost".to_string()])?;
    let key = KeyPair::generate()?;
    let cert = leaf.signed_by(&key, &Issuer::from_params(&ca, &ca_key))?;
    Ok((ca_cert.der().clone(), cert.pem(), key.serialize_pem()))
}

/// The mix of reviews sent, in turn: (body, expected `allowed`).
fn reviews() -> Vec<(Bytes, bool)> {
    let hardened_spec = json!({
        "serviceAccountName": "web", "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "web",
            "image": "registry.example.com/shop/web:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "imagePullPolicy": "Always", "ports": [{"containerPort": 8080}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]}}}]
    });
    let objects = [
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}, "spec": hardened_spec.clone()}}}),
            true,
        ),
        (
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "root-shell", "namespace": "shop", "labels": {"app": "x"}},
                "spec": {"containers": [{"name": "shell", "image": "registry.example.com/tools/shell:1.0",
                    "securityContext": {"privileged": true}}]}}),
            false,
        ),
        (
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly", "namespace": "shop"},
                "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {
                    "metadata": {"labels": {"app": "nightly"}}, "spec": hardened_spec}}}}}),
            true,
        ),
        (
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "all", "namespace": "shop"},
                "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
            false,
        ),
    ];
    objects
        .iter()
        .enumerate()
        .map(|(i, (o, allowed))| {
            let api = o["apiVersion"].as_str().unwrap_or("v1");
            let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
            let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
                "uid": format!("00000000-0000-0000-0000-{i:012}"),
                "kind": {"group": group, "version": version, "kind": o["kind"]},
                "namespace": "shop", "name": o["metadata"]["name"], "operation": "CREATE",
                "userInfo": {"username": "load@example.com"}, "object": o, "dryRun": false}});
            (Bytes::from(serde_json::to_vec(&body).unwrap_or_default()), *allowed)
        })
        .collect()
}

/// The machine's 1-minute load average (other work on the same cores shows here).
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

struct Stats {
    /// (second of the run, latency in µs)
    latencies_us: Vec<(u32, u32)>,
    errors: u64,
    wrong: u64,
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    addr: SocketAddr,
    tls: TlsConnector,
    bodies: Arc<Vec<(Bytes, bool)>>,
    offset: usize,
    record: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    second: Arc<AtomicU64>,
) -> Result<Stats> {
    let mut stats = Stats { latencies_us: Vec::with_capacity(1 << 20), errors: 0, wrong: 0 };
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let stream = tls.connect(ServerName::try_from("localhost")?, tcp).await?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut i = offset;
    while !stop.load(Ordering::Relaxed) {
        let (body, allowed) = &bodies[i % bodies.len()];
        i += 1;
        let req = Request::post("/validate")
            .header("content-type", "application/json")
            .header("host", "localhost")
            .body(Full::new(body.clone()))?;
        let t = Instant::now();
        let ok = async {
            send.ready().await?;
            let resp = send.send_request(req).await?;
            let status = resp.status();
            let bytes = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, bytes))
        }
        .await;
        let us = u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX);
        match ok {
            Ok((status, bytes)) if status == 200 => {
                let want: &[u8] = if *allowed { b"\"allowed\":true" } else { b"\"allowed\":false" };
                if !bytes.windows(want.len()).any(|w| w == want) {
                    stats.wrong += 1;
                }
            }
            _ => {
                stats.errors += 1;
                if send.is_closed() {
                    break;
                }
            }
        }
        if record.load(Ordering::Relaxed) {
            stats.latencies_us.push((u32::try_from(second.load(Ordering::Relaxed)).unwrap_or(u32::MAX), us));
            sent.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(stats)
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let dir = std::env::temp_dir().join(format!("serve-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (ca, cert, key) = pki()?;
    std::fs::write(dir.join("tls.crt"), cert)?;
    std::fs::write(dir.join("tls.key"), key)?;

    let mut child = Command::new(&args.server_bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0", "--tls-cert-file"])
        .arg(dir.join("tls.crt"))
        .arg("--tls-private-key-file")
        .arg(dir.join("tls.key"))
        .args(&args.server_args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| {
            format!("cannot start {} (build it: cargo build --release -p kubeward)", args.server_bin.display())
        })?;
    let pid = child.id();
    let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
    let mut lines = BufReader::new(stderr).lines();
    let (addr, health): (SocketAddr, SocketAddr) = loop {
        let line = lines.next().ok_or_else(|| anyhow!("the server exited before serving"))??;
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if v["msg"] == "serving" {
            let a = v["listen"].as_str().unwrap_or_default().parse()?;
            let h = v["health"].as_str().unwrap_or_default().parse()?;
            eprintln!("server: {line}");
            break (a, h);
        }
    };
    // Keep draining the server's stderr so it never blocks.
    std::thread::spawn(move || for _ in lines {});

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(args.client_threads).enable_all().build()?;
    let result = rt.block_on(async {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca)?;
        let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tls = TlsConnector::from(Arc::new(cfg));
        let bodies = Arc::new(reviews());
        let (record, stop, sent) =
            (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
        let second = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..args.connections)
            .map(|i| {
                tokio::spawn(worker(
                    addr,
                    tls.clone(),
                    bodies.clone(),
                    i,
                    record.clone(),
                    stop.clone(),
                    sent.clone(),
                    second.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(args.warmup).await;
        let rss_start = rss_kib(pid).unwrap_or(0);
        record.store(true, Ordering::Relaxed);
        let start = Instant::now();
        let mut rss = vec![rss_start];
        let mut last = 0;
        let mut loads = Vec::new();
        while start.elapsed() < args.duration {
            tokio::time::sleep(Duration::from_secs(1).min(args.duration.saturating_sub(start.elapsed()))).await;
            rss.push(rss_kib(pid).unwrap_or(0));
            second.fetch_add(1, Ordering::Relaxed);
            loads.push(loadavg());
            let now = sent.load(Ordering::Relaxed);
            eprintln!(
                "{:>5.1}s  {:>7} reviews/s  rss {} KiB",
                start.elapsed().as_secs_f64(),
                now - last,
                rss.last().unwrap_or(&0)
            );
            last = now;
        }
        record.store(false, Ordering::Relaxed);
        let elapsed = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        let (mut errors, mut wrong) = (0, 0);
        for t in tasks {
            let s = t.await??;
            all.extend(s.latencies_us);
            errors += s.errors;
            wrong += s.wrong;
        }
        let metrics = metrics_count(health).await.unwrap_or_default();
        anyhow::Ok((all, errors, wrong, elapsed, rss, metrics, loads))
    });
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let status = child.wait()?;
    let _ = std::fs::remove_dir_all(&dir);
    let (pairs, errors, wrong, elapsed, rss, metrics, loads) = result?;
    // Per second: count, p99, and the machine's 1-minute load average then.
    let seconds = loads.len().max(1);
    let mut per: Vec<Vec<u32>> = vec![Vec::new(); seconds];
    for (s, us) in &pairs {
        if let Some(v) = per.get_mut(*s as usize) {
            v.push(*us);
        }
    }
    let mut p99s = Vec::new();
    eprintln!("second  reviews  p99 ms  load avg");
    for (i, v) in per.iter_mut().enumerate() {
        v.sort_unstable();
        let p = pct(v, 0.99);
        p99s.push(p);
        eprintln!(
            "{:>6}  {:>7}  {:>6.2}  {}",
            i + 1,
            v.len(),
            p,
            loads.get(i).map_or(String::new(), |l| format!("{l:.2}"))
        );
    }
    p99s.sort_by(f64::total_cmp);
    let mut lat: Vec<u32> = pairs.iter().map(|(_, us)| *us).collect();
    lat.sort_unstable();

    #[allow(clippy::cast_precision_loss)]
    let rate = lat.len() as f64 / elapsed.as_secs_f64();
    let rss_max = rss.iter().copied().max().unwrap_or(0);
    println!(
        "serve-load: {} connections, {:.1} s measured after {:.1} s warm-up",
        args.connections,
        elapsed.as_secs_f64(),
        args.warmup.as_secs_f64()
    );
    println!("  reviews        {}", lat.len());
    println!("  throughput     {rate:.0} reviews/s");
    println!(
        "  latency ms     p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        pct(&lat, 0.50),
        pct(&lat, 0.90),
        pct(&lat, 0.99),
        pct(&lat, 0.999),
        pct(&lat, 1.0)
    );
    println!(
        "  per-second p99 ms  best {:.3}  median {:.3}  worst {:.3}",
        p99s.first().unwrap_or(&0.0),
        p99s.get(p99s.len() / 2).unwrap_or(&0.0),
        p99s.last().unwrap_or(&0.0)
    );
    println!(
        "  machine 1-min load average during the run  min {:.2}  max {:.2}",
        loads.iter().copied().fold(f64::INFINITY, f64::min),
        loads.iter().copied().fold(0.0, f64::max)
    );
    println!("  errors         {errors} (wrong verdicts: {wrong})");
    println!("  server RSS KiB start {}  end {}  max {}", rss.first().unwrap_or(&0), rss.last().unwrap_or(&0), rss_max);
    println!("  server /metrics request count {metrics}");
    println!("  server exit    {status}");
    if errors > 0 || wrong > 0 {
        bail!("{errors} errors, {wrong} wrong verdicts");
    }
    Ok(())
}

/// `kubeward_admission_request_duration_seconds_count` from the health listener.
async fn metrics_count(health: SocketAddr) -> Result<u64> {
    let tcp = TcpStream::connect(health).await?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(conn);
    let resp =
        send.send_request(Request::get("/metrics").header("host", "localhost").body(Full::new(Bytes::new()))?).await?;
    let text = String::from_utf8(resp.into_body().collect().await?.to_bytes().to_vec())?;
    text.lines()
        .find_map(|l| l.strip_prefix("kubeward_admission_request_duration_seconds_count "))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| anyhow!("no request count in /metrics"))
}
