//! Turning `--auth auto|cli|sp|msi|workload` into an azure_identity
//! `TokenCredential` for Azure Resource Manager, checked with one token
//! request so a bad secret fails before the scan starts.
//!
//! `auto` tries, in order: a service principal from `AZURE_CLIENT_ID` +
//! `AZURE_CLIENT_SECRET`, workload identity from `AZURE_FEDERATED_TOKEN_FILE`
//! + `AZURE_CLIENT_ID`, a managed identity (probed for a few seconds), then
//!   the Azure CLI's login. A configured service principal or workload identity
//!   that Entra rejects stops the chain with its own error, as the Azure SDKs'
//!   `DefaultAzureCredential` does.
//!
//! `CredentialMethod` here is the scan's view of authentication; handing
//! credentials to terraform as `ARM_*` variables belongs to `deploy`.
//! Endpoints come from `cloud`, the HTTP transport from `transport`.

use super::cloud::CloudEndpoints;
use super::transport::{chain_parts, error_chain};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredentialOptions,
    ClientSecretCredential, ClientSecretCredentialOptions, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long `auto` waits for a managed identity endpoint before moving on.
const MANAGED_IDENTITY_PROBE: Duration = Duration::from_secs(3);
/// How long any single credential may take to return its first token.
const FIRST_TOKEN_TIMEOUT: Duration = Duration::from_secs(120);

/// How the scan authenticates to Microsoft Entra ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialMethod {
    /// Try service principal, workload identity, managed identity, Azure CLI.
    Auto,
    /// The Azure CLI's login (`az account get-access-token`).
    AzureCli,
    /// A service principal with a client secret (`AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`).
    ServicePrincipal,
    /// A managed identity (system-assigned, or user-assigned by `AZURE_CLIENT_ID`).
    ManagedIdentity,
    /// Workload identity federation (`AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID`).
    WorkloadIdentity,
}

impl CredentialMethod {
    /// The `--auth` spelling.
    pub fn flag_value(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::AzureCli => "cli",
            Self::ServicePrincipal => "sp",
            Self::ManagedIdentity => "msi",
            Self::WorkloadIdentity => "workload",
        }
    }
}

/// The environment variables credentials read, captured once.
#[derive(Debug, Clone, Default)]
pub struct CredentialEnv {
    /// `AZURE_CLIENT_ID`.
    pub client_id: Option<String>,
    /// `AZURE_CLIENT_SECRET` (never logged; `Secret` redacts its Debug output).
    pub client_secret: Option<Secret>,
    /// `AZURE_FEDERATED_TOKEN_FILE`.
    pub federated_token_file: Option<PathBuf>,
}

impl CredentialEnv {
    /// Reads the variables from the process environment; empty values count as unset.
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        CredentialEnv {
            client_id: var("AZURE_CLIENT_ID"),
            client_secret: var("AZURE_CLIENT_SECRET").map(Secret::new),
            federated_token_file: var("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
        }
    }
}

/// What `resolve` needs.
#[derive(Debug, Clone)]
pub struct CredentialRequest {
    /// The method asked for.
    pub method: CredentialMethod,
    /// The tenant to authenticate in (GUID or domain).
    pub tenant_id: String,
    /// The cloud (authority host and token scope).
    pub cloud: CloudEndpoints,
    /// The HTTP transport (extra CAs).
    pub transport: Transport,
    /// The environment.
    pub env: CredentialEnv,
}

/// A credential that has returned a token for Azure Resource Manager.
#[derive(Debug, Clone)]
pub struct ResolvedCredential {
    /// The credential; azure_identity caches and refreshes its tokens.
    pub credential: Arc<dyn TokenCredential>,
    /// The method that worked (never `Auto`).
    pub method: CredentialMethod,
    /// Who authenticated, e.g. ``service principal `0000…` (AZURE_CLIENT_ID)``.
    pub description: String,
}

