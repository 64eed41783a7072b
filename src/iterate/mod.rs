//! The iterate loop: generate → validate → analyse → remediate until the
//! configuration passes `threshold` times in a row. `analysis` classifies
//! diagnostics and proposes remediations, `state` keeps
//! `iteration_state.json`, and `run` drives the loop.

pub mod analysis;
pub mod run;
pub mod state;

pub use analysis::{Analysis, Category, Remediation};
pub use run::{IterateError, IterateOutcome, IterateSettings, Stop, run};
pub use state::{IterationRecord, IterationState};
