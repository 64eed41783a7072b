//! The scan stage: a tenant read (an export file here, Azure itself in
//! `live`), normalised, stored as a new snapshot with its relationships,
//! and summarised. Both sources end in `store_snapshot`, so they store the
//! same snapshot for the same data. Also the housekeeping of scans: Ctrl-C
//! drops a scan with what it stored (`until_interrupted`), and `prune`
//! removes abandoned and failed ones.
//!
//! Reading exports and Azure is `azure`'s, storing is `graph`'s; flags and
//! printing are left to `commands::scan`. Progress and status lines go
//! through a `Reporter`.

pub mod live;

use crate::azure;
use crate::graph::{self, GraphError, GraphStore};
use crate::model::{ScanInfo, ScanStatus, Snapshot};
use crate::reporter::Reporter;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Resources (and relationships) written per transaction. Bigger batches
/// mean fewer commits and WAL checkpoints; 20,000 rows of a synthetic
/// tenant are about 10 MB.
const BATCH: usize = 20_000;

/// What a scan stored: its ID, status and counts (`atg scan --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct ScanSummary {
    /// The snapshot's ID.
    pub scan_id: String,
    /// `file:PATH` or `live:TENANT`.
    pub source: String,
    /// `finished`, or `incomplete` when parts of a live scan failed.
    pub status: ScanStatus,
    /// Resources stored.
    pub resources: u64,
    /// Relationships stored.
    pub relationships: u64,
    /// Resource groups read.
    pub resource_groups: usize,
    /// Subscriptions read.
    pub subscriptions: usize,
    /// Child resources (subnets) extracted from their parents' properties.
    pub extracted_subnets: usize,
    /// Rows that repeated an ARM ID already read (the first was kept).
    pub duplicate_rows: usize,
    /// Resources by lowercase ARM type, most first.
    pub by_type: Vec<TypeCount>,
    /// Parts of the scope that failed, one line each.
    pub failures: Vec<String>,
    /// What a live scan adds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<live::LiveSummary>,
}

/// Resources of one ARM type.
#[derive(Debug, Clone, Serialize)]
pub struct TypeCount {
    /// Lowercase ARM type.
    pub r#type: String,
    /// Resources of it.
    pub count: u64,
}

/// Why a scan stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The export file is unreadable or malformed.
    #[error(transparent)]
    Export(#[from] azure::export::ExportError),
    /// The export holds no resources and `allow_empty` was not given.
    #[error(
        "`{}` holds no resources ({subscriptions} subscriptions, {resource_groups} resource groups): nothing was stored",
        path.display()
    )]
    Empty {
        /// The export.
        path: PathBuf,
        /// Subscriptions it holds.
        subscriptions: usize,
        /// Resource groups it holds.
        resource_groups: usize,
    },
    /// The thread reading the export stopped (it panicked).
    #[error("the export reader stopped: {0}")]
    Reader(String),
    /// The store failed.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A live scan failed (endpoints, credentials, Azure); see `live`.
    #[error(transparent)]
    Live(#[from] live::LiveError),
    /// Ctrl-C: the scan and what it stored were dropped.
    #[error("scan interrupted; nothing stored")]
    Interrupted,
}

/// Reads the export at `path` and stores it as scan `scan_id`: `read_file`
/// then `store_snapshot`.
///
/// Errors: `Export`, `Empty`, `Reader`, `Graph`.
pub async fn from_file(
    store: &dyn GraphStore,
    scan_id: &str,
    path: &Path,
    allow_empty: bool,
    progress: &dyn Reporter,
) -> Result<ScanSummary, ScanError> {
    let (snapshot, stats) = read_file(path, allow_empty, progress).await?;
    store_file(store, scan_id, path, snapshot, stats, progress).await
}

/// Reads and normalises the export at `path`; an export without resources
/// is refused unless `allow_empty`. Nothing is stored, so a bad or empty
/// file leaves no store behind. The file is read on a blocking thread, so
/// the caller can notice Ctrl-C meanwhile.
///
/// Errors: `Export`, `Empty`, `Reader`.
pub async fn read_file(
    path: &Path,
    allow_empty: bool,
    progress: &dyn Reporter,
) -> Result<(Snapshot, azure::normalize::NormalizeStats), ScanError> {
    progress.on_start("reading", None);
    let read = path.to_path_buf();
    let (snapshot, stats) = tokio::task::spawn_blocking(move || azure::load_file(&read))
        .await
        .map_err(|e| ScanError::Reader(e.to_string()))??;
    if snapshot.resources.is_empty() && !allow_empty {
        return Err(ScanError::Empty {
            path: path.to_path_buf(),
            subscriptions: snapshot.subscriptions.len(),
            resource_groups: snapshot.resource_groups.len(),
        });
    }
    Ok((snapshot, stats))
}

