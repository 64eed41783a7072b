//! The deployment registry, `demos/deployments.jsonl`: one JSON object per
//! line, only ever appended to. A deployment writes a `start` entry before
//! terraform runs and an `end` entry when it stops (however it stops), and
//! `deploy destroy` adds `destroy_start` / `destroy_end`, and `--verify`
//! adds a `verify` entry with the fidelity of the target; reading folds the
//! entries of one ID into one `Deployment`. A start without an end is a
//! deployment that is still running or whose process was killed.
//!
//! Lines that do not parse (a torn last line after a crash) and events of
//! unknown kinds are skipped and counted, never rewritten. What goes into an
//! entry is decided by `run`; secrets never do (messages are redacted there).

use super::env::Target;
use super::plan::Counts;
use super::retry::Category;
use crate::redact::Redactor;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The registry file's name inside the output root.
pub const REGISTRY_FILE: &str = "deployments.jsonl";

/// How a deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied in full.
    Succeeded,
    /// `--dry-run`: planned only, nothing applied.
    Planned,
    /// The user declined the apply at the prompt: nothing applied.
    Cancelled,
    /// A step failed (permanently, or transiently beyond the retries).
    Failed,
    /// Ctrl-C: terraform was stopped gracefully and its state saved.
    Interrupted,
}

impl Outcome {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Planned => "planned",
            Outcome::Cancelled => "cancelled",
            Outcome::Failed => "failed",
            Outcome::Interrupted => "interrupted",
        }
    }
}

/// How a rollback or a destroy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeardownOutcome {
    /// Every targeted resource was destroyed.
    Destroyed,
    /// The destroy plan would have touched resources this deployment did
    /// not create; nothing was destroyed.
    Refused,
    /// The destroy failed.
    Failed,
    /// Ctrl-C during the destroy.
    Interrupted,
}

/// The rollback of a failed deployment (`--rollback-on-failure`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollback {
    /// How it ended.
    pub outcome: TeardownOutcome,
    /// Addresses the deployment created that were in the state after the failure.
    pub targets: Vec<String>,
    /// Resources destroyed.
    pub destroyed: u64,
    /// One line: why it failed or was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Written before terraform runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartEntry {
    /// The deployment ID, `deploy-YYYYMMDDTHHMMSSZ-xxxx`.
    pub id: String,
    /// RFC 3339 start time.
    pub at: String,
    /// The iteration deployed, when it came from `demos/iterationN`.
    #[serde(default)]
    pub iteration: Option<u32>,
    /// The configuration folder.
    pub dir: PathBuf,
    /// Tenant and subscription.
    pub target: Target,
    /// The sign-in method used (`cli`, `sp`, `msi`, `workload`).
    pub auth: String,
    /// `--dry-run`.
    pub dry_run: bool,
    /// The deploy log.
    pub log: PathBuf,
}

/// Written when a deployment stops, whatever the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndEntry {
    /// The deployment ID.
    pub id: String,
    /// RFC 3339 end time.
    pub at: String,
    /// How it ended.
    pub outcome: Outcome,
    /// What the first plan said, when planning got that far.
    #[serde(default)]
    pub planned: Option<Counts>,
    /// What terraform reported applied (over every attempt).
    #[serde(default)]
    pub applied: Counts,
    /// Retries spent on transient errors.
    #[serde(default)]
    pub retries: u32,
    /// Errors seen, by category (retried ones included).
    #[serde(default)]
    pub error_categories: BTreeMap<Category, u32>,
    /// The final error in one line (redacted), for failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The rollback, when `--rollback-on-failure` ran one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Rollback>,
}

/// Written before `deploy destroy` runs terraform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestroyStartEntry {
    /// The deployment torn down.
    pub id: String,
    /// RFC 3339 time.
    pub at: String,
    /// The destroy log.
    pub log: PathBuf,
}

