//! The live scan: enumerate subscriptions, then read resource groups,
//! resources, role assignments and custom role definitions from Resource
//! Graph (`AuthorizationResources` holds the last two) in batches of
//! subscriptions, then list the child types no Resource Graph table has
//! with ARM LIST. Rows are typed by `export::Export::add_rows`, the same code
//! that reads export files, so a live scan and `scan --from-file` of the
//! same data give the same snapshot after `normalize`.
//!
//! - Subscriptions come from `ResourceContainers` at tenant scope, filtered
//!   by `--subscription` when given.
//! - Subscriptions are queried in groups of `batch_size` (Azure recommends
//!   fewer than 300 per query; its sample uses 100), `concurrency` groups at
//!   a time, each paged 1000 rows at a time with `$skipToken`, ordered by ID.
//! - A group that fails is split in two and retried, down to single
//!   subscriptions: one unreadable subscription fails alone, the others are
//!   scanned, and its failure is returned for the snapshot to record.
//! - A refused token (HTTP 401, credential error) stops the whole scan.
//!
//! HTTP, retries and throttling are left to `arm` and `throttle`; storing
//! to `graph`.

use super::arm::{ArmClient, ArmError, GRAPH_PAGE_SIZE, GraphOptions, GraphRequest};
use super::coverage::{ARM_LIST_TYPES, ListType, Queries};
use super::export::{Export, ExportError};
use super::throttle::TrafficSummary;
use crate::model::{ResourceId, Subscription};
use crate::reporter::{PartsReporter, Reporter};
use futures::stream::{FuturesUnordered, StreamExt};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Subscriptions per Resource Graph query, as in Azure's grouping sample.
pub const DEFAULT_BATCH_SIZE: usize = 100;

/// What to scan and how hard to push.
#[derive(Debug, Clone)]
pub struct ScanScope {
    /// The tenant (GUID or domain) the credential belongs to.
    pub tenant_id: String,
    /// Subscription IDs to scan; empty means every subscription the identity can read.
    pub subscriptions: Vec<String>,
    /// Resource group names to keep (case-insensitive); empty means all.
    pub resource_groups: Vec<String>,
    /// Subscription groups (and ARM LIST calls) in flight at once, at least 1.
    pub concurrency: usize,
    /// Subscriptions per Resource Graph query, at least 1.
    pub batch_size: usize,
}

/// A part of the scope that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScanFailure {
    /// The subscription it belongs to.
    pub subscription: String,
    /// What failed, one line.
    pub message: String,
}

impl std::fmt::Display for ScanFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "subscription `{}`: {}", self.subscription, self.message)
    }
}

/// The result of a live scan, before normalisation.
#[derive(Debug)]
pub struct LiveScan {
    /// Subscriptions, resource groups and resources read, sorted by ARM ID.
    pub export: Export,
    /// Parts that failed; empty when everything was read.
    pub failures: Vec<ScanFailure>,
    /// Things worth a warning that did not fail the scan.
    pub warnings: Vec<String>,
    /// HTTP traffic of the scan.
    pub traffic: TrafficSummary,
    /// Resource Graph rows received (resource groups, resources, role assignments).
    pub graph_rows: u64,
    /// ARM LIST calls made (one per parent and child type, pages not counted).
    pub list_calls: u64,
    /// Wall time of the scan.
    pub elapsed: Duration,
}

/// Why a scan could not produce anything.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The token was refused: nothing can be read.
    #[error("Azure refused the credential: {0}")]
    Unauthorized(ArmError),
    /// The subscriptions could not be listed.
    #[error("cannot list the subscriptions of tenant `{tenant}`: {source}")]
    Subscriptions {
        /// The tenant.
        tenant: String,
        /// The cause.
        source: ArmError,
    },
    /// No subscription to scan.
    #[error("no subscription to scan in tenant `{tenant}`{requested}")]
    NoSubscriptions {
        /// The tenant.
        tenant: String,
        /// ` (asked for …)` when `--subscription` was given, else empty.
        requested: String,
    },
    /// Every subscription failed; each failure is listed.
    #[error("every subscription failed ({})", .0.len())]
    AllFailed(Vec<ScanFailure>),
    /// Azure returned a row atg cannot read.
    #[error("Azure returned a row atg cannot read: {0}")]
    BadRow(ExportError),
}

