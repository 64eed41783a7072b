//! Choosing and loading the sides of a comparison from the store: a
//! subscription (the newest finished scan that covers it, cut to it), a
//! scan (whole, or cut to a subscription), or a value that may be either.
//! The two sides load at the same time, each over its own connection.

use super::compare::ScopeData;
use crate::graph::{self, GraphError, GraphStore};

/// Which records one side of a comparison is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeSpec {
    /// A scan (`None`: the newest finished scan covering the subscription),
    /// cut to a subscription when one is given.
    Given {
        /// The scan ID.
        scan_id: Option<String>,
        /// The subscription GUID.
        subscription: Option<String>,
    },
    /// A scan ID if the store has a scan of that ID, else a subscription.
    Either(String),
}

impl ScopeSpec {
    /// A readable description, e.g. ``subscription `S` `` or ``scan `X` ``.
    pub fn describe(&self) -> String {
        match self {
            ScopeSpec::Given {
                scan_id: Some(s),
                subscription: Some(sub),
            } => format!("subscription `{sub}` of scan `{s}`"),
            ScopeSpec::Given {
                scan_id: Some(s), ..
            } => format!("scan `{s}`"),
            ScopeSpec::Given {
                subscription: Some(sub),
                ..
            } => format!("subscription `{sub}`"),
            ScopeSpec::Given { .. } => "the newest scan".into(),
            ScopeSpec::Either(v) => format!("`{v}`"),
        }
    }
}

/// Loads one side: picks the scan and reads its records (cut to the
/// subscription when one applies) in one pass over the store.
///
/// Errors: `NoSuchScan` / `NoScan` when nothing matches, or a store failure.
pub async fn load(store: &dyn GraphStore, spec: &ScopeSpec) -> Result<ScopeData, GraphError> {
    let (scan_id, subscription) = match spec {
        ScopeSpec::Given {
            scan_id,
            subscription,
        } => (scan_id.clone(), subscription.clone()),
        ScopeSpec::Either(v) => {
            let is_scan = store.scans().await?.iter().any(|s| &s.scan_id == v);
            if is_scan {
                (Some(v.clone()), None)
            } else {
                (None, Some(v.clone()))
            }
        }
    };
    let scan = graph::select_scan(store, scan_id.as_deref(), subscription.as_deref()).await?;
    let snapshot = store
        .load_scope(&scan.scan_id, subscription.as_deref())
        .await?;
    Ok(ScopeData {
        scan_id: scan.scan_id,
        subscription,
        snapshot,
    })
}

/// Loads both sides at once, each over its own store connection (opened
/// from `graph_spec`) on a blocking thread, so reading one overlaps
/// decoding the other.
///
/// Errors: those of `graph::open_existing` and `load`, the source's first.
pub async fn load_pair(
    graph_spec: &str,
    source: &ScopeSpec,
    target: &ScopeSpec,
) -> Result<(ScopeData, ScopeData), GraphError> {
    let side = |spec: &ScopeSpec| {
        let store = graph::open_existing(graph_spec);
        let spec = spec.clone();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let store = store?;
            handle.block_on(load(store.as_ref(), &spec))
        })
    };
    let (s, t) = tokio::join!(side(source), side(target));
    let joined = |r: Result<Result<ScopeData, GraphError>, tokio::task::JoinError>| {
        r.map_err(|e| GraphError::Query(format!("loading a side failed: {e}")))?
    };
    Ok((joined(s)?, joined(t)?))
}
