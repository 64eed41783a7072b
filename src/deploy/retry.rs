//! The retry policy of a deploy: terraform's errors classified as transient
//! (retried with exponential backoff and jitter) or permanent (stop at once,
//! with a one-line hint), and the backoff delays (the `backon` crate).
//!
//! Classification works on error text: terraform's diagnostic summaries and
//! details, which carry Azure's error codes (`AuthorizationFailed`,
//! `TooManyRequests`…) and HTTP statuses. Permanent patterns are checked
//! first: an error that names both (say, "already exists" in a throttled
//! response) is not retried. Running terraform is left to `runner`.

use backon::BackoffBuilder;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What kind of error a terraform failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// HTTP 429 / `TooManyRequests`: Azure throttled the caller.
    Throttled,
    /// terraform or the provider said the operation may be retried (`RetryableError`).
    Retryable,
    /// `AnotherOperationInProgress`: a conflicting operation holds the resource.
    OperationInProgress,
    /// A timeout: `context deadline exceeded`, `i/o timeout`, `GatewayTimeout`…
    Timeout,
    /// The connection failed or dropped: `connection reset by peer`,
    /// `connection refused`, `broken pipe`, `unexpected EOF`, a DNS lookup failure.
    ConnectionError,
    /// Azure answered 500/502/503 (`InternalServerError`, `ServiceUnavailable`…).
    ServerError,
    /// `AuthorizationFailed` / 403: the identity lacks a role on the target.
    AuthorizationFailed,
    /// Sign-in failed: wrong tenant, bad or expired secret (`AADSTS…`, 401).
    AuthenticationFailed,
    /// The subscription has not registered the resource provider.
    ProviderNotRegistered,
    /// The resource exists already, outside this Terraform state.
    AlreadyExists,
    /// A quota or SKU limit was reached.
    QuotaExceeded,
    /// An input variable has no value ("No value for required variable").
    UnsetVariable,
    /// The configuration or a value in it is invalid.
    InvalidConfig,
    /// None of the above: not retried.
    Unclassified,
}

impl Category {
    /// True for categories worth retrying.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Category::Throttled
                | Category::Retryable
                | Category::OperationInProgress
                | Category::Timeout
                | Category::ConnectionError
                | Category::ServerError
        )
    }

    /// The snake_case name used in records and messages.
    pub fn name(self) -> &'static str {
        match self {
            Category::Throttled => "throttled",
            Category::Retryable => "retryable",
            Category::OperationInProgress => "operation_in_progress",
            Category::Timeout => "timeout",
            Category::ConnectionError => "connection_error",
            Category::ServerError => "server_error",
            Category::AuthorizationFailed => "authorization_failed",
            Category::AuthenticationFailed => "authentication_failed",
            Category::ProviderNotRegistered => "provider_not_registered",
            Category::AlreadyExists => "already_exists",
            Category::QuotaExceeded => "quota_exceeded",
            Category::UnsetVariable => "unset_variable",
            Category::InvalidConfig => "invalid_config",
            Category::Unclassified => "unclassified",
        }
    }

    /// A one-line hint for a permanent error (`None` for transient ones,
    /// whose hint depends on the retries spent).
    pub fn hint(self) -> Option<&'static str> {
        Some(match self {
            Category::AuthorizationFailed => {
                "the identity lacks a role on the target subscription: grant it Contributor (plus User Access Administrator for role assignments), or check `--tenant-alias` and `--target-subscription`"
            }
            Category::AuthenticationFailed => {
                "sign-in to the target tenant failed: check `--auth`, `--target-tenant-id` and the tenant's ATG_TENANT_<ALIAS>_* or AZURE_* variables"
            }
            Category::ProviderNotRegistered => {
                "register the resource provider in the target subscription (`az provider register --namespace <Namespace>`), then deploy again"
            }
            Category::AlreadyExists => {
                "the resource exists outside this state: add an `import` block for it (`import { to = <address>, id = \"<ARM resource ID>\" }`) or delete it, then deploy again"
            }
            Category::QuotaExceeded => {
                "request a quota increase in the target subscription, or generate with another `--location` or SKU"
            }
            Category::UnsetVariable => {
                "the configuration is valid but a variable has no value: `export TF_VAR_<name>=…` (for secrets), or put `<name> = \"…\"` in the folder's terraform.tfvars, then deploy again"
            }
            Category::InvalidConfig => {
                "run `atg validate <dir>` (or `atg iterate`) and fix the configuration, then deploy again"
            }
            Category::Unclassified => "see the deploy log for terraform's full output",
            _ => return None,
        })
    }
}