/// Why a batch (or a LIST) failed.
enum PartError {
    Arm(ArmError),
    Row(ExportError),
}

impl From<ArmError> for PartError {
    fn from(e: ArmError) -> Self {
        PartError::Arm(e)
    }
}

impl From<ExportError> for PartError {
    fn from(e: ExportError) -> Self {
        PartError::Row(e)
    }
}

/// Scans the tenant. `progress` gets phases, `parts` one bar per subscription.
///
/// Errors: `ScanError` when nothing usable could be read; partial failures
/// are returned in `LiveScan::failures` instead.
pub async fn scan(
    client: &ArmClient,
    scope: &ScanScope,
    progress: &dyn Reporter,
    parts: &dyn PartsReporter,
) -> Result<LiveScan, ScanError> {
    let started = Instant::now();
    let queries = Queries::new(&scope.resource_groups);
    let concurrency = scope.concurrency.max(1);
    let mut failures = Vec::new();
    let mut warnings = Vec::new();

    progress.on_start("listing subscriptions", None);
    let subscriptions = list_subscriptions(client, scope, &queries, &mut failures).await?;
    progress.on_finish(&format!("{} subscriptions in scope", subscriptions.len()));
    let labels: HashMap<String, String> = subscriptions
        .iter()
        .map(|s| {
            let id = s.subscription_id.to_ascii_lowercase();
            let label = match &s.display_name {
                Some(n) if !n.eq_ignore_ascii_case(&s.subscription_id) => {
                    format!("{n} ({})", s.subscription_id)
                }
                _ => s.subscription_id.clone(),
            };
            (id, label)
        })
        .collect();

    progress.on_start("reading Resource Graph", None);
    let mut pending: VecDeque<Vec<String>> = subscriptions
        .iter()
        .map(|s| s.subscription_id.clone())
        .collect::<Vec<_>>()
        .chunks(scope.batch_size.max(1))
        .map(<[String]>::to_vec)
        .collect();
    let mut export = Export {
        tenant_id: subscriptions
            .iter()
            .find_map(|s| s.tenant_id.clone())
            .or_else(|| Some(scope.tenant_id.clone())),
        subscriptions: subscriptions.clone(),
        ..Export::default()
    };
    let mut graph_rows = 0u64;
    let mut failed_subs = 0usize;
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < concurrency
            && let Some(batch) = pending.pop_front()
        {
            let (labels, queries) = (&labels, &queries);
            running.push(async move {
                let result = scan_batch(client, &batch, queries, labels, parts).await;
                (batch, result)
            });
        }
        let Some((batch, result)) = running.next().await else {
            break;
        };
        match result {
            Ok(done) => {
                graph_rows += done.rows;
                for sub in &batch {
                    let key = sub.to_ascii_lowercase();
                    let got = done.received.get(&key).copied().unwrap_or(0);
                    let counted = done.counts.get(&key).copied().unwrap_or(0);
                    if got != counted {
                        warnings.push(format!(
                            "subscription `{sub}`: Resource Graph counted {counted} resources but paging returned {got} (resources changed during the scan?)"
                        ));
                    }
                    parts.part_finish(&key, &format!("{got} resources"));
                }
                export.resource_groups.extend(done.export.resource_groups);
                export.resources.extend(done.export.resources);
            }
            Err(PartError::Arm(e)) if e.is_fatal() => return Err(ScanError::Unauthorized(e)),
            Err(PartError::Row(e)) => return Err(ScanError::BadRow(e)),
            Err(PartError::Arm(e)) if batch.len() > 1 => {
                // Isolate the subscription at fault: retry each half.
                progress.on_detail(&format!(
                    "a query for {} subscriptions failed ({e}); retrying each half",
                    batch.len()
                ));
                let (a, b) = batch.split_at(batch.len() / 2);
                pending.push_front(b.to_vec());
                pending.push_front(a.to_vec());
            }
            Err(PartError::Arm(e)) => {
                let sub = batch[0].clone();
                parts.part_finish(&sub.to_ascii_lowercase(), &format!("failed: {e}"));
                failed_subs += 1;
                failures.push(ScanFailure {
                    subscription: sub,
                    message: e.to_string(),
                });
            }
        }
    }
    drop(running);
    if failed_subs > 0 && failed_subs == subscriptions.len() {
        return Err(ScanError::AllFailed(failures));
    }
    progress.on_finish(&format!("{graph_rows} Resource Graph rows"));

    let list_calls =
        list_children(client, concurrency, &mut export, &mut failures, progress).await?;

    export
        .subscriptions
        .sort_by_cached_key(|s| s.subscription_id.to_ascii_lowercase());
    export
        .resource_groups
        .sort_by_cached_key(|g| g.id.to_ascii_lowercase());
    export.resources.sort_by_cached_key(|r| r.id_key());
    Ok(LiveScan {
        export,
        failures,
        warnings,
        traffic: client.stats(),
        graph_rows,
        list_calls,
        elapsed: started.elapsed(),
    })
}