/// Written when `deploy destroy` stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestroyEndEntry {
    /// The deployment torn down.
    pub id: String,
    /// RFC 3339 time.
    pub at: String,
    /// How it ended.
    pub outcome: TeardownOutcome,
    /// Resources destroyed.
    #[serde(default)]
    pub destroyed: u64,
    /// Retries spent on transient errors.
    #[serde(default)]
    pub retries: u32,
    /// Errors seen, by category.
    #[serde(default)]
    pub error_categories: BTreeMap<Category, u32>,
    /// The final error in one line (redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The fidelity figures of a verification, percent 0–100 with one
/// decimal (count fidelity may exceed 100), and the resource-level counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedFidelity {
    /// Count fidelity: target ÷ source resources × 100 (Azure Tenant Grapher's `overall`).
    pub overall: f64,
    /// Source resources with a copy in the target ÷ source resources × 100:
    /// the figure `--min-fidelity` checks (fidelity's `resource_match`).
    pub matched_percent: f64,
    /// Exactly matching source resources ÷ source resources × 100.
    pub exact_percent: f64,
    /// Preserved ÷ comparable relationships × 100.
    pub relationships_percent: f64,
    /// Source and target resources, and how each was classified.
    #[serde(flatten)]
    pub counts: crate::fidelity::compare::StatusCounts,
}

/// Written after `--verify` scanned the target and compared it with the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyEntry {
    /// The deployment verified.
    pub id: String,
    /// RFC 3339 time.
    pub at: String,
    /// The source snapshot compared against.
    pub source_scan: String,
    /// The snapshot of the target's live scan, when the scan stored one.
    #[serde(default)]
    pub target_scan: Option<String>,
    /// False when parts of the target could not be scanned (the figures
    /// then count what was read).
    #[serde(default)]
    pub target_scan_complete: bool,
    /// The figures, when the comparison ran.
    #[serde(default)]
    pub fidelity: Option<VerifiedFidelity>,
    /// `--min-fidelity`, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_fidelity: Option<f64>,
    /// Whether the exact `matched_percent` reached `min_fidelity` (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    /// Source resources without a copy in the target, by lowercase ARM type.
    #[serde(default)]
    pub missing_by_type: BTreeMap<String, u64>,
    /// Why the verification could not finish, one line (redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One registry line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// A deployment started.
    Start(StartEntry),
    /// A deployment stopped.
    End(EndEntry),
    /// A destroy of a recorded deployment started.
    DestroyStart(DestroyStartEntry),
    /// That destroy stopped.
    DestroyEnd(DestroyEndEntry),
    /// `--verify` measured the target's fidelity.
    Verify(VerifyEntry),
    /// An event kind this version does not know (skipped).
    #[serde(other)]
    Unknown,
}

/// The latest `deploy destroy` of a deployment: its entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Teardown {
    /// Written when it started.
    pub start: DestroyStartEntry,
    /// Written when it stopped; `None` while running or when the process died.
    pub end: Option<DestroyEndEntry>,
}

/// A deployment: its entries folded together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    /// The start entry: ID, iteration, folder, target, auth, dry run, log.
    pub start: StartEntry,
    /// The end entry; `None` when none was written (running, or killed).
    pub end: Option<EndEntry>,
    /// The latest `deploy destroy`, if any.
    pub destroy: Option<Teardown>,
    /// The latest `--verify` of it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerifyEntry>,
}

impl Deployment {
    /// The deployment ID.
    pub fn id(&self) -> &str {
        &self.start.id
    }

    /// How it ended; `None` without an end entry.
    pub fn outcome(&self) -> Option<Outcome> {
        self.end.as_ref().map(|e| e.outcome)
    }

    /// What was applied (zero without an end entry).
    pub fn applied(&self) -> Counts {
        self.end.as_ref().map(|e| e.applied).unwrap_or_default()
    }

