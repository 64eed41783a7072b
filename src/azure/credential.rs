//! Turning resolved sign-in settings (`auth::Credentials`: the method
//! `--auth` and the environment chose) into an azure_identity
//! `TokenCredential` for Azure Resource Manager, checked with one token
//! request so a bad secret fails before the scan starts.
//!
//! Which method applies, and in which order `auto` looks, is decided once,
//! in `auth` (service principal, workload identity, managed identity, Azure
//! CLI; from the environment, without probing the network), for scans and
//! deploys alike. A configured service principal or workload identity that
//! Entra rejects is the error; nothing falls through to another identity.
//! Endpoints come from `cloud`, the HTTP transport from `transport`.

use super::auth::{AuthMethod, Credentials};
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
use std::sync::Arc;
use std::time::Duration;

/// How long any single credential may take to return its first token.
const FIRST_TOKEN_TIMEOUT: Duration = Duration::from_secs(120);

/// What `resolve` needs.
#[derive(Debug, Clone)]
pub struct CredentialRequest {
    /// The method and its values, from `auth::resolve` (never `Auto`).
    pub credentials: Credentials,
    /// The tenant to authenticate in (GUID or domain).
    pub tenant_id: String,
    /// The cloud (authority host and token scope).
    pub cloud: CloudEndpoints,
    /// The HTTP transport (extra CAs).
    pub transport: Transport,
}

/// A credential that has returned a token for Azure Resource Manager.
#[derive(Debug, Clone)]
pub struct ResolvedCredential {
    /// The credential; azure_identity caches and refreshes its tokens.
    pub credential: Arc<dyn TokenCredential>,
    /// The method that worked (never `Auto`).
    pub method: AuthMethod,
    /// Who authenticated, e.g. ``service principal `0000…` (AZURE_CLIENT_ID)``.
    pub description: String,
}

/// Why no credential could be had.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
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
        /// What to do.
        hint: String,
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
            CredentialError::Rejected { hint, .. } => hint.clone(),
            CredentialError::Unreachable { cause, .. } if is_tls_error(cause) => {
                "the server's certificate is not trusted: pass its CA with `--ca-cert FILE` (or SSL_CERT_FILE), e.g. behind a TLS-inspecting proxy or for the ARM emulator".into()
            }
            CredentialError::Unreachable { .. } => {
                "check the network, proxy settings and `--authority-host`".into()
            }
            CredentialError::NoneFound { hint, .. } => hint.clone(),
        }
    }
}

fn is_tls_error(cause: &str) -> bool {
    let c = cause.to_ascii_lowercase();
    c.contains("certificate") || c.contains("unknownissuer") || c.contains("tls")
}

/// Builds the credential `req.credentials` names and checks it by getting
/// one token for Azure Resource Manager (azure_identity caches it, so the
/// scan's first request reuses it).
///
/// Errors: `Rejected` when Entra (or the CLI) refuses, `Unreachable` on
/// network or TLS failures, `NoneFound` when `--auth auto` fell back to the
/// Azure CLI and that failed too (listing why each method did not apply).
pub async fn resolve(req: &CredentialRequest) -> Result<ResolvedCredential, CredentialError> {
    let c = &req.credentials;
    let outcome = match build(req) {
        Ok(candidate) => verify(req, candidate, FIRST_TOKEN_TIMEOUT).await,
        Err(e) => Err(e),
    };
    match outcome {
        Err(e) if c.method == AuthMethod::Cli && !c.passed_over.is_empty() => {
            let mut attempts = c.passed_over.clone();
            attempts.push(format!(
                "{}: {}",
                AuthMethod::Cli.label(),
                e.causes().first().cloned().unwrap_or_else(|| e.to_string())
            ));
            Err(CredentialError::NoneFound {
                tenant: req.tenant_id.clone(),
                tried: "service principal, workload identity, managed identity, Azure CLI".into(),
                attempts,
                hint: format!(
                    "run `az login --tenant {}`, or set {} and {} for a service principal",
                    req.tenant_id,
                    c.var("CLIENT_ID"),
                    c.var("CLIENT_SECRET")
                ),
            })
        }
        other => other,
    }
}

/// Credentials without the values their method needs (`auth::resolve`
/// never returns such; a hand-built `Credentials` might).
fn incomplete(req: &CredentialRequest, vars: &str) -> CredentialError {
    let c = &req.credentials;
    CredentialError::Rejected {
        tenant: req.tenant_id.clone(),
        who: c.method.label().into(),
        cause: format!("{vars} not set"),
        hint: "set the variables, or pick another `--auth` (auto, cli, sp, msi, workload)".into(),
    }
}