/// Lists the subscriptions in scope at tenant scope; requested ones that
/// are missing become failures.
async fn list_subscriptions(
    client: &ArmClient,
    scope: &ScanScope,
    queries: &Queries,
    failures: &mut Vec<ScanFailure>,
) -> Result<Vec<Subscription>, ScanError> {
    let mut found = Export::default();
    let query = queries.subscriptions();
    let result = query_pages(client, &query, &[], |page, index| {
        let rows = page.rows()?;
        found.add_rows(&rows.data, page.body(), "Resource Graph response", index)?;
        Ok(rows.data.len())
    })
    .await;
    match result {
        Ok(_) => {}
        Err(PartError::Arm(e)) if e.is_fatal() => return Err(ScanError::Unauthorized(e)),
        Err(PartError::Arm(source)) => {
            return Err(ScanError::Subscriptions {
                tenant: scope.tenant_id.clone(),
                source,
            });
        }
        Err(PartError::Row(e)) => return Err(ScanError::BadRow(e)),
    }
    let mut subscriptions = found.subscriptions;
    if !scope.subscriptions.is_empty() {
        let wanted: Vec<String> = scope
            .subscriptions
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        subscriptions.retain(|s| wanted.contains(&s.subscription_id.to_ascii_lowercase()));
        for w in &scope.subscriptions {
            if !subscriptions
                .iter()
                .any(|s| s.subscription_id.eq_ignore_ascii_case(w))
            {
                failures.push(ScanFailure {
                    subscription: w.clone(),
                    message: format!(
                        "not found in tenant `{}`, or this identity cannot read it",
                        scope.tenant_id
                    ),
                });
            }
        }
    }
    if subscriptions.is_empty() {
        return Err(ScanError::NoSubscriptions {
            tenant: scope.tenant_id.clone(),
            requested: if scope.subscriptions.is_empty() {
                String::new()
            } else {
                format!(" (asked for {})", scope.subscriptions.join(", "))
            },
        });
    }
    Ok(subscriptions)
}

/// What one batch of subscriptions returned.
struct BatchResult {
    export: Export,
    /// Resource rows per lowercase subscription ID, as Resource Graph counted them.
    counts: HashMap<String, u64>,
    /// Resource rows per lowercase subscription ID, as received.
    received: HashMap<String, u64>,
    /// Rows received in all.
    rows: u64,
}

#[derive(Deserialize)]
struct CountRow {
    #[serde(rename = "subscriptionId")]
    subscription_id: String,
    #[serde(rename = "count_")]
    count: u64,
}

