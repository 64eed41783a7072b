//! The provenance log, `.git/atg/provenance.jsonl`: one JSON object per
//! line, only ever appended to, never rewritten. Each line has the time
//! (RFC 3339, UTC), the patch ID (`null` for the rollback of a commit atg
//! did not make) and the event with its fields:
//! - `propose`: who proposed the patch, how confident they were, what
//!   triggered it, its title and the files it touches;
//! - `verify_pass` / `verify_fail`: the verification ID (the worktree's
//!   name), the commit it was verified at, every command with its exit
//!   code, duration and whether it timed out, and where its output is;
//! - `apply`: the commit made, the verification it relied on, who confirmed;
//! - `rollback`: the commit reverted, the revert commit, the reason, the
//!   rollback ID, who confirmed, and the outcome (`reverted`, `declined`,
//!   `conflict`, `failed`).
//!
//! Concurrent atg processes share the file safely: each line is written
//! with a single `write` on a file opened for appending, while holding an
//! exclusive advisory lock on the file (fs4: `flock` on Unix, `LockFileEx`
//! on Windows), so lines never interleave and none is lost. Readers take a
//! shared lock. A line that does not parse (a torn write after a crash, an
//! event of a newer atg) is skipped and counted, never repaired in place.
//! No secret reaches the log: callers redact command lines and free text.

use super::PatchError;
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When, RFC 3339 UTC to the second.
    pub time: String,
    /// The patch, `null` for a rollback of a commit no patch made.
    pub patch_id: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// The events of the patch lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A patch was seen for the first time.
    Propose(Proposal),
    /// Every command of a verification passed.
    VerifyPass(Verification),
    /// A verification failed: the patch did not apply, or a command failed,
    /// timed out or was interrupted.
    VerifyFail(Verification),
    /// The patch was committed into the main worktree.
    Apply(Applied),
    /// A rollback was prepared, and run or not.
    Rollback(Rollback),
}

impl Event {
    /// The event's name as written in the log.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Propose(_) => "propose",
            Event::VerifyPass(_) => "verify_pass",
            Event::VerifyFail(_) => "verify_fail",
            Event::Apply(_) => "apply",
            Event::Rollback(_) => "rollback",
        }
    }
}

/// Who proposed a patch, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// A person (`Name <email>`) or an agent (`agent:guardian`).
    pub proposed_by: String,
    /// The proposer's confidence, percent 0–100, when stated.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// What led to the patch (an iteration, a CodeRun, a pull request…).
    pub triggered_by: String,
    /// One line describing the change, when given.
    #[serde(default)]
    pub title: Option<String>,
    /// The file the patch was read from (`-` for stdin).
    pub source: String,
    /// The paths the patch changes (new paths for renames).
    #[serde(default)]
    pub files: Vec<String>,
}

/// One verification of a patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// `atg-verify-<timestamp>-<4 hex>`: the worktree's name.
    pub verification_id: String,
    /// The commit (HEAD) the patch was verified at.
    pub base: String,
    /// The worktree's path.
    pub worktree: String,
    /// True when the worktree was left in place (a failure without `--cleanup`).
    pub kept: bool,
    /// Wall time of the whole verification, seconds.
    pub duration_seconds: f64,
    /// The commands run, in order.
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    /// Why it failed, one line (absent when it passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What one build or test command did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// `build` or `test`.
    pub kind: String,
    /// The command line (secrets redacted).
    pub command: String,
    /// Its exit code; `null` when it was killed.
    pub exit_code: Option<i32>,
    /// `passed`, `failed`, `timed_out`, `interrupted`, `not_started` or `skipped`.
    pub outcome: StepOutcome,
    /// Wall time, seconds (until atg stopped it, for a timeout or Ctrl-C).
    pub duration_seconds: f64,
    /// The time limit it ran under, seconds (`--timeout`).
    #[serde(default)]
    pub timeout_seconds: u64,
    /// The file holding its stdout and stderr.
    pub log: String,
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Exit code 0.
    Passed,
    /// Another exit code, or killed by a signal it did not get from atg.
    Failed,
    /// Still running at `--timeout`: its process group was killed.
    TimedOut,
    /// Ctrl-C: its process group was killed.
    Interrupted,
    /// It could not be started (the shell or binary is missing).
    NotStarted,
    /// Not run: the build failed, or the verification was interrupted first.
    Skipped,
}

