//! The emulator's HTTP handling: the Entra token endpoint, Resource Graph
//! queries, ARM GET and LIST with `nextLink` paging, bearer token checks,
//! Azure's throttling headers and the configured faults.
//!
//! Response shapes follow the public REST API references: Entra's v2.0
//! token endpoint (`access_token`, `expires_in`; errors with `AADSTS` codes),
//! Resource Graph `2022-10-01` (`totalRecords`, `count`, `data`,
//! `$skipToken`) and ARM (`value`, `nextLink`; errors as
//! `{"error": {"code", "message"}}`).

use super::kql::{self, Column, Op};
use super::tenant::{Row, TenantData};
use super::{EmulatorConfig, EmulatorStats};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Everything the handlers share.
pub struct State {
    /// The tenant served.
    pub tenant: TenantData,
    /// Behaviour and faults.
    pub config: EmulatorConfig,
    /// What was answered.
    pub stats: EmulatorStats,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    quota: Mutex<HashMap<String, QuotaWindow>>,
    arm_buckets: Mutex<HashMap<String, Bucket>>,
}

struct IssuedToken {
    principal: String,
    expires_at: Instant,
}

struct QuotaWindow {
    start: Instant,
    used: u32,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl State {
    /// Shared state for a tenant and configuration.
    pub fn new(tenant: TenantData, config: EmulatorConfig) -> Self {
        State {
            tenant,
            config,
            stats: EmulatorStats::default(),
            tokens: Mutex::new(HashMap::new()),
            quota: Mutex::new(HashMap::new()),
            arm_buckets: Mutex::new(HashMap::new()),
        }
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn arm_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Answers one request.
pub async fn handle(
    state: &State,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let faults = &state.config.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let path = uri.path().to_string();
    let lower = path.to_ascii_lowercase();
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    if method == Method::POST && lower.ends_with("/oauth2/v2.0/token") {
        let tenant = lower
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        return token(state, tenant, &body);
    }
    let principal = match authenticate(state, &headers) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let n = state.stats.requests.fetch_add(1, Ordering::Relaxed) + 1;
    if faults.throttle_every.is_some_and(|k| n.is_multiple_of(k)) {
        state.stats.throttled.fetch_add(1, Ordering::Relaxed);
        let mut r = arm_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "The request is being throttled (injected by the ARM emulator).",
        );
        retry_after(&mut r, faults.retry_after);
        return r;
    }
    if faults
        .server_error_every
        .is_some_and(|k| n.is_multiple_of(k))
    {
        state.stats.server_errors.fetch_add(1, Ordering::Relaxed);
        let (status, code) = if n.is_multiple_of(2) {
            (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
        } else {
            (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError")
        };
        return arm_error(
            status,
            code,
            "The server had an error while processing the request (injected by the ARM emulator).",
        );
    }
    if !query.contains_key("api-version") {
        return arm_error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    if method == Method::POST && lower == "/providers/microsoft.resourcegraph/resources" {
        return graph(state, &principal, &body);
    }
    if method == Method::GET {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        return arm_get(state, &principal, &path, &query, host);
    }
    arm_error(
        StatusCode::NOT_FOUND,
        "NoRegisteredProviderFound",
        &format!("No registered resource provider found for `{method} {path}`."),
    )
}

fn retry_after(r: &mut Response, after: Duration) {
    let secs = after.as_secs_f64().ceil().max(1.0) as u64;
    let h = r.headers_mut();
    h.insert("retry-after", HeaderValue::from(secs));
    h.insert(
        "x-ms-retry-after-ms",
        HeaderValue::from(after.as_millis() as u64),
    );
}

// ---------------------------------------------------------------- tokens

fn entra_error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    let now = atg::clock::now_rfc3339();
    json_response(
        status,
        json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: 00000000-0000-0000-0000-000000000000 Correlation ID: 00000000-0000-0000-0000-000000000000 Timestamp: {now}"),
            "error_codes": [code],
            "timestamp": now,
        })
        .to_string(),
    )
}

fn token(state: &State, tenant: &str, body: &[u8]) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    let reject = |status, error, code, description: String| {
        state.stats.rejected_tokens.fetch_add(1, Ordering::Relaxed);
        entra_error(status, error, code, &description)
    };
    if !tenant.eq_ignore_ascii_case(&state.tenant.tenant_id) {
        return reject(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return reject(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.".into(),
        );
    }
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let Some(client) = state
        .config
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
    else {
        return reject(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
            ),
        );
    };
    if let Some(assertion) = form.get("client_assertion") {
        if client.federated_token.as_deref() != Some(assertion.as_str()) {
            return reject(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                70021,
                "No matching federated identity record found for presented assertion.".into(),
            );
        }
    } else {
        let given = form.get("client_secret").map(String::as_str);
        if client.secret.is_none() || given != client.secret.as_deref() {
            return reject(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
            );
        }
        if client.secret_expired {
            return reject(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000222,
                format!(
                    "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."
                ),
            );
        }
    }
    let token = format!(
        "emu.{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    );
    let lifetime = state.config.token_lifetime;
    lock(&state.tokens).insert(
        token.clone(),
        IssuedToken {
            principal: client_id,
            expires_at: Instant::now() + lifetime,
        },
    );
    state.stats.tokens.fetch_add(1, Ordering::Relaxed);
    json_response(
        StatusCode::OK,
        json!({
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "ext_expires_in": lifetime.as_secs(),
            "access_token": token,
        })
        .to_string(),
    )
}

fn authenticate(state: &State, headers: &HeaderMap) -> Result<String, Box<Response>> {
    let unauthorized = |code: &str, message: &str| {
        state.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        Err(Box::new(arm_error(StatusCode::UNAUTHORIZED, code, message)))
    };
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        );
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or("");
    let tokens = lock(&state.tokens);
    match tokens.get(token) {
        None => unauthorized("InvalidAuthenticationToken", "The access token is invalid."),
        Some(t) if Instant::now() >= t.expires_at => unauthorized(
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        ),
        Some(t) => Ok(t.principal.clone()),
    }
}

fn forbidden(state: &State, principal: &str, scope: &str, action: &str) -> Response {
    state.stats.forbidden.fetch_add(1, Ordering::Relaxed);
    arm_error(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        &format!(
            "The client '{principal}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
        ),
    )
}

fn is_failing(state: &State, subscription: &str) -> bool {
    state
        .config
        .faults
        .failing_subscriptions
        .iter()
        .any(|f| f.eq_ignore_ascii_case(subscription))
}

// ---------------------------------------------------------- Resource Graph

#[derive(Deserialize)]
struct GraphBody {
    #[serde(default)]
    subscriptions: Option<Vec<String>>,
    query: String,
    #[serde(default)]
    options: GraphBodyOptions,
}

#[derive(Deserialize, Default)]
struct GraphBodyOptions {
    #[serde(rename = "$top", default)]
    top: Option<usize>,
    #[serde(rename = "$skipToken", default)]
    skip_token: Option<String>,
    #[serde(rename = "resultFormat", default)]
    result_format: Option<String>,
}

fn bad_query(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        json!({"error": {
            "code": "BadRequest",
            "message": "Please provide below info when asking for support: timestamp, correlationId. Details: Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
            "details": [{"code": "InvalidQuery", "message": message}]
        }})
        .to_string(),
    )
}

