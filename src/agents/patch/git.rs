//! Running the real `git` binary for the patch lifecycle: one command at a
//! time in one folder, output captured, failures turned into `PatchError`
//! with git's own words. Parsing of the few porcelain formats used (`-z`
//! name lists) lives here too; deciding what to run is left to `verify`,
//! `apply` and `rollback`.
//!
//! `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE` and `GIT_COMMON_DIR` are
//! removed from git's environment, so an atg started from a git hook acts
//! on the folder it was given and not on the hook's repository.

use super::PatchError;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Variables that would redirect git away from `-C DIR`.
const REDIRECTING_VARS: [&str; 4] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
];

/// git, run in one folder.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
}

impl Git {
    /// git acting on `dir` (`git -C dir …`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Git { dir: dir.into() }
    }

    /// The folder git runs in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `git` command for `args`, in this folder, with a clean environment.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.dir).args(args);
        for v in REDIRECTING_VARS {
            cmd.env_remove(v);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs `git ARGS` and returns its output, whatever its exit code.
    ///
    /// Errors: `GitNotFound` when git cannot be started, `Io` otherwise.
    pub fn output(&self, args: &[&str]) -> Result<Output, PatchError> {
        self.command(args).output().map_err(spawn_error)
    }

    /// Runs `git ARGS` with `input` on stdin and returns its output.
    ///
    /// Errors: as `output`.
    pub fn output_with_input(&self, args: &[&str], input: &[u8]) -> Result<Output, PatchError> {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped());
        let mut child = cmd.spawn().map_err(spawn_error)?;
        if let Some(mut stdin) = child.stdin.take() {
            // A git that exits early closes the pipe; its exit status says why.
            let _ = stdin.write_all(input);
        }
        child.wait_with_output().map_err(spawn_error)
    }

    /// Runs `git ARGS`; its stdout (trimmed) when it exits 0.
    ///
    /// Errors: `Git` (exit 3) with git's stderr when it fails.
    pub fn run(&self, args: &[&str]) -> Result<String, PatchError> {
        let out = self.output(args)?;
        ok(args, &out)
    }

    /// The identity commits are made with: `Name <email>` from git's
    /// `user.name` and `user.email`, else the `USER` of the environment,
    /// else `unknown`.
    pub fn identity(&self) -> String {
        let get = |key: &str| {
            self.run(&["config", "--get", key])
                .ok()
                .filter(|s| !s.is_empty())
        };
        match (get("user.name"), get("user.email")) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (Some(n), None) => n,
            (None, Some(e)) => format!("<{e}>"),
            (None, None) => std::env::var("USER")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "unknown".into()),
        }
    }

    /// The full hash of `rev` when it names a commit, else `None`.
    ///
    /// Errors: only when git cannot be run.
    pub fn commit_of(&self, rev: &str) -> Result<Option<String>, PatchError> {
        let spec = format!("{rev}^{{commit}}");
        let out = self.output(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    /// Tracked paths with changes, staged or not (`git status`, untracked
    /// files left out), sorted.
    ///
    /// Errors: git fails.
    pub fn changed_tracked_files(&self) -> Result<Vec<String>, PatchError> {
        let args = ["status", "--porcelain=v1", "-z", "--untracked-files=no"];
        let out = self.output(&args)?;
        let text = ok_raw(&args, &out)?;
        let mut files = Vec::new();
        let mut fields = text.split('\0').filter(|f| !f.is_empty());
        while let Some(entry) = fields.next() {
            if entry.len() < 4 {
                continue;
            }
            let (code, path) = entry.split_at(3);
            files.push(path.to_string());
            // A rename or copy is followed by its source path.
            if code.starts_with('R') || code.starts_with('C') {
                fields.next();
            }
        }
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// The current branch (`main`), or `None` when HEAD is detached.
    pub fn branch(&self) -> Option<String> {
        self.run(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .ok()
            .filter(|s| !s.is_empty())
    }

    /// The subject line of `commit`.
    ///
    /// Errors: git fails.
    pub fn subject(&self, commit: &str) -> Result<String, PatchError> {
        self.run(&["log", "-1", "--format=%s", commit])
    }
}

/// git's stdout when it exited 0, trimmed.
fn ok(args: &[&str], out: &Output) -> Result<String, PatchError> {
    ok_raw(args, out).map(|s| s.trim().to_string())
}

/// git's stdout when it exited 0, untrimmed; else `PatchError::Git`.
fn ok_raw(args: &[&str], out: &Output) -> Result<String, PatchError> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(failure(args, out))
    }
}

/// `PatchError::Git` for a git command that failed.
pub fn failure(args: &[&str], out: &Output) -> PatchError {
    PatchError::Git {
        command: format!("git {}", args.join(" ")),
        message: message(out),
    }
}

/// git's complaint: the non-empty lines of stderr (of stdout when stderr
/// is empty), without `hint:` lines, one per line.
pub fn message(out: &Output) -> String {
    let pick = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("hint:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let err = pick(&out.stderr);
    if err.is_empty() {
        let o = pick(&out.stdout);
        if o.is_empty() {
            crate::terraform::status_text(&out.status)
        } else {
            o
        }
    } else {
        err
    }
}

fn spawn_error(source: std::io::Error) -> PatchError {
    if source.kind() == std::io::ErrorKind::NotFound {
        PatchError::GitNotFound
    } else {
        PatchError::Io {
            what: "run git".into(),
            path: PathBuf::from("git"),
            source,
        }
    }
}

/// Paths in `git apply --numstat -z` output: each changed file once (a
/// rename gives its new path), in patch order.
pub fn numstat_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fields = text.split('\0');
    while let Some(f) = fields.next() {
        if f.is_empty() {
            continue;
        }
        // `added\tdeleted\tpath`, or `added\tdeleted\t` then `old`, `new`.
        let mut parts = f.splitn(3, '\t');
        let (_, _, path) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
        if path.is_empty() {
            let _old = fields.next();
            if let Some(new) = fields.next() {
                out.push(new.to_string());
            }
        } else {
            out.push(path.to_string());
        }
    }
    out
}

/// A changed file of `git diff --name-status -z`: its status letter
/// (`A`dded, `M`odified, `D`eleted, `R`enamed, `C`opied, `T`ype changed)
/// and path (for a rename, `old -> new`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// One letter.
    pub status: char,
    /// The path, or `old -> new`.
    pub path: String,
}