impl StepOutcome {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            StepOutcome::Passed => "passed",
            StepOutcome::Failed => "failed",
            StepOutcome::TimedOut => "timed_out",
            StepOutcome::Interrupted => "interrupted",
            StepOutcome::NotStarted => "not_started",
            StepOutcome::Skipped => "skipped",
        }
    }
}

/// A patch committed into the main worktree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    /// The commit made.
    pub commit: String,
    /// HEAD before it (the verification's base).
    pub base: String,
    /// The branch committed on; `null` for a detached HEAD.
    pub branch: Option<String>,
    /// The passing verification it relied on.
    pub verification_id: String,
    /// Who confirmed, and how (`Name <email> (--yes)`).
    pub confirmed_by: String,
    /// The files changed, `M path` style.
    #[serde(default)]
    pub files: Vec<String>,
}

/// A prepared rollback and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollback {
    /// `rollback-<timestamp>-<4 hex>`.
    pub rollback_id: String,
    /// The commit to revert.
    pub commit: String,
    /// The revert commit, when it was made.
    #[serde(default)]
    pub revert_commit: Option<String>,
    /// Why (from `--reason`, secrets redacted).
    pub reason: String,
    /// Who confirmed, and how; `null` when nobody did.
    #[serde(default)]
    pub confirmed_by: Option<String>,
    /// What happened.
    pub outcome: RollbackOutcome,
    /// git's reason when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What became of a prepared rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackOutcome {
    /// The revert commit was made.
    Reverted,
    /// Not confirmed: nothing was changed.
    Declined,
    /// The revert conflicted and was aborted: nothing was changed.
    Conflict,
    /// git failed otherwise (a hook, a lock): undone, nothing was changed.
    Failed,
}

impl RollbackOutcome {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            RollbackOutcome::Reverted => "reverted",
            RollbackOutcome::Declined => "declined",
            RollbackOutcome::Conflict => "conflict",
            RollbackOutcome::Failed => "failed",
        }
    }
}

/// The log's lines, parsed.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The records, in file order.
    pub records: Vec<Record>,
    /// Lines that did not parse (skipped).
    pub skipped: usize,
}

impl History {
    /// Parses the log's text.
    pub fn parse(text: &str) -> History {
        let mut h = History::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Record>(line) {
                Ok(r) => h.records.push(r),
                Err(_) => h.skipped += 1,
            }
        }
        h
    }

    /// The records of one patch, in order.
    pub fn of_patch<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a Record> + use<'a> {
        let id = id.to_string();
        self.records
            .iter()
            .filter(move |r| r.patch_id.as_deref() == Some(id.as_str()))
    }

    /// The first proposal of a patch.
    pub fn proposal(&self, id: &str) -> Option<&Proposal> {
        self.of_patch(id).find_map(|r| match &r.event {
            Event::Propose(p) => Some(p),
            _ => None,
        })
    }

    /// The last verification of a patch, and whether it passed.
    pub fn last_verification(&self, id: &str) -> Option<(&Record, &Verification, bool)> {
        self.of_patch(id)
            .filter_map(|r| match &r.event {
                Event::VerifyPass(v) => Some((r, v, true)),
                Event::VerifyFail(v) => Some((r, v, false)),
                _ => None,
            })
            .last()
    }

    /// The last apply of a patch, when it came after its last verification
    /// and was not reverted since.
    pub fn applied_since_verified(&self, id: &str) -> Option<&Applied> {
        let mut applied: Option<&Applied> = None;
        for r in self.of_patch(id) {
            match &r.event {
                Event::VerifyPass(_) | Event::VerifyFail(_) => applied = None,
                Event::Apply(a) => applied = Some(a),
                Event::Rollback(b)
                    if b.outcome == RollbackOutcome::Reverted
                        && applied.is_some_and(|a| a.commit == b.commit) =>
                {
                    applied = None
                }
                _ => {}
            }
        }
        applied
    }

    /// The patch an apply recorded for `commit`.
    pub fn patch_of_commit(&self, commit: &str) -> Option<&str> {
        self.records.iter().find_map(|r| match &r.event {
            Event::Apply(a) if a.commit == commit => r.patch_id.as_deref(),
            _ => None,
        })
    }
}

/// The provenance log file.
#[derive(Debug, Clone)]
pub struct ProvenanceLog {
    path: PathBuf,
}