/// Why no credential could be had.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The method needs environment variables that are not set.
    #[error("`--auth {method}` needs {missing}")]
    MissingEnv {
        /// The `--auth` value.
        method: &'static str,
        /// The variables, e.g. `AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`.
        missing: String,
    },
    /// Entra ID (or the Azure CLI, or the managed identity endpoint) refused.
    #[error("cannot authenticate to tenant `{tenant}` as {who}")]
    Rejected {
        /// The tenant.
        tenant: String,
        /// The identity, e.g. ``service principal `abc` ``.
        who: String,
        /// Entra's message, e.g. `AADSTS7000215: Invalid client secret provided. …`.
        cause: String,
        /// What to do.
        hint: String,
    },
    /// Entra ID could not be reached (network, TLS, 5xx).
    #[error("cannot reach Microsoft Entra ID to authenticate as {who}")]
    Unreachable {
        /// The identity.
        who: String,
        /// The transport error chain.
        cause: String,
    },
    /// `auto` found nothing that works.
    #[error("no credential for tenant `{tenant}`: `--auth auto` tried {tried}")]
    NoneFound {
        /// The tenant.
        tenant: String,
        /// The methods tried, e.g. `service principal, workload identity, ...`.
        tried: String,
        /// One line per method: why it did not work.
        attempts: Vec<String>,
    },
}

impl CredentialError {
    /// True when the user's settings are at fault (exit 2) rather than the network (exit 3).
    pub fn is_input_error(&self) -> bool {
        !matches!(self, CredentialError::Unreachable { .. })
    }

    /// The causes to print under the message.
    pub fn causes(&self) -> Vec<String> {
        match self {
            CredentialError::MissingEnv { .. } => Vec::new(),
            CredentialError::Rejected { cause, .. }
            | CredentialError::Unreachable { cause, .. } => {
                vec![cause.clone()]
            }
            CredentialError::NoneFound { attempts, .. } => attempts.clone(),
        }
    }

    /// A one-line hint.
    pub fn hint(&self) -> String {
        match self {
            CredentialError::MissingEnv { .. } => {
                "set the variables, or pick another `--auth` (auto, cli, sp, msi, workload)".into()
            }
            CredentialError::Rejected { hint, .. } => hint.clone(),
            CredentialError::Unreachable { cause, .. } if is_tls_error(cause) => {
                "the server's certificate is not trusted: pass its CA with `--ca-cert FILE` (or SSL_CERT_FILE), e.g. behind a TLS-inspecting proxy or for the ARM emulator".into()
            }
            CredentialError::Unreachable { .. } => {
                "check the network, proxy settings and `--authority-host`".into()
            }
            CredentialError::NoneFound { tenant, .. } => format!(
                "run `az login --tenant {tenant}`, or set AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal"
            ),
        }
    }
}

fn is_tls_error(cause: &str) -> bool {
    let c = cause.to_ascii_lowercase();
    c.contains("certificate") || c.contains("unknownissuer") || c.contains("tls")
}

/// Builds the credential `req.method` names and checks it by getting one
/// token for Azure Resource Manager (azure_identity caches it, so the scan's
/// first request reuses it).
///
/// Errors: `MissingEnv` when the method's variables are unset, `Rejected`
/// when Entra (or the CLI) refuses, `Unreachable` on network or TLS
/// failures, `NoneFound` when `auto` finds nothing.
pub async fn resolve(req: &CredentialRequest) -> Result<ResolvedCredential, CredentialError> {
    match req.method {
        CredentialMethod::Auto => resolve_auto(req).await,
        method => {
            let candidate = build(req, method)?;
            verify(req, candidate, FIRST_TOKEN_TIMEOUT).await
        }
    }
}

