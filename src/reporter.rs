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
    /// A status line the user should see whatever the terminal, e.g. who
    /// the stage signed in as (the CLI prints it on stderr unless `--quiet`;
    /// the default ignores it).
    fn on_status(&self, _line: &str) {}
}

/// Receives progress of parts of a stage that run side by side, one bar
/// each, e.g. one per subscription of a live scan. Parts are named by `key`.
pub trait PartsReporter: Send + Sync {
    /// Part `key` starts (or starts over): `label` to show, `total` steps when known.
    fn part_start(&self, key: &str, label: &str, total: Option<u64>);
    /// `n` more steps of part `key` are done.
    fn part_advance(&self, key: &str, n: u64);
    /// Part `key` ends with a one-line outcome.
    fn part_finish(&self, key: &str, outcome: &str);
}

/// A reporter that ignores every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReporter;

impl Reporter for NoReporter {
    fn on_start(&self, _: &str, _: Option<u64>) {}
    fn on_progress(&self, _: u64) {}
    fn on_finish(&self, _: &str) {}
}

impl PartsReporter for NoReporter {
    fn part_start(&self, _: &str, _: &str, _: Option<u64>) {}
    fn part_advance(&self, _: &str, _: u64) {}
    fn part_finish(&self, _: &str, _: &str) {}
}