/// Takes one query from the principal's quota; `Err` is the 429 to send.
/// `Ok` carries the quota headers (none when quota emulation is off).
fn take_quota(
    state: &State,
    principal: &str,
) -> Result<Vec<(&'static str, String)>, Box<Response>> {
    let Some(quota) = state.config.graph_quota else {
        return Ok(Vec::new());
    };
    let now = Instant::now();
    let mut windows = lock(&state.quota);
    let w = windows.entry(principal.to_string()).or_insert(QuotaWindow {
        start: now,
        used: 0,
    });
    if now >= w.start + quota.window {
        w.start = now;
        w.used = 0;
    }
    let resets = (w.start + quota.window).saturating_duration_since(now);
    let resets_text = format_timespan(resets);
    if w.used >= quota.queries {
        drop(windows);
        state.stats.throttled.fetch_add(1, Ordering::Relaxed);
        let mut r = arm_error(
            StatusCode::TOO_MANY_REQUESTS,
            "RateLimiting",
            "Please provide below info when asking for support: timestamp, correlationId. Details: Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.",
        );
        let h = r.headers_mut();
        h.insert(
            "retry-after",
            HeaderValue::from(resets.as_secs_f64().ceil().max(1.0) as u64),
        );
        h.insert("x-ms-user-quota-remaining", HeaderValue::from(0u32));
        if let Ok(v) = HeaderValue::from_str(&resets_text) {
            h.insert("x-ms-user-quota-resets-after", v);
        }
        return Err(Box::new(r));
    }
    w.used += 1;
    Ok(vec![
        (
            "x-ms-user-quota-remaining",
            (quota.queries - w.used).to_string(),
        ),
        ("x-ms-user-quota-resets-after", resets_text),
    ])
}

