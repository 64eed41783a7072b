//! Validation of a Terraform configuration folder: the terraform runner
//! (`init -backend=false`, `validate -json`) and the builtin validator that
//! checks against a provider schema. Both return `Diagnostic`s.
//!
//! Generating the configuration is left to `iac`; classifying diagnostics
//! and remediating is left to `iterate`.
//! (Temporary API surface: the validators land in the next commit.)

mod diagnostic;

pub use diagnostic::{Diagnostic, Pos, Range, Severity};
use std::path::{Path, PathBuf};

/// Which validator to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidatorChoice {
    /// terraform when its providers can be had offline, else builtin.
    Auto,
    /// terraform.
    Terraform,
    /// builtin.
    Builtin,
}

/// Validation options.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Which validator.
    pub validator: ValidatorChoice,
    /// Provider schema files.
    pub schema_files: Vec<PathBuf>,
    /// terraform binary.
    pub terraform_bin: Option<PathBuf>,
    /// Plugin dir.
    pub plugin_dir: Option<PathBuf>,
    /// Schema cache folder.
    pub schema_cache_dir: PathBuf,
}

/// Level of a validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationLevel {
    /// Schema-checked.
    Provider,
    /// No schema.
    Structural,
}

/// Outcome.
#[derive(Debug, Clone)]
pub struct ValidationOutcome {
    /// Validator used.
    pub validator_used: &'static str,
    /// Level.
    pub level: ValidationLevel,
    /// Diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Note.
    pub note: Option<String>,
}

/// Errors.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// Input.
    #[error("{0}")]
    Input(String),
    /// Tool.
    #[error("{0}")]
    Tool(String),
}

impl ValidateError {
    /// Hint.
    pub fn hint(&self) -> String {
        String::new()
    }
}

/// Validates a folder.
pub fn validate_dir(
    _dir: &Path,
    _opts: &ValidateOptions,
) -> Result<ValidationOutcome, ValidateError> {
    Err(ValidateError::Tool("validators not merged yet".into()))
}