async fn scan_batch(
    client: &ArmClient,
    batch: &[String],
    queries: &Queries,
    labels: &HashMap<String, String>,
    parts: &dyn PartsReporter,
) -> Result<BatchResult, PartError> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    query_pages(client, &queries.counts(), batch, |page, _| {
        let rows = page.rows()?;
        for raw in &rows.data {
            if let Ok(c) = serde_json::from_str::<CountRow>(raw.get()) {
                *counts
                    .entry(c.subscription_id.to_ascii_lowercase())
                    .or_default() += c.count;
            }
        }
        Ok(rows.data.len())
    })
    .await?;
    for sub in batch {
        let key = sub.to_ascii_lowercase();
        let label = labels.get(&key).map_or(sub.as_str(), String::as_str);
        parts.part_start(&key, label, Some(counts.get(&key).copied().unwrap_or(0)));
    }

    let mut export = Export::default();
    let mut rows = 0u64;
    rows += query_pages(client, &queries.resource_groups(), batch, |page, index| {
        let r = page.rows()?;
        export.add_rows(&r.data, page.body(), "Resource Graph response", index)?;
        Ok(r.data.len())
    })
    .await? as u64;

    let mut received: HashMap<String, u64> = HashMap::new();
    rows += query_pages(client, &queries.resources(), batch, |page, index| {
        let r = page.rows()?;
        let before = export.resources.len();
        export.add_rows(&r.data, page.body(), "Resource Graph response", index)?;
        let mut per_sub: HashMap<String, u64> = HashMap::new();
        for res in &export.resources[before..] {
            let sub = res
                .subscription_id
                .clone()
                .or_else(|| ResourceId::parse(&res.id).ok()?.subscription)
                .unwrap_or_default()
                .to_ascii_lowercase();
            *per_sub.entry(sub).or_default() += 1;
        }
        for (sub, n) in per_sub {
            parts.part_advance(&sub, n);
            *received.entry(sub).or_default() += n;
        }
        Ok(r.data.len())
    })
    .await? as u64;

    for query in [
        queries.role_assignments(),
        queries.custom_role_definitions(),
    ] {
        rows += query_pages(client, &query, batch, |page, index| {
            let r = page.rows()?;
            export.add_rows(&r.data, page.body(), "Resource Graph response", index)?;
            Ok(r.data.len())
        })
        .await? as u64;
    }

    Ok(BatchResult {
        export,
        counts,
        received,
        rows,
    })
}

/// Runs a Resource Graph query over all its pages, calling `on_page` with
/// each page and the index of its first row; returns the rows seen.
async fn query_pages(
    client: &ArmClient,
    query: &str,
    subscriptions: &[String],
    mut on_page: impl FnMut(&super::arm::GraphPage, usize) -> Result<usize, PartError>,
) -> Result<usize, PartError> {
    let mut skip_token: Option<String> = None;
    let mut seen = 0usize;
    loop {
        let page = client
            .graph_query(&GraphRequest {
                subscriptions,
                query,
                options: GraphOptions {
                    top: GRAPH_PAGE_SIZE,
                    skip_token: skip_token.as_deref(),
                    result_format: "objectArray",
                },
            })
            .await?;
        seen += on_page(&page, seen)?;
        skip_token = page.rows()?.skip_token.filter(|t| !t.is_empty());
        if skip_token.is_none() {
            return Ok(seen);
        }
    }
}