/// Case-insensitive substrings, checked in this order; the first match wins.
/// Sources: Azure Resource Manager error codes (learn.microsoft.com, "Troubleshoot
/// common Azure deployment errors"), HTTP status texts, and Go's net errors
/// as terraform prints them.
const RULES: &[(Category, &[&str])] = &[
    (
        Category::AlreadyExists,
        &[
            "already exists",
            "needs to be imported into the state",
            "resourceexists",
            "conflictingresource",
        ],
    ),
    (
        Category::AuthorizationFailed,
        &[
            "authorizationfailed",
            "does not have authorization",
            "403 forbidden",
            "statuscode=403",
            "linkedauthorizationfailed",
            "insufficient privileges",
        ],
    ),
    (
        Category::AuthenticationFailed,
        &[
            "aadsts",
            "invalidauthenticationtoken",
            "authenticationfailed",
            "unable to build authorizer",
            "obtaining oauth token",
            "401 unauthorized",
            "statuscode=401",
            "please run 'az login'",
            "building account",
        ],
    ),
    (
        Category::ProviderNotRegistered,
        &[
            "missingsubscriptionregistration",
            "not registered to use namespace",
            "noregisteredproviderfound",
            "subscriptionnotregistered",
        ],
    ),
    (
        Category::QuotaExceeded,
        &[
            "quotaexceeded",
            "operation could not be completed as it results in exceeding approved",
            "skunotavailable",
        ],
    ),
    (
        Category::OperationInProgress,
        &[
            "anotheroperationinprogress",
            "another operation is in progress",
        ],
    ),
    (
        Category::Throttled,
        &[
            "too many requests",
            "toomanyrequests",
            "statuscode=429",
            "status code 429",
            "status 429",
            "429 too many",
            "throttled",
            "rate limit",
        ],
    ),
    (Category::Retryable, &["retryableerror", "retryable error"]),
    (
        Category::Timeout,
        &[
            "context deadline exceeded",
            "i/o timeout",
            "tls handshake timeout",
            "timeout while waiting",
            "timed out",
            "gatewaytimeout",
            "504 gateway",
        ],
    ),
    (
        Category::ConnectionError,
        &[
            "connection reset",
            "broken pipe",
            "unexpected eof",
            "connection refused",
            "no such host",
        ],
    ),
    (
        Category::ServerError,
        &[
            "internalservererror",
            "500 internal server error",
            "serviceunavailable",
            "503 service unavailable",
            "502 bad gateway",
            "statuscode=500",
            "statuscode=502",
            "statuscode=503",
        ],
    ),
    (Category::UnsetVariable, &["no value for required variable"]),
    (
        Category::InvalidConfig,
        &[
            "unsupported argument",
            "missing required argument",
            "reference to undeclared",
            "unsupported attribute",
            "unsupported block type",
            "invalid reference",
            "incorrect attribute value type",
            "invalid value for",
            "argument or block definition required",
            "invalid expression",
            "insufficient ",
            "invalidparameter",
            "invalidrequestcontent",
            "invalidresourcename",
            "invalidtemplate",
            "badrequest",
            "linkedinvalidpropertyid",
        ],
    ),
];

/// Classifies one error's text (summary and detail).
/// `in_config` says the diagnostic points into the configuration during
/// init or plan: such an error with no recognised code is `InvalidConfig`.
pub fn classify(text: &str, in_config: bool) -> Category {
    let lower = text.to_ascii_lowercase();
    for (cat, needles) in RULES {
        if needles.iter().any(|n| lower.contains(n)) {
            return *cat;
        }
    }
    if in_config {
        Category::InvalidConfig
    } else {
        Category::Unclassified
    }
}

/// The verdict on a failed terraform step: the first permanent category if
/// any error is permanent, else the first transient one. `None` when there
/// are no categories.
pub fn verdict(categories: &[Category]) -> Option<Category> {
    categories
        .iter()
        .find(|c| !c.is_transient())
        .or_else(|| categories.first())
        .copied()
}

