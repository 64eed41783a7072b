//! Running one build or test command of a verification: in the worktree,
//! with stdin closed, in a process group of its own, with a timeout. Its
//! stdout and stderr share one pipe, read line by line, redacted (a test
//! may print a token of the environment) and appended to a log file, so
//! no secret atg knows of reaches the disk.
//!
//! The process group is what makes the timeout and Ctrl-C hold: a command
//! such as `sh -c 'make test'` starts children of its own, and killing the
//! shell alone would leave them running (and holding the worktree). So the
//! whole group gets SIGTERM, then SIGKILL after a grace period. Anything a
//! command leaves running in its group after it exits is stopped the same
//! way. Being in its own group also keeps a terminal's Ctrl-C from reaching
//! the command directly: atg sees it first and stops the group.
//! Which commands run, and what their results mean, is left to `verify`.

use super::provenance::StepOutcome;
use crate::redact::Redactor;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a command gets between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// How often a running command is checked, for its end, the timeout and Ctrl-C.
const POLL: Duration = Duration::from_millis(20);

/// A command to run: what to show and what to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCommand {
    /// `build` or `test`.
    pub kind: &'static str,
    /// The command line as the user wrote it (or `atg validate DIR`).
    pub display: String,
    /// The program to execute (`sh` for a user's command line).
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl StepCommand {
    /// A user's command line, run by `sh -c`.
    pub fn shell(kind: &'static str, line: &str) -> Self {
        StepCommand {
            kind,
            display: line.to_string(),
            program: "sh".into(),
            args: vec!["-c".into(), line.into()],
        }
    }
}

/// What a command did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRun {
    /// How it ended.
    pub outcome: StepOutcome,
    /// Its exit code; `None` when killed by a signal or never started.
    pub exit_code: Option<i32>,
    /// The signal that ended it, when one did (Unix).
    pub signal: Option<i32>,
    /// Wall time, until atg decided to stop it for a timeout or Ctrl-C.
    pub duration: Duration,
}

/// How long to wait for the output of a finished command to drain, when
/// something outside its process group still holds the pipe.
const DRAIN: Duration = Duration::from_secs(2);

/// Copies `pipe` into `log` line by line, each line redacted; tells `done`
/// when the pipe closes.
fn copy_redacted(
    pipe: std::io::PipeReader,
    mut log: std::fs::File,
    redactor: Redactor,
    done: mpsc::Sender<()>,
) {
    std::thread::spawn(move || {
        let mut r = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = redactor.redact(&String::from_utf8_lossy(&buf));
                    let _ = log.write_all(line.as_bytes());
                }
            }
        }
        let _ = done.send(());
    });
}

/// Runs `cmd` in `cwd` with `env` added to atg's environment, its stdout
/// and stderr appended to `log` with `redactor` applied, killed (with its
/// whole process group) when it runs longer than `timeout` or
/// `interrupted` becomes true. Never fails: a command that cannot be
/// started is `NotStarted`, with the reason written to `log` when `log`
/// can be written.
pub fn run(
    cmd: &StepCommand,
    cwd: &Path,
    env: &[(String, String)],
    log: &Path,
    timeout: Duration,
    interrupted: &AtomicBool,
    redactor: &Redactor,
) -> StepRun {
    let start = Instant::now();
    let not_started = |reason: String| {
        let _ = crate::fsutil::append_line(
            log,
            &redactor.redact(&format!("atg: cannot start `{}`: {reason}", cmd.display)),
        );
        StepRun {
            outcome: StepOutcome::NotStarted,
            exit_code: None,
            signal: None,
            duration: start.elapsed(),
        }
    };
    let file = match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        Ok(f) => f,
        Err(e) => return not_started(e.to_string()),
    };
    let (reader, writer) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => return not_started(e.to_string()),
    };
    let err_writer = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return not_started(e.to_string()),
    };
    let mut command = Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::from(err_writer));
    for v in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_COMMON_DIR",
    ] {
        command.env_remove(v);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let spawned = command.spawn();
    // The command holds atg's copies of the pipe's write end: dropping it
    // lets the pipe close when the command's processes are gone.
    drop(command);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return not_started(e.to_string()),
    };
    let (done_tx, done_rx) = mpsc::channel();
    copy_redacted(reader, file, redactor.clone(), done_tx);
    let mut stopped = None;
    let mut ran = Duration::ZERO;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if start.elapsed() >= timeout {
            stopped = Some(StepOutcome::TimedOut);
        } else if interrupted.load(Ordering::SeqCst) {
            stopped = Some(StepOutcome::Interrupted);
        }
        if stopped.is_some() {
            ran = start.elapsed();
            stop_group(&mut child, KILL_GRACE);
            break child.wait().ok();
        }
        std::thread::sleep(POLL);
    };
    let duration = if stopped.is_some() {
        ran
    } else {
        start.elapsed()
    };
    // Whatever the command left running in its group goes too.
    stop_group(&mut child, KILL_GRACE);
    // A process that left the group may still hold the pipe: stop waiting
    // for its output after a while.
    let _ = done_rx.recv_timeout(DRAIN);
    let exit_code = status.and_then(|s| s.code());
    let signal = status.and_then(signal_of);
    let outcome = match stopped {
        Some(o) => o,
        None if status.is_some_and(|s| s.success()) => StepOutcome::Passed,
        None => StepOutcome::Failed,
    };
    let note = match outcome {
        StepOutcome::TimedOut => Some(format!(
            "atg: timed out after {}; its process group was killed",
            seconds(timeout)
        )),
        StepOutcome::Interrupted => Some("atg: interrupted; its process group was killed".into()),
        _ => None,
    };
    if let Some(note) = note {
        let _ = crate::fsutil::append_line(log, &note);
    }
    StepRun {
        outcome,
        exit_code,
        signal,
        duration,
    }
}

