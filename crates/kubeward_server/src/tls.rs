//! The serving certificate: loaded from PEM files, handed to rustls per handshake, and
//! reloaded when the files change.
//!
//! Kubernetes Secret volumes update by swapping a `..data` symlink, so inotify on the files
//! themselves misses updates. We poll the files' content instead (a few KiB every few
//! seconds): any change, through a symlink swap or a plain rewrite, is seen. A new pair is
//! swapped in only when it parses and the key matches the certificate; until then the old one
//! keeps serving. Each handshake takes the current key, so connections already open keep
//! theirs and new ones get the new one: nothing is dropped.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The crypto provider: ring, and only ring.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses a PEM certificate chain and private key into a key rustls can serve.
///
/// # Errors
/// Bad PEM, no certificate, no key, or a key that does not match the certificate.
pub fn certified_key(cert_pem: &[u8], key_pem: &[u8], provider: &CryptoProvider) -> Result<CertifiedKey, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("certificate file: {e}"))?;
    if certs.is_empty() {
        return Err("certificate file holds no CERTIFICATE block".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| format!("private key file: {e}"))?;
    CertifiedKey::from_der(certs, key, provider).map_err(|e| format!("certificate and key: {e}"))
}

/// What was last read from disk.
#[derive(Default)]
struct Seen {
    cert: Vec<u8>,
    key: Vec<u8>,
}

/// The current certificate, swapped atomically on reload.
pub struct CertStore {
    current: ArcSwap<CertifiedKey>,
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    seen: Mutex<Seen>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore").field("cert", &self.cert_path).field("key", &self.key_path).finish()
    }
}

/// The outcome of a reload check.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    /// The files did not change.
    Unchanged,
    /// A new certificate is being served.
    Reloaded,
    /// The files changed but could not be used (the old certificate keeps serving).
    Failed(String),
}

impl CertStore {
    /// Loads the certificate and key files.
    ///
    /// # Errors
    /// Unreadable or invalid files.
    pub fn load(cert_path: &Path, key_path: &Path, provider: Arc<CryptoProvider>) -> Result<Self, String> {
        let (cert, key) = read_pair(cert_path, key_path)?;
        let ck = certified_key(&cert, &key, &provider)?;
        Ok(Self {
            current: ArcSwap::from_pointee(ck),
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            provider,
            seen: Mutex::new(Seen { cert, key }),
        })
    }

    /// Rereads the files and swaps in a changed, valid pair.
    pub fn reload(&self) -> Reload {
        let (cert, key) = match read_pair(&self.cert_path, &self.key_path) {
            Ok(p) => p,
            Err(e) => return Reload::Failed(e),
        };
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if seen.cert == cert && seen.key == key {
            return Reload::Unchanged;
        }
        match certified_key(&cert, &key, &self.provider) {
            Ok(ck) => {
                self.current.store(Arc::new(ck));
                *seen = Seen { cert, key };
                Reload::Reloaded
            }
            // Half-written files (a rotation in progress) end up here; the next poll retries.
            Err(e) => Reload::Failed(e),
        }
    }

    /// The certificate served now (its end-entity certificate first).
    #[must_use]
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.load_full()
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

/// Largest certificate or key file read.
const MAX_PEM: u64 = 1 << 20;

fn read_pair(cert: &Path, key: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    let read = |p: &Path| -> Result<Vec<u8>, String> {
        let m = std::fs::metadata(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        if m.len() > MAX_PEM {
            return Err(format!("{} is larger than {MAX_PEM} bytes", p.display()));
        }
        std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    Ok((read(cert)?, read(key)?))
}

/// The rustls server configuration: the reloading store, HTTP/2 and HTTP/1.1 by ALPN.
///
/// # Errors
/// The provider offers no safe protocol version (cannot happen with ring).
pub fn server_config(store: Arc<CertStore>, provider: Arc<CryptoProvider>) -> Result<rustls::ServerConfig, String> {
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(store);
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}