/// Retry limits and delays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = never retry).
    pub max_retries: u32,
    /// Delay before the first retry; each later one doubles, plus jitter.
    pub base_delay: Duration,
    /// No single delay exceeds this (before jitter).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 retries, 10 s doubling to at most 5 minutes: Azure's throttling
    /// windows are tens of seconds long.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The delays before each retry, in order: `base × 2^k` capped at
    /// `max_delay`, each plus a random jitter of up to its own length
    /// (backon's `ExponentialBuilder`). Exactly `max_retries` items.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        backon::ExponentialBuilder::new()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay.max(self.base_delay))
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.max_retries as usize)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_and_permanent_errors_are_told_apart() {
        let cases = [
            ("Error: 429 Too Many Requests", Category::Throttled),
            (
                "original error: RetryableError: please retry",
                Category::Retryable,
            ),
            (
                "Code=\"AnotherOperationInProgress\" Message=\"Another operation on this or dependent resource is in progress\"",
                Category::OperationInProgress,
            ),
            (
                "Get \"https://management.azure.com/x\": context deadline exceeded",
                Category::Timeout,
            ),
            (
                "read tcp: connection reset by peer",
                Category::ConnectionError,
            ),
            ("StatusCode=503 ServiceUnavailable", Category::ServerError),
            (
                "Code=\"AuthorizationFailed\" Message=\"The client 'x' with object id 'y' does not have authorization\"",
                Category::AuthorizationFailed,
            ),
            (
                "AADSTS700016: Application with identifier 'x' was not found in the directory",
                Category::AuthenticationFailed,
            ),
            (
                "MissingSubscriptionRegistration: The subscription is not registered to use namespace 'Microsoft.Sql'",
                Category::ProviderNotRegistered,
            ),
            (
                "A resource with the ID \"/subscriptions/s/resourceGroups/rg\" already exists - to be managed via Terraform this resource needs to be imported into the State.",
                Category::AlreadyExists,
            ),
            ("Code=\"QuotaExceeded\"", Category::QuotaExceeded),
            (
                "Unsupported argument: An argument named \"x\" is not expected here.",
                Category::InvalidConfig,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(classify(text, false), want, "{text}");
        }
        assert_eq!(classify("something odd", false), Category::Unclassified);
        assert_eq!(classify("something odd", true), Category::InvalidConfig);
        assert!(Category::Throttled.is_transient());
        assert!(!Category::AlreadyExists.is_transient());
        assert!(
            Category::AlreadyExists
                .hint()
                .unwrap()
                .contains("`import` block")
        );
    }

    /// Issue 14: a plan that stopped on an unset variable was told to "fix
    /// the configuration", which validates; the hint says how to set it.
    #[test]
    fn issue14_an_unset_variable_is_not_an_invalid_configuration() {
        let text = "No value for required variable: The root module input variable \"vm_admin_password\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.";
        let c = classify(text, true);
        assert_eq!(c, Category::UnsetVariable);
        assert!(!c.is_transient());
        let hint = c.hint().unwrap();
        assert!(
            hint.contains("TF_VAR_") && hint.contains("terraform.tfvars"),
            "{hint}"
        );
        assert!(!hint.contains("fix the configuration"), "{hint}");
    }

    #[test]
    fn a_permanent_error_decides_the_verdict() {
        use Category::*;
        assert_eq!(verdict(&[Throttled, AlreadyExists]), Some(AlreadyExists));
        assert_eq!(verdict(&[Timeout, Throttled]), Some(Timeout));
        assert_eq!(verdict(&[]), None);
    }

    #[test]
    fn delays_grow_exponentially_with_bounded_jitter() {
        let p = RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        };
        let d: Vec<Duration> = p.delays().collect();
        assert_eq!(d.len(), 4);
        let floors = [100, 200, 400, 400];
        for (got, floor) in d.iter().zip(floors) {
            let ms = got.as_millis() as u64;
            assert!(
                ms >= floor && ms <= 2 * floor,
                "{ms} not in [{floor}, {}]",
                2 * floor
            );
        }
        assert_eq!(
            RetryPolicy {
                max_retries: 0,
                ..p
            }
            .delays()
            .count(),
            0
        );
    }
}
