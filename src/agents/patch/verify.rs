//! `atg patch verify`: check a patch in a temporary git worktree without
//! touching the main one.
//!
//! 1. The patch is read (a file, stdin, or a kept patch's ID), parsed by
//!    `git apply --numstat`, kept in the store under its content ID, and
//!    recorded as proposed the first time it is seen.
//! 2. `git worktree add --detach` makes `<temp>/atg-verify-<time>-<hex>` at
//!    HEAD's commit, and `git apply` applies the patch there. A patch that
//!    does not apply is recorded as a failed verification, its worktree
//!    removed, and reported as bad input with git's reason.
//! 3. The build command runs, then each test command (when none is given,
//!    `atg validate DIR` for every Terraform folder the patch touches),
//!    each with the timeout, its output in `.git/atg/runs/<ID>/`. A failed
//!    build skips the tests; a failed test does not stop the others.
//! 4. The result is recorded (`verify_pass` / `verify_fail`); the worktree
//!    is removed when it passed or with `cleanup`, else kept for a look.
//!
//! Each verification has its own worktree, log folder and ID, so several
//! can run at once. Prompting and printing are left to the command layer.

use super::PatchError;
use super::git::{self, Git};
use super::provenance::{Event, Proposal, Record, StepOutcome, StepRecord, Verification};
use super::repo::Repo;
use super::step::{self, StepCommand};
use crate::redact::Redactor;
use crate::reporter::Reporter;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Prefix of verification IDs, which are also the worktrees' folder names.
pub const VERIFY_PREFIX: &str = "atg-verify";

/// Lines of a failed command's output kept for the report.
const TAIL_LINES: usize = 20;

/// Where the patch comes from.
#[derive(Debug, Clone)]
pub enum PatchSource {
    /// A file, or the ID (or ID prefix) of a kept patch when no such file exists.
    Arg(PathBuf),
    /// Bytes read from stdin (`-`).
    Stdin(Vec<u8>),
}

/// Who proposes the patch; fields left `None` take defaults (the git
/// identity, `manual`).
#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    /// `--proposed-by`.
    pub proposed_by: Option<String>,
    /// `--confidence`, percent 0–100.
    pub confidence: Option<f64>,
    /// `--triggered-by`.
    pub triggered_by: Option<String>,
    /// `--title`.
    pub title: Option<String>,
}

impl ProposalInput {
    fn is_empty(&self) -> bool {
        self.proposed_by.is_none()
            && self.confidence.is_none()
            && self.triggered_by.is_none()
            && self.title.is_none()
    }
}

/// Everything a verification needs.
#[derive(Debug, Clone)]
pub struct VerifySettings {
    /// The patch.
    pub patch: PatchSource,
    /// A folder inside the repository.
    pub repo: PathBuf,
    /// The build command line (`sh -c`), if any.
    pub build: Option<String>,
    /// Test command lines (`sh -c`); empty means the default tests.
    pub tests: Vec<String>,
    /// The limit for each command.
    pub timeout: Duration,
    /// Remove the worktree even when the verification fails.
    pub cleanup: bool,
    /// Proposal metadata (used the first time the patch is seen).
    pub proposal: ProposalInput,
    /// The atg binary, for the default `atg validate` tests.
    pub atg_bin: PathBuf,
    /// Where worktrees are made (the system temp folder).
    pub worktree_root: PathBuf,
    /// Secrets to keep out of the log and the report.
    pub redactor: Redactor,
}

/// One command's result, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// What was recorded.
    #[serde(flatten)]
    pub record: StepRecord,
    /// The signal that ended it, if any (Unix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// The last lines of its output when it did not pass (redacted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_tail: Vec<String>,
}

/// The result of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    /// The patch.
    pub patch_id: String,
    /// `atg-verify-…`.
    pub verification_id: String,
    /// True when every command passed.
    pub passed: bool,
    /// True when Ctrl-C stopped it.
    pub interrupted: bool,
    /// The commit verified at.
    pub base: String,
    /// The worktree.
    pub worktree: PathBuf,
    /// True when the worktree is still there.
    pub kept: bool,
    /// The folder with the commands' output.
    pub logs: PathBuf,
    /// The files the patch changes.
    pub files: Vec<String>,
    /// The commands, in order.
    pub steps: Vec<StepReport>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time, seconds.
    pub duration_seconds: f64,
    /// True when this run recorded the patch's `propose` event.
    pub proposed: bool,
    /// Things the user should know (one line each).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Reads the patch: its bytes and the name to record as its source.
