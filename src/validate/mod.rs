//! Validation of a Terraform configuration folder: the terraform runner
//! (`init -backend=false`, `validate -json`) and the builtin validator that
//! checks against a provider schema. Both return `Diagnostic`s.
//!
//! Generating the configuration is left to `iac`; classifying diagnostics
//! and remediating is left to `iterate`.

pub mod builtin;
pub mod config;
mod diagnostic;
pub mod schema;
pub mod terraform;

pub use diagnostic::{Diagnostic, Pos, Range, Severity};

/// How deep a validation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationLevel {
    /// Arguments were checked against provider schemas.
    Provider,
    /// Only syntax, references and duplicates (no provider schema).
    Structural,
}
