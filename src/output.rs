//! The output layer: the only place that prints. Data goes to stdout;
//! status, warnings and progress go to stderr and are hidden by `--quiet`.
//! Progress bars (indicatif) show only on a terminal. Every line printed,
//! progress included, has the known secrets redacted (`crate::redact`).

use crate::redact::Redactor;
use crate::reporter::{PartsReporter, Reporter};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Secrets shared by a printer and its progress reporters.
type Secrets = Arc<RwLock<Redactor>>;

/// Writes to stderr; a closed stderr is ignored (nothing else can be told).
fn to_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

fn redacted(secrets: &Secrets, text: &str) -> String {
    secrets
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .redact(text)
}

/// Prints on behalf of commands.
pub struct Printer {
    quiet: bool,
    stderr_tty: bool,
    warned: Mutex<HashSet<String>>,
    secrets: Secrets,
    stdout_failed: Mutex<Option<std::io::Error>>,
}

impl Printer {
    /// A printer; `quiet` hides status lines, warnings and progress.
    /// `secrets` are redacted from everything it prints.
    pub fn new(quiet: bool, secrets: Redactor) -> Self {
        Printer {
            quiet,
            stderr_tty: std::io::stderr().is_terminal(),
            warned: Mutex::new(HashSet::new()),
            secrets: Arc::new(RwLock::new(secrets)),
            stdout_failed: Mutex::new(None),
        }
    }

    /// Adds secrets to redact from everything printed from now on (e.g. the
    /// credential a deploy hands to terraform, however short).
    pub fn add_secrets(&self, more: &Redactor) {
        self.secrets
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .merge(more);
    }

    fn clean(&self, text: &str) -> String {
        redacted(&self.secrets, text)
    }

    /// True when stdout is a terminal (choose tables over JSON lines etc.).
    pub fn stdout_is_tty(&self) -> bool {
        std::io::stdout().is_terminal()
    }

    /// Writes data to stdout (never hidden: it is the command's result),
    /// adding a final newline if `text` has none. When stdout is closed
    /// (the reader of a pipe went away, as with `| head -1`), this and every
    /// later call write nothing and `stdout_closed` turns true; any other
    /// write error is kept for `take_stdout_error`.
    pub fn data(&self, text: &str) {
        if self.stdout_closed() {
            return;
        }
        let text = self.clean(text);
        let mut out = std::io::stdout().lock();
        let written = out
            .write_all(text.as_bytes())
            .and_then(|()| {
                if text.ends_with('\n') {
                    Ok(())
                } else {
                    out.write_all(b"\n")
                }
            })
            .and_then(|()| out.flush());
        if let Err(e) = written {
            let mut failed = self.stdout_failed.lock().unwrap_or_else(|p| p.into_inner());
            failed.get_or_insert(e);
        }
    }

    /// True once a write to stdout failed, e.g. because the reader of the
    /// pipe went away: long-running commands stop then.
    pub fn stdout_closed(&self) -> bool {
        self.stdout_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The error that stopped writes to stdout, unless it was a closed pipe
    /// (which ends a command quietly, as in other Unix tools).
    pub fn take_stdout_error(&self) -> Option<std::io::Error> {
        self.stdout_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .filter(|e| e.kind() != std::io::ErrorKind::BrokenPipe)
    }

    fn to_stderr(&self, text: &str) {
        to_stderr(text);
    }

    /// A status line on stderr, hidden by `--quiet`.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            self.to_stderr(&format!("{}\n", self.clean(line)));
        }
    }

    /// A warning on stderr, once per distinct text, hidden by `--quiet`.
    pub fn warn(&self, line: &str) {
        if self.quiet {
            return;
        }
        let line = self.clean(line);
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        if warned.insert(line.clone()) {
            self.to_stderr(&format!("warning: {line}\n"));
        }
    }

    /// An error report on stderr (never hidden).
    pub fn error(&self, text: &str) {
        self.to_stderr(&self.clean(text));
    }

    /// True when the user can be asked a question: stdin and stderr are terminals.
    pub fn can_prompt(&self) -> bool {
        self.stderr_tty && std::io::stdin().is_terminal()
    }

    /// Asks `question [y/N]` on stderr and reads one line from stdin. True
    /// only for `y` or `yes`; false for anything else, or when no question
    /// can be asked (see `can_prompt`).
    pub fn confirm(&self, question: &str) -> bool {
        self.confirm_after("", question)
    }

    /// `confirm`, after showing `context` (what the question is about, e.g.
    /// a plan; shown even with `--quiet`).
    pub fn confirm_after(&self, context: &str, question: &str) -> bool {
        if !self.can_prompt() {
            return false;
        }
        self.to_stderr(&self.clean(context));
        self.to_stderr(&format!("{} [y/N] ", self.clean(question)));
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    }

    /// A progress reporter: indicatif on a terminal, silent otherwise.
    pub fn reporter(&self) -> ProgressReporter {
        let bar = if self.quiet || !self.stderr_tty {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        };
        ProgressReporter {
            bar,
            visible: !self.quiet && self.stderr_tty,
            quiet: self.quiet,
            phase: Mutex::new(String::new()),
            secrets: Arc::clone(&self.secrets),
        }
    }

    /// A reporter with a phase line and one bar per part (e.g. per
    /// subscription): indicatif on a terminal, silent otherwise.
    pub fn parts_reporter(&self) -> PartsProgressReporter {
        let visible = !self.quiet && self.stderr_tty;
        let multi = MultiProgress::with_draw_target(if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let phase = multi.add(ProgressBar::new_spinner());
        if visible {
            phase.enable_steady_tick(Duration::from_millis(120));
        }
        PartsProgressReporter {
            phase: ProgressReporter {
                bar: phase,
                visible,
                quiet: self.quiet,
                phase: Mutex::new(String::new()),
                secrets: Arc::clone(&self.secrets),
            },
            multi,
            parts: Mutex::new(HashMap::new()),
            visible,
        }
    }
}

