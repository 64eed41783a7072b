//! Running terraform for a deploy: one command at a time in the
//! configuration folder, with the target's `ARM_*` environment, its output
//! streamed line by line into the deploy log (redacted) and, for `-json`
//! commands, parsed as terraform's machine-readable UI so the caller can
//! drive a progress display and collect error diagnostics.
//!
//! terraform runs in its own process group, so a Ctrl-C at the terminal
//! reaches atg only; atg forwards exactly one SIGINT, and terraform stops
//! gracefully and saves its state (a second signal would make it exit at
//! once). Retrying and classifying errors are left to `run` and `retry`.

use super::env::TerraformEnv;
use crate::fsutil::AppendLog;
use crate::redact::Redactor;
use crate::terraform::{TerraformError, command, spawn_error, status_text};
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// The deploy log: every line redacted, stamped and tagged with its step.
#[derive(Debug)]
pub struct DeployLog {
    file: AppendLog,
    redactor: Redactor,
    path: PathBuf,
}

impl DeployLog {
    /// Opens (appends to) the log at `path`.
    ///
    /// Errors: the file cannot be opened.
    pub fn open(path: &Path, redactor: Redactor) -> std::io::Result<Self> {
        Ok(DeployLog {
            file: AppendLog::open(path)?,
            redactor,
            path: path.to_path_buf(),
        })
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The redactor every line goes through.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Appends `text` (each of its lines) as `TIME STEP text`, redacted.
    /// A failing write is ignored: the deploy goes on and the registry still
    /// records it.
    pub fn write(&self, step: &str, text: &str) {
        let now = crate::clock::now_rfc3339();
        for line in self.redactor.redact(text).lines() {
            let _ = self.file.line(&format!("{now} {step:<8} {line}"));
        }
    }

    /// Flushes the log to disk.
    pub fn sync(&self) {
        let _ = self.file.sync();
    }
}

/// How a command's stdout is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Human text: logged line by line.
    Text,
    /// terraform's `-json` UI: parsed, logged as its messages.
    Json,
    /// Kept whole for the caller (`show -json`, `state list`), not logged:
    /// plan JSON can hold sensitive values.
    Capture,
}

/// A resource in a UI message.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UiResource {
    /// The address, e.g. `terraform_data.a`.
    #[serde(default)]
    pub addr: String,
    /// The resource type.
    #[serde(default)]
    pub resource_type: String,
}

/// The `hook` or `change` of a UI message.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UiHook {
    /// The resource.
    #[serde(default)]
    pub resource: UiResource,
    /// `create`, `update`, `delete`, `replace`, `read`, `noop`.
    #[serde(default)]
    pub action: String,
}

/// A diagnostic in a UI message.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UiDiagnostic {
    /// `error` or `warning`.
    #[serde(default)]
    pub severity: String,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// More lines.
    #[serde(default)]
    pub detail: String,
    /// The resource address, when terraform knows it.
    #[serde(default)]
    pub address: Option<String>,
    /// Where in the configuration (present when it points into a file).
    #[serde(default)]
    pub range: Option<serde_json::Value>,
}

/// One message of terraform's machine-readable UI (`-json`); only the fields deploy uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UiMessage {
    /// `@message`: the human text.
    #[serde(rename = "@message", default)]
    pub message: String,
    /// `type`: `apply_start`, `apply_complete`, `apply_errored`, `planned_change`, `diagnostic`…
    #[serde(rename = "type", default)]
    pub kind: String,
    /// For `apply_*` messages.
    #[serde(default)]
    pub hook: Option<UiHook>,
    /// For `planned_change`.
    #[serde(default)]
    pub change: Option<UiHook>,
    /// For `diagnostic`.
    #[serde(default)]
    pub diagnostic: Option<UiDiagnostic>,
    /// For `change_summary`: what a plan or apply changes.
    #[serde(default)]
    pub changes: Option<UiChanges>,
}

impl UiMessage {
    /// Redacts the decoded text fields: the message and the diagnostic's
    /// summary, detail and address.
    pub fn redact(&mut self, r: &Redactor) {
        self.message = r.redact(&self.message);
        if let Some(d) = &mut self.diagnostic {
            d.summary = r.redact(&d.summary);
            d.detail = r.redact(&d.detail);
            d.address = d.address.as_deref().map(|a| r.redact(a));
        }
    }
}

/// The counts of a `change_summary` message.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct UiChanges {
    /// Resources to add (or added).
    #[serde(default)]
    pub add: u64,
    /// Resources to change in place.
    #[serde(default)]
    pub change: u64,
    /// Resources to destroy.
    #[serde(default)]
    pub remove: u64,
}

/// An error terraform reported, redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorText {
    /// `address: summary: detail`, or stderr text.
    pub text: String,
    /// The diagnostic points into the configuration during init or plan.
    pub in_config: bool,
}

/// What one terraform command did.
#[derive(Debug, Clone)]
pub struct StepOutput {
    /// Exit code 0.
    pub success: bool,
    /// `exit code N` or `killed by signal N`.
    pub status: String,
    /// atg forwarded a Ctrl-C to this command.
    pub interrupted: bool,
    /// Error diagnostics, or the stderr text of a failure without any.
    pub errors: Vec<ErrorText>,
    /// stdout in `Mode::Capture` (not redacted: parse it, never log it).
    pub stdout: Vec<u8>,
}

