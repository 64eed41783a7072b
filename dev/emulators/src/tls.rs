//! Certificates for the emulators: a fresh CA and a server certificate it
//! signs for `localhost`, `127.0.0.1`, `::1` and any extra host names,
//! made with rcgen at every start. Clients trust the CA (a kubeconfig's
//! `certificate-authority-data`, atg's `--ca-cert`); nothing disables
//! verification.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

/// The CA (PEM) and the server's TLS configuration.
pub struct Certificates {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// rustls configuration serving the signed certificate (HTTP/1.1).
    pub server_config: Arc<ServerConfig>,
}

/// Makes a CA and a server certificate for the loopback names and
/// `extra_hosts`; `name` goes into both common names (`NAME CA`, `NAME`).
///
/// Errors: rcgen's or rustls's message (only for invalid host names).
pub fn generate(name: &str, extra_hosts: &[String]) -> Result<Certificates, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let ca_key = KeyPair::generate().map_err(|e| err(&e))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err(&e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("{name} CA"));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(|e| err(&e))?;

    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    names.extend(extra_hosts.iter().cloned());
    let server_key = KeyPair::generate().map_err(|e| err(&e))?;
    let mut params = CertificateParams::new(names).map_err(|e| err(&e))?;
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let server = params.signed_by(&server_key, &ca).map_err(|e| err(&e))?;

    let chain = vec![
        CertificateDer::from(server.der().to_vec()),
        CertificateDer::from(ca.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| err(&e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| err(&e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Certificates {
        ca_pem: ca.pem(),
        server_config: Arc::new(config),
    })
}