impl ProvenanceLog {
    /// The log at `path` (created on the first append).
    pub fn new(path: PathBuf) -> Self {
        ProvenanceLog { path }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, what: &str, source: std::io::Error) -> PatchError {
        PatchError::Io {
            what: what.into(),
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `record` as one line.
    ///
    /// Errors: `Io` when the log cannot be opened, locked or written.
    pub fn append(&self, record: &Record) -> Result<(), PatchError> {
        self.append_unless(record, |_| false).map(|_| ())
    }

    /// Appends `record` unless `skip` says so after seeing the history,
    /// both under one exclusive lock (so "propose once" holds across
    /// processes). True when the line was written.
    ///
    /// Errors: `Io` when the log cannot be opened, locked, read or written.
    pub fn append_unless(
        &self,
        record: &Record,
        skip: impl FnOnce(&History) -> bool,
    ) -> Result<bool, PatchError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io("create the folder of", e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&self.path)
            .map_err(|e| self.io("open", e))?;
        // fs4's lock, named in full: std's `File::lock` would shadow it.
        fs4::FileExt::lock(&file).map_err(|e| self.io("lock", e))?;
        let result = self.append_locked(&mut file, record, skip);
        let _ = fs4::FileExt::unlock(&file);
        result
    }

    fn append_locked(
        &self,
        file: &mut std::fs::File,
        record: &Record,
        skip: impl FnOnce(&History) -> bool,
    ) -> Result<bool, PatchError> {
        let mut text = String::new();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text))
            .map_err(|e| self.io("read", e))?;
        if skip(&History::parse(&text)) {
            return Ok(false);
        }
        let json = serde_json::to_string(record).expect("records serialize");
        let mut line = String::with_capacity(json.len() + 2);
        // A torn last line (a crash mid-write) ends here, not in our line.
        if !text.is_empty() && !text.ends_with('\n') {
            line.push('\n');
        }
        line.push_str(&json);
        line.push('\n');
        file.write_all(line.as_bytes())
            .and_then(|_| file.sync_data())
            .map_err(|e| self.io("append to", e))?;
        Ok(true)
    }

    /// Reads the whole log (empty when it does not exist yet).
    ///
    /// Errors: `Io` when it exists but cannot be read.
    pub fn read(&self) -> Result<History, PatchError> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
            Err(e) => return Err(self.io("open", e)),
        };
        fs4::FileExt::lock_shared(&file).map_err(|e| self.io("lock", e))?;
        let mut text = String::new();
        let read = file.read_to_string(&mut text);
        let _ = fs4::FileExt::unlock(&file);
        read.map_err(|e| self.io("read", e))?;
        Ok(History::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollback(n: usize) -> Record {
        Record {
            time: "2026-11-21T10:00:00Z".into(),
            patch_id: None,
            event: Event::Rollback(Rollback {
                rollback_id: format!("rollback-{n}"),
                commit: "c".repeat(40),
                revert_commit: None,
                reason: "x".repeat(n % 300),
                confirmed_by: None,
                outcome: RollbackOutcome::Declined,
                error: None,
            }),
        }
    }

    #[test]
    fn lines_round_trip_and_torn_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let log = ProvenanceLog::new(dir.path().join("p.jsonl"));
        assert!(log.read().unwrap().records.is_empty());
        log.append(&rollback(1)).unwrap();
        // A crash left half a line; the next append starts a fresh one.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap();
        f.write_all(b"{\"time\":\"2026").unwrap();
        log.append(&rollback(2)).unwrap();
        let h = log.read().unwrap();
        assert_eq!(h.records, vec![rollback(1), rollback(2)]);
        assert_eq!(h.skipped, 1);
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert!(text.starts_with(
            "{\"time\":\"2026-11-21T10:00:00Z\",\"patch_id\":null,\"event\":\"rollback\""
        ));
    }

    #[test]
    fn threads_with_their_own_handles_lose_no_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let log = ProvenanceLog::new(path);
                    for i in 0..100 {
                        log.append(&rollback(t * 1000 + i)).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let h = ProvenanceLog::new(path).read().unwrap();
        assert_eq!(h.skipped, 0);
        assert_eq!(h.records.len(), 800);
    }

    #[test]
    fn append_unless_sees_the_history_under_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let log = ProvenanceLog::new(dir.path().join("p.jsonl"));
        assert!(
            log.append_unless(&rollback(1), |h| !h.records.is_empty())
                .unwrap()
        );
        assert!(
            !log.append_unless(&rollback(2), |h| !h.records.is_empty())
                .unwrap()
        );
        assert_eq!(log.read().unwrap().records.len(), 1);
    }
}