async fn resolve_auto(req: &CredentialRequest) -> Result<ResolvedCredential, CredentialError> {
    let mut attempts = Vec::new();
    // A configured service principal or workload identity is final: its
    // rejection is the error, not a reason to try the next method.
    for method in [
        CredentialMethod::ServicePrincipal,
        CredentialMethod::WorkloadIdentity,
    ] {
        match build(req, method) {
            Ok(candidate) => return verify(req, candidate, FIRST_TOKEN_TIMEOUT).await,
            Err(CredentialError::MissingEnv { missing, .. }) => {
                attempts.push(format!("{}: {missing} not set", label(method)));
            }
            Err(e) => return Err(e),
        }
    }
    for (method, timeout) in [
        (CredentialMethod::ManagedIdentity, MANAGED_IDENTITY_PROBE),
        (CredentialMethod::AzureCli, FIRST_TOKEN_TIMEOUT),
    ] {
        let outcome = match build(req, method) {
            Ok(candidate) => verify(req, candidate, timeout).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(found) => return Ok(found),
            Err(e) => attempts.push(format!(
                "{}: {}",
                label(method),
                e.causes().first().cloned().unwrap_or_else(|| e.to_string())
            )),
        }
    }
    Err(CredentialError::NoneFound {
        tenant: req.tenant_id.clone(),
        tried: "service principal, workload identity, managed identity, Azure CLI".into(),
        attempts,
    })
}

fn label(method: CredentialMethod) -> &'static str {
    match method {
        CredentialMethod::Auto => "auto",
        CredentialMethod::AzureCli => "Azure CLI",
        CredentialMethod::ServicePrincipal => "service principal",
        CredentialMethod::ManagedIdentity => "managed identity",
        CredentialMethod::WorkloadIdentity => "workload identity",
    }
}

/// A credential built but not yet checked.
struct Candidate {
    credential: Arc<dyn TokenCredential>,
    method: CredentialMethod,
    who: String,
    client_id: Option<String>,
}

/// Client options of every credential: our transport and cloud, and a
/// short retry budget (a TLS or DNS failure does not heal in a minute).
fn client_options(req: &CredentialRequest) -> ClientOptions {
    ClientOptions {
        transport: Some(req.transport.clone()),
        cloud: Some(Arc::new(req.cloud.cloud_configuration())),
        retry: RetryOptions::exponential(ExponentialRetryOptions {
            initial_delay: azure_core::time::Duration::milliseconds(200),
            max_retries: 3,
            max_total_elapsed: azure_core::time::Duration::seconds(20),
            max_delay: azure_core::time::Duration::seconds(5),
        }),
        ..Default::default()
    }
}

fn build(req: &CredentialRequest, method: CredentialMethod) -> Result<Candidate, CredentialError> {
    let flag = method.flag_value();
    let setup = |e: azure_core::Error| CredentialError::Rejected {
        tenant: req.tenant_id.clone(),
        who: label(method).into(),
        cause: error_chain(&e),
        hint: "check `--tenant-id` and the AZURE_* variables".into(),
    };
    let env = &req.env;
    let (credential, who): (Arc<dyn TokenCredential>, String) = match method {
        CredentialMethod::ServicePrincipal => {
            let (Some(id), Some(secret)) = (&env.client_id, &env.client_secret) else {
                return Err(CredentialError::MissingEnv {
                    method: flag,
                    missing: "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET".into(),
                });
            };
            let c = ClientSecretCredential::new(
                &req.tenant_id,
                id.clone(),
                secret.clone(),
                Some(ClientSecretCredentialOptions {
                    client_options: client_options(req),
                }),
            )
            .map_err(setup)?;
            (c, format!("service principal `{id}` (AZURE_CLIENT_ID)"))
        }
        CredentialMethod::WorkloadIdentity => {
            let (Some(id), Some(file)) = (&env.client_id, &env.federated_token_file) else {
                return Err(CredentialError::MissingEnv {
                    method: flag,
                    missing: "AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE".into(),
                });
            };
            let c = WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: client_options(req),
                },
                client_id: Some(id.clone()),
                tenant_id: Some(req.tenant_id.clone()),
                token_file_path: Some(file.clone()),
            }))
            .map_err(setup)?;
            (
                c,
                format!("workload identity `{id}` (token file `{}`)", file.display()),
            )
        }
        CredentialMethod::ManagedIdentity => {
            let mut options = ManagedIdentityCredentialOptions {
                client_options: client_options(req),
                ..Default::default()
            };
            let who = match &env.client_id {
                Some(id) => {
                    options.user_assigned_id = Some(UserAssignedId::ClientId(id.clone()));
                    format!("user-assigned managed identity `{id}` (AZURE_CLIENT_ID)")
                }
                None => "the system-assigned managed identity".into(),
            };
            (
                ManagedIdentityCredential::new(Some(options)).map_err(setup)?,
                who,
            )
        }
        CredentialMethod::AzureCli => {
            let c = AzureCliCredential::new(Some(AzureCliCredentialOptions {
                tenant_id: Some(req.tenant_id.clone()),
                ..Default::default()
            }))
            .map_err(setup)?;
            (c, "the Azure CLI's signed-in account".into())
        }
        CredentialMethod::Auto => unreachable!("auto is resolved by trying each method"),
    };
    Ok(Candidate {
        credential,
        method,
        who,
        client_id: env.client_id.clone(),
    })
}

