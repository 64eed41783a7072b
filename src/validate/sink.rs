//! The collector every phase of the builtin validator reports into: it
//! locates each diagnostic (file, range) from a span, keeps the sort key
//! (file, byte) and counts errors, so a phase can tell whether it failed.
//! A node of the validate walk gets a `Sink` of its own; the walk appends
//! the sinks of the nodes it keeps.
//!
//! What to report is left to `validate::builtin`, `validate::decode` and
//! `validate::provider_checks`; this file only collects.

use std::collections::BTreeMap;

use super::config::{Config, Span};
use super::diagnostic::{Diagnostic, Severity};

/// Collects diagnostics with their sort keys.
pub(super) struct Sink<'c> {
    cfg: &'c Config,
    out: Vec<(u32, usize, Diagnostic)>,
    errors: usize,
    /// Resource type → known values whose validation atg cannot run offline.
    unchecked: BTreeMap<String, usize>,
}

impl<'c> Sink<'c> {
    /// An empty sink for `cfg`.
    pub(super) fn new(cfg: &'c Config) -> Self {
        Sink {
            cfg,
            out: Vec::new(),
            errors: 0,
            unchecked: BTreeMap::new(),
        }
    }

    /// The configuration the spans point into.
    pub(super) fn config(&self) -> &'c Config {
        self.cfg
    }

    /// Adds a located diagnostic.
    pub(super) fn add(&mut self, d: Diagnostic) {
        let (file, byte) = d.range.as_ref().map_or((0, 0), |r| {
            (self.cfg.file_index(&r.filename).unwrap_or(0), r.start.byte)
        });
        if d.is_error() {
            self.errors += 1;
        }
        self.out.push((file, byte, d));
    }

    /// Adds a diagnostic located at `span`.
    pub(super) fn push(
        &mut self,
        severity: Severity,
        span: Span,
        summary: impl Into<String>,
        detail: String,
        address: Option<String>,
        attribute: Option<String>,
    ) {
        let mut d = Diagnostic::error(summary, detail);
        d.severity = severity;
        d.range = Some(self.cfg.range(span));
        d.address = address;
        d.attribute = attribute;
        self.add(d);
    }

    /// Adds an error located at `span`.
    pub(super) fn error(
        &mut self,
        span: Span,
        summary: impl Into<String>,
        detail: String,
        address: Option<String>,
        attribute: Option<String>,
    ) {
        self.push(Severity::Error, span, summary, detail, address, attribute);
    }

    /// Moves another sink's findings into this one, after its own.
    pub(super) fn append(&mut self, other: Sink<'c>) {
        self.errors += other.errors;
        self.out.extend(other.out);
        for (t, n) in other.unchecked {
            *self.unchecked.entry(t).or_default() += n;
        }
    }

    /// Counts `n` values of a resource type that only a real provider run
    /// checks ("not checked offline").
    pub(super) fn not_checked(&mut self, resource_type: &str, n: usize) {
        if n > 0 {
            *self.unchecked.entry(resource_type.to_string()).or_default() += n;
        }
    }

    /// The number of errors so far.
    pub(super) fn error_count(&self) -> usize {
        self.errors
    }

    /// `FILE:LINE,COL-COL` as Terraform prints a declaration range.
    pub(super) fn at(&self, span: Span) -> String {
        let r = self.cfg.range(span);
        if r.start.line == r.end.line {
            format!(
                "{}:{},{}-{}",
                r.filename, r.start.line, r.start.column, r.end.column
            )
        } else {
            format!(
                "{}:{},{}-{},{}",
                r.filename, r.start.line, r.start.column, r.end.line, r.end.column
            )
        }
    }

    /// The diagnostics, ordered by (file, byte, summary).
    pub(super) fn finish(mut self) -> (Vec<Diagnostic>, BTreeMap<String, usize>) {
        self.out
            .sort_by(|a, b| (a.0, a.1, &a.2.summary).cmp(&(b.0, b.1, &b.2.summary)));
        (
            self.out.into_iter().map(|(_, _, d)| d).collect(),
            self.unchecked,
        )
    }
}
