//! The target tenant's credentials as terraform's environment: the `ARM_*`
//! variables the azurerm provider reads, and the variables taken away so
//! that terraform sees one tenant's credentials and no other's.
//!
//! Variable names follow the azurerm provider's documentation (provider
//! arguments `subscription_id`, `tenant_id`, `client_id`, `client_secret`,
//! `use_cli`, `use_msi`, `use_oidc`, `oidc_token_file_path`). Deciding which
//! method applies is left to `azure::auth`; keeping secrets out of output is
//! left to `redact`.

use crate::azure::auth::{AuthMethod, Credentials};
use std::fmt;
use std::process::Command;

/// Every `ARM_*` variable that selects or carries azurerm credentials. All
/// are removed from terraform's environment before atg sets its own, so a
/// variable exported for another tenant can never leak into this deploy.
pub const ARM_AUTH_VARS: &[&str] = &[
    "ARM_SUBSCRIPTION_ID",
    "ARM_TENANT_ID",
    "ARM_CLIENT_ID",
    "ARM_CLIENT_ID_FILE_PATH",
    "ARM_CLIENT_SECRET",
    "ARM_CLIENT_SECRET_FILE_PATH",
    "ARM_CLIENT_CERTIFICATE",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_USE_CLI",
    "ARM_USE_MSI",
    "ARM_MSI_ENDPOINT",
    "ARM_USE_OIDC",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_TOKEN_FILE_PATH",
    "ARM_OIDC_REQUEST_TOKEN",
    "ARM_OIDC_REQUEST_URL",
    "ARM_USE_AKS_WORKLOAD_IDENTITY",
    "ARM_AUXILIARY_TENANT_IDS",
];

/// Secret-bearing variables of atg's own environment that terraform never
/// needs: the standard ones it would not read anyway, and every named
/// tenant's `ATG_TENANT_*` (matched by prefix in `terraform_env`).
const WITHHELD_VARS: &[&str] = &[
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_PASSWORD",
];

/// Prefix of named-tenant variables, withheld from terraform.
const TENANT_PREFIX: &str = "ATG_TENANT_";

/// The deploy target: tenant and subscription IDs (GUIDs).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// The Entra ID tenant.
    pub tenant_id: String,
    /// The subscription resources are created in.
    pub subscription_id: String,
}

impl Target {
    /// True when both IDs match `other`'s, ignoring case (GUIDs compare case-insensitively).
    pub fn matches(&self, other: &Target) -> bool {
        self.tenant_id.eq_ignore_ascii_case(&other.tenant_id)
            && self
                .subscription_id
                .eq_ignore_ascii_case(&other.subscription_id)
    }
}

/// Changes to terraform's environment. `Debug` shows names only.
#[derive(Clone, Default)]
pub struct TerraformEnv {
    set: Vec<(&'static str, String)>,
    remove: Vec<String>,
    secrets: Vec<String>,
}

impl fmt::Debug for TerraformEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.set.iter().map(|(k, _)| *k).collect();
        f.debug_struct("TerraformEnv")
            .field("set", &names)
            .field("remove", &self.remove.len())
            .finish()
    }
}

impl TerraformEnv {
    /// Applies the changes to a command: removals first, then the `ARM_*` values.
    pub fn apply(&self, cmd: &mut Command) {
        for k in &self.remove {
            cmd.env_remove(k);
        }
        for (k, v) in &self.set {
            cmd.env(k, v);
        }
    }

    /// The names set, in order (for logs and tests; never the values).
    pub fn names(&self) -> Vec<&'static str> {
        self.set.iter().map(|(k, _)| *k).collect()
    }

    /// Secret values handed to terraform, for redaction.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }
}

