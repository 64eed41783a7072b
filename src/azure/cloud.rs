//! Which Azure cloud atg talks to: the Azure Resource Manager endpoint and
//! the Microsoft Entra authority host, from `--arm-endpoint`
//! (`AZURE_RESOURCE_MANAGER_ENDPOINT`) and `--authority-host`
//! (`AZURE_AUTHORITY_HOST`). Sovereign clouds and the local ARM emulator are
//! reached the same way.
//!
//! The HTTP transport (certificates) is left to `transport`, credentials to
//! `credential`.

use azure_core::cloud::{Audiences, CloudConfiguration, CustomConfiguration};
use azure_core::http::Url;

/// Azure Resource Manager endpoint of the public cloud.
pub const PUBLIC_RESOURCE_MANAGER: &str = "https://management.azure.com";
/// Microsoft Entra authority host of the public cloud.
pub const PUBLIC_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// The endpoints of one Azure cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudEndpoints {
    /// Azure Resource Manager base URL, e.g. `https://management.azure.com/`.
    pub resource_manager: Url,
    /// Microsoft Entra authority host, e.g. `https://login.microsoftonline.com/`.
    pub authority_host: Url,
}

/// An endpoint that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    /// The value is not a URL.
    #[error("`{flag}` value `{value}` is not a URL: {message}")]
    NotAUrl {
        /// The flag (or environment variable) that gave the value.
        flag: &'static str,
        /// The value.
        value: String,
        /// The parser's message.
        message: String,
    },
    /// The URL does not use HTTPS; bearer tokens are only sent over TLS.
    #[error("`{flag}` value `{value}` does not use https://")]
    NotHttps {
        /// The flag (or environment variable) that gave the value.
        flag: &'static str,
        /// The value.
        value: String,
    },
}

impl CloudError {
    /// A one-line hint for the user.
    pub fn hint(&self) -> &'static str {
        "pass an https:// URL, e.g. `https://management.usgovcloudapi.net` for `--arm-endpoint` and `https://login.microsoftonline.us` for `--authority-host`"
    }
}

impl CloudEndpoints {
    /// The endpoints for the given overrides; `None` means the public cloud.
    ///
    /// Errors: `CloudError` when a value is not an https:// URL.
    pub fn resolve(
        resource_manager: Option<&str>,
        authority_host: Option<&str>,
    ) -> Result<Self, CloudError> {
        Ok(CloudEndpoints {
            resource_manager: parse(
                "--arm-endpoint",
                resource_manager.unwrap_or(PUBLIC_RESOURCE_MANAGER),
            )?,
            authority_host: parse(
                "--authority-host",
                authority_host.unwrap_or(PUBLIC_AUTHORITY_HOST),
            )?,
        })
    }

    /// The token scope for Azure Resource Manager: the endpoint without its
    /// trailing slash, plus `/.default` (e.g. `https://management.azure.com/.default`).
    pub fn scope(&self) -> String {
        format!(
            "{}/.default",
            self.resource_manager.as_str().trim_end_matches('/')
        )
    }

    /// The azure_core cloud configuration that points credentials at this
    /// authority host.
    pub fn cloud_configuration(&self) -> CloudConfiguration {
        let mut custom = CustomConfiguration::default();
        custom.authority_host = self
            .authority_host
            .as_str()
            .trim_end_matches('/')
            .to_string();
        custom.audiences = Audiences::new();
        custom.into()
    }
}

fn parse(flag: &'static str, value: &str) -> Result<Url, CloudError> {
    let url = Url::parse(value).map_err(|e| CloudError::NotAUrl {
        flag,
        value: value.to_string(),
        message: e.to_string(),
    })?;
    if url.scheme() != "https" {
        return Err(CloudError::NotHttps {
            flag,
            value: value.to_string(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_cloud_by_default_and_scope_from_the_endpoint() {
        let c = CloudEndpoints::resolve(None, None).unwrap();
        assert_eq!(c.scope(), "https://management.azure.com/.default");
        assert_eq!(
            c.authority_host.as_str(),
            "https://login.microsoftonline.com/"
        );
        let c = CloudEndpoints::resolve(Some("https://127.0.0.1:8443/"), None).unwrap();
        assert_eq!(c.scope(), "https://127.0.0.1:8443/.default");
    }

    #[test]
    fn plain_http_is_refused() {
        let e = CloudEndpoints::resolve(Some("http://localhost:8080"), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`--arm-endpoint` value `http://localhost:8080` does not use https://"
        );
    }
}
