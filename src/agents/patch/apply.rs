//! `atg patch apply ID`: commit a verified patch into the main worktree.
//!
//! `prepare` checks, changing nothing, that the patch's last verification
//! passed at the commit HEAD is at now, that it was not applied since,
//! that no tracked file has uncommitted changes, and that it applies
//! (`git apply --check`). After the command layer has the user's
//! confirmation, `apply` takes the repository lock, checks HEAD and the
//! worktree again, runs `git apply --index` and `git commit` with the
//! message of `message::apply_message`, and records the `apply` event. A
//! commit that fails (a hook refused it) is undone with `git apply -R
//! --index`, so nothing is left half-done.

use super::PatchError;
use super::git;
use super::message::{self, ApplyTrailers};
use super::provenance::{Applied, Event, Proposal, Record, Verification};
use super::repo::Repo;
use serde::Serialize;
use std::path::Path;

/// A checked patch, ready to commit once confirmed.
#[derive(Debug, Clone)]
pub struct ApplyPlan {
    repo: Repo,
    /// The patch.
    pub patch_id: String,
    /// HEAD when checked (and the verification's base).
    pub head: String,
    /// The branch it will be committed on (`None`: detached HEAD).
    pub branch: Option<String>,
    /// The passing verification it relies on.
    pub verification: Verification,
    /// Who proposed it.
    pub proposal: Proposal,
}

/// A committed patch.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyOutcome {
    /// The patch.
    pub patch_id: String,
    /// The new commit.
    pub commit: String,
    /// The branch (`null`: detached HEAD).
    pub branch: Option<String>,
    /// The verification relied on.
    pub verification_id: String,
    /// Who confirmed, and how.
    pub confirmed_by: String,
    /// The files changed, `M path`.
    pub files: Vec<String>,
    /// The commit message.
    pub message: String,
}

/// Checks that patch `id` (or an ID prefix) of the repository holding
/// `repo_dir` can be applied now; changes nothing.
///
/// Errors (exit 2): `NotARepo`, `NoCommits`, `UnknownPatch`,
/// `AmbiguousPatch`, `NotVerified`, `VerificationFailed`,
/// `StaleVerification`, `AlreadyApplied`, `Dirty`, `DoesNotApply`;
/// exit 3: `Git`, `GitNotFound`, `Io`.
pub fn prepare(repo_dir: &Path, id: &str) -> Result<ApplyPlan, PatchError> {
    let repo = Repo::open(repo_dir)?;
    let head = repo.head()?;
    let patch_id = repo
        .find_patch(id)?
        .ok_or_else(|| PatchError::UnknownPatch {
            id: id.to_string(),
            store: repo.store().join("patches"),
        })?;
    let history = repo.provenance().read()?;
    if let Some(a) = history.applied_since_verified(&patch_id) {
        return Err(PatchError::AlreadyApplied {
            id: patch_id,
            commit: a.commit.clone(),
        });
    }
    let verification = match history.last_verification(&patch_id) {
        None => return Err(PatchError::NotVerified { id: patch_id }),
        Some((_, v, false)) => {
            return Err(PatchError::VerificationFailed {
                id: patch_id,
                verification_id: v.verification_id.clone(),
                reason: v
                    .reason
                    .clone()
                    .unwrap_or_else(|| "no reason recorded".into()),
            });
        }
        Some((_, v, true)) => v.clone(),
    };
    if verification.base != head {
        return Err(PatchError::StaleVerification {
            id: patch_id,
            verified_at: verification.base,
            head,
        });
    }
    check_clean(&repo)?;
    let patch_path = repo.patch_path(&patch_id).to_string_lossy().into_owned();
    let check = repo
        .git()
        .output(&["apply", "--check", "--index", &patch_path])?;
    if !check.status.success() {
        return Err(PatchError::DoesNotApply {
            patch_id,
            base: head,
            reason: git::message(&check),
        });
    }
    let proposal = history.proposal(&patch_id).cloned().unwrap_or(Proposal {
        proposed_by: "unknown".into(),
        confidence: None,
        triggered_by: "unknown".into(),
        title: None,
        source: patch_path,
        files: Vec::new(),
    });
    Ok(ApplyPlan {
        branch: repo.git().branch(),
        repo,
        patch_id,
        head,
        verification,
        proposal,
    })
}

