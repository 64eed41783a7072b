//! Comparing iteration folders (`demos/iterationN/`, written by `iterate`):
//! resources by type from `generation_report.json`, validation results from
//! `validate.json`, errors by category from `analysis.json`, and what changed
//! from each iteration to the next.
//!
//! Files are read leniently (unknown keys ignored, missing ones empty), so
//! folders written by older or newer atg versions still compare. Writing
//! the folders is left to `iterate`.

use crate::iac::report::{EmittedResource, SkippedResource, TypeCounts};
use crate::report::{Document, Section};
use crate::validate::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Most iterations one `--iterations` list may name.
pub const MAX_ITERATIONS: usize = 1000;

/// Items listed per change in the document (JSON lists them all).
const LISTED: usize = 20;

/// Parses `180,181,182`, `3-5` or a mix (`1,3-5`) into iteration numbers,
/// in the order given, each once.
///
/// Errors: a one-line reason for anything else, an empty list, a reversed
/// range, or more than `MAX_ITERATIONS` numbers.
pub fn parse_list(s: &str) -> Result<Vec<u32>, String> {
    let mut out: Vec<u32> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let num = |x: &str| {
            x.trim()
                .parse::<u32>()
                .map_err(|_| format!("`{x}` is not an iteration number"))
        };
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => (num(part)?, num(part)?),
        };
        if a > b {
            return Err(format!("range `{part}` runs backwards"));
        }
        if (b - a) as usize >= MAX_ITERATIONS {
            return Err(format!(
                "range `{part}` names more than {MAX_ITERATIONS} iterations"
            ));
        }
        for n in a..=b {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        if out.len() > MAX_ITERATIONS {
            return Err(format!("more than {MAX_ITERATIONS} iterations"));
        }
    }
    if out.is_empty() {
        return Err("no iteration numbers".into());
    }
    Ok(out)
}

/// What `generation_report.json` says, as far as comparing needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerationSummary {
    /// Resources emitted.
    pub emitted_resources: usize,
    /// Resources skipped.
    pub skipped_resources: usize,
    /// Resources of types with no emitter.
    pub unmapped_resources: usize,
    /// Terraform resource blocks.
    pub terraform_blocks: usize,
    /// Counts by ARM type.
    pub by_type: BTreeMap<String, TypeCounts>,
    /// Skipped resources.
    pub skipped: Vec<SkippedResource>,
    /// Emitted resources.
    pub resources: Vec<EmittedResource>,
}

/// What `validate.json` says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValidationSummary {
    /// The validator used.
    pub validator: String,
    /// `provider` or `structural`.
    pub level: String,
    /// No errors.
    pub valid: bool,
    /// Errors.
    pub error_count: usize,
    /// Warnings.
    pub warning_count: usize,
    /// Every diagnostic.
    pub diagnostics: Vec<Diagnostic>,
}

/// What `analysis.json` says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisSummary {
    /// Errors by category.
    pub errors_by_category: BTreeMap<String, usize>,
    /// Remediations learned from this iteration.
    pub remediations_learned: usize,
    /// Errors no rule could remediate.
    pub unremediated: Vec<String>,
}

/// One iteration folder, read.
#[derive(Debug, Clone, PartialEq)]
pub struct IterationData {
    /// The iteration number.
    pub number: u32,
    /// `generation_report.json`.
    pub generation: GenerationSummary,
    /// `validate.json`, if present.
    pub validation: Option<ValidationSummary>,
    /// `analysis.json`, if present.
    pub analysis: Option<AnalysisSummary>,
    /// What was missing or unreadable besides the generation report.
    pub warnings: Vec<String>,
}

/// Why iterations cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum IterationsError {
    /// The folder or its generation report is missing or unreadable.
    #[error("iteration {number}: cannot read `{path}`: {message}")]
    Read {
        /// The iteration.
        number: u32,
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Reads an iteration file that may be missing, noting why in `warnings`.
fn read_optional<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    name: &str,
    n: u32,
    warnings: &mut Vec<String>,
) -> Option<T> {
    let p = dir.join(name);
    match read_json(&p) {
        Ok(v) => Some(v),
        Err(e) => {
            warnings.push(format!(
                "iteration {n}: no usable `{}` ({e}); shown as `-`",
                p.display()
            ));
            None
        }
    }
}

