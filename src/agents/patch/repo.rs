//! The repository a patch is for, and where atg keeps its patch records:
//! `<git common dir>/atg/` (usually `.git/atg/`).
//!
//! Inside the git folder, the records are shared by every worktree of the
//! repository (the temporary verification worktrees too), never show up in
//! `git status`, and are never committed or pushed. The folder holds
//! - `patches/<ID>.diff`: each proposed patch, byte for byte as verified;
//! - `provenance.jsonl`: the append-only history (see `provenance`);
//! - `runs/<verification ID>/`: the output of every build and test command;
//! - `lock`: held while a patch is applied or a commit reverted, so two atg
//!   processes never commit into the same worktree at once;
//! - `worktrees.lock`: held while a verification worktree is added or
//!   removed (see `Repo::worktree_lock`).
//!
//! A patch's ID is `patch-` and the first 12 hex digits of the SHA-256 of
//! its bytes: the same diff proposed twice is the same patch.

use super::PatchError;
use super::git::Git;
use super::provenance::ProvenanceLog;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Prefix of patch IDs.
pub const PATCH_ID_PREFIX: &str = "patch-";

/// A git repository (its main worktree) and atg's records in its git folder.
#[derive(Debug, Clone)]
pub struct Repo {
    toplevel: PathBuf,
    store: PathBuf,
    git: Git,
}

/// An exclusive hold on the repository's `lock` file; released on drop.
#[derive(Debug)]
pub struct RepoLock {
    file: std::fs::File,
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// The ID of a patch with these bytes: `patch-` and 12 hex digits of SHA-256.
pub fn patch_id(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{PATCH_ID_PREFIX}{hex}")
}

impl Repo {
    /// The repository holding `dir` (any folder inside its main or a linked
    /// worktree).
    ///
    /// Errors: `NotARepo` (exit 2) when `dir` is not inside a git worktree;
    /// `GitNotFound` (exit 3) when there is no git.
    pub fn open(dir: &Path) -> Result<Repo, PatchError> {
        if !dir.is_dir() {
            return Err(PatchError::NotARepo {
                dir: dir.to_path_buf(),
                reason: "no such folder".into(),
            });
        }
        let git = Git::new(dir);
        let out = git.output(&[
            "rev-parse",
            "--path-format=absolute",
            "--show-toplevel",
            "--git-common-dir",
        ])?;
        if !out.status.success() {
            return Err(PatchError::NotARepo {
                dir: dir.to_path_buf(),
                reason: super::git::message(&out),
            });
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let (Some(top), Some(common)) = (lines.next(), lines.next()) else {
            return Err(PatchError::NotARepo {
                dir: dir.to_path_buf(),
                reason: "git names no worktree for it (a bare repository?)".into(),
            });
        };
        let toplevel = PathBuf::from(top);
        Ok(Repo {
            git: Git::new(&toplevel),
            toplevel,
            store: PathBuf::from(common).join("atg"),
        })
    }

    /// The main worktree's root folder.
    pub fn toplevel(&self) -> &Path {
        &self.toplevel
    }

    /// git in the main worktree.
    pub fn git(&self) -> &Git {
        &self.git
    }

    /// atg's folder inside the git folder (`.git/atg`).
    pub fn store(&self) -> &Path {
        &self.store
    }

    /// The commit HEAD points at.
    ///
    /// Errors: `NoCommits` (exit 2) on an unborn branch.
    pub fn head(&self) -> Result<String, PatchError> {
        self.git
            .commit_of("HEAD")?
            .ok_or_else(|| PatchError::NoCommits {
                repo: self.toplevel.clone(),
            })
    }

    /// The provenance log.
    pub fn provenance(&self) -> ProvenanceLog {
        ProvenanceLog::new(self.store.join("provenance.jsonl"))
    }

    /// Where the patch with this ID is kept.
    pub fn patch_path(&self, id: &str) -> PathBuf {
        self.store.join("patches").join(format!("{id}.diff"))
    }

    /// The folder for the command output of one verification.
    pub fn runs_dir(&self, verification_id: &str) -> PathBuf {
        self.store.join("runs").join(verification_id)
    }

    /// Keeps `bytes` as a patch (atomically; the same bytes give the same
    /// file) and returns its ID.
    ///
    /// Errors: `Io` when the store cannot be written.
    pub fn save_patch(&self, bytes: &[u8]) -> Result<String, PatchError> {
        let id = patch_id(bytes);
        let path = self.patch_path(&id);
        if path.is_file() {
            return Ok(id);
        }
        let dir = self.store.join("patches");
        std::fs::create_dir_all(&dir).map_err(|source| PatchError::Io {
            what: "create the patch store".into(),
            path: dir.clone(),
            source,
        })?;
        crate::fsutil::write_atomic(&path, bytes).map_err(|source| PatchError::Io {
            what: "keep the patch".into(),
            path: path.clone(),
            source,
        })?;
        Ok(id)
    }

    /// The full ID of a kept patch, from its ID or an unambiguous prefix of
    /// it (`patch-1a2b`), or `None` when no kept patch matches.
    ///
    /// Errors: `AmbiguousPatch` (exit 2) when the prefix fits several.
    pub fn find_patch(&self, id: &str) -> Result<Option<String>, PatchError> {
        if !id.starts_with(PATCH_ID_PREFIX) || id.contains(['/', '\\', '.']) {
            return Ok(None);
        }
        if self.patch_path(id).is_file() {
            return Ok(Some(id.to_string()));
        }
        let Ok(rd) = std::fs::read_dir(self.store.join("patches")) else {
            return Ok(None);
        };
        let mut found: Vec<String> = rd
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = name.strip_suffix(".diff")?.to_string();
                stem.starts_with(id).then_some(stem)
            })
            .collect();
        found.sort();
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(PatchError::AmbiguousPatch {
                prefix: id.to_string(),
                matches: found,
            }),
        }
    }

    /// Waits for and takes the repository's exclusive lock (held while
    /// committing into the main worktree).
    ///
    /// Errors: `Io` when the lock file cannot be created or locked.
    pub fn lock(&self) -> Result<RepoLock, PatchError> {
        self.lock_file("lock")
    }

    /// Waits for and takes the lock held while adding or removing a
    /// verification worktree. git (2.47) is not safe against itself here:
    /// a `git worktree add` that reads the half-made entry of another one
    /// under `.git/worktrees/` fails (`failed to read …/commondir`), so
    /// atg processes take turns for these short steps; the commands
    /// themselves still run side by side.
    ///
    /// Errors: `Io` when the lock file cannot be created or locked.
    pub fn worktree_lock(&self) -> Result<RepoLock, PatchError> {
        self.lock_file("worktrees.lock")
    }

    fn lock_file(&self, name: &str) -> Result<RepoLock, PatchError> {
        let path = self.store.join(name);
        let io = |source| PatchError::Io {
            what: "lock the patch store".into(),
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.store).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        // fs4's lock, named in full: std's `File::lock` would shadow it.
        fs4::FileExt::lock(&file).map_err(io)?;
        Ok(RepoLock { file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_ids_are_content_addressed() {
        let a = patch_id(b"diff --git a/x b/x\n");
        assert_eq!(a, patch_id(b"diff --git a/x b/x\n"));
        assert_ne!(a, patch_id(b"diff --git a/y b/y\n"));
        assert!(a.starts_with("patch-"));
        assert_eq!(a.len(), "patch-".len() + 12);
    }
}
