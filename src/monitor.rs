//! Monitoring the store: poll a scan's counts (resources, relationships,
//! resource groups, types) at an interval, tell when they stop changing,
//! and express them as Prometheus gauges.
//!
//! The counts come from `GraphStore::counts` (one query per poll). Printing
//! each poll and writing the metrics file are left to the caller's
//! `on_poll`.

use crate::graph::{GraphError, GraphStore, ScopeCounts};
use crate::model::{ScanInfo, ScanStatus};
use crate::report::prometheus::{Gauge, render};
use serde::Serialize;
use std::ops::ControlFlow;
use std::time::Duration;

/// When to stop polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Poll once.
    Once,
    /// Poll until interrupted (or `max_polls`).
    Watch,
    /// Poll until this many polls in a row give identical counts.
    Stabilize(u32),
}

/// What to poll and how often.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Count only this subscription, and pick the newest scan covering it.
    pub subscription: Option<String>,
    /// Count this scan instead of the newest.
    pub scan_id: Option<String>,
    /// Time between polls.
    pub interval: Duration,
    /// When to stop.
    pub mode: Mode,
    /// Stop after this many polls, whatever the mode.
    pub max_polls: Option<u64>,
}

/// One poll.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Poll {
    /// 1-based poll number.
    pub poll: u64,
    /// When, RFC 3339 UTC.
    pub time: String,
    /// When, Unix seconds.
    #[serde(skip)]
    pub unix_time: i64,
    /// The scan counted (`None`: no scan covers the scope yet).
    pub scan_id: Option<String>,
    /// Its status (`running` while a scan is still writing).
    pub scan_status: Option<ScanStatus>,
    /// The counts.
    #[serde(flatten)]
    pub counts: ScopeCounts,
    /// Change in resources since the previous poll.
    pub resources_change: i64,
    /// Polls in a row, this one included, with these same counts and scan.
    pub identical_polls: u32,
    /// `identical_polls` reached the stabilization threshold.
    pub stable: bool,
}

/// How polling ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stabilization was seen; the last poll.
    Stable(Poll),
    /// Polled once, or as often as allowed; the last poll (if any).
    Done(Option<Poll>),
    /// Ctrl-C.
    Interrupted(Option<Poll>),
}

/// Why monitoring stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The store failed.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The caller's `on_poll` failed (printing, writing metrics).
    #[error("{0}")]
    Sink(String),
}

/// Picks the scan to count: the given one, or the newest one (running
/// included, failed and abandoned ones not) covering the subscription.
fn pick<'a>(scans: &'a [ScanInfo], s: &MonitorSettings) -> Option<&'a ScanInfo> {
    match &s.scan_id {
        Some(id) => scans.iter().find(|x| &x.scan_id == id),
        None => scans.iter().find(|x| {
            !matches!(x.status, ScanStatus::Failed | ScanStatus::Abandoned)
                && s.subscription
                    .as_deref()
                    .is_none_or(|sub| x.subscriptions.iter().any(|y| y.eq_ignore_ascii_case(sub)))
        }),
    }
}

/// Tracks identical polls.
#[derive(Debug, Default)]
struct Tracker {
    last: Option<(Option<String>, ScopeCounts)>,
    identical: u32,
    polls: u64,
}

impl Tracker {
    fn observe(
        &mut self,
        scan: Option<&ScanInfo>,
        counts: ScopeCounts,
        threshold: Option<u32>,
    ) -> Poll {
        self.polls += 1;
        let scan_id = scan.map(|s| s.scan_id.clone());
        let now = time::OffsetDateTime::now_utc();
        let previous = self.last.as_ref().map(|(_, c)| c.resources as i64);
        // Polls without a scan never count toward stability.
        let same = scan_id.is_some() && self.last.as_ref() == Some(&(scan_id.clone(), counts));
        self.identical = if same {
            self.identical + 1
        } else if scan_id.is_some() {
            1
        } else {
            0
        };
        self.last = Some((scan_id.clone(), counts));
        Poll {
            poll: self.polls,
            time: crate::clock::now_rfc3339(),
            unix_time: now.unix_timestamp(),
            scan_id,
            scan_status: scan.map(|s| s.status),
            counts,
            resources_change: previous.map_or(0, |p| counts.resources as i64 - p),
            identical_polls: self.identical,
            stable: threshold.is_some_and(|t| self.identical >= t),
        }
    }
}

/// Polls until the mode says stop, calling `on_poll` after each poll; an
/// `on_poll` that returns `Break` (its reader went away) ends polling with
/// `Outcome::Done`. Ctrl-C between polls ends with `Outcome::Interrupted`.
///
/// Errors: a store failure, or the first error of `on_poll`.
pub async fn run(
    store: &dyn GraphStore,
    settings: &MonitorSettings,
    on_poll: &mut dyn FnMut(&Poll) -> Result<ControlFlow<()>, String>,
) -> Result<Outcome, MonitorError> {
    let threshold = match settings.mode {
        Mode::Stabilize(n) => Some(n),
        _ => None,
    };
    let mut tracker = Tracker::default();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let scans = store.scans().await?;
        let scan = pick(&scans, settings);
        let counts = match scan {
            Some(s) => {
                store
                    .counts(&s.scan_id, settings.subscription.as_deref())
                    .await?
            }
            None => ScopeCounts::default(),
        };
        let poll = tracker.observe(scan, counts, threshold);
        if on_poll(&poll).map_err(MonitorError::Sink)?.is_break() {
            return Ok(Outcome::Done(Some(poll)));
        }
        if poll.stable {
            return Ok(Outcome::Stable(poll));
        }
        let done =
            settings.mode == Mode::Once || settings.max_polls.is_some_and(|m| poll.poll >= m);
        if done {
            return Ok(Outcome::Done(Some(poll)));
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.interval) => {}
            _ = &mut ctrl_c => return Ok(Outcome::Interrupted(Some(poll))),
        }
    }
}

