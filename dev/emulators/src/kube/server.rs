//! The emulator's HTTP handling: routing of the Kubernetes REST paths,
//! bearer token checks, the configured faults, and watch streams.
//!
//! Paths follow "Kubernetes API Concepts"
//! (<https://kubernetes.io/docs/reference/using-api/api-concepts/>):
//! `/api/v1/namespaces/NS/PLURAL[/NAME[/SUBRESOURCE]]` for the core group,
//! `/apis/GROUP/VERSION/namespaces/NS/PLURAL[/NAME[/SUBRESOURCE]]` for the
//! others, and `/apis/GROUP/VERSION/PLURAL` to list across namespaces.
//! Errors are `Status` objects with the API server's reasons and wording:
//! `401 Unauthorized` without the token, `403 Forbidden` for a forbidden
//! verb and resource (RBAC, "Authorization",
//! <https://kubernetes.io/docs/reference/access-authn-authz/authorization/>),
//! `404 NotFound` for an unknown object or an unserved group (a CRD that is
//! not installed), `500 InternalError` for injected failures.
//!
//! Watches (`?watch=true`) stream one JSON event per line: first the
//! current objects as `ADDED` when `resourceVersion` is unset or `0`,
//! otherwise every change after that version (or an `ERROR` event with
//! `410 Expired` when it is no longer kept); `BOOKMARK` events carrying
//! the latest `resourceVersion` when `allowWatchBookmarks=true`; the stream
//! ends after `timeoutSeconds` ("Efficient detection of changes" and "Watch
//! bookmarks" in API Concepts).

use super::resources::{self, ResourceType};
use super::selector::{FieldSelector, LabelSelector, labels_of};
use super::store::{ApiError, Event};
use super::{Faults, RequestRecord, State};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::SinkExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn json_response(code: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

fn error_response(e: &ApiError) -> Response {
    json_response(e.code, &e.status())
}

fn not_served() -> ApiError {
    ApiError {
        code: 404,
        reason: "NotFound",
        message: "the server could not find the requested resource".into(),
        details: json!({}),
    }
}

/// Where a request goes.
enum Route {
    Discovery(Value),
    Collection {
        rt: ResourceType,
        ns: Option<String>,
    },
    Object {
        rt: ResourceType,
        ns: String,
        name: String,
        sub: Option<String>,
    },
}

fn route(types: &[ResourceType], path: &str) -> Result<Route, ApiError> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["api"] => {
            return Ok(Route::Discovery(
                json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
            ));
        }
        ["apis"] => return Ok(Route::Discovery(resources::group_list(types))),
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g] => {
            let list = resources::group_list(types);
            let group = list["groups"]
                .as_array()
                .and_then(|gs| gs.iter().find(|x| x["name"] == *g).cloned())
                .ok_or_else(not_served)?;
            let mut group = group;
            group["kind"] = json!("APIGroup");
            group["apiVersion"] = json!("v1");
            return Ok(Route::Discovery(group));
        }
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(not_served()),
    };
    let find = |plural: &str| {
        types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
            .cloned()
            .ok_or_else(not_served)
    };
    match rest {
        [] => resources::resource_list(types, group, version)
            .map(Route::Discovery)
            .ok_or_else(not_served),
        [plural] => Ok(Route::Collection {
            rt: find(plural)?,
            ns: None,
        }),
        ["namespaces", ns, plural] => Ok(Route::Collection {
            rt: find(plural)?,
            ns: Some(ns.to_string()),
        }),
        ["namespaces", ns, plural, name] => Ok(Route::Object {
            rt: find(plural)?,
            ns: ns.to_string(),
            name: name.to_string(),
            sub: None,
        }),
        ["namespaces", ns, plural, name, sub] => {
            let rt = find(plural)?;
            let known =
                (*sub == "status" && rt.status_subresource) || rt.extra_subresources.contains(sub);
            if !known {
                return Err(not_served());
            }
            Ok(Route::Object {
                rt,
                ns: ns.to_string(),
                name: name.to_string(),
                sub: Some(sub.to_string()),
            })
        }
        _ => Err(not_served()),
    }
}