/// Reads `root/iterationN/` for each number.
///
/// Errors: `Read` when a folder has no readable `generation_report.json`.
/// A missing or unreadable `validate.json` / `analysis.json` (an
/// interrupted iteration) is a warning in `IterationData::warnings`.
pub fn load(root: &Path, numbers: &[u32]) -> Result<Vec<IterationData>, IterationsError> {
    numbers
        .iter()
        .map(|&n| {
            let dir = root.join(format!("iteration{n}"));
            let gen_path = dir.join("generation_report.json");
            let generation = read_json(&gen_path).map_err(|message| IterationsError::Read {
                number: n,
                path: gen_path.display().to_string(),
                message,
            })?;
            let mut warnings = Vec::new();
            let validation = read_optional(&dir, "validate.json", n, &mut warnings);
            let analysis = read_optional(&dir, "analysis.json", n, &mut warnings);
            Ok(IterationData {
                number: n,
                generation,
                validation,
                analysis,
                warnings,
            })
        })
        .collect()
}

/// One iteration's headline figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IterationRow {
    /// The iteration.
    pub iteration: u32,
    /// Resources emitted.
    pub resources: usize,
    /// Resources skipped.
    pub skipped: usize,
    /// Terraform resource blocks.
    pub terraform_blocks: usize,
    /// Validator and level, e.g. `builtin (provider)`.
    pub validator: Option<String>,
    /// Whether validation passed.
    pub valid: Option<bool>,
    /// Errors.
    pub errors: Option<usize>,
    /// Warnings.
    pub warnings: Option<usize>,
    /// Remediations learned.
    pub remediations_learned: Option<usize>,
}

/// A resource type whose emitted count changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeChange {
    /// ARM type.
    pub r#type: String,
    /// Emitted before.
    pub from: usize,
    /// Emitted after.
    pub to: usize,
}

/// A resource skipped in the later iteration and not in the earlier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedChange {
    /// ARM resource ID.
    pub arm_id: String,
    /// Why, as `generation_report.json` says (e.g. `remediation`).
    pub reason: String,
}

/// What changed from one iteration to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The earlier iteration.
    pub from: u32,
    /// The later iteration.
    pub to: u32,
    /// Types whose emitted count changed.
    pub types: Vec<TypeChange>,
    /// ARM IDs emitted now and not before.
    pub resources_added: Vec<String>,
    /// ARM IDs emitted before and not now.
    pub resources_removed: Vec<String>,
    /// Newly skipped, with the reason.
    pub newly_skipped: Vec<SkippedChange>,
    /// Skipped before, not now.
    pub no_longer_skipped: Vec<String>,
    /// Errors gone: `summary at address (attribute)`.
    pub errors_fixed: Vec<String>,
    /// Errors that appeared.
    pub errors_new: Vec<String>,
}

/// The comparison of several iterations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IterationsComparison {
    /// The iterations, in the order asked for.
    pub iterations: Vec<IterationRow>,
    /// Emitted resources per ARM type, one count per iteration.
    pub resources_by_type: BTreeMap<String, Vec<usize>>,
    /// Errors per category, one count per iteration (`null`: no analysis).
    pub errors_by_category: BTreeMap<String, Vec<Option<usize>>>,
    /// Changes between neighbours in the list.
    pub changes: Vec<Change>,
}

fn error_key(d: &Diagnostic) -> String {
    let mut s = d.summary.clone();
    if let Some(a) = &d.address {
        s.push_str(&format!(" at {a}"));
    }
    if let Some(attr) = &d.attribute {
        s.push_str(&format!(" ({attr})"));
    }
    s
}

fn set_diff(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
    a.difference(b).cloned().collect()
}

