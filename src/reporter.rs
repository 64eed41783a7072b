//! The `Reporter` trait through which long-running stages report progress.
//! Stages never print; the CLI implements this with indicatif (see
//! `cli::progress`), tests use `NoReporter`.

/// Receives progress events from a stage.
pub trait Reporter: Send + Sync {
    /// A phase starts; `total` is the number of steps when known.
    fn on_start(&self, phase: &str, total: Option<u64>);
    /// `done` steps of the current phase are complete.
    fn on_progress(&self, done: u64);
    /// The current phase ends with a one-line outcome.
    fn on_finish(&self, outcome: &str);
    /// What the current phase is doing now, e.g. the resource being created
    /// (one short line; the default ignores it).
    fn on_detail(&self, _detail: &str) {}
}

/// A reporter that ignores every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReporter;

impl Reporter for NoReporter {
    fn on_start(&self, _: &str, _: Option<u64>) {}
    fn on_progress(&self, _: u64) {}
    fn on_finish(&self, _: &str) {}
}