    /// One word for tables: the outcome, `unfinished` without an end entry,
    /// `rolled_back` for a failure whose rollback destroyed its targets, or
    /// the destroy's state once one ran (`destroyed`, `destroy_failed`…).
    pub fn status(&self) -> String {
        if let Some(t) = &self.destroy {
            return match t.end.as_ref().map(|e| e.outcome) {
                None => "destroying".into(),
                Some(TeardownOutcome::Destroyed) => "destroyed".into(),
                Some(TeardownOutcome::Failed) | Some(TeardownOutcome::Refused) => {
                    "destroy_failed".into()
                }
                Some(TeardownOutcome::Interrupted) => "destroy_interrupted".into(),
            };
        }
        match &self.end {
            None => "unfinished".into(),
            Some(e)
                if e.outcome == Outcome::Failed
                    && e.rollback
                        .as_ref()
                        .is_some_and(|r| r.outcome == TeardownOutcome::Destroyed) =>
            {
                "rolled_back".into()
            }
            Some(e) => e.outcome.name().into(),
        }
    }
}

/// The registry read back.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Folded {
    /// Deployments in the order they started.
    pub deployments: Vec<Deployment>,
    /// Lines skipped: unparsable, unknown events, or entries for an unknown ID.
    pub skipped_lines: usize,
}

impl Folded {
    /// The deployment with this ID.
    pub fn get(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id() == id)
    }
}

/// Errors reading or appending to the registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read or appended to.
    #[error("cannot {action} the deployment registry `{}`", path.display())]
    Io {
        /// `read` or `append to`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// The registry at `root/deployments.jsonl`.
#[derive(Debug, Clone)]
pub struct Registry {
    path: PathBuf,
    redactor: Redactor,
}

impl Registry {
    /// The registry inside the output root `root` (e.g. `demos`).
    pub fn in_root(root: &Path) -> Self {
        Registry {
            path: root.join(REGISTRY_FILE),
            redactor: Redactor::default(),
        }
    }

    /// The same registry, redacting `redactor`'s secrets from every line it
    /// appends (whatever field of the entry holds them).
    pub fn with_redactor(mut self, redactor: &Redactor) -> Self {
        self.redactor = redactor.clone();
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry as one line (creating the folder and file if needed).
    ///
    /// Errors: `RegistryError::Io`.
    pub fn append(&self, entry: &Entry) -> Result<(), RegistryError> {
        let io = |source| RegistryError::Io {
            action: "append to",
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let line = serde_json::to_string(entry).expect("registry entries serialise");
        let line = self.redactor.redact(&line);
        crate::fsutil::append_line(&self.path, &line).map_err(io)
    }

    /// Reads and folds the registry. A missing file is an empty registry.
    ///
    /// Errors: `RegistryError::Io` when the file exists but cannot be read.
    pub fn load(&self) -> Result<Folded, RegistryError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Folded::default()),
            Err(source) => {
                return Err(RegistryError::Io {
                    action: "read",
                    path: self.path.clone(),
                    source,
                });
            }
        };
        Ok(fold(&text))
    }
}

