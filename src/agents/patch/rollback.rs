//! `atg patch rollback COMMIT --reason "…"`: revert a commit, only once a
//! person has confirmed.
//!
//! `prepare` resolves the commit (a hash, or the ID of an applied patch),
//! checks it is in HEAD's history, not already rolled back by atg, and
//! that no tracked file has uncommitted changes; it gives the rollback an
//! ID and changes nothing. Nothing in atg calls `execute` without a
//! confirmation: the command layer asks (or takes `--yes`), and records a
//! `declined` rollback through `decline` otherwise.
//!
//! `execute` makes the commit `git revert --no-edit COMMIT` would make,
//! with the reason, the rollback ID and who confirmed added to its message:
//! `git revert --no-commit COMMIT`, then `git commit -F` with the message
//! of `message::rollback_message`. A revert that conflicts, or a commit a
//! hook refuses, is aborted with `git revert --abort`, which restores HEAD,
//! the index and the worktree: nothing is left half-done.

use super::PatchError;
use super::git;
use super::message::{self, RollbackText};
use super::provenance::{Event, Record, Rollback, RollbackOutcome};
use super::repo::Repo;
use crate::redact::Redactor;
use serde::Serialize;
use std::path::Path;

/// Prefix of rollback IDs.
pub const ROLLBACK_PREFIX: &str = "rollback";

/// A prepared rollback, waiting for confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackPlan {
    #[serde(skip)]
    repo: Repo,
    /// `rollback-<time>-<hex>`.
    pub rollback_id: String,
    /// The commit to revert (full hash).
    pub commit: String,
    /// Its subject line.
    pub subject: String,
    /// The patch it applied, when atg made it.
    pub patch_id: Option<String>,
    /// Why (redacted).
    pub reason: String,
    /// HEAD when prepared.
    pub head: String,
    /// The command that will run: `git revert --no-edit <commit>`.
    pub command: String,
}

/// A finished rollback.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackDone {
    /// The rollback.
    pub rollback_id: String,
    /// The commit reverted.
    pub commit: String,
    /// The revert commit.
    pub revert_commit: String,
    /// The patch, when known.
    pub patch_id: Option<String>,
    /// Why.
    pub reason: String,
    /// Who confirmed, and how.
    pub confirmed_by: String,
    /// The revert commit's message.
    pub message: String,
}

/// Prepares the rollback of `rev` (a commit, or an applied patch's ID) in
/// the repository holding `repo_dir`; changes nothing.
///
/// Errors (exit 2): `NotARepo`, `NoCommits`, `EmptyReason`,
/// `UnknownCommit`, `AmbiguousPatch`, `NotApplied`, `NotInHistory`, `AlreadyReverted`, `Dirty`; exit 3:
/// `Git`, `GitNotFound`, `Io`.
pub fn prepare(
    repo_dir: &Path,
    rev: &str,
    reason: &str,
    redactor: &Redactor,
) -> Result<RollbackPlan, PatchError> {
    let repo = Repo::open(repo_dir)?;
    let head = repo.head()?;
    let reason = redactor.redact(&message::one_line(reason));
    if reason.is_empty() {
        return Err(PatchError::EmptyReason);
    }
    let history = repo.provenance().read()?;
    let applied_commit = match repo.find_patch(rev)? {
        Some(id) => Some(
            history
                .of_patch(&id)
                .filter_map(|r| match &r.event {
                    Event::Apply(a) => Some(a.commit.clone()),
                    _ => None,
                })
                .last()
                .ok_or(PatchError::NotApplied { id })?,
        ),
        None => None,
    };
    let commit = match applied_commit {
        Some(c) => c,
        None => repo
            .git()
            .commit_of(rev)?
            .ok_or_else(|| PatchError::UnknownCommit {
                rev: rev.to_string(),
                repo: repo.toplevel().to_path_buf(),
            })?,
    };
    if !is_ancestor(&repo, &commit, &head)? {
        return Err(PatchError::NotInHistory { commit });
    }
    for r in &history.records {
        if let Event::Rollback(rb) = &r.event
            && rb.commit == commit
            && rb.outcome == RollbackOutcome::Reverted
            && let Some(rc) = &rb.revert_commit
            && is_ancestor(&repo, rc, &head)?
        {
            return Err(PatchError::AlreadyReverted {
                commit,
                rollback_id: rb.rollback_id.clone(),
                revert_commit: rc.clone(),
            });
        }
    }
    super::apply::check_clean(&repo)?;
    let body = repo.git().run(&["log", "-1", "--format=%B", &commit])?;
    let patch_id = history
        .patch_of_commit(&commit)
        .map(str::to_string)
        .or_else(|| message::trailer(&body, "Atg-Patch-Id").map(str::to_string));
    Ok(RollbackPlan {
        subject: repo.git().subject(&commit)?,
        rollback_id: crate::clock::new_id(ROLLBACK_PREFIX),
        command: format!("git revert --no-edit {}", super::short(&commit)),
        repo,
        commit,
        patch_id,
        reason,
        head,
    })
}