fn read_patch(repo: &Repo, source: &PatchSource) -> Result<(Vec<u8>, String), PatchError> {
    match source {
        PatchSource::Stdin(b) => Ok((b.clone(), "-".into())),
        PatchSource::Arg(path) => match std::fs::read(path) {
            Ok(b) => Ok((b, path.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let arg = path.to_string_lossy();
                match repo.find_patch(&arg)? {
                    Some(id) => {
                        let kept = repo.patch_path(&id);
                        let b = std::fs::read(&kept).map_err(|source| PatchError::Unreadable {
                            path: kept.clone(),
                            source,
                        })?;
                        Ok((b, id))
                    }
                    None => Err(PatchError::Unreadable {
                        path: path.clone(),
                        source: e,
                    }),
                }
            }
            Err(source) => Err(PatchError::Unreadable {
                path: path.clone(),
                source,
            }),
        },
    }
}

/// The paths a patch changes, from `git apply --numstat`.
///
/// Errors: `NotAPatch` when git cannot parse it or it changes nothing.
fn patch_files(git: &Git, bytes: &[u8], source_name: &str) -> Result<Vec<String>, PatchError> {
    let not_a_patch = |reason: String| PatchError::NotAPatch {
        source_name: if source_name == "-" {
            "stdin".to_string()
        } else {
            source_name.to_string()
        },
        reason,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(not_a_patch("it is empty".into()));
    }
    let out = git.output_with_input(&["apply", "--numstat", "-z"], bytes)?;
    if !out.status.success() {
        return Err(not_a_patch(git::message(&out)));
    }
    let files = git::numstat_paths(&String::from_utf8_lossy(&out.stdout));
    if files.is_empty() {
        return Err(not_a_patch("it changes no file".into()));
    }
    Ok(files)
}

/// Makes an empty folder `root/atg-verify-…` for the worktree, choosing
/// another ID if one is taken (two verifications started in the same second).
fn new_worktree_dir(root: &Path) -> Result<(String, PathBuf), PatchError> {
    let mut last = None;
    for _ in 0..8 {
        let id = crate::clock::new_id(VERIFY_PREFIX);
        let path = root.join(&id);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok((id, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(source) => {
                return Err(PatchError::Io {
                    what: "create the verification worktree".into(),
                    path,
                    source,
                });
            }
        }
    }
    Err(PatchError::Io {
        what: "find a free name for the verification worktree in".into(),
        path: root.to_path_buf(),
        source: last.unwrap_or_else(|| std::io::Error::other("every name was taken")),
    })
}

/// True for the files of a Terraform configuration: `*.tf`, `*.tf.json`,
/// `*.tfvars`, `*.tfvars.json`.
fn is_terraform_file(name: &str) -> bool {
    [".tf", ".tf.json", ".tfvars", ".tfvars.json"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// The folders (relative to the worktree, `.` for its root) where the
/// patch changes a Terraform file (`is_terraform_file`) and which still
/// hold a `*.tf` or `*.tf.json` file after it: the Terraform folders that
/// get `atg validate` when no test is given.
pub fn terraform_folders(worktree: &Path, files: &[String]) -> Vec<String> {
    let mut dirs: Vec<String> = files
        .iter()
        .filter(|f| is_terraform_file(f))
        .map(|f| match Path::new(f).parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_string_lossy().into_owned(),
            _ => ".".to_string(),
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs.retain(|d| {
        std::fs::read_dir(worktree.join(d)).is_ok_and(|rd| {
            rd.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name.ends_with(".tf") || name.ends_with(".tf.json"))
                    && e.file_type().is_ok_and(|t| t.is_file())
            })
        })
    });
    dirs
}

/// The last `TAIL_LINES` lines of a log, redacted.
fn tail(log: &Path, redactor: &Redactor) -> Vec<String> {
    let text = std::fs::read(log).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..]
        .iter()
        .map(|l| redactor.redact(l))
        .collect()
}

/// One line on how a command ended, e.g. `failed (exit code 1) in 0.3 s`.
pub fn step_summary(r: &StepRecord) -> String {
    let took = step::seconds(Duration::from_secs_f64(r.duration_seconds));
    match r.outcome {
        StepOutcome::Passed => format!("passed in {took}"),
        StepOutcome::Failed => match r.exit_code {
            Some(c) => format!("failed (exit code {c}) in {took}"),
            None => format!("failed (killed by a signal) in {took}"),
        },
        StepOutcome::TimedOut => format!(
            "timed out after {} s; its process group was killed",
            r.timeout_seconds
        ),
        StepOutcome::Interrupted => "interrupted; its process group was killed".into(),
        StepOutcome::NotStarted => "could not be started".into(),
        StepOutcome::Skipped => "skipped".into(),
    }
}

/// Verifies a patch (see the module doc). `reporter` hears of each
/// command as it starts and ends; `interrupted` stops the run (the
/// running command's process group is killed) when it becomes true.
///
/// Errors (nothing is recorded unless said): `NotARepo`, `NoCommits`,
/// `Unreadable`, `NotAPatch`, `AmbiguousPatch` (exit 2); `DoesNotApply`
/// (exit 2, recorded as `verify_fail`); `Git`, `GitNotFound`, `Io` (exit 3).
pub fn verify(
    s: &VerifySettings,
    reporter: &dyn Reporter,
    interrupted: &AtomicBool,
) -> Result<VerifyOutcome, PatchError> {
    let started = Instant::now();
    let repo = Repo::open(&s.repo)?;
    let base = repo.head()?;
    let (bytes, source_name) = read_patch(&repo, &s.patch)?;
    let files = patch_files(repo.git(), &bytes, &source_name)?;
    let patch_id = repo.save_patch(&bytes)?;
    let log = repo.provenance();
    let mut notes = Vec::new();

    let proposal = Proposal {
        proposed_by: s.redactor.redact(
            &s.proposal
                .proposed_by
                .clone()
                .unwrap_or_else(|| repo.git().identity()),
        ),
        confidence: s.proposal.confidence,
        triggered_by: s
            .redactor
            .redact(s.proposal.triggered_by.as_deref().unwrap_or("manual")),
        title: s.proposal.title.as_deref().map(|t| s.redactor.redact(t)),
        source: source_name,
        files: files.clone(),
    };
    let propose = Record {
        time: crate::clock::now_rfc3339(),
        patch_id: Some(patch_id.clone()),
        event: Event::Propose(proposal),
    };
    let proposed = log.append_unless(&propose, |h| h.proposal(&patch_id).is_some())?;
    if !proposed && !s.proposal.is_empty() {
        notes.push(format!(
            "patch `{patch_id}` was proposed before: its first proposal's --proposed-by, --confidence, --triggered-by and --title stand"
        ));
    }

    std::fs::create_dir_all(&s.worktree_root).map_err(|source| PatchError::Io {
        what: "create the folder for verification worktrees".into(),
        path: s.worktree_root.clone(),
        source,
    })?;
    let (verification_id, worktree) = new_worktree_dir(&s.worktree_root)?;
    let logs = repo.runs_dir(&verification_id);
    let wt_arg = worktree.to_string_lossy().into_owned();
    reporter.on_start(&format!("creating worktree {verification_id}"), None);
    let added = {
        let _turn = repo.worktree_lock()?;
        repo.git()
            .run(&["worktree", "add", "--detach", &wt_arg, &base])
    };
    if let Err(e) = added {
        let _ = std::fs::remove_dir(&worktree);
        return Err(e);
    }
    reporter.on_finish(&format!(
        "worktree {} at {}",
        worktree.display(),
        super::short(&base)
    ));
    let wt_git = Git::new(&worktree);
    let remove = |notes: &mut Vec<String>| -> bool {
        let removed = repo
            .worktree_lock()
            .and_then(|_turn| repo.git().run(&["worktree", "remove", "--force", &wt_arg]));
        match removed {
            Ok(_) => true,
            Err(e) => {
                notes.push(format!("the worktree could not be removed: {e}"));
                false
            }
        }
    };
    let record = |passed: bool, kept: bool, steps: &[StepReport], reason: Option<String>| {
        let v = Verification {
            verification_id: verification_id.clone(),
            base: base.clone(),
            worktree: wt_arg.clone(),
            kept,
            duration_seconds: round_ms(started.elapsed()),
            steps: steps.iter().map(|r| r.record.clone()).collect(),
            reason,
        };
        log.append(&Record {
            time: crate::clock::now_rfc3339(),
            patch_id: Some(patch_id.clone()),
            event: if passed {
                Event::VerifyPass(v)
            } else {
                Event::VerifyFail(v)
            },
        })
    };

    let patch_path = repo.patch_path(&patch_id).to_string_lossy().into_owned();
    let applied = wt_git.output(&["apply", &patch_path])?;
    if !applied.status.success() {
        let reason = git::message(&applied);
        let kept = !remove(&mut notes);
        record(
            false,
            kept,
            &[],
            Some(format!(
                "the patch does not apply: {}",
                reason.replace('\n', "; ")
            )),
        )?;
        return Err(PatchError::DoesNotApply {
            patch_id,
            base,
            reason,
        });
    }

    let mut commands = Vec::new();
    if let Some(b) = &s.build {
        commands.push(StepCommand::shell("build", b));
    }
    if s.tests.is_empty() {
        for dir in terraform_folders(&worktree, &files) {
            commands.push(StepCommand {
                kind: "test",
                display: format!("atg validate {dir}"),
                program: s.atg_bin.clone().into_os_string(),
                args: vec!["validate".into(), dir.into()],
            });
        }
    } else {
        commands.extend(s.tests.iter().map(|t| StepCommand::shell("test", t)));
    }
    if commands.is_empty() {
        notes.push("no build or test command: only checked that the patch applies (pass `--build` or `--test`)".into());
    }
    if let Err(source) = std::fs::create_dir_all(&logs) {
        let _ = remove(&mut notes);
        return Err(PatchError::Io {
            what: "create the log folder".into(),
            path: logs,
            source,
        });
    }
    let env = [
        ("ATG_PATCH_ID".to_string(), patch_id.clone()),
        ("ATG_VERIFICATION_ID".to_string(), verification_id.clone()),
    ];

    let mut steps: Vec<StepReport> = Vec::new();
    let mut build_failed = false;
    for (i, cmd) in commands.iter().enumerate() {
        let display = s.redactor.redact(&cmd.display);
        let log_path = logs.join(format!("{}-{}.log", i + 1, cmd.kind));
        let skip = build_failed || interrupted.load(Ordering::SeqCst);
        let mut report = StepReport {
            record: StepRecord {
                kind: cmd.kind.to_string(),
                command: display.clone(),
                exit_code: None,
                outcome: StepOutcome::Skipped,
                duration_seconds: 0.0,
                timeout_seconds: s.timeout.as_secs(),
                log: log_path.to_string_lossy().into_owned(),
            },
            signal: None,
            output_tail: Vec::new(),
        };
        if !skip {
            reporter.on_start(&format!("{} `{display}`", cmd.kind), None);
            let run = step::run(
                cmd,
                &worktree,
                &env,
                &log_path,
                s.timeout,
                interrupted,
                &s.redactor,
            );
            report.record.exit_code = run.exit_code;
            report.record.outcome = run.outcome;
            report.record.duration_seconds = round_ms(run.duration);
            report.signal = run.signal;
            if run.outcome != StepOutcome::Passed {
                report.output_tail = tail(&log_path, &s.redactor);
                build_failed |= cmd.kind == "build";
            }
            reporter.on_finish(&format!(
                "{} `{display}` {}",
                cmd.kind,
                step_summary(&report.record)
            ));
        }
        steps.push(report);
    }

    let was_interrupted = interrupted.load(Ordering::SeqCst);
    let failed: Vec<&StepReport> = steps
        .iter()
        .filter(|r| r.record.outcome != StepOutcome::Passed)
        .collect();
    let passed = failed.is_empty() && !was_interrupted;
    let reason = (!passed).then(|| {
        if was_interrupted {
            "interrupted".to_string()
        } else {
            failed
                .iter()
                .filter(|r| r.record.outcome != StepOutcome::Skipped)
                .map(|r| {
                    format!(
                        "{} `{}` {}",
                        r.record.kind,
                        r.record.command,
                        step_summary(&r.record)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
    });
    let kept = if passed || s.cleanup {
        !remove(&mut notes)
    } else {
        true
    };
    record(passed, kept, &steps, reason.clone())?;
    Ok(VerifyOutcome {
        patch_id,
        verification_id,
        passed,
        interrupted: was_interrupted,
        base,
        worktree,
        kept,
        logs,
        files,
        steps,
        reason,
        duration_seconds: round_ms(started.elapsed()),
        proposed,
        notes,
    })
}

/// Seconds, rounded to the millisecond.
fn round_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_folders_are_those_with_tf_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("net")).unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("net/main.tf"), "").unwrap();
        std::fs::write(root.join("docs/x.md"), "").unwrap();
        std::fs::write(root.join("root.tf.json"), "{}").unwrap();
        let files = vec![
            "net/vars.tf".to_string(),
            "net/main.tf".to_string(),
            "docs/x.md".to_string(),
            "gone/main.tf".to_string(),
        ];
        assert_eq!(terraform_folders(root, &files), ["net"]);
        // A patch of README.md beside root.tf.json is no Terraform change;
        // one of terraform.tfvars is.
        assert!(terraform_folders(root, &["README.md".to_string()]).is_empty());
        assert_eq!(
            terraform_folders(root, &["terraform.tfvars".to_string()]),
            ["."]
        );
    }
}