fn change(a: &IterationData, b: &IterationData) -> Change {
    let emitted = |d: &IterationData| -> BTreeSet<String> {
        d.generation
            .resources
            .iter()
            .map(|r| r.arm_id.clone())
            .collect()
    };
    let skipped = |d: &IterationData| -> BTreeMap<String, String> {
        d.generation
            .skipped
            .iter()
            .map(|s| (s.arm_id.clone(), s.reason.clone()))
            .collect()
    };
    let errors = |d: &IterationData| -> BTreeSet<String> {
        d.validation
            .iter()
            .flat_map(|v| v.diagnostics.iter())
            .filter(|d| d.is_error())
            .map(error_key)
            .collect()
    };
    let (ea, eb) = (emitted(a), emitted(b));
    let (sa, sb) = (skipped(a), skipped(b));
    let (xa, xb) = (errors(a), errors(b));
    let types: BTreeSet<&String> = a
        .generation
        .by_type
        .keys()
        .chain(b.generation.by_type.keys())
        .collect();
    let count = |d: &IterationData, t: &str| d.generation.by_type.get(t).map_or(0, |c| c.emitted);
    Change {
        from: a.number,
        to: b.number,
        types: types
            .into_iter()
            .filter(|t| count(a, t) != count(b, t))
            .map(|t| TypeChange {
                r#type: t.clone(),
                from: count(a, t),
                to: count(b, t),
            })
            .collect(),
        resources_added: set_diff(&eb, &ea),
        resources_removed: set_diff(&ea, &eb),
        newly_skipped: sb
            .iter()
            .filter(|(id, _)| !sa.contains_key(*id))
            .map(|(id, reason)| SkippedChange {
                arm_id: id.clone(),
                reason: reason.clone(),
            })
            .collect(),
        no_longer_skipped: sa
            .keys()
            .filter(|id| !sb.contains_key(*id))
            .cloned()
            .collect(),
        errors_fixed: set_diff(&xa, &xb),
        errors_new: set_diff(&xb, &xa),
    }
}

