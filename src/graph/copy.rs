//! Copying snapshots from one graph store to another (`atg graph copy`):
//! SQLite to Neo4j and back, or between two stores of one kind.
//!
//! A copy keeps the scan's ID, time, source, scope and failures, and every
//! resource, resource group, subscription and relationship in order; it is
//! written like an import (batches, `running` until the last batch is in), so
//! an interrupted copy is never read as a finished snapshot. Opening the
//! stores and reporting are left to the command.

use super::{GraphError, GraphStore, store_snapshot};
use crate::model::{ScanInfo, ScanStatus};
use crate::reporter::Reporter;
use serde::Serialize;

/// Resources (and relationships) written per transaction.
const BATCH: usize = 20_000;

/// What became of one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    /// Written to the destination.
    Copied,
    /// The destination already has a scan of this ID; nothing was written.
    AlreadyThere,
    /// `--dry-run`: would be written.
    WouldCopy,
}

/// One scan's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyOutcome {
    /// The scan ID (the same in both stores).
    pub scan_id: String,
    /// What happened.
    pub state: CopyState,
    /// Resources in the snapshot.
    pub resources: u64,
    /// Relationships in the snapshot.
    pub relationships: u64,
}

/// Why a copy cannot start.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A store failed.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A scan asked for is running or failed: only complete snapshots copy.
    #[error("scan `{0}` is {1}: only finished or incomplete snapshots are copied")]
    NotCopyable(String, &'static str),
    /// The copy read back differs from the source in its counts.
    #[error("the copy of scan `{scan_id}` holds {got} where the source holds {want}")]
    Mismatch {
        /// The scan.
        scan_id: String,
        /// Counts in the source.
        want: String,
        /// Counts in the destination.
        got: String,
    },
}