async fn verify(
    req: &CredentialRequest,
    c: Candidate,
    timeout: Duration,
) -> Result<ResolvedCredential, CredentialError> {
    let scope = req.cloud.scope();
    let outcome = tokio::time::timeout(timeout, c.credential.get_token(&[&scope], None)).await;
    match outcome {
        Ok(Ok(_token)) => Ok(ResolvedCredential {
            credential: c.credential,
            method: c.method,
            description: c.who,
        }),
        Ok(Err(e)) => Err(classify(req, &c, &e)),
        Err(_) => Err(CredentialError::Unreachable {
            who: c.who,
            cause: format!("no token after {} s", timeout.as_secs()),
        }),
    }
}

/// Sorts a failed token request into a rejection (Entra answered no) or an
/// unreachable service (transport error or 5xx).
fn classify(req: &CredentialRequest, c: &Candidate, e: &azure_core::Error) -> CredentialError {
    let chain = error_chain(e);
    let cause = entra_message(&chain_parts(e));
    let rejected = chain.contains("AADSTS") || http_status(e).is_some_and(|s| s < 500);
    let transport = !rejected
        && (matches!(
            innermost_kind(e),
            Some(azure_core::error::ErrorKind::Io | azure_core::error::ErrorKind::Connection)
        ) || http_status(e).is_some_and(|s| s >= 500));
    if transport && c.method != CredentialMethod::AzureCli {
        return CredentialError::Unreachable {
            who: c.who.clone(),
            cause,
        };
    }
    CredentialError::Rejected {
        tenant: req.tenant_id.clone(),
        who: c.who.clone(),
        hint: rejection_hint(req, c, &cause),
        cause,
    }
}

/// The causes of a credential error, one line: azure_identity's wrapper
/// ("XCredential authentication failed. …" plus a troubleshooting link) is
/// reduced to its own message, then the deeper causes follow.
fn entra_message(parts: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut text = part.as_str();
        if i == 0 {
            if let Some(j) = text.find("authentication failed.") {
                text = &text[j + "authentication failed.".len()..];
            }
            if let Some(j) = text.find("To troubleshoot") {
                text = &text[..j];
            }
        }
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !line.is_empty() && !out.iter().any(|o| o.contains(&line)) {
            out.push(line);
        }
    }
    out.join(": ")
}