/// Builds terraform's environment for `creds` and `target`: the subscription
/// and tenant, then per method
/// - `cli`: `ARM_USE_CLI=true`;
/// - `sp`: `ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`, `ARM_USE_CLI=false`;
/// - `msi`: `ARM_USE_MSI=true`, `ARM_CLIENT_ID` for a user-assigned identity, `ARM_USE_CLI=false`;
/// - `workload`: `ARM_USE_OIDC=true`, `ARM_OIDC_TOKEN_FILE_PATH`, `ARM_CLIENT_ID`, `ARM_USE_CLI=false`.
///
/// Every `ARM_AUTH_VARS` entry, `AZURE_CLIENT_SECRET`-like variables and any
/// of `parent_vars` starting with `ATG_TENANT_` are removed first.
/// `extra_secrets` (e.g. every `*_SECRET` value of the parent environment)
/// join the secrets to redact even though terraform does not get them.
pub fn terraform_env(
    creds: &Credentials,
    target: &Target,
    parent_vars: impl IntoIterator<Item = String>,
    extra_secrets: impl IntoIterator<Item = String>,
) -> TerraformEnv {
    let mut remove: Vec<String> = ARM_AUTH_VARS.iter().map(|s| s.to_string()).collect();
    remove.extend(WITHHELD_VARS.iter().map(|s| s.to_string()));
    remove.extend(
        parent_vars
            .into_iter()
            .filter(|k| k.starts_with(TENANT_PREFIX)),
    );
    let mut set: Vec<(&'static str, String)> = vec![
        ("ARM_SUBSCRIPTION_ID", target.subscription_id.clone()),
        ("ARM_TENANT_ID", target.tenant_id.clone()),
    ];
    let mut secrets: Vec<String> = extra_secrets
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let yes = || "true".to_string();
    let no = || "false".to_string();
    match creds.method {
        AuthMethod::Cli | AuthMethod::Auto => set.push(("ARM_USE_CLI", yes())),
        AuthMethod::ServicePrincipal => {
            set.extend(creds.client_id.clone().map(|c| ("ARM_CLIENT_ID", c)));
            if let Some(s) = &creds.client_secret {
                set.push(("ARM_CLIENT_SECRET", s.expose().to_string()));
                secrets.push(s.expose().to_string());
            }
            set.push(("ARM_USE_CLI", no()));
        }
        AuthMethod::ManagedIdentity => {
            set.push(("ARM_USE_MSI", yes()));
            set.extend(creds.client_id.clone().map(|c| ("ARM_CLIENT_ID", c)));
            set.push(("ARM_USE_CLI", no()));
        }
        AuthMethod::WorkloadIdentity => {
            set.push(("ARM_USE_OIDC", yes()));
            if let Some(p) = &creds.federated_token_file {
                set.push(("ARM_OIDC_TOKEN_FILE_PATH", p.to_string_lossy().into_owned()));
            }
            set.extend(creds.client_id.clone().map(|c| ("ARM_CLIENT_ID", c)));
            set.push(("ARM_USE_CLI", no()));
        }
    }
    secrets.sort();
    secrets.dedup();
    TerraformEnv {
        set,
        remove,
        secrets,
    }
}

/// This process's environment variables whose names and values are UTF-8
/// (others can name no atg setting and show up in no text atg prints).
pub fn process_vars() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Shorter values of secret-named variables are not redacted: replacing
/// every `1` or `true` in a log would garble it and protect nothing.
const MIN_EXTRA_SECRET: usize = 6;

/// Name endings (case-insensitive) of environment variables that hold a
/// credential: client secrets, passwords, tokens, storage and access keys
/// (`ARM_ACCESS_KEY`, `AZURE_STORAGE_KEY`), connection strings, SAS tokens
/// and client certificates (`ARM_CLIENT_CERTIFICATE`, base64 PFX data).
const SECRET_NAME_ENDINGS: &[&str] = &[
    "_SECRET",
    "_PASSWORD",
    "_TOKEN",
    "_KEY",
    "_CONNECTION_STRING",
    "_SAS",
    "_CERTIFICATE",
];