/// True when `a` is `b` or an ancestor of it.
fn is_ancestor(repo: &Repo, a: &str, b: &str) -> Result<bool, PatchError> {
    let args = ["merge-base", "--is-ancestor", a, b];
    let out = repo.git().output(&args)?;
    match out.status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(git::failure(&args, &out)),
    }
}

impl RollbackPlan {
    /// The revert commit's message, once `confirmed_by` confirmed.
    pub fn message(&self, confirmed_by: &str) -> String {
        message::rollback_message(&RollbackText {
            subject: &self.subject,
            commit: &self.commit,
            reason: &self.reason,
            rollback_id: &self.rollback_id,
            confirmed_by,
            patch_id: self.patch_id.as_deref(),
        })
    }

    /// The identity of whoever runs atg here (`Name <email>`).
    pub fn identity(&self) -> String {
        self.repo.git().identity()
    }

    fn record(
        &self,
        outcome: RollbackOutcome,
        confirmed_by: Option<&str>,
        revert_commit: Option<String>,
        error: Option<String>,
    ) -> Result<(), PatchError> {
        self.repo.provenance().append(&Record {
            time: crate::clock::now_rfc3339(),
            patch_id: self.patch_id.clone(),
            event: Event::Rollback(Rollback {
                rollback_id: self.rollback_id.clone(),
                commit: self.commit.clone(),
                revert_commit,
                reason: self.reason.clone(),
                confirmed_by: confirmed_by.map(str::to_string),
                outcome,
                error,
            }),
        })
    }

    /// Records that nobody confirmed: nothing was changed.
    ///
    /// Errors: `Io` when the log cannot be written.
    pub fn decline(&self) -> Result<(), PatchError> {
        self.record(RollbackOutcome::Declined, None, None, None)
    }

    /// Reverts the commit (see the module doc). Call only after a person
    /// confirmed; `confirmed_by` says who and how.
    ///
    /// Errors: `Moved` or `Dirty` (exit 2) when the repository changed since
    /// `prepare`; `RevertConflict` (exit 3) after aborting a conflicting
    /// revert; `Git` (exit 3) after aborting when git fails otherwise.
    pub fn execute(&self, confirmed_by: &str) -> Result<RollbackDone, PatchError> {
        let git = self.repo.git();
        let _lock = self.repo.lock()?;
        let now = self.repo.head()?;
        if now != self.head {
            return Err(PatchError::Moved {
                was: self.head.clone(),
                now,
            });
        }
        super::apply::check_clean(&self.repo)?;
        let revert = ["revert", "--no-commit", self.commit.as_str()];
        let out = git.output(&revert)?;
        if !out.status.success() {
            let conflicts = conflicted_files(git);
            let abort = git.output(&["revert", "--abort"]);
            let reason = git::message(&out).replace('\n', "; ");
            let abort_failed = match abort {
                Ok(a) if a.status.success() => None,
                Ok(a) => Some(git::message(&a).replace('\n', "; ")),
                Err(e) => Some(e.to_string()),
            };
            let error = match &abort_failed {
                None => reason.clone(),
                Some(a) => format!("{reason}; `git revert --abort` failed too: {a}"),
            };
            let outcome = if conflicts.is_empty() {
                RollbackOutcome::Failed
            } else {
                RollbackOutcome::Conflict
            };
            self.record(outcome, Some(confirmed_by), None, Some(error.clone()))?;
            return Err(if conflicts.is_empty() || abort_failed.is_some() {
                PatchError::Git {
                    command: format!("git revert --no-commit {}", self.commit),
                    message: error,
                }
            } else {
                PatchError::RevertConflict {
                    commit: self.commit.clone(),
                    files: conflicts,
                }
            });
        }
        let msg = self.message(confirmed_by);
        let args = ["commit", "--quiet", "--cleanup=whitespace", "-F", "-"];
        let committed = git.output_with_input(&args, msg.as_bytes())?;
        if !committed.status.success() {
            let _ = git.output(&["revert", "--abort"]);
            let err = git::failure(&args, &committed);
            self.record(
                RollbackOutcome::Failed,
                Some(confirmed_by),
                None,
                Some(git::message(&committed).replace('\n', "; ")),
            )?;
            return Err(err);
        }
        let revert_commit = self.repo.head()?;
        self.record(
            RollbackOutcome::Reverted,
            Some(confirmed_by),
            Some(revert_commit.clone()),
            None,
        )?;
        Ok(RollbackDone {
            rollback_id: self.rollback_id.clone(),
            commit: self.commit.clone(),
            revert_commit,
            patch_id: self.patch_id.clone(),
            reason: self.reason.clone(),
            confirmed_by: confirmed_by.to_string(),
            message: msg,
        })
    }
}

/// Files left with conflicts (unmerged paths), sorted.
fn conflicted_files(git: &git::Git) -> Vec<String> {
    let Ok(out) = git.output(&["diff", "--name-only", "--diff-filter=U", "-z"]) else {
        return Vec::new();
    };
    let mut files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    files.sort();
    files.dedup();
    files
}