/// Compares iterations in the order given.
pub fn compare(its: &[IterationData]) -> IterationsComparison {
    let iterations = its
        .iter()
        .map(|d| IterationRow {
            iteration: d.number,
            resources: d.generation.emitted_resources,
            skipped: d.generation.skipped_resources,
            terraform_blocks: d.generation.terraform_blocks,
            validator: d
                .validation
                .as_ref()
                .map(|v| format!("{} ({})", v.validator, v.level)),
            valid: d.validation.as_ref().map(|v| v.valid),
            errors: d.validation.as_ref().map(|v| v.error_count),
            warnings: d.validation.as_ref().map(|v| v.warning_count),
            remediations_learned: d.analysis.as_ref().map(|a| a.remediations_learned),
        })
        .collect();
    let types: BTreeSet<&String> = its
        .iter()
        .flat_map(|d| d.generation.by_type.keys())
        .collect();
    let resources_by_type = types
        .into_iter()
        .map(|t| {
            (
                t.clone(),
                its.iter()
                    .map(|d| d.generation.by_type.get(t).map_or(0, |c| c.emitted))
                    .collect(),
            )
        })
        .collect();
    let categories: BTreeSet<&String> = its
        .iter()
        .flat_map(|d| d.analysis.iter().flat_map(|a| a.errors_by_category.keys()))
        .collect();
    let errors_by_category = categories
        .into_iter()
        .map(|c| {
            (
                c.clone(),
                its.iter()
                    .map(|d| {
                        d.analysis
                            .as_ref()
                            .map(|a| a.errors_by_category.get(c).copied().unwrap_or(0))
                    })
                    .collect(),
            )
        })
        .collect();
    IterationsComparison {
        iterations,
        resources_by_type,
        errors_by_category,
        changes: its.windows(2).map(|w| change(&w[0], &w[1])).collect(),
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_else(|| "-".into())
}

/// A list under `label`: the first `LISTED` items, then how many more.
fn list_lines(s: &mut Section, label: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    s.lines.push(format!("- {label} ({}):", items.len()));
    for i in items.iter().take(LISTED) {
        s.lines.push(format!("  - {i}"));
    }
    if items.len() > LISTED {
        s.lines.push(format!(
            "  - … and {} more (see `--format json`)",
            items.len() - LISTED
        ));
    }
}

/// The comparison as a document; the same folders give the same bytes.
pub fn document(c: &IterationsComparison) -> Document {
    let names: Vec<String> = c
        .iterations
        .iter()
        .map(|r| r.iteration.to_string())
        .collect();
    let mut doc = Document::new(format!("Iterations {}", names.join(", ")));
    let rows = c
        .iterations
        .iter()
        .map(|r| {
            vec![
                r.iteration.to_string(),
                r.resources.to_string(),
                r.skipped.to_string(),
                r.terraform_blocks.to_string(),
                opt(&r.validator),
                match r.valid {
                    Some(true) => "pass".into(),
                    Some(false) => "fail".into(),
                    None => "-".into(),
                },
                opt(&r.errors),
                opt(&r.warnings),
                opt(&r.remediations_learned),
            ]
        })
        .collect();
    doc.sections.push(Section::new("Summary").table(
        &[
            "#iteration",
            "#resources",
            "#skipped",
            "#blocks",
            "validator",
            "result",
            "#errors",
            "#warnings",
            "#learned",
        ],
        rows,
    ));
    let headers: Vec<String> = std::iter::once("resource type".to_string())
        .chain(names.iter().map(|n| format!("#{n}")))
        .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    doc.sections.push(
        Section::new("Resources by type").table(
            &refs,
            c.resources_by_type
                .iter()
                .map(|(t, v)| {
                    std::iter::once(t.clone())
                        .chain(v.iter().map(|n| n.to_string()))
                        .collect()
                })
                .collect(),
        ),
    );
    let mut cat_headers = headers.clone();
    cat_headers[0] = "error category".into();
    let refs: Vec<&str> = cat_headers.iter().map(String::as_str).collect();
    let mut s = Section::new("Errors by category");
    if c.errors_by_category.is_empty() {
        s = s.line("No analysis to compare.");
    }
    doc.sections.push(
        s.table(
            &refs,
            c.errors_by_category
                .iter()
                .map(|(t, v)| {
                    std::iter::once(t.clone())
                        .chain(v.iter().map(opt))
                        .collect()
                })
                .collect(),
        ),
    );
    for ch in &c.changes {
        let mut s = Section::new(format!("Changes from {} to {}", ch.from, ch.to));
        for t in &ch.types {
            s.lines
                .push(format!("- `{}`: {} → {} emitted", t.r#type, t.from, t.to));
        }
        let code = |v: &[String]| -> Vec<String> { v.iter().map(|x| format!("`{x}`")).collect() };
        list_lines(&mut s, "resources emitted now", &code(&ch.resources_added));
        list_lines(
            &mut s,
            "resources no longer emitted",
            &code(&ch.resources_removed),
        );
        let skipped: Vec<String> = ch
            .newly_skipped
            .iter()
            .map(|x| format!("`{}` ({})", x.arm_id, x.reason))
            .collect();
        list_lines(&mut s, "newly skipped", &skipped);
        list_lines(&mut s, "no longer skipped", &code(&ch.no_longer_skipped));
        list_lines(&mut s, "errors fixed", &code(&ch.errors_fixed));
        list_lines(&mut s, "new errors", &code(&ch.errors_new));
        if s.lines.is_empty() {
            s.lines.push("Nothing changed.".into());
        }
        doc.sections.push(s);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges_parse() {
        assert_eq!(parse_list("180,181,182").unwrap(), [180, 181, 182]);
        assert_eq!(parse_list("3-5").unwrap(), [3, 4, 5]);
        assert_eq!(parse_list("1, 3-4,3").unwrap(), [1, 3, 4]);
        assert!(parse_list("5-3").unwrap_err().contains("backwards"));
        assert!(parse_list("a").unwrap_err().contains("`a`"));
        assert!(parse_list("").is_err());
        assert!(parse_list("1-100000").is_err());
    }
}
