//! `atg validate DIR`: run the chosen validator and print its diagnostics.

use crate::cli::ReportFormat;
use crate::cli::validate::{ValidateArgs, ValidatorArg, ValidatorArgs};
use crate::error::{CliError, ExitStatus};
use crate::iterate::run::level_name;
use crate::output::Printer;
use crate::report;
use crate::validate::{
    self, Diagnostic, ValidateError, ValidateOptions, ValidationOutcome, ValidatorChoice,
};
use serde::Serialize;
use std::path::PathBuf;

/// Folder of cached provider schemas, relative to the working directory.
pub const SCHEMA_CACHE_DIR: &str = ".atg/schemas";

/// Validation options from the validator flags.
pub fn options(args: &ValidatorArgs) -> ValidateOptions {
    ValidateOptions {
        validator: match args.validator {
            ValidatorArg::Auto => ValidatorChoice::Auto,
            ValidatorArg::Terraform => ValidatorChoice::Terraform,
            ValidatorArg::Builtin => ValidatorChoice::Builtin,
        },
        schema_files: args.provider_schemas.clone(),
        checks_files: args.provider_checks.clone(),
        terraform_bin: args.terraform_bin.clone(),
        // terraform runs inside the configuration folder: a relative
        // `--plugin-dir` means one relative to where atg was started.
        plugin_dir: args
            .plugin_dir
            .as_ref()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())),
        schema_cache_dir: PathBuf::from(SCHEMA_CACHE_DIR),
    }
}

/// Converts a validator error: bad input exits 2, a failing tool 3. The
/// error's sources become `caused by:` lines.
pub fn cli_error(e: ValidateError) -> CliError {
    let hint = e.hint();
    let mut err = if e.is_input_error() {
        CliError::input(e.to_string())
    } else {
        CliError::tool(e.to_string())
    };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        err = err.caused_by(s);
        source = s.source();
    }
    err.with_hint(hint)
}

#[derive(Serialize)]
struct ValidateJson<'a> {
    valid: bool,
    validator: &'a str,
    level: &'static str,
    note: Option<&'a str>,
    error_count: usize,
    warning_count: usize,
    /// Resource type → known values only a real provider run checks.
    not_checked_offline: &'a std::collections::BTreeMap<String, usize>,
    diagnostics: &'a [Diagnostic],
}

/// One line on the values the builtin validator could not check offline,
/// by resource type (most first), or `None` when there are none.
pub fn not_checked_line(counts: &std::collections::BTreeMap<String, usize>) -> Option<String> {
    let total: usize = counts.values().sum();
    if total == 0 {
        return None;
    }
    let mut by: Vec<(&String, &usize)> = counts.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut list: Vec<String> = by.iter().take(5).map(|(t, n)| format!("{t} {n}")).collect();
    if by.len() > 5 {
        list.push(format!("{} more types", by.len() - 5));
    }
    Some(format!(
        "not checked offline: {total} {} ({}); only a real provider run checks {}",
        if total == 1 { "value" } else { "values" },
        list.join(", "),
        if total == 1 { "it" } else { "them" }
    ))
}

/// Table rows for diagnostics: severity, summary, address, location, detail.
pub fn diagnostic_rows(diags: &[Diagnostic]) -> Vec<Vec<String>> {
    diags
        .iter()
        .map(|d| {
            let at = d
                .range
                .as_ref()
                .map(|r| format!("{}:{}", r.filename, r.start.line))
                .unwrap_or_default();
            let addr = match (&d.address, &d.attribute) {
                (Some(a), Some(p)) => format!("{a} ({p})"),
                (Some(a), None) => a.clone(),
                _ => String::new(),
            };
            vec![
                format!("{:?}", d.severity).to_lowercase(),
                d.summary.clone(),
                addr,
                at,
                d.detail.clone(),
            ]
        })
        .collect()
}

/// Runs `atg validate`.
pub async fn run(args: ValidateArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let opts = options(&args.validator);
    let outcome: ValidationOutcome = validate::validate_dir(&args.dir, &opts).map_err(cli_error)?;
    if let Some(note) = &outcome.note {
        printer.status(note);
    }
    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = outcome.diagnostics.len() - errors;
    match args.format {
        ReportFormat::Json => printer.data(&report::json(&ValidateJson {
            valid: errors == 0,
            validator: outcome.validator_used,
            level: level_name(outcome.level),
            note: outcome.note.as_deref(),
            error_count: errors,
            warning_count: warnings,
            not_checked_offline: &outcome.not_checked_offline,
            diagnostics: &outcome.diagnostics,
        })),
        ReportFormat::Table => {
            if !outcome.diagnostics.is_empty() {
                printer.data(&report::table(
                    &["severity", "summary", "resource", "at", "detail"],
                    &diagnostic_rows(&outcome.diagnostics),
                ));
            }
            if let Some(line) = not_checked_line(&outcome.not_checked_offline) {
                printer.status(&line);
            }
            printer.status(&format!(
                "{}: {} errors, {} warnings ({} validator, {} level)",
                if errors == 0 { "Valid" } else { "Invalid" },
                errors,
                warnings,
                outcome.validator_used,
                level_name(outcome.level)
            ));
        }
    }
    Ok(if errors == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::CheckFailed
    })
}