/// A poll as Prometheus gauges: `atg_monitor_resources`, `_relationships`,
/// `_resource_groups`, `_resource_types`, `_identical_polls`, `_stable`
/// (0 or 1) and `_last_poll_timestamp_seconds`, labelled with the
/// subscription (`all` without one) and the scan.
pub fn metrics(poll: &Poll, subscription: Option<&str>) -> String {
    let labels = || {
        vec![
            ("subscription", subscription.unwrap_or("all").to_string()),
            ("scan_id", poll.scan_id.clone().unwrap_or_default()),
        ]
    };
    let gauge = |name, help, value: f64| Gauge {
        name,
        help,
        samples: vec![(labels(), value)],
    };
    let c = &poll.counts;
    render(&[
        gauge(
            "atg_monitor_resources",
            "Resources in the scan (each ARM ID once).",
            c.resources as f64,
        ),
        gauge(
            "atg_monitor_relationships",
            "Relationships whose source lies in the scope.",
            c.relationships as f64,
        ),
        gauge(
            "atg_monitor_resource_groups",
            "Resource groups in the scope.",
            c.resource_groups as f64,
        ),
        gauge(
            "atg_monitor_resource_types",
            "Distinct ARM resource types in the scope.",
            c.resource_types as f64,
        ),
        gauge(
            "atg_monitor_identical_polls",
            "Polls in a row with identical counts.",
            poll.identical_polls as f64,
        ),
        gauge(
            "atg_monitor_stable",
            "1 once the counts stopped changing for the threshold of polls.",
            if poll.stable { 1.0 } else { 0.0 },
        ),
        gauge(
            "atg_monitor_last_poll_timestamp_seconds",
            "Unix time of the last poll.",
            poll.unix_time as f64,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::sqlite::SqliteStore;
    use crate::model::{Resource, ScanInfo};

    fn resource(i: usize) -> Resource {
        serde_json::from_value(serde_json::json!({
            "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n{i}"),
            "name": format!("n{i}"), "type": "microsoft.network/networksecuritygroups",
            "resourceGroup": "rg", "subscriptionId": "s"}))
        .unwrap()
    }

    /// A scan still being written grows between polls; monitoring follows
    /// each batch and declares stability only after `threshold` identical
    /// polls, once the writer has stopped.
    #[tokio::test(flavor = "current_thread")]
    async fn a_growing_scan_stabilises_after_threshold_identical_polls() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(SqliteStore::open(&dir.path().join("g.db")).unwrap());
        store
            .begin_scan(&ScanInfo {
                scan_id: "scan-live".into(),
                started_at: "2026-01-01T00:00:00Z".into(),
                finished_at: None,
                source: "live:t".into(),
                tenant_id: None,
                subscriptions: vec!["s".into()],
                status: ScanStatus::Running,
                resource_count: 0,
                relationship_count: 0,
                failures: vec![],
            })
            .await
            .unwrap();
        // The writer adds 1, 2, then 1 resources, one batch after each of
        // the first three polls (driven from the poll callback, so the
        // sequence does not depend on timing).
        let mut batches = vec![
            vec![resource(0)],
            vec![resource(1), resource(2)],
            vec![resource(3)],
        ]
        .into_iter();
        let settings = MonitorSettings {
            subscription: Some("S".into()),
            scan_id: None,
            interval: Duration::from_millis(1),
            mode: Mode::Stabilize(3),
            max_polls: Some(200),
        };
        let mut seen: Vec<(u64, u32)> = Vec::new();
        let outcome = run(store.as_ref(), &settings, &mut |p: &Poll| {
            seen.push((p.counts.resources, p.identical_polls));
            if let Some(batch) = batches.next() {
                // SqliteStore writes without awaiting anything.
                futures::executor::block_on(store.write_resources("scan-live", &batch)).unwrap();
            }
            Ok(ControlFlow::Continue(()))
        })
        .await
        .unwrap();
        let Outcome::Stable(last) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(last.counts.resources, 4);
        assert_eq!(last.counts.resource_types, 1);
        let counts: Vec<u64> = seen.iter().map(|s| s.0).collect();
        assert_eq!(counts, [0, 1, 3, 4, 4, 4], "each batch is seen: {seen:?}");
        assert_eq!(seen[3..], [(4, 1), (4, 2), (4, 3)], "{seen:?}");
        let text = metrics(&last, Some("s"));
        assert!(
            text.contains("atg_monitor_resources{subscription=\"s\",scan_id=\"scan-live\"} 4\n"),
            "{text}"
        );
        assert!(text.contains("atg_monitor_stable{subscription=\"s\",scan_id=\"scan-live\"} 1\n"));
    }

    #[test]
    fn tracker_counts_identical_polls_and_resets_on_change() {
        let scan = ScanInfo::running(
            "a".into(),
            String::new(),
            String::new(),
            &Default::default(),
        );
        let c = |n| ScopeCounts {
            resources: n,
            ..Default::default()
        };
        let mut t = Tracker::default();
        let seq: Vec<(u32, bool, i64)> = [1, 1, 2, 2, 2]
            .into_iter()
            .map(|n| {
                let p = t.observe(Some(&scan), c(n), Some(3));
                (p.identical_polls, p.stable, p.resources_change)
            })
            .collect();
        assert_eq!(
            seq,
            [
                (1, false, 0),
                (2, false, 0),
                (1, false, 1),
                (2, false, 0),
                (3, true, 0)
            ]
        );
        let p = t.observe(None, c(0), Some(3));
        assert_eq!(
            (p.identical_polls, p.stable),
            (0, false),
            "no scan never counts as stable"
        );
    }
}