/// A duration as .NET formats a TimeSpan: `hh:mm:ss.fffffff`.
fn format_timespan(d: Duration) -> String {
    let total = d.as_secs();
    format!(
        "{:02}:{:02}:{:02}.{:07}",
        total / 3600,
        total / 60 % 60,
        total % 60,
        d.subsec_nanos() / 100
    )
}

fn graph(state: &State, principal: &str, body: &[u8]) -> Response {
    let req: GraphBody = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return bad_query(&format!("request body: {e}")),
    };
    if let Some(failing) = req
        .subscriptions
        .iter()
        .flatten()
        .find(|s| is_failing(state, s))
    {
        return forbidden(
            state,
            principal,
            &format!("/subscriptions/{failing}"),
            "Microsoft.ResourceGraph/resources/read",
        );
    }
    if req
        .options
        .result_format
        .as_deref()
        .is_some_and(|f| f != "objectArray")
    {
        return bad_query("the emulator answers `resultFormat: objectArray` only");
    }
    let quota_headers = match take_quota(state, principal) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let query = match kql::parse(&req.query) {
        Ok(q) => q,
        Err(e) => return bad_query(&e),
    };
    let scope: Option<Vec<String>> = req
        .subscriptions
        .as_ref()
        .map(|s| s.iter().map(|x| x.to_ascii_lowercase()).collect());
    let in_scope = |r: &Row| {
        scope
            .as_ref()
            .is_none_or(|s| s.contains(&r.subscription.to_ascii_lowercase()))
    };
    let mut rows: Vec<&Row> = state
        .tenant
        .table(query.table)
        .iter()
        .filter(|r| in_scope(r))
        .collect();
    let mut generated: Option<Vec<String>> = None;
    for op in &query.ops {
        match op {
            Op::Where(col, values) => {
                let values: Vec<String> = values.iter().map(|v| v.to_ascii_lowercase()).collect();
                rows.retain(|r| {
                    let v = match col {
                        Column::Id => Some(r.id_key.clone()),
                        Column::Type => Some(r.type_key.clone()),
                        Column::ResourceGroup => r.resource_group.clone(),
                        Column::SubscriptionId => Some(r.subscription.to_ascii_lowercase()),
                        Column::PropertiesType => properties_type(r),
                    };
                    v.is_some_and(|v| values.contains(&v))
                });
            }
            Op::OrderById { descending } => {
                rows.sort_by(|a, b| a.id_key.cmp(&b.id_key));
                if *descending {
                    rows.reverse();
                }
            }
            Op::CountBy(col) => {
                let mut counts: Vec<(String, u64)> = Vec::new();
                for r in &rows {
                    let key = match col {
                        Column::SubscriptionId => r.subscription.clone(),
                        Column::Type => r.type_key.clone(),
                        Column::ResourceGroup => r.resource_group.clone().unwrap_or_default(),
                        Column::Id => r.id_key.clone(),
                        Column::PropertiesType => properties_type(r).unwrap_or_default(),
                    };
                    match counts
                        .iter_mut()
                        .find(|(k, _)| k.eq_ignore_ascii_case(&key))
                    {
                        Some((_, n)) => *n += 1,
                        None => counts.push((key, 1)),
                    }
                }
                let name = match col {
                    Column::SubscriptionId => "subscriptionId",
                    Column::Type => "type",
                    Column::ResourceGroup => "resourceGroup",
                    Column::Id => "id",
                    Column::PropertiesType => "properties_type",
                };
                generated = Some(
                    counts
                        .into_iter()
                        .map(|(k, n)| json!({name: k, "count_": n}).to_string())
                        .collect(),
                );
            }
        }
    }
    let texts: Vec<&str> = match &generated {
        Some(g) => g.iter().map(String::as_str).collect(),
        None => rows.iter().map(|r| r.json.get()).collect(),
    };
    let fingerprint = {
        let mut h = DefaultHasher::new();
        req.query.hash(&mut h);
        scope.hash(&mut h);
        h.finish()
    };
    let offset = match req.options.skip_token.as_deref() {
        None => 0,
        Some(t) => match parse_skip_token(t, fingerprint) {
            Some(o) => o,
            None => return bad_query("the $skipToken does not belong to this query"),
        },
    };
    let top = req
        .options
        .top
        .unwrap_or(100)
        .clamp(1, 1000)
        .min(state.config.graph_page_rows.max(1));
    let end = (offset + top).min(texts.len());
    let page = &texts[offset.min(end)..end];
    let skip = if end < texts.len() {
        format!(",\"$skipToken\":\"{fingerprint:016x}{end:08x}\"")
    } else {
        String::new()
    };
    let body = format!(
        "{{\"totalRecords\":{},\"count\":{},\"data\":[{}],\"facets\":[],\"resultTruncated\":\"false\"{skip}}}",
        texts.len(),
        page.len(),
        page.join(",")
    );
    state.stats.graph_queries.fetch_add(1, Ordering::Relaxed);
    let mut r = json_response(StatusCode::OK, body);
    for (k, v) in quota_headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            r.headers_mut().insert(k, v);
        }
    }
    r
}

