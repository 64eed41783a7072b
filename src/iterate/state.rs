//! `demos/iteration_state.json`: the last iteration, consecutive passes,
//! recorded remediations and a per-iteration history. Written atomically
//! after every phase that changes it, so Ctrl-C or a crash leaves the old or
//! the new state, whole, and the next run resumes.

use super::analysis::Proposal;
use crate::iac::Adjustments;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Current format version of the state file.
pub const STATE_VERSION: u32 = 1;

/// File name of the state inside the output root.
pub const STATE_FILE: &str = "iteration_state.json";

/// One remediation as recorded: which iteration learned it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRemediation {
    /// The iteration whose diagnostics caused it.
    pub learned_in: u32,
    /// The remediation and its cause.
    #[serde(flatten)]
    pub proposal: Proposal,
}

/// One completed iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    /// Iteration number N (`demos/iterationN`).
    pub iteration: u32,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Wall time in seconds.
    pub duration_seconds: f64,
    /// Source resources emitted.
    pub resources: usize,
    /// Terraform resource blocks written.
    pub terraform_blocks: usize,
    /// Resources skipped (including by remediation).
    pub skipped: usize,
    /// `terraform` or `builtin`.
    pub validator: String,
    /// `provider` (argument-level checks ran) or `structural` (no provider schema).
    pub level: String,
    /// True when validation found no errors.
    pub passed: bool,
    /// Error count.
    pub errors: usize,
    /// Warning count.
    pub warnings: usize,
    /// Error count by category.
    pub errors_by_category: BTreeMap<String, usize>,
    /// Remediations in force for this iteration.
    pub remediations_applied: usize,
    /// New remediations this iteration's diagnostics produced.
    pub remediations_learned: usize,
}

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationState {
    /// Format version.
    pub version: u32,
    /// Snapshot the iterations were generated from.
    pub scan_id: Option<String>,
    /// The last completed iteration, 0 before the first.
    pub last_iteration: u32,
    /// An iteration that started and did not complete (interrupted); the
    /// next run redoes it.
    #[serde(default)]
    pub in_progress: Option<u32>,
    /// Consecutive passes ending at `last_iteration`.
    pub consecutive_passes: u32,
    /// Consecutive passes that counted as provider-validated (level `provider`).
    pub consecutive_provider_passes: u32,
    /// The threshold of the last run.
    pub threshold: u32,
    /// Remediations learned so far, applied to every later iteration.
    pub remediations: Vec<RecordedRemediation>,
    /// The adjustments those remediations amount to.
    pub adjustments: Adjustments,
    /// Completed iterations, oldest first.
    pub history: Vec<IterationRecord>,
}

impl Default for IterationState {
    fn default() -> Self {
        IterationState {
            version: STATE_VERSION,
            scan_id: None,
            last_iteration: 0,
            in_progress: None,
            consecutive_passes: 0,
            consecutive_provider_passes: 0,
            threshold: 3,
            remediations: Vec::new(),
            adjustments: Adjustments::default(),
            history: Vec::new(),
        }
    }
}

/// Errors reading or writing the state file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file exists but cannot be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a state file of a version this atg reads.
    #[error("`{path}` is not a valid iteration state: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The file cannot be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl IterationState {
    /// Loads the state from `root/iteration_state.json`; a missing file is a
    /// fresh state.
    ///
    /// Errors: `Read` for I/O errors, `Invalid` for a file that does not parse
    /// or has a newer version (it is left untouched).
    pub fn load(root: &Path) -> Result<Self, StateError> {
        let path = root.join(STATE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(StateError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let state: IterationState =
            serde_json::from_str(&text).map_err(|e| StateError::Invalid {
                path: path.display().to_string(),
                message: format!("line {} column {}: {e}", e.line(), e.column()),
            })?;
        if state.version > STATE_VERSION {
            return Err(StateError::Invalid {
                path: path.display().to_string(),
                message: format!(
                    "version {} is newer than this atg reads ({STATE_VERSION})",
                    state.version
                ),
            });
        }
        Ok(state)
    }

    /// Writes the state atomically to `root/iteration_state.json`.
    ///
    /// Errors: `Write`.
    pub fn save(&self, root: &Path) -> Result<(), StateError> {
        let path = root.join(STATE_FILE);
        let mut text = serde_json::to_string_pretty(self).expect("state serialises");
        text.push('\n');
        crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|source| StateError::Write {
            path: path.display().to_string(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_fresh_and_saved_state_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            IterationState::load(dir.path()).unwrap(),
            IterationState::default()
        );
        let mut s = IterationState {
            last_iteration: 4,
            consecutive_passes: 2,
            in_progress: Some(5),
            ..Default::default()
        };
        s.adjustments.skip.insert("/x".into(), "why".into());
        s.save(dir.path()).unwrap();
        assert_eq!(IterationState::load(dir.path()).unwrap(), s);
    }

    #[test]
    fn corrupt_state_is_an_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATE_FILE), "{ truncated").unwrap();
        let err = IterationState::load(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("is not a valid iteration state"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(STATE_FILE)).unwrap(),
            "{ truncated"
        );
    }
}