/// Folds registry text (JSON lines) into deployments; see the module doc.
pub fn fold(text: &str) -> Folded {
    let mut out = Folded::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(entry) = serde_json::from_str::<Entry>(line) else {
            out.skipped_lines += 1;
            continue;
        };
        let found = |id: &str, index: &HashMap<String, usize>| index.get(id).copied();
        match entry {
            Entry::Start(s) => {
                index.insert(s.id.clone(), out.deployments.len());
                out.deployments.push(Deployment {
                    start: s,
                    end: None,
                    destroy: None,
                    verification: None,
                });
            }
            Entry::End(e) => match found(&e.id, &index) {
                Some(i) => out.deployments[i].end = Some(e),
                None => out.skipped_lines += 1,
            },
            Entry::DestroyStart(s) => match found(&s.id, &index) {
                Some(i) => {
                    out.deployments[i].destroy = Some(Teardown {
                        start: s,
                        end: None,
                    })
                }
                None => out.skipped_lines += 1,
            },
            Entry::DestroyEnd(e) => {
                match found(&e.id, &index).and_then(|i| out.deployments[i].destroy.as_mut()) {
                    Some(t) => t.end = Some(e),
                    None => out.skipped_lines += 1,
                }
            }
            Entry::Verify(v) => match found(&v.id, &index) {
                Some(i) => out.deployments[i].verification = Some(v),
                None => out.skipped_lines += 1,
            },
            Entry::Unknown => out.skipped_lines += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(id: &str) -> Entry {
        Entry::Start(StartEntry {
            id: id.into(),
            at: "2026-11-21T10:00:00Z".into(),
            iteration: Some(3),
            dir: "demos/iteration3".into(),
            target: Target {
                tenant_id: "t".into(),
                subscription_id: "s".into(),
            },
            auth: "sp".into(),
            dry_run: false,
            log: "demos/iteration3/deploy-x.log".into(),
        })
    }

    fn end(id: &str, outcome: Outcome) -> Entry {
        Entry::End(EndEntry {
            id: id.into(),
            at: "2026-11-21T10:05:00Z".into(),
            outcome,
            planned: Some(Counts {
                add: 2,
                change: 0,
                destroy: 0,
            }),
            applied: Counts {
                add: 1,
                change: 0,
                destroy: 0,
            },
            retries: 2,
            error_categories: BTreeMap::from([(Category::Throttled, 2)]),
            error: None,
            rollback: None,
        })
    }

    #[test]
    fn appends_and_folds_start_end_and_destroy_entries() {
        let dir = tempfile::tempdir().unwrap();
        let reg = Registry::in_root(&dir.path().join("demos"));
        assert!(reg.load().unwrap().deployments.is_empty());
        reg.append(&start("a")).unwrap();
        reg.append(&start("b")).unwrap();
        reg.append(&end("a", Outcome::Succeeded)).unwrap();
        reg.append(&Entry::DestroyStart(DestroyStartEntry {
            id: "a".into(),
            at: "2026-11-21T11:00:00Z".into(),
            log: "l".into(),
        }))
        .unwrap();
        reg.append(&Entry::Verify(VerifyEntry {
            id: "b".into(),
            at: "2026-11-21T10:06:00Z".into(),
            source_scan: "scan-s".into(),
            target_scan: Some("scan-t".into()),
            target_scan_complete: true,
            // Percentages and flattened counts must not share a key, or the line would not read back.
            fidelity: Some(VerifiedFidelity {
                overall: 96.1,
                matched_percent: 96.1,
                exact_percent: 94.1,
                relationships_percent: 100.0,
                counts: crate::fidelity::compare::StatusCounts {
                    source: 51,
                    target: 49,
                    exact_match: 48,
                    drifted: 1,
                    missing_target: 2,
                    missing_source: 0,
                },
            }),
            min_fidelity: Some(95.0),
            met: Some(false),
            missing_by_type: BTreeMap::from([("microsoft.compute/disks".into(), 1)]),
            error: None,
        }))
        .unwrap();
        let f = reg.load().unwrap();
        assert_eq!(f.deployments.len(), 2);
        let v = f.get("b").unwrap().verification.as_ref().unwrap();
        assert_eq!(v.met, Some(false));
        assert_eq!(v.fidelity.as_ref().unwrap().counts.exact_match, 48);
        assert!(f.get("a").unwrap().verification.is_none());
        let a = f.get("a").unwrap();
        assert_eq!(a.outcome(), Some(Outcome::Succeeded));
        let end = a.end.as_ref().unwrap();
        assert_eq!(end.retries, 2);
        assert_eq!(end.error_categories[&Category::Throttled], 2);
        assert_eq!(a.status(), "destroying");
        assert_eq!(f.get("b").unwrap().status(), "unfinished");
        let text = std::fs::read_to_string(reg.path()).unwrap();
        assert_eq!(text.lines().count(), 5);
        assert!(text.lines().next().unwrap().contains("\"event\":\"start\""));
    }

    #[test]
    fn torn_lines_unknown_events_and_orphans_are_skipped() {
        let mut text = String::new();
        for e in [
            start("a"),
            end("a", Outcome::Failed),
            end("zz", Outcome::Failed),
        ] {
            text.push_str(&serde_json::to_string(&e).unwrap());
            text.push('\n');
        }
        text.push_str("{\"event\":\"audit\",\"id\":\"a\"}\n{\"event\":\"end\",\"id\":\"a\",\"at\"");
        let f = fold(&text);
        assert_eq!(f.deployments.len(), 1);
        assert_eq!(f.skipped_lines, 3);
        assert_eq!(f.deployments[0].status(), "failed");
    }
}
