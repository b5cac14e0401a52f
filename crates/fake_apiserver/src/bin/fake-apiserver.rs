//! Serves a synthetic cluster for benchmarks and manual tries (test tool, not shipped):
//! `fake-apiserver --kubeconfig FILE [--pods N] [--deployments N] [--namespaces N] [--standalone-pods]
//! [--configmaps N --configmap-bytes B]` (ConfigMaps of B bytes of data each, for the memory
//! figure of issue 15: 300 ConfigMaps of 900 KB)
//! writes a kubeconfig for it, prints `ready` and serves until its stdin closes.

use std::io::{BufRead, Write};

fn main() -> Result<(), fake_apiserver::Error> {
    let mut args = std::env::args().skip(1);
    let (mut pods, mut deployments, mut namespaces, mut kubeconfig, mut owned) = (10_000, 2_000, 50, None, true);
    let (mut configmaps, mut configmap_bytes) = (0, 0);
    while let Some(a) = args.next() {
        let mut num = || args.next().and_then(|v| v.parse::<usize>().ok()).ok_or("expected a number");
        match a.as_str() {
            "--pods" => pods = num()?,
            "--deployments" => deployments = num()?,
            "--namespaces" => namespaces = num()?,
            "--kubeconfig" => kubeconfig = args.next(),
            "--standalone-pods" => owned = false,
            "--configmaps" => configmaps = num()?,
            "--configmap-bytes" => configmap_bytes = num()?,
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    let path = kubeconfig.ok_or("--kubeconfig FILE is required")?;
    let mut cluster = fake_apiserver::synthetic_with(namespaces, deployments, pods, owned);
    for i in 0..configmaps {
        cluster.add(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("blob-{i}"), "namespace": format!("team-{}", i % namespaces.max(1))},
            "data": {"blob": "x".repeat(configmap_bytes)}}));
    }
    let server = fake_apiserver::FakeApiServer::start(cluster, fake_apiserver::Options::default())?;
    std::fs::write(&path, server.kubeconfig())?;
    println!("ready {}", server.url());
    std::io::stdout().flush()?;
    let mut line = String::new();
    while std::io::stdin().lock().read_line(&mut line)? > 0 {
        line.clear();
    }
    let n = server.requests().len();
    eprintln!("fake-apiserver: served {n} requests");
    Ok(())
}