/// A duration for people: `5 s`, `0.5 s`, `12.3 s`.
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(unix)]
fn signal_of(s: std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    s.signal()
}

#[cfg(not(unix))]
fn signal_of(_: std::process::ExitStatus) -> Option<i32> {
    None
}

/// Stops the process group led by `child`: SIGTERM, then SIGKILL for
/// whatever is left after `grace`. The leader is reaped as it exits, so
/// the wait ends as soon as the group is empty.
#[cfg(unix)]
fn stop_group(child: &mut Child, grace: Duration) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    let Ok(id) = i32::try_from(child.id()) else {
        return;
    };
    let group = Pid::from_raw(id);
    if killpg(group, Signal::SIGTERM).is_err() {
        return; // the group is empty already
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        let _ = child.try_wait();
        if killpg(group, None).is_err() {
            return;
        }
        std::thread::sleep(POLL);
    }
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.try_wait();
}

#[cfg(not(unix))]
fn stop_group(child: &mut Child, _grace: Duration) {
    let _ = child.kill();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn go(line: &str, timeout: Duration) -> (StepRun, String) {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("step.log");
        let run = run(
            &StepCommand::shell("test", line),
            dir.path(),
            &[("ATG_X".into(), "42".into())],
            &log,
            timeout,
            &AtomicBool::new(false),
            &Redactor::new(["hunter2-secret"]),
        );
        (run, std::fs::read_to_string(&log).unwrap_or_default())
    }

    #[test]
    fn exit_codes_and_output_are_kept() {
        let (ok, out) = go(
            "echo out; echo err >&2; echo $ATG_X; echo token=hunter2-secret",
            Duration::from_secs(30),
        );
        assert_eq!(ok.outcome, StepOutcome::Passed);
        assert_eq!(ok.exit_code, Some(0));
        assert_eq!(out, "out\nerr\n42\ntoken=[REDACTED]\n");
        let (bad, _) = go("exit 7", Duration::from_secs(30));
        assert_eq!(bad.outcome, StepOutcome::Failed);
        assert_eq!(bad.exit_code, Some(7));
    }

    #[test]
    fn a_hanging_command_and_its_children_are_killed_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let line = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
        let (run, log) = go(&line, Duration::from_millis(500));
        assert_eq!(run.outcome, StepOutcome::TimedOut);
        assert_eq!(run.exit_code, None);
        assert!(run.duration < Duration::from_secs(10), "{:?}", run.duration);
        assert!(log.contains("timed out after 0.5 s"), "{log}");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The background `sleep` was in the group: it is gone (or a zombie
        // waiting for init to reap it), never still sleeping.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(") ").next().unwrap_or("").chars().next();
        assert!(
            matches!(state, None | Some('Z') | Some('X')),
            "child still alive: {stat}"
        );
    }

    #[test]
    fn a_missing_program_is_not_started() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("step.log");
        let cmd = StepCommand {
            kind: "test",
            display: "nope".into(),
            program: "/nonexistent/atg-test-binary".into(),
            args: vec![],
        };
        let r = run(
            &cmd,
            dir.path(),
            &[],
            &log,
            Duration::from_secs(5),
            &AtomicBool::new(false),
            &Redactor::default(),
        );
        assert_eq!(r.outcome, StepOutcome::NotStarted);
        assert!(
            std::fs::read_to_string(&log)
                .unwrap()
                .contains("cannot start `nope`")
        );
    }
}
