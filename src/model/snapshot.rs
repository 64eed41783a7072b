//! A snapshot: one scan or import of a tenant scope, with its records.
//!
//! Storage is left to `graph`; building a snapshot from an export or a live
//! scan is left to `azure`.

use super::{Relationship, Resource, ResourceGroup, Subscription};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Lifecycle state of a scan. Only `Finished` snapshots count as complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanStatus {
    /// Still being written.
    Running,
    /// Written completely.
    Finished,
    /// Written, but part of the scope failed (see `ScanInfo::failures`).
    Incomplete,
    /// Aborted; the data must not be used.
    Failed,
    /// Left `Running` by a process that is gone (killed, crashed, its
    /// machine rebooted): it will never finish, and its data must not be
    /// used. Reported by the store, never written.
    Abandoned,
}

impl ScanStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Incomplete => "incomplete",
            Self::Failed => "failed",
            Self::Abandoned => "abandoned",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "running" => Self::Running,
            "finished" => Self::Finished,
            "incomplete" => Self::Incomplete,
            "failed" => Self::Failed,
            "abandoned" => Self::Abandoned,
            _ => return None,
        })
    }
}

/// Metadata of one scan or import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanInfo {
    /// Unique scan ID, e.g. `scan-20261121T101500Z-3f9a`.
    pub scan_id: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Finish time, RFC 3339 UTC, once finished.
    pub finished_at: Option<String>,
    /// Where the data came from: `file:PATH` or `live:TENANT`.
    pub source: String,
    /// Tenant GUID, when known.
    pub tenant_id: Option<String>,
    /// Subscription GUIDs in scope.
    pub subscriptions: Vec<String>,
    /// Lifecycle state.
    pub status: ScanStatus,
    /// Number of resources stored (`resources` in JSON, as `scan` prints it).
    #[serde(rename = "resources", alias = "resource_count")]
    pub resource_count: u64,
    /// Number of relationships stored (`relationships` in JSON).
    #[serde(rename = "relationships", alias = "relationship_count")]
    pub relationship_count: u64,
    /// Parts of the scope that failed, one line each.
    #[serde(default)]
    pub failures: Vec<String>,
}

impl ScanInfo {
    /// A scan about to be written: status `Running`, nothing counted yet,
    /// tenant and subscriptions taken from `snapshot` (the tenant of the
    /// first subscription that names one). `started_at` is RFC 3339 UTC;
    /// `source` is `file:PATH` or `live:TENANT`.
    pub fn running(
        scan_id: String,
        started_at: String,
        source: String,
        snapshot: &Snapshot,
    ) -> Self {
        ScanInfo {
            scan_id,
            started_at,
            finished_at: None,
            source,
            tenant_id: snapshot
                .subscriptions
                .iter()
                .find_map(|s| s.tenant_id.clone()),
            subscriptions: snapshot
                .subscriptions
                .iter()
                .map(|s| s.subscription_id.clone())
                .collect(),
            status: ScanStatus::Running,
            resource_count: 0,
            relationship_count: 0,
            failures: Vec::new(),
        }
    }
}

/// The records of one scan, in memory.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Subscriptions in scope.
    pub subscriptions: Vec<Subscription>,
    /// Resource groups in scope.
    pub resource_groups: Vec<ResourceGroup>,
    /// Resources, in stored order.
    pub resources: Vec<Resource>,
    /// Relationships between resources, resource groups and subscriptions.
    pub relationships: Vec<Relationship>,
}

impl Snapshot {
    /// Builds a lookup from lowercase ARM ID to the index in `resources`.
    pub fn index(&self) -> HashMap<String, usize> {
        self.resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id_key(), i))
            .collect()
    }
}
