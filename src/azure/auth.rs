//! Azure sign-in resolution: which method a command uses (service
//! principal, workload identity, managed identity or the Azure CLI) and the
//! identifiers and secret that go with it, read from the environment.
//!
//! Resolution only: nothing here talks to Azure or gets a token. Deploy
//! hands the result to terraform as `ARM_*` variables (`deploy::env`); the
//! live scanner (and `deploy --verify`) builds an azure_identity credential
//! from it (`credential`). Both use this one method type and this one
//! order, so `--auth auto` means the same thing everywhere: it decides from
//! the environment alone and never probes the network.
//!
//! Where values come from: for a named tenant (`--tenant-alias prod`)
//! `ATG_TENANT_PROD_CLIENT_ID`, `_CLIENT_SECRET` and `_TENANT_ID`; otherwise
//! the standard `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and
//! `AZURE_TENANT_ID`. Workload identity reads `AZURE_FEDERATED_TOKEN_FILE`
//! (set by AKS), managed identity is detected by `IDENTITY_ENDPOINT` or
//! `MSI_ENDPOINT` (App Service, Functions, Container Apps, Arc, Cloud Shell).

use std::fmt;
use std::path::PathBuf;

/// How to sign in to Azure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// The first that applies, in this order: service principal, workload
    /// identity, managed identity, Azure CLI.
    Auto,
    /// The Azure CLI's login (`az login`).
    Cli,
    /// A service principal with a client secret.
    ServicePrincipal,
    /// The managed identity of the machine or service atg runs on.
    ManagedIdentity,
    /// Workload identity federation: a federated token file (AKS) and a client ID.
    WorkloadIdentity,
}

impl AuthMethod {
    /// The name used on the command line and in records: `auto`, `cli`, `sp`, `msi`, `workload`.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::Cli => "cli",
            AuthMethod::ServicePrincipal => "sp",
            AuthMethod::ManagedIdentity => "msi",
            AuthMethod::WorkloadIdentity => "workload",
        }
    }

    /// The name in sentences: `service principal`, `Azure CLI`, ….
    pub fn label(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::Cli => "Azure CLI",
            AuthMethod::ServicePrincipal => "service principal",
            AuthMethod::ManagedIdentity => "managed identity",
            AuthMethod::WorkloadIdentity => "workload identity",
        }
    }
}

/// A secret value. It never shows in `Debug` or `Display`; `expose` is the
/// only way to read it, so every use is deliberate.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself: hand it to a child process's environment, never to
    /// a log, a file or a command line.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The outcome of resolution: one concrete method (never `Auto`) and what it needs.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The method chosen.
    pub method: AuthMethod,
    /// The tenant the credentials belong to, when the environment names one.
    pub tenant_id: Option<String>,
    /// The application (client) ID: the service principal, the federated
    /// application, or a user-assigned managed identity.
    pub client_id: Option<String>,
    /// The service principal's client secret.
    pub client_secret: Option<Secret>,
    /// The federated token file of workload identity.
    pub federated_token_file: Option<PathBuf>,
    /// Where the values came from, for messages: e.g. `ATG_TENANT_PROD_*` or `AZURE_*`.
    pub source: String,
    /// With `--auth auto`: one line per method passed over before the
    /// chosen one, saying why it did not apply (names variables, never
    /// values); empty for an explicit method.
    pub passed_over: Vec<String>,
}

impl Credentials {
    /// The variable of this source with `suffix`: `var("CLIENT_ID")` is
    /// `AZURE_CLIENT_ID`, or `ATG_TENANT_PROD_CLIENT_ID` for `--tenant-alias prod`.
    pub fn var(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.source.trim_end_matches('*'))
    }
}

/// Why credentials could not be resolved. Messages name variables, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// `--tenant-alias` is empty or has no letters or digits.
    #[error("tenant alias `{0}` is not usable: it needs letters or digits")]
    BadAlias(String),
    /// No `ATG_TENANT_<ALIAS>_*` variable is set.
    #[error(
        "no credentials for tenant alias `{alias}`: none of {prefix}CLIENT_ID, {prefix}CLIENT_SECRET, {prefix}TENANT_ID is set"
    )]
    UnknownAlias {
        /// The alias given.
        alias: String,
        /// The variable prefix, e.g. `ATG_TENANT_PROD_`.
        prefix: String,
    },
    /// The method asked for lacks a variable.
    #[error("`--auth {method}` needs {}", missing.join(" and "))]
    Missing {
        /// The method's name.
        method: &'static str,
        /// The missing variables.
        missing: Vec<String>,
    },
}