/// Parses `git diff --name-status -z` output.
pub fn name_status(text: &str) -> Vec<ChangedFile> {
    let mut out = Vec::new();
    let mut fields = text.split('\0').filter(|f| !f.is_empty());
    while let Some(code) = fields.next() {
        let status = code.chars().next().unwrap_or('M');
        let Some(path) = fields.next() else { break };
        let path = if matches!(status, 'R' | 'C') {
            match fields.next() {
                Some(new) => format!("{path} -> {new}"),
                None => path.to_string(),
            }
        } else {
            path.to_string()
        };
        out.push(ChangedFile { status, path });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numstat_paths_of_edits_and_renames() {
        let text = "1\t0\tmain.tf\0-\t-\tbin.dat\x000\t0\t\0old.tf\0new.tf\0";
        assert_eq!(numstat_paths(text), ["main.tf", "bin.dat", "new.tf"]);
    }

    #[test]
    fn name_status_with_a_rename() {
        let text = "M\0a.tf\0R100\0old.tf\0new.tf\0A\0dir/b c.tf\0";
        let files = name_status(text);
        assert_eq!(files.len(), 3);
        assert_eq!(files[1].status, 'R');
        assert_eq!(files[1].path, "old.tf -> new.tf");
        assert_eq!(files[2].path, "dir/b c.tf");
    }
}
