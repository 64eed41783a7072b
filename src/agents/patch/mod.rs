//! The patch lifecycle: a change proposed to a repository (by an agent or
//! a person) is verified in a temporary git worktree, applied as a commit
//! with trailers saying who proposed it and how it was verified, and rolled
//! back with `git revert` only on explicit confirmation. Every step is
//! recorded in an append-only provenance log.
//!
//! - `repo`: the repository and where atg keeps patches and the log;
//! - `git`: running the real `git` binary;
//! - `step`: one build or test command, with a timeout and its process group;
//! - `verify`, `apply`, `rollback`: the three operations;
//! - `message`: commit messages and trailers;
//! - `provenance`: the log.
//!
//! Asking the user for confirmation, and printing, are left to the command
//! layer (`commands::patch`); these modules never prompt.

pub mod apply;
pub mod git;
pub mod message;
pub mod provenance;
pub mod repo;
pub mod rollback;
pub mod step;
pub mod verify;

use std::path::PathBuf;

/// What can go wrong in the patch lifecycle. `is_input_error` and `hint`
/// say how the command layer reports it.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The folder is not inside a git worktree.
    #[error("`{}` is not a git repository", dir.display())]
    NotARepo {
        /// The folder given.
        dir: PathBuf,
        /// git's reason.
        reason: String,
    },
    /// HEAD names no commit yet.
    #[error("the repository `{}` has no commits: there is no HEAD to verify at", repo.display())]
    NoCommits {
        /// The repository.
        repo: PathBuf,
    },
    /// The patch file cannot be read.
    #[error("cannot read the patch `{}`", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// git cannot parse the input as a patch.
    #[error("`{source_name}` is not a patch git can read")]
    NotAPatch {
        /// The file (or `-`).
        source_name: String,
        /// git's reason.
        reason: String,
    },
    /// The patch does not apply at HEAD.
    #[error("patch `{patch_id}` does not apply at {}", short(base))]
    DoesNotApply {
        /// The patch.
        patch_id: String,
        /// The commit it was tried on.
        base: String,
        /// git's reason.
        reason: String,
    },
    /// No kept patch has this ID.
    #[error("no patch `{id}` in `{}`", store.display())]
    UnknownPatch {
        /// The ID given.
        id: String,
        /// Where patches are kept.
        store: PathBuf,
    },
    /// A patch ID prefix fits several patches.
    #[error("`{prefix}` matches several patches: {}", matches.join(", "))]
    AmbiguousPatch {
        /// The prefix given.
        prefix: String,
        /// The IDs it fits.
        matches: Vec<String>,
    },
    /// Apply: the patch was never verified.
    #[error("patch `{id}` has not been verified")]
    NotVerified {
        /// The patch.
        id: String,
    },
    /// Apply: the last verification failed.
    #[error("patch `{id}` failed its last verification, {verification_id}")]
    VerificationFailed {
        /// The patch.
        id: String,
        /// The failed verification.
        verification_id: String,
        /// Why it failed.
        reason: String,
    },
    /// Apply: HEAD moved since the verification.
    #[error(
        "patch `{id}` was verified at {} but HEAD is now {}",
        short(verified_at),
        short(head)
    )]
    StaleVerification {
        /// The patch.
        id: String,
        /// The verification's base.
        verified_at: String,
        /// HEAD now.
        head: String,
    },
    /// Apply: the patch was applied after its last verification.
    #[error("patch `{id}` is already applied, in commit {}", short(commit))]
    AlreadyApplied {
        /// The patch.
        id: String,
        /// Its commit.
        commit: String,
    },
    /// Apply or rollback: tracked files have uncommitted changes.
    #[error("the main worktree `{}` has uncommitted changes in {}", repo.display(), quoted(files))]
    Dirty {
        /// The repository.
        repo: PathBuf,
        /// The changed files.
        files: Vec<String>,
    },
    /// Rollback: the revision names no commit.
    #[error("`{rev}` is not a commit of `{}`", repo.display())]
    UnknownCommit {
        /// The revision given.
        rev: String,
        /// The repository.
        repo: PathBuf,
    },
    /// Rollback: a patch ID was given, but that patch was never applied.
    #[error("patch `{id}` was never applied: there is no commit to revert")]
    NotApplied {
        /// The patch.
        id: String,
    },
    /// Rollback: the commit is not in HEAD's history.
    #[error(
        "commit {} is not in the history of HEAD: there is nothing to revert on this branch",
        short(commit)
    )]
    NotInHistory {
        /// The commit.
        commit: String,
    },
    /// Rollback: the commit was already reverted by atg.
    #[error(
        "commit {} was already rolled back by {rollback_id} (revert commit {})",
        short(commit),
        short(revert_commit)
    )]
    AlreadyReverted {
        /// The commit.
        commit: String,
        /// The earlier rollback.
        rollback_id: String,
        /// Its revert commit.
        revert_commit: String,
    },
    /// Rollback: `--reason` is empty.
    #[error("the rollback reason is empty")]
    EmptyReason,
    /// Apply or rollback: HEAD or the worktree changed between preparing
    /// and confirming.
    #[error(
        "the repository changed while waiting for confirmation: HEAD was {}, is {}",
        short(was),
        short(now)
    )]
    Moved {
        /// HEAD when prepared.
        was: String,
        /// HEAD now.
        now: String,
    },
    /// Rollback: the revert conflicts; it was aborted.
    #[error(
        "reverting {} conflicts in {}; the revert was aborted and nothing changed",
        short(commit),
        quoted(files)
    )]
    RevertConflict {
        /// The commit.
        commit: String,
        /// The conflicting files.
        files: Vec<String>,
    },
    /// A git command failed.
    #[error("`{command}` failed")]
    Git {
        /// The command line.
        command: String,
        /// git's words.
        message: String,
    },
    /// git is not installed.
    #[error("`git` was not found on PATH")]
    GitNotFound,
    /// A file of atg's store could not be read or written.
    #[error("cannot {what} `{}`", path.display())]
    Io {
        /// What atg was doing.
        what: String,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl PatchError {
    /// True when the input is at fault (exit 2); false for git or the file
    /// system failing (exit 3).
    pub fn is_input_error(&self) -> bool {
        !matches!(
            self,
            PatchError::RevertConflict { .. }
                | PatchError::Git { .. }
                | PatchError::GitNotFound
                | PatchError::Io { .. }
        )
    }

    /// The underlying causes, one line each (git's own words, an I/O
    /// error), for `caused by:` lines.
    pub fn causes(&self) -> Vec<String> {
        match self {
            PatchError::NotARepo { reason, .. }
            | PatchError::NotAPatch { reason, .. }
            | PatchError::DoesNotApply { reason, .. }
            | PatchError::VerificationFailed { reason, .. } => lines(reason),
            PatchError::Git { message, .. } => lines(message),
            PatchError::Unreadable { source, .. } | PatchError::Io { source, .. } => {
                vec![source.to_string()]
            }
            _ => Vec::new(),
        }
    }

    /// What to do next, one line.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            PatchError::NotARepo { .. } => {
                "run inside a git worktree, or pass `--repo DIR`".into()
            }
            PatchError::NoCommits { .. } => "commit something first: patches are verified at HEAD".into(),
            PatchError::Unreadable { .. } => "pass a patch file made by `git diff` or `git format-patch`, `-` for stdin, or a patch ID from `atg patch log`".into(),
            PatchError::NotAPatch { .. } => "make the patch with `git diff` (or `diff -u` with a/ and b/ prefixes)".into(),
            PatchError::DoesNotApply { .. } => "the failure is recorded; rebase the patch on HEAD and verify it again".into(),
            PatchError::UnknownPatch { .. } => "`atg patch log` lists the patches; `atg patch verify FILE` adds one".into(),
            PatchError::AmbiguousPatch { .. } => "give more of the ID".into(),
            PatchError::NotVerified { id } | PatchError::VerificationFailed { id, .. } | PatchError::StaleVerification { id, .. } => {
                format!("verify it at HEAD first: `atg patch verify {id}`")
            }
            PatchError::AlreadyApplied { commit, .. } => format!("`atg patch rollback {} --reason \"…\"` reverts it", short(commit)),
            PatchError::Dirty { .. } => "commit or stash those changes first (`git stash`)".into(),
            PatchError::UnknownCommit { .. } => "pass a commit hash, or the ID of an applied patch (see `atg patch log`)".into(),
            PatchError::NotApplied { .. } => "pass the commit to revert instead (see `atg patch log`)".into(),
            PatchError::NotInHistory { .. } => "check out the branch holding the commit".into(),
            PatchError::AlreadyReverted { .. } => "see `atg patch log`".into(),
            PatchError::EmptyReason => "say why in `--reason \"…\"`: it goes into the commit message and the provenance log".into(),
            PatchError::Moved { .. } => "run the command again".into(),
            PatchError::RevertConflict { .. } => "later commits changed the same lines: revert by hand (`git revert COMMIT`) and resolve the conflicts".into(),
            PatchError::Git { .. } => return None,
            PatchError::GitNotFound => "install git (2.31 or newer)".into(),
            PatchError::Io { .. } => "check the permissions of the repository's `.git` folder".into(),
        })
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first 12 hex digits of a commit hash, as git shows them.
pub fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// `a`, `b`, `c` and 2 more: the first few items in backticks.
fn quoted(items: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = items
        .iter()
        .take(SHOWN)
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}