/// Lists the ARM-LIST-only child types under every parent found, adds the
/// children to `export`, and records failures per subscription. Returns the
/// number of LIST calls.
async fn list_children(
    client: &ArmClient,
    concurrency: usize,
    export: &mut Export,
    failures: &mut Vec<ScanFailure>,
    progress: &dyn Reporter,
) -> Result<u64, ScanError> {
    let tenants: HashMap<String, Option<String>> = export
        .subscriptions
        .iter()
        .map(|s| (s.subscription_id.to_ascii_lowercase(), s.tenant_id.clone()))
        .collect();
    let default_tenant = export.tenant_id.clone();
    let calls: Vec<(String, &'static ListType)> = export
        .resources
        .iter()
        .flat_map(|r| {
            let key = r.type_key();
            ARM_LIST_TYPES
                .iter()
                .filter(move |t| t.parent_type == key)
                .map(|t| (r.id.clone(), t))
        })
        .collect();
    if calls.is_empty() {
        return Ok(0);
    }
    progress.on_start("listing child resources", Some(calls.len() as u64));
    let mut results = futures::stream::iter(calls.iter().map(|(parent, t)| async move {
        let path = format!("{parent}/{}", t.collection);
        (parent, client.list(&path, t.api_version).await)
    }))
    .buffer_unordered(concurrency);
    let mut done = 0u64;
    let mut rows_text = Vec::new();
    while let Some((parent, result)) = results.next().await {
        done += 1;
        progress.on_progress(done);
        match result {
            Ok(items) => {
                for item in items {
                    if let Some(row) = arm_item_to_row(item.get(), &tenants, &default_tenant) {
                        rows_text.push(row);
                    }
                }
            }
            Err(e) if e.is_fatal() => return Err(ScanError::Unauthorized(e)),
            Err(e) => {
                let subscription = ResourceId::parse(parent)
                    .ok()
                    .and_then(|id| id.subscription)
                    .unwrap_or_default();
                failures.push(ScanFailure {
                    subscription,
                    message: e.to_string(),
                });
            }
        }
    }
    drop(results);
    let text = format!("[{}]", rows_text.join(","));
    let rows: Vec<&serde_json::value::RawValue> = serde_json::from_str(&text).map_err(|e| {
        ScanError::BadRow(ExportError::Json {
            path: "ARM LIST response".into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    })?;
    let first = export.resources.len();
    export
        .add_rows(&rows, text.as_bytes(), "ARM LIST response", first)
        .map_err(ScanError::BadRow)?;
    progress.on_finish(&format!(
        "{} child resources from {} ARM LIST calls",
        rows.len(),
        calls.len()
    ));
    Ok(calls.len() as u64)
}

/// Turns an ARM GET/LIST item into a Resource Graph-shaped row: the type in
/// Resource Graph's lowercase spelling, and `resourceGroup`,
/// `subscriptionId` and `tenantId` (which ARM does not return) from the ID
/// and the subscription. `None` for an item without an `id`.
fn arm_item_to_row(
    item: &str,
    tenants: &HashMap<String, Option<String>>,
    default_tenant: &Option<String>,
) -> Option<String> {
    let Value::Object(mut obj) = serde_json::from_str::<Value>(item).ok()? else {
        return None;
    };
    let id = ResourceId::parse(obj.get("id")?.as_str()?).ok()?;
    let mut row = Map::new();
    for key in ["id", "name"] {
        if let Some(v) = obj.remove(key) {
            row.insert(key.into(), v);
        }
    }
    if let Some(Value::String(t)) = obj.remove("type") {
        row.insert("type".into(), Value::String(t.to_ascii_lowercase()));
    }
    for key in [
        "location",
        "kind",
        "sku",
        "identity",
        "zones",
        "tags",
        "managedBy",
        "plan",
    ] {
        if let Some(v) = obj.remove(key) {
            row.insert(key.into(), v);
        }
    }
    if let Some(rg) = &id.resource_group {
        row.insert("resourceGroup".into(), Value::String(rg.clone()));
    }
    if let Some(sub) = &id.subscription {
        row.insert("subscriptionId".into(), Value::String(sub.clone()));
        let tenant = tenants
            .get(&sub.to_ascii_lowercase())
            .cloned()
            .flatten()
            .or_else(|| default_tenant.clone());
        if let Some(t) = tenant {
            row.insert("tenantId".into(), Value::String(t));
        }
    }
    row.insert(
        "properties".into(),
        obj.remove("properties").unwrap_or(Value::Null),
    );
    serde_json::to_string(&Value::Object(row)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_items_get_resource_graph_columns() {
        let tenants = HashMap::from([("s".to_string(), Some("t".to_string()))]);
        let row = arm_item_to_row(
            r#"{"id": "/subscriptions/S/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/ns/queues/q", "name": "q", "type": "Microsoft.ServiceBus/Namespaces/Queues", "properties": {"maxSizeInMegabytes": 1024}, "systemData": {"createdBy": "x"}}"#,
            &tenants,
            &None,
        )
        .unwrap();
        let v: Value = serde_json::from_str(&row).unwrap();
        assert_eq!(v["type"], "microsoft.servicebus/namespaces/queues");
        assert_eq!(v["resourceGroup"], "rg");
        assert_eq!(v["subscriptionId"], "S");
        assert_eq!(v["tenantId"], "t");
        assert_eq!(v["properties"]["maxSizeInMegabytes"], 1024);
        assert!(v.get("systemData").is_none());
    }
}
