//! A small typed client for the few Azure Resource Manager calls a scan
//! makes: Resource Graph queries (`POST /providers/Microsoft.ResourceGraph/resources`)
//! and ARM LIST with `nextLink` paging. It runs on azure_core's pipeline:
//! bearer tokens from an azure_identity credential, azure_core's retry
//! policy (exponential backoff with jitter; honours `Retry-After` on 429 and
//! 503; retries 408, 429, 500, 502, 503, 504 and connection failures), and
//! `throttle::ThrottlePolicy` for Azure's quota headers.
//!
//! Why hand-written: the `azure_mgmt_*` crates were built on the pre-1.0
//! azure_core and do not accept azure_identity 1.x credentials, and the new
//! generated management crates do not cover Resource Graph. Two endpoints do
//! not justify a generated SDK (see docs/SCAN.md).
//!
//! What to query is left to `scanner`.

use super::throttle::{Throttle, ThrottlePolicy, TrafficSummary};
use super::transport::error_chain;
use azure_core::credentials::TokenCredential;
use azure_core::http::headers::HeaderName;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{
    ClientOptions, Context, ExponentialRetryOptions, Method, Pipeline, PipelineSendOptions,
    Request, RetryOptions, Transport, Url,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::sync::Arc;

/// Resource Graph API version atg sends.
pub const GRAPH_API_VERSION: &str = "2022-10-01";
/// Rows per Resource Graph page: the service's maximum.
pub const GRAPH_PAGE_SIZE: u32 = 1000;
/// Path of the Resource Graph query endpoint.
pub const GRAPH_PATH: &str = "providers/Microsoft.ResourceGraph/resources";

/// How failed requests are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetrySettings {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff; doubles each retry, plus up to 255 ms of jitter.
    pub initial_delay: std::time::Duration,
    /// Longest single backoff.
    pub max_delay: std::time::Duration,
    /// Give up retrying after this much time since the first attempt.
    pub max_elapsed: std::time::Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_retries: 8,
            initial_delay: std::time::Duration::from_millis(250),
            max_delay: std::time::Duration::from_secs(60),
            max_elapsed: std::time::Duration::from_secs(300),
        }
    }
}

/// Settings of an `ArmClient`.
#[derive(Debug, Clone)]
pub struct ArmClientOptions {
    /// Azure Resource Manager base URL.
    pub endpoint: Url,
    /// The credential (see `credential::resolve`).
    pub credential: Arc<dyn TokenCredential>,
    /// Token scope, e.g. `https://management.azure.com/.default`.
    pub scope: String,
    /// HTTP transport (see `transport`).
    pub transport: Transport,
    /// Retry behaviour.
    pub retry: RetrySettings,
}

/// A failed call, after retries.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ArmError {
    /// The service answered with an error status.
    #[error("{target}: HTTP {status} {code}: {message}")]
    Status {
        /// What was called, e.g. `Resource Graph query` or `GET /subscriptions/…`.
        target: String,
        /// HTTP status.
        status: u16,
        /// ARM error code, e.g. `AuthorizationFailed`.
        code: String,
        /// ARM error message.
        message: String,
    },
    /// No token could be had.
    #[error("{target}: cannot get an access token: {message}")]
    Credential {
        /// What was called.
        target: String,
        /// The credential's error chain.
        message: String,
    },
    /// The request could not be sent or the response not read.
    #[error("{target}: {message}")]
    Transport {
        /// What was called.
        target: String,
        /// The transport error chain.
        message: String,
    },
    /// The response body was not what the API documents.
    #[error("{target}: unexpected response: {message}")]
    BadResponse {
        /// What was called.
        target: String,
        /// Why.
        message: String,
    },
}

impl ArmError {
    /// True when no other call can succeed either (the credential or token
    /// is refused), so the whole scan stops.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            ArmError::Credential { .. } | ArmError::Status { status: 401, .. }
        )
    }
}

/// A Resource Graph query request body.
#[derive(Debug, Clone, Serialize)]
pub struct GraphRequest<'a> {
    /// Subscriptions to query; omitted (tenant scope) when empty.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub subscriptions: &'a [String],
    /// The KQL query.
    pub query: &'a str,
    /// Paging options.
    pub options: GraphOptions<'a>,
}

