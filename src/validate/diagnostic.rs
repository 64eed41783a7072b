//! The one `Diagnostic` type both validators produce, shaped like the
//! diagnostics of `terraform validate -json` plus the resource address,
//! attribute path and source ARM ID atg maps them back to.

use serde::{Deserialize, Serialize};

/// Diagnostic severity, as Terraform spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the configuration invalid.
    Error,
    /// Reported, but the configuration is still valid.
    Warning,
}

/// A position in a file: 1-based line and column, 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
    /// Byte offset, from 0.
    pub byte: usize,
}

/// A source range, as in `terraform validate -json`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Range {
    /// File name relative to the configuration folder.
    pub filename: String,
    /// Start position.
    pub start: Pos,
    /// End position (exclusive).
    pub end: Pos,
}

/// One validation finding.
///
/// `summary` uses Terraform's own wording ("Unsupported argument", "Missing
/// required argument", "Reference to undeclared resource", ...), so one
/// classifier in `iterate::analysis` serves both validators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Terraform's one-line summary.
    pub summary: String,
    /// Terraform's detail text.
    #[serde(default)]
    pub detail: String,
    /// Resource address the finding is in, e.g. `azurerm_subnet.vnet_app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Dotted path of the argument or block inside the resource, e.g. `os_disk.caching`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// The source ARM resource ID of `address`, from `generation_report.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm_id: Option<String>,
    /// Where in the configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
}

impl Diagnostic {
    /// An error with this summary and detail, not yet located.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            address: None,
            attribute: None,
            arm_id: None,
            range: None,
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Terraform's and HCL's "did you mean" suffix: ` Did you mean "NAME"?` for
/// the first candidate, in name order, within Levenshtein distance 2 of
/// `given` (the rule of HCL's `nameSuggestion` and Terraform's
/// `didyoumean.NameSuggestion`), or an empty string.
pub(crate) fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut names: Vec<&str> = candidates.into_iter().collect();
    names.sort_unstable();
    names
        .into_iter()
        .find(|c| strsim::levenshtein(given, c) < 3)
        .map(|c| format!(" Did you mean \"{c}\"?"))
        .unwrap_or_default()
}

/// HCL's detail for an argument the body's schema lacks (native syntax),
/// with a suggestion among `candidates`.
pub(crate) fn unsupported_argument<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    format!(
        "An argument named \"{name}\" is not expected here.{}",
        did_you_mean(name, candidates)
    )
}

/// HCL's detail for a block type the body's schema lacks (native syntax).
pub(crate) fn unsupported_block<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    format!(
        "Blocks of type \"{name}\" are not expected here.{}",
        did_you_mean(name, candidates)
    )
}

/// HCL's detail for a JSON property the body's schema lacks.
pub(crate) fn extraneous_property<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    format!(
        "No argument or block type is named \"{name}\".{}",
        did_you_mean(name, candidates)
    )
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions_follow_hcl_distance_rule() {
        assert_eq!(
            did_you_mean("resorce", ["data", "resource"]),
            " Did you mean \"resource\"?"
        );
        assert_eq!(
            did_you_mean("nope", ["iops", "tags"]),
            " Did you mean \"iops\"?"
        );
        assert_eq!(did_you_mean("bogus", ["ami", "tags"]), "");
    }
}