/// Stores what `read_file` read from `path` as scan `scan_id`.
///
/// Errors: `Graph` (the scan is then marked failed).
pub async fn store_file(
    store: &dyn GraphStore,
    scan_id: &str,
    path: &Path,
    snapshot: Snapshot,
    stats: azure::normalize::NormalizeStats,
    progress: &dyn Reporter,
) -> Result<ScanSummary, ScanError> {
    progress.on_start("storing", None);
    store_snapshot(
        store,
        scan_id,
        snapshot,
        stats,
        format!("file:{}", path.display()),
        Vec::new(),
    )
    .await
}

/// Normalised records in, stored snapshot `scan_id` and its summary out.
/// `failures` (parts of the scope not read) make it `incomplete`.
///
/// Errors: the store's (the scan is then marked failed).
pub async fn store_snapshot(
    store: &dyn GraphStore,
    scan_id: &str,
    snapshot: Snapshot,
    stats: azure::normalize::NormalizeStats,
    source: String,
    failures: Vec<String>,
) -> Result<ScanSummary, ScanError> {
    let info = ScanInfo {
        failures,
        ..ScanInfo::running(
            scan_id.to_string(),
            crate::clock::now_rfc3339(),
            source,
            &snapshot,
        )
    };
    // Relationships are derived while the resources are written.
    let snapshot = Arc::new(snapshot);
    let info = graph::import_snapshot(store, &info, Arc::clone(&snapshot), BATCH).await?;
    let mut by_type: Vec<TypeCount> = store
        .type_counts(&info.scan_id)
        .await?
        .into_iter()
        .map(|(r#type, count)| TypeCount { r#type, count })
        .collect();
    by_type.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.r#type.cmp(&b.r#type)));
    let summary = ScanSummary {
        scan_id: info.scan_id.clone(),
        source: info.source.clone(),
        status: info.status,
        resources: info.resource_count,
        relationships: info.relationship_count,
        resource_groups: snapshot.resource_groups.len(),
        subscriptions: snapshot.subscriptions.len(),
        extracted_subnets: stats.extracted_children,
        duplicate_rows: stats.duplicate_rows,
        by_type,
        failures: info.failures,
        live: None,
    };
    crate::background::drop_later(snapshot);
    Ok(summary)
}

/// Runs `scan` (a scan to be stored as `scan_id`) until it ends, or until
/// Ctrl-C sets `interrupted` (checked every 50 ms): then the scan is dropped
/// where it stood, whatever it stored of `scan_id` is deleted, and the
/// result is `Interrupted`.
///
/// Errors: those of `scan`, or `Interrupted`.
pub async fn until_interrupted<T>(
    store: Option<&dyn GraphStore>,
    scan_id: &str,
    scan: impl Future<Output = Result<T, ScanError>>,
    interrupted: &AtomicBool,
) -> Result<T, ScanError> {
    let watch = async {
        while !interrupted.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    let finished = tokio::select! {
        biased;
        () = watch => None,
        out = scan => Some(out),
    };
    match finished {
        Some(result) => result,
        None => {
            if let Some(store) = store {
                let _ = store.delete_scan(scan_id).await;
            }
            Err(ScanError::Interrupted)
        }
    }
}

/// The abandoned and failed scans of `store` (none without a store),
/// deleted with their records unless `dry_run`.
///
/// Errors: the store's.
pub async fn prune(
    store: Option<&dyn GraphStore>,
    dry_run: bool,
) -> Result<Vec<ScanInfo>, GraphError> {
    let Some(store) = store else {
        return Ok(Vec::new());
    };
    let doomed: Vec<ScanInfo> = store
        .scans()
        .await?
        .into_iter()
        .filter(|s| matches!(s.status, ScanStatus::Abandoned | ScanStatus::Failed))
        .collect();
    if !dry_run {
        for d in &doomed {
            store.delete_scan(&d.scan_id).await?;
        }
    }
    Ok(doomed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::sqlite::SqliteStore;
    use crate::reporter::NoReporter;

    /// Ctrl-C while a scan is storing: nothing of it is left in the store.
    #[tokio::test(flavor = "current_thread")]
    async fn an_interrupted_scan_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("t.json");
        let mut file = std::fs::File::create(&export).unwrap();
        crate::synth::write_tenant(&mut file, 300, 7).unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).unwrap();
        let interrupted = AtomicBool::new(false);
        // The flag is set once storing began: the scan is dropped mid-write.
        let scan = async {
            let r = from_file(&store, "scan-x", &export, false, &NoReporter).await;
            interrupted.store(true, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            r
        };
        let out = until_interrupted(Some(&store), "scan-x", scan, &interrupted).await;
        assert!(matches!(out, Err(ScanError::Interrupted)), "{out:?}");
        assert!(store.scans().await.unwrap().is_empty());
        assert_eq!(store.counts("scan-x", None).await.unwrap().resources, 0);
    }
}