/// `options` of a Resource Graph request.
#[derive(Debug, Clone, Serialize)]
pub struct GraphOptions<'a> {
    /// Rows per page (at most 1000).
    #[serde(rename = "$top")]
    pub top: u32,
    /// Continuation token from the previous page.
    #[serde(rename = "$skipToken", skip_serializing_if = "Option::is_none")]
    pub skip_token: Option<&'a str>,
    /// Always `objectArray`: rows as JSON objects.
    #[serde(rename = "resultFormat")]
    pub result_format: &'static str,
}

/// One page of a Resource Graph query, with its body kept so rows can be
/// typed without copying.
#[derive(Debug)]
pub struct GraphPage {
    body: Vec<u8>,
}

/// The parsed view of a `GraphPage`.
#[derive(Debug, Deserialize)]
pub struct GraphRows<'a> {
    /// The rows, as raw JSON objects.
    #[serde(borrow, default)]
    pub data: Vec<&'a RawValue>,
    /// Token for the next page; absent on the last one.
    #[serde(rename = "$skipToken", default)]
    pub skip_token: Option<String>,
    /// Rows matching the query over all pages.
    #[serde(rename = "totalRecords", default)]
    pub total_records: u64,
}

impl GraphPage {
    /// The page's rows. Errors: `BadResponse` when the body is not a
    /// Resource Graph response.
    pub fn rows(&self) -> Result<GraphRows<'_>, ArmError> {
        serde_json::from_slice(&self.body).map_err(|e| ArmError::BadResponse {
            target: "Resource Graph query".into(),
            message: e.to_string(),
        })
    }

    /// The raw body (for error positions).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

#[derive(Deserialize)]
struct ListPage {
    #[serde(default)]
    value: Vec<Box<RawValue>>,
    #[serde(rename = "nextLink", default)]
    next_link: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: ErrorDetail,
}

#[derive(Deserialize, Default)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The client. Cheap to share by reference across concurrent tasks.
#[derive(Debug)]
pub struct ArmClient {
    pipeline: Pipeline,
    endpoint: Url,
    throttle: Arc<Throttle>,
}