/// A credential built but not yet checked.
struct Candidate {
    credential: Arc<dyn TokenCredential>,
    method: AuthMethod,
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

fn build(req: &CredentialRequest) -> Result<Candidate, CredentialError> {
    let env = &req.credentials;
    let method = env.method;
    let setup = |e: azure_core::Error| CredentialError::Rejected {
        tenant: req.tenant_id.clone(),
        who: method.label().into(),
        cause: error_chain(&e),
        hint: format!("check `--tenant-id` and the {} variables", env.source),
    };
    let id_var = env.var("CLIENT_ID");
    let (credential, who): (Arc<dyn TokenCredential>, String) = match method {
        AuthMethod::ServicePrincipal => {
            let (Some(id), Some(secret)) = (&env.client_id, &env.client_secret) else {
                return Err(incomplete(
                    req,
                    &format!("{id_var} and {}", env.var("CLIENT_SECRET")),
                ));
            };
            let c = ClientSecretCredential::new(
                &req.tenant_id,
                id.clone(),
                Secret::new(secret.expose().to_string()),
                Some(ClientSecretCredentialOptions {
                    client_options: client_options(req),
                }),
            )
            .map_err(setup)?;
            (c, format!("service principal `{id}` ({id_var})"))
        }
        AuthMethod::WorkloadIdentity => {
            let (Some(id), Some(file)) = (&env.client_id, &env.federated_token_file) else {
                return Err(incomplete(
                    req,
                    &format!("{id_var} and AZURE_FEDERATED_TOKEN_FILE"),
                ));
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
        AuthMethod::ManagedIdentity => {
            let mut options = ManagedIdentityCredentialOptions {
                client_options: client_options(req),
                ..Default::default()
            };
            let who = match &env.client_id {
                Some(id) => {
                    options.user_assigned_id = Some(UserAssignedId::ClientId(id.clone()));
                    format!("user-assigned managed identity `{id}` ({id_var})")
                }
                None => "the system-assigned managed identity".into(),
            };
            (
                ManagedIdentityCredential::new(Some(options)).map_err(setup)?,
                who,
            )
        }
        AuthMethod::Cli | AuthMethod::Auto => {
            let c = AzureCliCredential::new(Some(AzureCliCredentialOptions {
                tenant_id: Some(req.tenant_id.clone()),
                ..Default::default()
            }))
            .map_err(setup)?;
            (c, "the Azure CLI's signed-in account".into())
        }
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
    if transport && c.method != AuthMethod::Cli {
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
    let creds = &req.credentials;
    let (id_var, secret_var) = (creds.var("CLIENT_ID"), creds.var("CLIENT_SECRET"));
    let id = c.client_id.as_deref().unwrap_or("CLIENT_ID");
    match (c.method, aadsts_code(cause)) {
        (_, Some(7000222)) => format!(
            "the client secret has expired: create a new one with `az ad app credential reset --id {id} --append` and set {secret_var} to its value"
        ),
        (_, Some(7000215)) => format!(
            "{secret_var} must hold the secret's value (not its ID); check it for typos or create a new secret"
        ),
        (_, Some(700016)) => format!(
            "no application `{id}` in tenant `{}`: check {id_var} and `--tenant-id`",
            req.tenant_id
        ),
        (_, Some(90002)) => format!(
            "tenant `{}` was not found: check `--tenant-id` (a GUID or a domain such as contoso.onmicrosoft.com)",
            req.tenant_id
        ),
        (AuthMethod::ServicePrincipal, _) => {
            format!("check {id_var}, {secret_var} and `--tenant-id`")
        }
        (AuthMethod::WorkloadIdentity, _) => format!(
            "check {id_var}, AZURE_FEDERATED_TOKEN_FILE and the app's federated credential"
        ),
        (AuthMethod::ManagedIdentity, _) => {
            "run atg where a managed identity is available (Azure VM, App Service, container), or pick another `--auth`".into()
        }
        (AuthMethod::Cli | AuthMethod::Auto, _) => format!(
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
    fn a_tenant_alias_is_named_in_the_description_and_hints() {
        let env = |k: &str| match k {
            "ATG_TENANT_PROD_CLIENT_ID" => Some("app".to_string()),
            "ATG_TENANT_PROD_CLIENT_SECRET" => Some("s3cret".to_string()),
            _ => None,
        };
        let credentials =
            crate::azure::auth::resolve(AuthMethod::Auto, Some("prod"), &env).unwrap();
        let req = CredentialRequest {
            credentials,
            tenant_id: "t".into(),
            cloud: CloudEndpoints::resolve(None, None).unwrap(),
            transport: Transport::new(Arc::new(Offline)),
        };
        let Ok(c) = build(&req) else {
            panic!("expected a credential")
        };
        assert_eq!(c.method, AuthMethod::ServicePrincipal);
        assert_eq!(c.who, "service principal `app` (ATG_TENANT_PROD_CLIENT_ID)");
        assert_eq!(
            rejection_hint(&req, &c, "AADSTS7000215: Invalid client secret"),
            "ATG_TENANT_PROD_CLIENT_SECRET must hold the secret's value (not its ID); check it for typos or create a new secret"
        );
    }
}