/// The values of every variable in `vars` whose name ends (in any case) as
/// `SECRET_NAME_ENDINGS` lists and which are at least 6 characters long:
/// secrets atg's output must never show, whether or not they were handed to
/// terraform. (The credential atg hands over is redacted whatever its length.)
pub fn secret_values(vars: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    vars.into_iter()
        .filter(|(k, v)| {
            let k = k.to_ascii_uppercase();
            v.len() >= MIN_EXTRA_SECRET && SECRET_NAME_ENDINGS.iter().any(|e| k.ends_with(e))
        })
        .map(|(_, v)| v)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::auth::{Secret, resolve};

    fn target() -> Target {
        Target {
            tenant_id: "t".into(),
            subscription_id: "s".into(),
        }
    }

    fn values(env: &TerraformEnv) -> Vec<(String, String)> {
        env.set
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn service_principal_goes_to_arm_variables_and_other_tenants_are_withheld() {
        let creds = Credentials {
            method: AuthMethod::ServicePrincipal,
            tenant_id: Some("t".into()),
            client_id: Some("app".into()),
            client_secret: Some(Secret::new("s3cret")),
            federated_token_file: None,
            source: "AZURE_*".into(),
            passed_over: Vec::new(),
        };
        let env = terraform_env(
            &creds,
            &target(),
            ["ATG_TENANT_OTHER_CLIENT_SECRET".to_string(), "PATH".into()],
            [],
        );
        assert_eq!(
            env.names(),
            [
                "ARM_SUBSCRIPTION_ID",
                "ARM_TENANT_ID",
                "ARM_CLIENT_ID",
                "ARM_CLIENT_SECRET",
                "ARM_USE_CLI"
            ]
        );
        assert!(values(&env).contains(&("ARM_CLIENT_SECRET".into(), "s3cret".into())));
        assert_eq!(env.secrets(), ["s3cret"]);
        assert!(
            env.remove
                .contains(&"ATG_TENANT_OTHER_CLIENT_SECRET".to_string())
        );
        assert!(env.remove.contains(&"AZURE_CLIENT_SECRET".to_string()));
        assert!(!env.remove.contains(&"PATH".to_string()));
        assert!(!format!("{env:?}").contains("s3cret"));
    }

    #[test]
    fn each_method_sets_its_switch() {
        let get = |pairs: Vec<(&'static str, &'static str)>| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let cli = resolve(AuthMethod::Cli, None, &get(vec![])).unwrap();
        assert!(
            values(&terraform_env(&cli, &target(), [], []))
                .contains(&("ARM_USE_CLI".into(), "true".into()))
        );
        let msi = resolve(AuthMethod::ManagedIdentity, None, &get(vec![])).unwrap();
        assert!(
            values(&terraform_env(&msi, &target(), [], []))
                .contains(&("ARM_USE_MSI".into(), "true".into()))
        );
        let wl = resolve(
            AuthMethod::WorkloadIdentity,
            None,
            &get(vec![
                ("AZURE_CLIENT_ID", "app"),
                ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
            ]),
        )
        .unwrap();
        let v = values(&terraform_env(&wl, &target(), [], []));
        assert!(v.contains(&("ARM_USE_OIDC".into(), "true".into())));
        assert!(v.contains(&("ARM_OIDC_TOKEN_FILE_PATH".into(), "/var/run/token".into())));
        assert!(v.contains(&("ARM_CLIENT_ID".into(), "app".into())));
    }

    #[test]
    fn secret_values_are_found_by_name() {
        let v = secret_values([
            (
                "ATG_TENANT_A_CLIENT_SECRET".to_string(),
                "xxxxxx".to_string(),
            ),
            ("AZURE_CLIENT_ID".into(), "client-id".into()),
            ("GITHUB_TOKEN".into(), "ghp_token".into()),
            ("SHORT_SECRET".into(), "1".into()),
            ("ARM_ACCESS_KEY".into(), "storage-key==".into()),
            (
                "azure_storage_connection_string".into(),
                "AccountKey=abc".into(),
            ),
            ("ARM_CLIENT_CERTIFICATE".into(), "MIIKcQIBAz".into()),
            ("KEYBOARD_LAYOUT".into(), "us-intl".into()),
        ]);
        assert_eq!(
            v,
            [
                "xxxxxx",
                "ghp_token",
                "storage-key==",
                "AccountKey=abc",
                "MIIKcQIBAz"
            ]
        );
    }
}