/// The environment-variable prefix of a named tenant: `ATG_TENANT_` + the
/// alias in upper case with every other character than A–Z and 0–9 turned
/// into `_` + `_`. `prod-eu` → `ATG_TENANT_PROD_EU_`.
///
/// Errors: `BadAlias` when the alias has no letter or digit.
pub fn alias_prefix(alias: &str) -> Result<String, AuthError> {
    if !alias.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(AuthError::BadAlias(alias.to_string()));
    }
    let name: String = alias
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    Ok(format!("ATG_TENANT_{name}_"))
}

/// Resolves `method` for the tenant `alias` (or the standard `AZURE_*`
/// variables without one). `env` reads a variable; empty values count as
/// unset. See the module doc for the variables and the `Auto` order.
///
/// Errors: `BadAlias`/`UnknownAlias` for an unusable alias, `Missing` when
/// an explicit method lacks what it needs (`sp`: client ID and secret;
/// `workload`: federated token file and client ID). `Auto` falls back to the
/// Azure CLI and so never fails for want of variables.
pub fn resolve(
    method: AuthMethod,
    alias: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credentials, AuthError> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let prefix = match alias {
        Some(a) => alias_prefix(a)?,
        None => "AZURE_".to_string(),
    };
    let client_id_var = format!("{prefix}CLIENT_ID");
    let secret_var = format!("{prefix}CLIENT_SECRET");
    let tenant_var = format!("{prefix}TENANT_ID");
    let client_id = get(&client_id_var);
    let client_secret = get(&secret_var).map(Secret::new);
    let tenant_id = get(&tenant_var);
    if let Some(a) = alias
        && client_id.is_none()
        && client_secret.is_none()
        && tenant_id.is_none()
    {
        return Err(AuthError::UnknownAlias {
            alias: a.to_string(),
            prefix,
        });
    }
    let token_file = get("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from);
    let msi_here = get("IDENTITY_ENDPOINT").is_some() || get("MSI_ENDPOINT").is_some();
    let source = format!("{prefix}*");

    let mut passed_over = Vec::new();
    let chosen = match method {
        AuthMethod::Auto => {
            if client_id.is_some() && client_secret.is_some() {
                AuthMethod::ServicePrincipal
            } else {
                passed_over.push(format!(
                    "service principal: {client_id_var} and {secret_var} not set"
                ));
                if token_file.is_some() && client_id.is_some() {
                    AuthMethod::WorkloadIdentity
                } else {
                    passed_over.push(format!(
                        "workload identity: {client_id_var} and AZURE_FEDERATED_TOKEN_FILE not set"
                    ));
                    if msi_here {
                        AuthMethod::ManagedIdentity
                    } else {
                        passed_over.push(
                            "managed identity: neither IDENTITY_ENDPOINT nor MSI_ENDPOINT is set (on an Azure VM pass `--auth msi`)".into(),
                        );
                        AuthMethod::Cli
                    }
                }
            }
        }
        m => m,
    };
    let missing = |pairs: &[(bool, &str)]| -> Result<(), AuthError> {
        let missing: Vec<String> = pairs
            .iter()
            .filter(|(present, _)| !present)
            .map(|(_, name)| format!("`{name}`"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(AuthError::Missing {
                method: chosen.name(),
                missing,
            })
        }
    };
    let creds = match chosen {
        AuthMethod::ServicePrincipal => {
            missing(&[
                (client_id.is_some(), &client_id_var),
                (client_secret.is_some(), &secret_var),
            ])?;
            Credentials {
                method: chosen,
                tenant_id,
                client_id,
                client_secret,
                federated_token_file: None,
                source,
                passed_over,
            }
        }
        AuthMethod::WorkloadIdentity => {
            missing(&[
                (token_file.is_some(), "AZURE_FEDERATED_TOKEN_FILE"),
                (client_id.is_some(), &client_id_var),
            ])?;
            Credentials {
                method: chosen,
                tenant_id,
                client_id,
                client_secret: None,
                federated_token_file: token_file,
                source,
                passed_over,
            }
        }
        AuthMethod::ManagedIdentity => Credentials {
            method: chosen,
            tenant_id,
            // A client ID selects a user-assigned identity.
            client_id,
            client_secret: None,
            federated_token_file: None,
            source,
            passed_over,
        },
        AuthMethod::Cli | AuthMethod::Auto => Credentials {
            method: AuthMethod::Cli,
            tenant_id,
            client_id: None,
            client_secret: None,
            federated_token_file: None,
            source,
            passed_over,
        },
    };
    Ok(creds)
}

/// Reads a variable of the process environment (for `resolve`).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn auto_prefers_service_principal_then_workload_then_msi_then_cli() {
        let sp = env(&[
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_CLIENT_SECRET", "s"),
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/tok"),
            ("IDENTITY_ENDPOINT", "http://x"),
        ]);
        let c = resolve(AuthMethod::Auto, None, &sp).unwrap();
        assert_eq!(c.method, AuthMethod::ServicePrincipal);
        assert_eq!(c.client_secret.unwrap().expose(), "s");
        assert_eq!(c.tenant_id.as_deref(), Some("t"));

        let wl = env(&[
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/tok"),
            ("IDENTITY_ENDPOINT", "http://x"),
        ]);
        let c = resolve(AuthMethod::Auto, None, &wl).unwrap();
        assert_eq!(c.method, AuthMethod::WorkloadIdentity);
        assert_eq!(c.federated_token_file, Some(PathBuf::from("/tok")));

        let msi = env(&[("MSI_ENDPOINT", "http://x"), ("AZURE_CLIENT_ID", "uami")]);
        let c = resolve(AuthMethod::Auto, None, &msi).unwrap();
        assert_eq!(c.method, AuthMethod::ManagedIdentity);
        assert_eq!(c.client_id.as_deref(), Some("uami"));

        let c = resolve(AuthMethod::Auto, None, &env(&[("AZURE_CLIENT_SECRET", "")])).unwrap();
        assert_eq!(c.method, AuthMethod::Cli);
        assert!(c.client_secret.is_none());
        // Why each earlier method did not apply, for the scan's error when the CLI fails too.
        assert_eq!(
            c.passed_over,
            [
                "service principal: AZURE_CLIENT_ID and AZURE_CLIENT_SECRET not set",
                "workload identity: AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE not set",
                "managed identity: neither IDENTITY_ENDPOINT nor MSI_ENDPOINT is set (on an Azure VM pass `--auth msi`)",
            ]
        );
        let c = resolve(AuthMethod::Cli, None, &env(&[])).unwrap();
        assert!(
            c.passed_over.is_empty(),
            "an explicit method passes nothing over"
        );
    }

    #[test]
    fn a_tenant_alias_reads_only_its_own_variables() {
        let e = env(&[
            ("AZURE_CLIENT_ID", "other-app"),
            ("AZURE_CLIENT_SECRET", "other-secret"),
            ("ATG_TENANT_PROD_EU_CLIENT_ID", "app"),
            ("ATG_TENANT_PROD_EU_CLIENT_SECRET", "s"),
            ("ATG_TENANT_PROD_EU_TENANT_ID", "t"),
        ]);
        let c = resolve(AuthMethod::Auto, Some("prod-eu"), &e).unwrap();
        assert_eq!(c.method, AuthMethod::ServicePrincipal);
        assert_eq!(c.client_id.as_deref(), Some("app"));
        assert_eq!(c.client_secret.unwrap().expose(), "s");
        assert_eq!(c.source, "ATG_TENANT_PROD_EU_*");

        let e = resolve(AuthMethod::Auto, Some("dev"), &e).unwrap_err();
        assert!(e.to_string().contains("ATG_TENANT_DEV_CLIENT_ID"), "{e}");
        assert!(matches!(alias_prefix("--"), Err(AuthError::BadAlias(_))));
    }

    #[test]
    fn explicit_methods_name_the_missing_variable_never_a_value() {
        let e = resolve(
            AuthMethod::ServicePrincipal,
            None,
            &env(&[("AZURE_CLIENT_ID", "app")]),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "`--auth sp` needs `AZURE_CLIENT_SECRET`");
        let e = resolve(AuthMethod::WorkloadIdentity, None, &env(&[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`--auth workload` needs `AZURE_FEDERATED_TOKEN_FILE` and `AZURE_CLIENT_ID`"
        );
        let c = resolve(
            AuthMethod::Cli,
            None,
            &env(&[("AZURE_CLIENT_SECRET", "s"), ("AZURE_TENANT_ID", "t")]),
        )
        .unwrap();
        assert!(
            c.client_secret.is_none(),
            "the CLI method carries no secret"
        );
        assert_eq!(c.tenant_id.as_deref(), Some("t"));
        let dbg = format!("{:?}", Secret::new("hunter2"));
        assert!(!dbg.contains("hunter2"));
    }
}