fn aadsts_code(text: &str) -> Option<u32> {
    let i = text.find("AADSTS")? + "AADSTS".len();
    let digits: String = text[i..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn rejection_hint(req: &CredentialRequest, c: &Candidate, cause: &str) -> String {
    let id = c.client_id.as_deref().unwrap_or("CLIENT_ID");
    match (c.method, aadsts_code(cause)) {
        (_, Some(7000222)) => format!(
            "the client secret has expired: create a new one with `az ad app credential reset --id {id} --append` and set AZURE_CLIENT_SECRET to its value"
        ),
        (_, Some(7000215)) => {
            "AZURE_CLIENT_SECRET must hold the secret's value (not its ID); check it for typos or create a new secret".into()
        }
        (_, Some(700016)) => format!(
            "no application `{id}` in tenant `{}`: check AZURE_CLIENT_ID and `--tenant-id`",
            req.tenant_id
        ),
        (_, Some(90002)) => format!(
            "tenant `{}` was not found: check `--tenant-id` (a GUID or a domain such as contoso.onmicrosoft.com)",
            req.tenant_id
        ),
        (CredentialMethod::ServicePrincipal, _) => {
            "check AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and `--tenant-id`".into()
        }
        (CredentialMethod::WorkloadIdentity, _) => {
            "check AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE and the app's federated credential".into()
        }
        (CredentialMethod::ManagedIdentity, _) => {
            "run atg where a managed identity is available (Azure VM, App Service, container), or pick another `--auth`".into()
        }
        (CredentialMethod::AzureCli | CredentialMethod::Auto, _) => format!(
            "run `az login --tenant {}`, or pick another `--auth`",
            req.tenant_id
        ),
    }
}

fn http_status(e: &azure_core::Error) -> Option<u16> {
    walk(e).find_map(|e| e.http_status().map(u16::from))
}

fn innermost_kind(e: &azure_core::Error) -> Option<&azure_core::error::ErrorKind> {
    walk(e).last().map(|e| e.kind())
}

/// The azure_core errors in a chain, outermost first.
fn walk(e: &azure_core::Error) -> impl Iterator<Item = &azure_core::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    std::iter::from_fn(move || {
        while let Some(cur) = next {
            next = cur.source();
            if let Some(az) = cur.downcast_ref::<azure_core::Error>() {
                return Some(az);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_message_keeps_the_aadsts_line_without_the_link() {
        let parts = vec![
            "ClientSecretCredential authentication failed. AADSTS7000215: Invalid client secret provided.\nTo troubleshoot, visit https://aka.ms/azsdk/rust/identity/troubleshoot#client-secret".to_string(),
            "AADSTS7000215: Invalid client secret provided.".to_string(),
        ];
        assert_eq!(
            entra_message(&parts),
            "AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(aadsts_code(&parts[0]), Some(7000215));
        let tls = vec![
            "ClientSecretCredential authentication failed. retry policy expired\nTo troubleshoot, visit https://aka.ms/x".to_string(),
            "retry policy expired".to_string(),
            "invalid peer certificate: UnknownIssuer".to_string(),
        ];
        assert_eq!(
            entra_message(&tls),
            "retry policy expired: invalid peer certificate: UnknownIssuer"
        );
    }

    /// A transport that never sends: building credentials must not need one.
    #[derive(Debug)]
    struct Offline;

    #[async_trait::async_trait]
    impl azure_core::http::HttpClient for Offline {
        async fn execute_request(
            &self,
            _: &azure_core::http::Request,
        ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
            Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Io,
                "offline",
            ))
        }
    }

    #[test]
    fn missing_variables_name_the_method_and_the_variables() {
        let req = CredentialRequest {
            method: CredentialMethod::ServicePrincipal,
            tenant_id: "t".into(),
            cloud: CloudEndpoints::resolve(None, None).unwrap(),
            transport: Transport::new(Arc::new(Offline)),
            env: CredentialEnv::default(),
        };
        let Err(e) = build(&req, CredentialMethod::ServicePrincipal) else {
            panic!("expected an error")
        };
        assert_eq!(
            e.to_string(),
            "`--auth sp` needs AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
        );
        assert!(e.is_input_error());
    }
}