/// Runs terraform commands in one folder with one environment.
pub struct Runner<'a> {
    /// The terraform (or tofu) binary.
    pub bin: &'a Path,
    /// The configuration folder.
    pub dir: &'a Path,
    /// The target's environment.
    pub env: &'a TerraformEnv,
    /// The deploy log.
    pub log: &'a DeployLog,
    /// Set by the Ctrl-C handler.
    pub interrupted: &'a AtomicBool,
}

enum Line {
    Out(Vec<u8>),
    Err(Vec<u8>),
}

fn read_lines(r: impl Read + Send + 'static, tx: mpsc::Sender<Line>, err: bool) {
    std::thread::spawn(move || {
        let mut r = BufReader::new(r);
        loop {
            let mut buf = Vec::new();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = if err { Line::Err(buf) } else { Line::Out(buf) };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(unix)]
fn forward_interrupt(child: &mut std::process::Child) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
    }
}

#[cfg(not(unix))]
fn forward_interrupt(child: &mut std::process::Child) {
    let _ = child.kill();
}

impl Runner<'_> {
    /// Runs `terraform ARGS` under step name `step` (`init`, `plan`,
    /// `apply`…), logging its output; in `Mode::Json` each parsed UI
    /// message is passed to `on_ui` (after redaction). A Ctrl-C while it
    /// runs is forwarded once as SIGINT, and the command is awaited.
    ///
    /// Errors: `TerraformError::NotFound`/`Io` when it cannot be started or awaited.
    pub fn run(
        &self,
        step: &str,
        args: &[String],
        mode: Mode,
        on_ui: &mut dyn FnMut(&UiMessage),
    ) -> Result<StepOutput, TerraformError> {
        // Arguments never hold secrets: credentials travel in the environment.
        self.log
            .write(step, &format!("$ terraform {}", args.join(" ")));
        let mut cmd = command(self.bin, self.dir);
        cmd.args(args);
        self.env.apply(&mut cmd);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd.spawn().map_err(|e| spawn_error(self.bin, e))?;
        let (tx, rx) = mpsc::channel();
        let mut captured = None;
        if let Some(out) = child.stdout.take() {
            if mode == Mode::Capture {
                captured = Some(std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let mut out = out;
                    let _ = out.read_to_end(&mut buf);
                    buf
                }));
            } else {
                read_lines(out, tx.clone(), false);
            }
        }
        if let Some(err) = child.stderr.take() {
            read_lines(err, tx.clone(), true);
        }
        drop(tx);

        let in_config_step = step == "init" || step == "plan";
        let mut errors = Vec::new();
        let mut stderr_text = Vec::new();
        let mut forwarded = false;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(Line::Out(bytes)) => {
                    let raw = String::from_utf8_lossy(&bytes);
                    let line = self
                        .log
                        .redactor()
                        .redact(raw.trim_end_matches(['\n', '\r']));
                    if mode == Mode::Json
                        && let Ok(mut ui) = serde_json::from_str::<UiMessage>(&line)
                    {
                        // Decoding can undo an escaping the line was redacted in.
                        ui.redact(self.log.redactor());
                        self.log_ui(step, &ui);
                        if let Some(d) = ui.diagnostic.as_ref().filter(|d| d.severity == "error") {
                            let mut text = String::new();
                            if let Some(a) = &d.address {
                                text.push_str(a);
                                text.push_str(": ");
                            }
                            text.push_str(&d.summary);
                            if !d.detail.is_empty() {
                                text.push_str(": ");
                                text.push_str(&d.detail);
                            }
                            errors.push(ErrorText {
                                text,
                                in_config: in_config_step && d.range.is_some(),
                            });
                        }
                        on_ui(&ui);
                    } else {
                        self.log.write(step, &line);
                    }
                }
                Ok(Line::Err(bytes)) => {
                    let raw = String::from_utf8_lossy(&bytes);
                    let line = self
                        .log
                        .redactor()
                        .redact(raw.trim_end_matches(['\n', '\r']));
                    self.log.write(step, &line);
                    stderr_text.push(line);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if !forwarded && self.interrupted.load(Ordering::SeqCst) {
                forward_interrupt(&mut child);
                forwarded = true;
                self.log.write(
                    step,
                    "atg: interrupt received; forwarded to terraform, waiting for it to stop and save its state",
                );
            }
        }
        let status = child.wait().map_err(|source| TerraformError::Io {
            bin: self.bin.to_path_buf(),
            source,
        })?;
        let stdout = captured.and_then(|h| h.join().ok()).unwrap_or_default();
        let success = status.success();
        let status = status_text(&status);
        if !success && errors.is_empty() {
            let text = stderr_text
                .iter()
                .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            errors.push(ErrorText {
                text: if text.is_empty() {
                    format!("terraform {} failed ({status})", args[0])
                } else {
                    text
                },
                in_config: false,
            });
        }
        self.log
            .write(step, &format!("terraform {} ended: {status}", args[0]));
        Ok(StepOutput {
            success,
            status,
            interrupted: forwarded,
            errors,
            stdout,
        })
    }

    fn log_ui(&self, step: &str, ui: &UiMessage) {
        match &ui.diagnostic {
            Some(d) => {
                let mut text = ui.message.clone();
                if let Some(a) = &d.address {
                    text.push_str(&format!(" (at {a})"));
                }
                for l in d.detail.lines() {
                    text.push_str("\n  ");
                    text.push_str(l);
                }
                self.log.write(step, &text);
            }
            None => self.log.write(step, &ui.message),
        }
    }
}