fn parse_skip_token(token: &str, fingerprint: u64) -> Option<usize> {
    if token.len() != 24 || u64::from_str_radix(&token[..16], 16).ok()? != fingerprint {
        return None;
    }
    usize::from_str_radix(&token[16..], 16).ok()
}

// ------------------------------------------------------------- ARM GET/LIST

/// Takes one read from ARM's token bucket for `scope` (a subscription or
/// the tenant); `Err` is the 429 to send, `Ok` the remaining-reads header.
fn take_read(state: &State, scope: &str) -> Result<(&'static str, String), Box<Response>> {
    let header = if scope == "tenant" {
        "x-ms-ratelimit-remaining-tenant-reads"
    } else {
        "x-ms-ratelimit-remaining-subscription-reads"
    };
    let Some(reads) = state.config.arm_reads else {
        return Ok((header, "11999".into()));
    };
    let now = Instant::now();
    let mut buckets = lock(&state.arm_buckets);
    let b = buckets.entry(scope.to_string()).or_insert(Bucket {
        tokens: f64::from(reads.capacity),
        at: now,
    });
    b.tokens = (b.tokens
        + now.duration_since(b.at).as_secs_f64() * f64::from(reads.refill_per_second))
    .min(f64::from(reads.capacity));
    b.at = now;
    if b.tokens < 1.0 {
        let wait =
            Duration::from_secs_f64((1.0 - b.tokens) / f64::from(reads.refill_per_second.max(1)));
        drop(buckets);
        state.stats.throttled.fetch_add(1, Ordering::Relaxed);
        let mut r = arm_error(
            StatusCode::TOO_MANY_REQUESTS,
            "SubscriptionRequestsThrottled",
            "Number of 'read' requests for subscription exceeded the limit. Please try again after a while.",
        );
        retry_after(&mut r, wait);
        return Err(Box::new(r));
    }
    b.tokens -= 1.0;
    Ok((header, (b.tokens.floor() as u64).to_string()))
}