impl ArmClient {
    /// Builds the pipeline: retry policy, then per attempt the bearer token
    /// and the throttle policy, then the transport.
    pub fn new(options: ArmClientOptions) -> Self {
        let throttle = Arc::new(Throttle::default());
        let retry = options.retry;
        let client_options = ClientOptions {
            transport: Some(options.transport),
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: to_time(retry.initial_delay),
                max_retries: retry.max_retries,
                max_total_elapsed: to_time(retry.max_elapsed),
                max_delay: to_time(retry.max_delay),
            }),
            ..Default::default()
        };
        let bearer = BearerTokenAuthorizationPolicy::new(options.credential, [options.scope]);
        let pipeline = Pipeline::new(
            Some("atg"),
            Some(env!("CARGO_PKG_VERSION")),
            client_options,
            Vec::new(),
            vec![
                Arc::new(bearer),
                Arc::new(ThrottlePolicy::new(Arc::clone(&throttle))),
            ],
            None,
        );
        let mut endpoint = options.endpoint;
        if !endpoint.path().ends_with('/') {
            let path = format!("{}/", endpoint.path());
            endpoint.set_path(&path);
        }
        ArmClient {
            pipeline,
            endpoint,
            throttle,
        }
    }

    /// Traffic counters so far.
    pub fn stats(&self) -> TrafficSummary {
        self.throttle.stats.summary()
    }

    /// Runs one Resource Graph query page.
    ///
    /// Errors: `ArmError` after retries (see the module doc).
    pub async fn graph_query(&self, request: &GraphRequest<'_>) -> Result<GraphPage, ArmError> {
        let target = "Resource Graph query";
        let mut url = self.join(GRAPH_PATH, target)?;
        url.set_query(Some(&format!("api-version={GRAPH_API_VERSION}")));
        let body = serde_json::to_vec(request).map_err(|e| ArmError::BadResponse {
            target: target.into(),
            message: e.to_string(),
        })?;
        let body = self.send(Method::Post, url, Some(body), target).await?;
        Ok(GraphPage { body })
    }

    /// Lists a collection (`path` like `/subscriptions/…/namespaces/ns/queues`),
    /// following `nextLink` until the last page, and returns every item.
    ///
    /// Errors: `ArmError` after retries; `BadResponse` when a `nextLink`
    /// leaves the endpoint's host (the token is never sent elsewhere).
    pub async fn list(
        &self,
        path: &str,
        api_version: &str,
    ) -> Result<Vec<Box<RawValue>>, ArmError> {
        let target = format!("GET {path}");
        let mut url = self.join(path.trim_start_matches('/'), &target)?;
        url.set_query(Some(&format!("api-version={api_version}")));
        let mut items = Vec::new();
        loop {
            let body = self.send(Method::Get, url.clone(), None, &target).await?;
            let page: ListPage =
                serde_json::from_slice(&body).map_err(|e| ArmError::BadResponse {
                    target: target.clone(),
                    message: e.to_string(),
                })?;
            items.extend(page.value);
            match page.next_link.filter(|l| !l.is_empty()) {
                None => return Ok(items),
                Some(link) => {
                    let next = Url::parse(&link).map_err(|e| ArmError::BadResponse {
                        target: target.clone(),
                        message: format!("nextLink `{link}`: {e}"),
                    })?;
                    if next.origin() != self.endpoint.origin() {
                        return Err(ArmError::BadResponse {
                            target,
                            message: format!("nextLink `{link}` leaves `{}`", self.endpoint),
                        });
                    }
                    url = next;
                }
            }
        }
    }

    fn join(&self, path: &str, target: &str) -> Result<Url, ArmError> {
        self.endpoint.join(path).map_err(|e| ArmError::BadResponse {
            target: target.into(),
            message: format!("cannot build the URL: {e}"),
        })
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        target: &str,
    ) -> Result<Vec<u8>, ArmError> {
        let mut request = Request::new(url, method);
        request.insert_header(
            HeaderName::from_static("accept"),
            "application/json".to_string(),
        );
        if let Some(body) = body {
            request.insert_header(
                HeaderName::from_static("content-type"),
                "application/json".to_string(),
            );
            request.set_body(body);
        }
        let response = self
            .pipeline
            .send(
                &Context::new(),
                &mut request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| {
                let message = error_chain(&e);
                if matches!(e.kind(), azure_core::error::ErrorKind::Credential) {
                    ArmError::Credential {
                        target: target.into(),
                        message,
                    }
                } else {
                    ArmError::Transport {
                        target: target.into(),
                        message,
                    }
                }
            })?;
        let status = u16::from(response.status());
        let (_, _, body) = response.deconstruct();
        let bytes: &[u8] = body.as_ref();
        if (200..300).contains(&status) {
            return Ok(bytes.to_vec());
        }
        let detail = serde_json::from_slice::<ErrorBody>(bytes)
            .unwrap_or_default()
            .error;
        Err(ArmError::Status {
            target: target.into(),
            status,
            code: if detail.code.is_empty() {
                "(no error code)".into()
            } else {
                detail.code
            },
            message: if detail.message.is_empty() {
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned()
            } else {
                detail.message
            },
        })
    }
}

fn to_time(d: std::time::Duration) -> azure_core::time::Duration {
    azure_core::time::Duration::milliseconds(d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_request_body_matches_the_rest_api() {
        let subs = vec!["s1".to_string()];
        let r = GraphRequest {
            subscriptions: &subs,
            query: "Resources | order by id asc",
            options: GraphOptions {
                top: 1000,
                skip_token: Some("tok"),
                result_format: "objectArray",
            },
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"subscriptions":["s1"],"query":"Resources | order by id asc","options":{"$top":1000,"$skipToken":"tok","resultFormat":"objectArray"}}"#
        );
        let tenant = GraphRequest {
            subscriptions: &[],
            ..r
        };
        assert!(
            !serde_json::to_string(&tenant)
                .unwrap()
                .contains("subscriptions")
        );
    }

    #[test]
    fn only_refused_tokens_are_fatal() {
        let status = |status| ArmError::Status {
            target: "t".into(),
            status,
            code: "c".into(),
            message: "m".into(),
        };
        assert!(status(401).is_fatal());
        assert!(!status(403).is_fatal());
        assert!(!status(500).is_fatal());
    }
}