/// A `Reporter` drawing one progress bar per phase on stderr.
pub struct ProgressReporter {
    bar: ProgressBar,
    visible: bool,
    quiet: bool,
    phase: Mutex<String>,
    secrets: Secrets,
}

impl ProgressReporter {
    /// Runs `f` with the bar hidden, so `f` can print or ask a question.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }
}

impl Reporter for ProgressReporter {
    fn on_start(&self, phase: &str, total: Option<u64>) {
        self.bar.reset();
        match total {
            Some(n) => {
                self.bar.set_length(n);
                self.bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {msg:<12} [{bar:30}] {pos}/{len} {elapsed}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
            }
            None => {
                self.bar.unset_length();
                self.bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .expect("valid template"),
                );
            }
        }
        self.bar.set_message(phase.to_string());
        *self.phase.lock().unwrap_or_else(|p| p.into_inner()) = phase.to_string();
    }

    fn on_progress(&self, done: u64) {
        self.bar.set_position(done);
    }

    fn on_finish(&self, outcome: &str) {
        if self.visible {
            self.bar
                .println(format!("  {}", redacted(&self.secrets, outcome)));
        }
    }

    fn on_status(&self, line: &str) {
        if !self.quiet {
            let line = redacted(&self.secrets, line);
            self.bar.suspend(|| to_stderr(&format!("{line}\n")));
        }
    }

    fn on_detail(&self, detail: &str) {
        let phase = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        let short: String = redacted(&self.secrets, detail).chars().take(60).collect();
        self.bar.set_message(format!("{phase}: {short}"));
    }
}

impl Drop for ProgressReporter {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// A phase line plus one progress bar per part, on stderr. A part's bar
/// appears at its first step and is replaced by its outcome line when it
/// finishes, so only parts in progress take screen lines.
pub struct PartsProgressReporter {
    phase: ProgressReporter,
    multi: MultiProgress,
    parts: Mutex<HashMap<String, Part>>,
    visible: bool,
}

struct Part {
    label: String,
    total: Option<u64>,
    bar: Option<ProgressBar>,
}

impl Reporter for PartsProgressReporter {
    fn on_start(&self, phase: &str, total: Option<u64>) {
        self.phase.on_start(phase, total);
    }

    fn on_progress(&self, done: u64) {
        self.phase.on_progress(done);
    }

    fn on_finish(&self, outcome: &str) {
        if self.visible {
            let _ = self
                .multi
                .println(format!("  {}", redacted(&self.phase.secrets, outcome)));
        }
    }

    fn on_status(&self, line: &str) {
        if !self.phase.quiet {
            let line = redacted(&self.phase.secrets, line);
            self.multi.suspend(|| to_stderr(&format!("{line}\n")));
        }
    }
}

impl PartsReporter for PartsProgressReporter {
    fn part_start(&self, key: &str, label: &str, total: Option<u64>) {
        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = parts.insert(
            key.to_string(),
            Part {
                label: label.to_string(),
                total,
                bar: None,
            },
        ) && let Some(bar) = old.bar
        {
            bar.finish_and_clear();
        }
    }

    fn part_advance(&self, key: &str, n: u64) {
        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        let Some(part) = parts.get_mut(key) else {
            return;
        };
        let bar = part.bar.get_or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::no_length());
            if let Some(t) = part.total {
                bar.set_length(t);
            }
            bar.set_style(
                ProgressStyle::with_template("  {prefix:<32} [{bar:30}] {pos}/{len} {elapsed}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(part.label.clone());
            bar
        });
        bar.inc(n);
    }

    fn part_finish(&self, key: &str, outcome: &str) {
        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        let Some(part) = parts.remove(key) else {
            return;
        };
        if let Some(bar) = part.bar {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        if self.visible {
            let line = format!("  {}: {outcome}", part.label);
            let _ = self.multi.println(redacted(&self.phase.secrets, &line));
        }
    }
}

impl Drop for PartsProgressReporter {
    fn drop(&mut self) {
        let parts = self.parts.get_mut().unwrap_or_else(|p| p.into_inner());
        for (_, part) in parts.drain() {
            if let Some(bar) = part.bar {
                bar.finish_and_clear();
            }
        }
    }
}