/// Errors with `Dirty` when tracked files of the main worktree have
/// uncommitted changes (staged or not; untracked files do not count).
pub(crate) fn check_clean(repo: &Repo) -> Result<(), PatchError> {
    let files = repo.git().changed_tracked_files()?;
    if files.is_empty() {
        Ok(())
    } else {
        Err(PatchError::Dirty {
            repo: repo.toplevel().to_path_buf(),
            files,
        })
    }
}

/// Commits the planned patch; `confirmed_by` names who confirmed and how
/// (`Jane <jane@example.com> (--yes)`).
///
/// Errors: `Moved` or `Dirty` (exit 2) when the repository changed since
/// `prepare`; `DoesNotApply` (exit 2); `Git` (exit 3) when git fails, after
/// undoing what was done.
pub fn apply(plan: &ApplyPlan, confirmed_by: &str) -> Result<ApplyOutcome, PatchError> {
    let repo = &plan.repo;
    let git = repo.git();
    let _lock = repo.lock()?;
    let now = repo.head()?;
    if now != plan.head {
        return Err(PatchError::Moved {
            was: plan.head.clone(),
            now,
        });
    }
    check_clean(repo)?;
    let patch_path = repo
        .patch_path(&plan.patch_id)
        .to_string_lossy()
        .into_owned();
    let applied = git.output(&["apply", "--index", &patch_path])?;
    if !applied.status.success() {
        return Err(PatchError::DoesNotApply {
            patch_id: plan.patch_id.clone(),
            base: plan.head.clone(),
            reason: git::message(&applied),
        });
    }
    let undo = || {
        let _ = git.output(&["apply", "-R", "--index", &patch_path]);
    };
    let names = match git.output(&["diff", "--cached", "--name-status", "-z", "-M"]) {
        Ok(o) if o.status.success() => git::name_status(&String::from_utf8_lossy(&o.stdout)),
        Ok(o) => {
            undo();
            return Err(git::failure(&["diff", "--cached", "--name-status"], &o));
        }
        Err(e) => {
            undo();
            return Err(e);
        }
    };
    let trailers = ApplyTrailers {
        proposed_by: plan.proposal.proposed_by.clone(),
        confidence: plan.proposal.confidence,
        triggered_by: plan.proposal.triggered_by.clone(),
        verified_in: message::verified_in(&plan.verification),
        patch_id: plan.patch_id.clone(),
    };
    let msg = message::apply_message(plan.proposal.title.as_deref(), &names, &trailers);
    let args = ["commit", "--quiet", "--cleanup=whitespace", "-F", "-"];
    let committed = git.output_with_input(&args, msg.as_bytes())?;
    if !committed.status.success() {
        undo();
        return Err(git::failure(&args, &committed));
    }
    let commit = repo.head()?;
    let files: Vec<String> = names
        .iter()
        .map(|f| format!("{} {}", f.status, f.path))
        .collect();
    repo.provenance().append(&Record {
        time: crate::clock::now_rfc3339(),
        patch_id: Some(plan.patch_id.clone()),
        event: Event::Apply(Applied {
            commit: commit.clone(),
            base: plan.head.clone(),
            branch: plan.branch.clone(),
            verification_id: plan.verification.verification_id.clone(),
            confirmed_by: confirmed_by.to_string(),
            files: files.clone(),
        }),
    })?;
    Ok(ApplyOutcome {
        patch_id: plan.patch_id.clone(),
        commit,
        branch: plan.branch.clone(),
        verification_id: plan.verification.verification_id.clone(),
        confirmed_by: confirmed_by.to_string(),
        files,
        message: msg,
    })
}

impl ApplyPlan {
    /// git in the repository's main worktree (for the confirmer's identity).
    pub fn git(&self) -> &git::Git {
        self.repo.git()
    }
}
