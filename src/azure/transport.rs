//! The HTTP transport of every Azure call: one reqwest client on rustls
//! (ring) that verifies servers against the system's roots plus any extra
//! CA certificates (`--ca-cert FILE`, `SSL_CERT_FILE`), handed to azure_core
//! through `ClientOptions::transport`.
//!
//! Extra CAs serve TLS-inspecting proxies and the local ARM emulator.
//! Certificate and hostname verification are never turned off. Endpoints are
//! left to `cloud`, retries and throttling to `arm` and `throttle`.

use azure_core::http::Transport;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Time allowed to open a TCP + TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Time allowed between two reads of a response.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Why the transport could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A CA file could not be read.
    #[error("cannot read CA certificate file `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A CA file holds no PEM certificate.
    #[error("`{path}` holds no PEM certificate: {message}")]
    Pem {
        /// The file.
        path: String,
        /// The parser's message, or why nothing was found.
        message: String,
    },
    /// reqwest refused the configuration.
    #[error("cannot build the HTTPS client: {0}")]
    Build(String),
}

impl TransportError {
    /// A one-line hint for the user.
    pub fn hint(&self) -> &'static str {
        match self {
            TransportError::Read { .. } | TransportError::Pem { .. } => {
                "pass a PEM file with `-----BEGIN CERTIFICATE-----` blocks to `--ca-cert` (or SSL_CERT_FILE)"
            }
            TransportError::Build(_) => {
                "check the CA files passed to `--ca-cert` and SSL_CERT_FILE"
            }
        }
    }
}

/// The CA files to trust besides the system roots: `--ca-cert` values, then
/// `SSL_CERT_FILE` when it is set and not empty.
pub fn extra_ca_files(ca_cert: &[PathBuf], ssl_cert_file: Option<&str>) -> Vec<PathBuf> {
    let mut files = ca_cert.to_vec();
    if let Some(f) = ssl_cert_file.filter(|f| !f.is_empty()) {
        files.push(PathBuf::from(f));
    }
    files
}

/// Builds the HTTPS client, trusting the system roots plus every
/// certificate in `extra_ca` (PEM files, each may hold a bundle).
///
/// Errors: `TransportError` when a file is unreadable or holds no
/// certificate, or reqwest refuses the TLS configuration.
pub fn http_client(extra_ca: &[PathBuf]) -> Result<reqwest::Client, TransportError> {
    install_crypto_provider();
    let mut certs = Vec::new();
    for path in extra_ca {
        certs.extend(read_pem(path)?);
    }
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        // ARM and Entra do not redirect; the Azure SDK turns redirects off too.
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(certs)
        .build()
        .map_err(|e| TransportError::Build(error_chain(&e)))
}

/// The azure_core transport for a client built by `http_client`.
pub fn transport(client: reqwest::Client) -> Transport {
    Transport::new(Arc::new(client))
}

/// Makes ring the process's rustls crypto provider (once; later calls and a
/// provider installed elsewhere are fine).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn read_pem(path: &Path) -> Result<Vec<reqwest::Certificate>, TransportError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| TransportError::Read {
        path: display.clone(),
        source,
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| TransportError::Pem {
        path: display.clone(),
        message: e.to_string(),
    })?;
    if certs.is_empty() {
        return Err(TransportError::Pem {
            path: display,
            message: "no `-----BEGIN CERTIFICATE-----` block found".into(),
        });
    }
    Ok(certs)
}

/// An error and its sources on one line, outermost first, joined by `: `.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    chain_parts(e).join(": ")
}

/// The messages of an error and its sources, outermost first, leaving out
/// any message an earlier one already contains.
pub fn chain_parts(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_cert_file_adds_to_the_flag_values() {
        let files = extra_ca_files(&[PathBuf::from("a.pem")], Some("b.pem"));
        assert_eq!(files, vec![PathBuf::from("a.pem"), PathBuf::from("b.pem")]);
        assert!(extra_ca_files(&[], Some("")).is_empty());
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.pem");
        std::fs::write(&p, "not a certificate\n").unwrap();
        let e = http_client(&[p]).unwrap_err();
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
    }
}