fn arm_get(
    state: &State,
    principal: &str,
    path: &str,
    query: &HashMap<String, String>,
    host: &str,
) -> Response {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let subscription = (lower.first().map(String::as_str) == Some("subscriptions"))
        .then(|| segments.get(1).copied())
        .flatten();
    if let Some(s) = subscription
        && is_failing(state, s)
    {
        return forbidden(
            state,
            principal,
            path,
            "Microsoft.Resources/subscriptions/read",
        );
    }
    let ratelimit = match take_read(state, subscription.map_or("tenant", |s| s)) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let tenant = &state.tenant;
    let lower_refs: Vec<&str> = lower.iter().map(String::as_str).collect();
    let result: Result<Listing, Response> = match lower_refs.as_slice() {
        ["subscriptions"] => Ok(Listing::List(
            tenant
                .subscriptions
                .iter()
                .map(|s| subscription_json(tenant, s))
                .collect(),
        )),
        ["subscriptions", _] => match tenant.subscription(segments[1]) {
            Some(s) => Ok(Listing::One(subscription_json(tenant, s))),
            None => Err(arm_error(
                StatusCode::NOT_FOUND,
                "SubscriptionNotFound",
                &format!("The subscription '{}' could not be found.", segments[1]),
            )),
        },
        ["subscriptions", _, "resourcegroups"] => Ok(Listing::List(
            tenant
                .resource_groups(segments[1])
                .into_iter()
                .map(resource_group_json)
                .collect(),
        )),
        ["subscriptions", _, "resourcegroups", rg] => tenant
            .resource_groups(segments[1])
            .into_iter()
            .find(|r| r.resource_group.as_deref() == Some(*rg))
            .map(|r| Listing::One(resource_group_json(r)))
            .ok_or_else(|| {
                arm_error(
                    StatusCode::NOT_FOUND,
                    "ResourceGroupNotFound",
                    &format!("Resource group '{}' could not be found.", segments[3]),
                )
            }),
        _ => match tenant.get(path) {
            Some(row) => Ok(Listing::One(arm_shape(row))),
            None => {
                let items = tenant.collection(path);
                let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
                if items.is_empty() && tenant.get(parent).is_none() {
                    Err(arm_error(
                        StatusCode::NOT_FOUND,
                        "ResourceNotFound",
                        &format!("The Resource '{path}' was not found."),
                    ))
                } else {
                    Ok(Listing::List(items.into_iter().map(arm_shape).collect()))
                }
            }
        },
    };
    let mut response = match result {
        Err(r) => r,
        Ok(Listing::One(v)) => json_response(StatusCode::OK, v),
        Ok(Listing::List(items)) => {
            let offset: usize = query
                .get("$skiptoken")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let size = state.config.list_page_items.max(1);
            let end = (offset + size).min(items.len());
            let page = &items[offset.min(end)..end];
            let next = if end < items.len() {
                let api = query.get("api-version").cloned().unwrap_or_default();
                let link = format!("https://{host}{path}?api-version={api}&$skiptoken={end}");
                format!(",\"nextLink\":{}", Value::String(link))
            } else {
                String::new()
            };
            state.stats.list_requests.fetch_add(1, Ordering::Relaxed);
            json_response(
                StatusCode::OK,
                format!("{{\"value\":[{}]{next}}}", page.join(",")),
            )
        }
    };
    if let Ok(v) = HeaderValue::from_str(&ratelimit.1) {
        response.headers_mut().insert(ratelimit.0, v);
    }
    response
}

enum Listing {
    One(String),
    List(Vec<String>),
}

fn subscription_json(tenant: &TenantData, s: &super::tenant::SubscriptionInfo) -> String {
    json!({
        "id": format!("/subscriptions/{}", s.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": s.id,
        "tenantId": tenant.tenant_id,
        "displayName": s.display_name,
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "EnterpriseAgreement_2014-09-01", "spendingLimit": "Off"},
    })
    .to_string()
}

fn resource_group_json(row: &Row) -> String {
    let v: Value = serde_json::from_str(row.json.get()).unwrap_or(Value::Null);
    let mut out = Map::new();
    for k in ["id", "name", "location", "managedBy", "tags"] {
        if let Some(x) = v.get(k).filter(|x| !x.is_null() && *x != "") {
            out.insert(k.into(), x.clone());
        }
    }
    out.insert("type".into(), json!("Microsoft.Resources/resourceGroups"));
    out.insert(
        "properties".into(),
        json!({"provisioningState": "Succeeded"}),
    );
    Value::Object(out).to_string()
}

/// A Resource Graph row as ARM returns the resource: without the
/// `resourceGroup`, `subscriptionId` and `tenantId` columns ARM does not have.
fn arm_shape(row: &Row) -> String {
    match serde_json::from_str::<Value>(row.json.get()) {
        Ok(Value::Object(mut m)) => {
            for k in ["resourceGroup", "subscriptionId", "tenantId"] {
                m.remove(k);
            }
            Value::Object(m).to_string()
        }
        _ => row.json.get().to_string(),
    }
}

/// A row's `properties.type`, lowercase (role definitions: `builtinrole` /
/// `customrole`).
fn properties_type(r: &Row) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(r.json.get()).ok()?;
    Some(
        v.pointer("/properties/type")?
            .as_str()?
            .to_ascii_lowercase(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_look_like_dotnet() {
        assert_eq!(
            format_timespan(Duration::from_millis(4250)),
            "00:00:04.2500000"
        );
        assert_eq!(format_timespan(Duration::from_secs(5)), "00:00:05.0000000");
        assert_eq!(
            atg::azure::throttle::parse_resets_after(&format_timespan(Duration::from_millis(1234))),
            Some(Duration::from_millis(1234))
        );
    }
}