/// Copies `scan_ids` (every finished or incomplete scan when empty, oldest
/// first) from `from` to `to`. A scan the destination already holds is left
/// as it is; `dry_run` writes nothing. Each copy is checked by counting it
/// in the destination.
///
/// Errors: `NoSuchScan` (in `Graph`) for an unknown ID, `NotCopyable` for a
/// running or failed scan, `Mismatch` when the counts differ, and the
/// stores' errors (the copy in progress is then marked failed).
pub async fn copy(
    from: &dyn GraphStore,
    to: &dyn GraphStore,
    scan_ids: &[String],
    dry_run: bool,
    reporter: &dyn Reporter,
) -> Result<Vec<CopyOutcome>, CopyError> {
    let available = from.scans().await?;
    let chosen: Vec<ScanInfo> = if scan_ids.is_empty() {
        let mut all: Vec<ScanInfo> = available
            .into_iter()
            .filter(|s| matches!(s.status, ScanStatus::Finished | ScanStatus::Incomplete))
            .collect();
        all.reverse();
        all
    } else {
        let mut out = Vec::new();
        for id in scan_ids {
            let s = available
                .iter()
                .find(|s| &s.scan_id == id)
                .ok_or_else(|| GraphError::NoSuchScan(id.clone()))?;
            if !matches!(s.status, ScanStatus::Finished | ScanStatus::Incomplete) {
                return Err(CopyError::NotCopyable(id.clone(), s.status.as_str()));
            }
            out.push(s.clone());
        }
        out
    };
    let present: Vec<String> = to.scans().await?.into_iter().map(|s| s.scan_id).collect();
    let mut outcomes = Vec::with_capacity(chosen.len());
    reporter.on_start("copying scans", Some(chosen.len() as u64));
    for (n, scan) in chosen.into_iter().enumerate() {
        let mut outcome = CopyOutcome {
            scan_id: scan.scan_id.clone(),
            state: CopyState::AlreadyThere,
            resources: scan.resource_count,
            relationships: scan.relationship_count,
        };
        if !present.contains(&scan.scan_id) {
            if dry_run {
                outcome.state = CopyState::WouldCopy;
            } else {
                reporter.on_detail(&scan.scan_id);
                let snapshot = from.load_snapshot(&scan.scan_id).await?;
                let info = ScanInfo {
                    status: ScanStatus::Running,
                    finished_at: None,
                    resource_count: 0,
                    relationship_count: 0,
                    ..scan.clone()
                };
                let written = store_snapshot(to, &info, &snapshot, BATCH).await?;
                let want = super::counts_of(&snapshot);
                let got = to.counts(&scan.scan_id, None).await?;
                if want != got {
                    return Err(CopyError::Mismatch {
                        scan_id: scan.scan_id,
                        want: format!("{want:?}"),
                        got: format!("{got:?}"),
                    });
                }
                outcome.state = CopyState::Copied;
                outcome.resources = written.resource_count;
                outcome.relationships = written.relationship_count;
            }
        }
        outcomes.push(outcome);
        reporter.on_progress(n as u64 + 1);
    }
    reporter.on_finish(&format!("{} scans", outcomes.len()));
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::sqlite::SqliteStore;
    use crate::reporter::NoReporter;

    async fn scanned(path: &std::path::Path, ids: &[&str]) -> SqliteStore {
        let store = SqliteStore::open(path).unwrap();
        let doc = br#"{"tenantId": "t", "resources": [
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks",
           "properties": {"subnets": [{"name": "a", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a", "properties": {}}]}}
        ]}"#;
        let (mut snap, _) =
            crate::azure::normalize::normalize(crate::azure::export::parse(doc, "t").unwrap());
        snap.relationships = crate::graph::relationships::derive(&snap);
        for (n, id) in ids.iter().enumerate() {
            let info = ScanInfo::running(
                id.to_string(),
                format!("2026-01-0{}T00:00:00Z", n + 1),
                "file:t.json".into(),
                &snap,
            );
            store_snapshot(&store, &info, &snap, 100).await.unwrap();
        }
        store
    }

    #[tokio::test(flavor = "current_thread")]
    async fn copies_every_finished_scan_once_and_leaves_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let from = scanned(&dir.path().join("a.db"), &["scan-1", "scan-2"]).await;
        let running = ScanInfo::running(
            "scan-3".into(),
            "2026-01-09T00:00:00Z".into(),
            "x".into(),
            &Default::default(),
        );
        from.begin_scan(&running).await.unwrap();
        let to = SqliteStore::open(&dir.path().join("b.db")).unwrap();
        let dry = copy(&from, &to, &[], true, &NoReporter).await.unwrap();
        assert_eq!(
            dry.iter().map(|o| &o.state).collect::<Vec<_>>(),
            [&CopyState::WouldCopy; 2]
        );
        assert!(
            to.scans().await.unwrap().is_empty(),
            "a dry run writes nothing"
        );
        let done = copy(&from, &to, &[], false, &NoReporter).await.unwrap();
        assert_eq!(
            done.iter()
                .map(|o| (o.scan_id.as_str(), &o.state))
                .collect::<Vec<_>>(),
            [
                ("scan-1", &CopyState::Copied),
                ("scan-2", &CopyState::Copied)
            ]
        );
        assert_eq!((done[0].resources, done[0].relationships), (2, 3));
        let again = copy(&from, &to, &["scan-2".into()], false, &NoReporter)
            .await
            .unwrap();
        assert_eq!(again[0].state, CopyState::AlreadyThere);
        let copied = to.scans().await.unwrap();
        let original = from.scans().await.unwrap();
        assert_eq!(copied[0].started_at, original[1].started_at);
        assert_eq!(copied[0].source, original[1].source);
        assert!(matches!(
            copy(&from, &to, &["scan-3".into()], false, &NoReporter).await,
            Err(CopyError::NotCopyable(_, "running"))
        ));
        assert!(matches!(
            copy(&from, &to, &["nope".into()], false, &NoReporter).await,
            Err(CopyError::Graph(GraphError::NoSuchScan(_)))
        ));
    }
}