/// The RBAC verb of a request.
fn verb(method: &Method, route: &Route, watch: bool) -> &'static str {
    match (method, route) {
        (&Method::GET, Route::Collection { .. }) if watch => "watch",
        (&Method::GET, Route::Collection { .. }) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, _) => "delete",
        _ => "get",
    }
}

fn forbidden(
    faults: &Faults,
    user: &str,
    verb: &str,
    rt: &ResourceType,
    ns: Option<&str>,
    name: Option<&str>,
) -> Option<ApiError> {
    let hit = faults.forbid.iter().any(|f| {
        f.verb.as_deref().is_none_or(|v| v == verb)
            && f.resource
                .as_deref()
                .is_none_or(|r| r == rt.plural || r == rt.qualified())
    });
    if !hit {
        return None;
    }
    let subject = match name {
        Some(n) => format!("{} \"{n}\"", rt.qualified()),
        None => rt.qualified(),
    };
    let scope = match ns {
        Some(ns) => format!(" in the namespace \"{ns}\""),
        None => " at the cluster scope".into(),
    };
    Some(ApiError {
        code: 403,
        reason: "Forbidden",
        message: format!(
            "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{}\" in API group \"{}\"{scope}",
            rt.plural, rt.group
        ),
        details: json!({"name": name.unwrap_or(""), "group": rt.group, "kind": rt.plural}),
    })
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Answers one request.
pub async fn handle(
    state: Arc<State>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let faults = lock(&state.faults).clone();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let path = uri.path().to_string();
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let mut record = RequestRecord {
        method: method.to_string(),
        path: path.clone(),
        verb: String::new(),
        code: 0,
    };
    let response = answer(
        &state,
        &faults,
        &method,
        &path,
        &query,
        &headers,
        body,
        &mut record,
    )
    .await;
    record.code = response.status().as_u16();
    lock(&state.requests).push(record);
    response
}

#[allow(clippy::too_many_arguments)]
async fn answer(
    state: &Arc<State>,
    faults: &Faults,
    method: &Method,
    path: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: Bytes,
    record: &mut RequestRecord,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    if bearer != Some(state.token.as_str()) {
        return error_response(&ApiError {
            code: 401,
            reason: "Unauthorized",
            message: "Unauthorized".into(),
            details: json!({}),
        });
    }
    let n = state.counter.fetch_add(1, Ordering::Relaxed) + 1;
    if faults.fail_every.is_some_and(|k| n.is_multiple_of(k)) {
        return error_response(&ApiError {
            code: 500,
            reason: "InternalError",
            message: "Internal error occurred: injected by the Kubernetes API emulator".into(),
            details: json!({"causes": [{"message": "injected fault"}]}),
        });
    }
    let types = lock(&state.types).clone();
    let route = match route(&types, path) {
        Ok(r) => r,
        Err(e) => return error_response(&e),
    };
    let watch = matches!(query.get("watch").map(String::as_str), Some("true" | "1"));
    let verb = verb(method, &route, watch);
    record.verb = verb.to_string();
    let (rt, ns, name) = match &route {
        Route::Discovery(doc) => return json_response(200, doc),
        Route::Collection { rt, ns } => (rt, ns.as_deref(), None),
        Route::Object { rt, ns, name, .. } => (rt, Some(ns.as_str()), Some(name.as_str())),
    };
    if let Some(e) = forbidden(faults, &state.user, verb, rt, ns, name) {
        return error_response(&e);
    }
    let parsed: Result<Value, _> = if body.is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_slice(&body)
    };
    let Ok(body) = parsed else {
        return error_response(&ApiError::bad_request("the request body is not valid JSON"));
    };
    match route {
        Route::Discovery(_) => unreachable!("answered above"),
        Route::Collection { rt, ns } => match *method {
            Method::GET => {
                let labels =
                    match LabelSelector::parse(query.get("labelSelector").map_or("", |s| s)) {
                        Ok(s) => s,
                        Err(e) => return error_response(&ApiError::bad_request(e)),
                    };
                let fields =
                    match FieldSelector::parse(query.get("fieldSelector").map_or("", |s| s)) {
                        Ok(s) => s,
                        Err(e) => return error_response(&ApiError::bad_request(e)),
                    };
                if watch {
                    return watch_stream(state.clone(), rt, ns, labels, fields, query);
                }
                let store = lock(&state.store);
                let items = store.list(&rt, ns.as_deref(), &labels, &fields);
                json_response(
                    200,
                    &json!({
                        "kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(),
                        "metadata": {"resourceVersion": store.revision().to_string()},
                        "items": items,
                    }),
                )
            }
            Method::POST => match ns {
                Some(ns) => match lock(&state.store).create(&rt, &ns, body) {
                    Ok(v) => json_response(201, &v),
                    Err(e) => error_response(&e),
                },
                None => error_response(&ApiError {
                    code: 405,
                    reason: "MethodNotAllowed",
                    message: "create needs a namespace".into(),
                    details: json!({}),
                }),
            },
            _ => error_response(&ApiError {
                code: 405,
                reason: "MethodNotAllowed",
                message: format!(
                    "the server does not allow this method on the requested resource: {method}"
                ),
                details: json!({}),
            }),
        },
        Route::Object { rt, ns, name, sub } => {
            if sub.as_deref() == Some("log") {
                return pod_log(state.clone(), rt, ns, name, query).await;
            }
            let status = sub.as_deref() == Some("status");
            let result = match *method {
                Method::GET => lock(&state.store).get(&rt, &ns, &name),
                Method::PUT => lock(&state.store).replace(&rt, &ns, &name, body, status),
                Method::PATCH => {
                    let ctype = headers
                        .get("content-type")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("");
                    let merge = ctype.starts_with("application/merge-patch+json")
                        || (!rt.custom
                            && ctype.starts_with("application/strategic-merge-patch+json"));
                    if !merge {
                        return error_response(&ApiError {
                            code: 415,
                            reason: "UnsupportedMediaType",
                            message: format!(
                                "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got `{ctype}`)"
                            ),
                            details: json!({}),
                        });
                    }
                    lock(&state.store).patch(&rt, &ns, &name, &body, status)
                }
                Method::DELETE => {
                    lock(&state.store).delete(&types, &rt, &ns, &name, &body["preconditions"])
                }
                _ => Err(ApiError {
                    code: 405,
                    reason: "MethodNotAllowed",
                    message: format!(
                        "the server does not allow this method on the requested resource: {method}"
                    ),
                    details: json!({}),
                }),
            };
            match result {
                Ok(v) => json_response(200, &v),
                Err(e) => error_response(&e),
            }
        }
    }
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": kind, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

fn matches(
    event: &Event,
    rt: &ResourceType,
    ns: Option<&str>,
    l: &LabelSelector,
    f: &FieldSelector,
) -> bool {
    event.resource == rt.qualified()
        && ns.is_none_or(|ns| ns == event.namespace())
        && l.matches(&labels_of(&event.object))
        && f.matches(&event.object)
}

fn watch_stream(
    state: Arc<State>,
    rt: ResourceType,
    ns: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    query: &HashMap<String, String>,
) -> Response {
    let since = query.get("resourceVersion").cloned().unwrap_or_default();
    let bookmarks = query
        .get("allowWatchBookmarks")
        .is_some_and(|v| v == "true");
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1800));
    let (mut tx, body_rx) =
        futures::channel::mpsc::channel::<Result<Bytes, std::convert::Infallible>>(64);
    // Subscribe and read the starting point under one lock, so no change
    // falls between them.
    let (initial, mut rx, expired) = {
        let store = lock(&state.store);
        let rx = store.subscribe();
        if since.is_empty() || since == "0" {
            let items = store.list(&rt, ns.as_deref(), &labels, &fields);
            let lines: Vec<Bytes> = items.iter().map(|o| event_line("ADDED", o)).collect();
            (lines, rx, None)
        } else {
            let from = since.parse::<u64>().unwrap_or(0);
            match store.events_since(from) {
                Some(events) => {
                    let lines = events
                        .iter()
                        .filter(|e| matches(e, &rt, ns.as_deref(), &labels, &fields))
                        .map(|e| event_line(e.kind.name(), &e.object))
                        .collect();
                    (lines, rx, None)
                }
                None => (
                    Vec::new(),
                    rx,
                    Some(format!(
                        "too old resource version: {from} ({})",
                        store.revision()
                    )),
                ),
            }
        }
    };
    let interval = state.bookmark_interval;
    tokio::spawn(async move {
        if let Some(message) = expired {
            let status = ApiError {
                code: 410,
                reason: "Expired",
                message,
                details: json!({}),
            }
            .status();
            let _ = tx.send(Ok(event_line("ERROR", &status))).await;
            return;
        }
        for line in initial {
            if tx.send(Ok(line)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let mut tick = tokio::time::interval(interval);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                got = rx.recv() => match got {
                    Ok(e) => {
                        if matches(&e, &rt, ns.as_deref(), &labels, &fields)
                            && tx.send(Ok(event_line(e.kind.name(), &e.object))).await.is_err()
                        {
                            return;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        let status = ApiError { code: 410, reason: "Expired", message: "the watch fell behind; restart it".into(), details: json!({}) }.status();
                        let _ = tx.send(Ok(event_line("ERROR", &status))).await;
                        return;
                    }
                    Err(_) => return,
                },
                _ = tick.tick(), if bookmarks => {
                    // Everything up to the store's revision is delivered
                    // before a bookmark claims it.
                    let (revision, pending) = {
                        let store = lock(&state.store);
                        let mut pending = Vec::new();
                        while let Ok(e) = rx.try_recv() {
                            pending.push(e);
                        }
                        (store.revision(), pending)
                    };
                    for e in pending.iter().filter(|e| matches(e, &rt, ns.as_deref(), &labels, &fields)) {
                        if tx.send(Ok(event_line(e.kind.name(), &e.object))).await.is_err() {
                            return;
                        }
                    }
                    let mark = json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {"resourceVersion": revision.to_string()}});
                    if tx.send(Ok(event_line("BOOKMARK", &mark))).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut r = Response::new(Body::from_stream(body_rx));
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// `GET pods/NAME/log`: the pod's log text; with `follow=true`, streamed
/// until the pod's phase is `Succeeded` or `Failed` or it is deleted.
async fn pod_log(
    state: Arc<State>,
    rt: ResourceType,
    ns: String,
    name: String,
    query: &HashMap<String, String>,
) -> Response {
    if let Err(e) = lock(&state.store).get(&rt, &ns, &name) {
        return error_response(&e);
    }
    let key = (ns.clone(), name.clone());
    let text = lock(&state.logs).get(&key).cloned().unwrap_or_default();
    if query.get("follow").is_none_or(|f| f != "true") {
        let mut r = (StatusCode::OK, text).into_response();
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("text/plain"));
        return r;
    }
    let (mut tx, body_rx) =
        futures::channel::mpsc::channel::<Result<Bytes, std::convert::Infallible>>(16);
    tokio::spawn(async move {
        let mut sent = 0usize;
        loop {
            let text = lock(&state.logs).get(&key).cloned().unwrap_or_default();
            if text.len() > sent {
                if tx
                    .send(Ok(Bytes::from(text[sent..].to_string())))
                    .await
                    .is_err()
                {
                    return;
                }
                sent = text.len();
            }
            let done = match lock(&state.store).get(&rt, &key.0, &key.1) {
                Ok(pod) => matches!(
                    pod["status"]["phase"].as_str(),
                    Some("Succeeded" | "Failed")
                ),
                Err(_) => true,
            };
            if done {
                let rest = lock(&state.logs).get(&key).cloned().unwrap_or_default();
                if rest.len() > sent {
                    let _ = tx.send(Ok(Bytes::from(rest[sent..].to_string()))).await;
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut r = Response::new(Body::from_stream(body_rx));
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    r
}
