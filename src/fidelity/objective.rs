//! The objective file (OBJECTIVE.md): the target fidelity and the other
//! pass conditions a copy must meet, and the check of a fidelity report
//! against them.
//!
//! The format (documented in the project's own OBJECTIVE.md):
//! - the first line that mentions `fidelity` (or starts `target:`) with a
//!   percentage, e.g. `Target fidelity: 95%` or Azure Tenant Grapher's
//!   `95% fidelity`, sets the target fidelity; it becomes the condition
//!   `overall >= 95%`;
//! - under a heading `Pass conditions` (any level), each list item is one
//!   condition, `METRIC OP VALUE[%]`, optionally in backticks and followed
//!   by an explanation: ``- `resource_match >= 95%`: nearly every source
//!   resource has a copy``.
//!
//! The report, and the shape of a check's outcome in it
//! (`ObjectiveResult`), are `score`'s; this module depends on it, never the
//! reverse.

pub use super::score::{ConditionResult, ObjectiveResult};
use super::score::{FidelityReport, ratio};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A measured quantity a condition constrains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// Count fidelity: target ÷ source resources × 100.
    Overall,
    /// Paired source resources ÷ source resources × 100.
    ResourceMatch,
    /// Exactly matching source resources ÷ source resources × 100.
    ExactMatch,
    /// Preserved ÷ comparable relationships × 100.
    Relationships,
    /// Paired ÷ source resource groups × 100.
    ResourceGroups,
    /// Drifted resources (a count).
    Drifted,
    /// Source resources without a copy (a count).
    MissingTarget,
    /// Target resources without an original (a count).
    MissingSource,
    /// Paired ÷ source resources of one lowercase ARM type × 100.
    Type(String),
}

impl Metric {
    /// The metric's spelling in an objective file.
    pub fn name(&self) -> String {
        match self {
            Metric::Overall => "overall".into(),
            Metric::ResourceMatch => "resource_match".into(),
            Metric::ExactMatch => "exact_match".into(),
            Metric::Relationships => "relationships".into(),
            Metric::ResourceGroups => "resource_groups".into(),
            Metric::Drifted => "drifted".into(),
            Metric::MissingTarget => "missing_target".into(),
            Metric::MissingSource => "missing_source".into(),
            Metric::Type(t) => format!("type {t}"),
        }
    }

    fn parse(s: &str) -> Option<Metric> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(t) = s.strip_prefix("type ") {
            let t = t.trim();
            return (t.contains('/') && !t.contains(' ')).then(|| Metric::Type(t.to_string()));
        }
        Some(match s.as_str() {
            "overall" => Metric::Overall,
            "resource_match" => Metric::ResourceMatch,
            "exact_match" => Metric::ExactMatch,
            "relationships" => Metric::Relationships,
            "resource_groups" => Metric::ResourceGroups,
            "drifted" => Metric::Drifted,
            "missing_target" => Metric::MissingTarget,
            "missing_source" => Metric::MissingSource,
            _ => return None,
        })
    }

    /// True for counts; false for percentages.
    pub fn is_count(&self) -> bool {
        matches!(
            self,
            Metric::Drifted | Metric::MissingTarget | Metric::MissingSource
        )
    }

    /// The metric's exact value in a report (percentages unrounded).
    pub fn value(&self, r: &FidelityReport) -> f64 {
        let rl = &r.resource_level;
        let c = &rl.counts;
        match self {
            Metric::Overall => ratio(r.target.resources, r.source.resources),
            Metric::ResourceMatch => ratio(c.matched(), c.source),
            Metric::ExactMatch => ratio(c.exact_match, c.source),
            Metric::Relationships => ratio(rl.relationships.preserved, rl.relationships.comparable),
            Metric::ResourceGroups => ratio(rl.resource_groups.matched, rl.resource_groups.source),
            Metric::Drifted => c.drifted as f64,
            Metric::MissingTarget => c.missing_target as f64,
            Metric::MissingSource => c.missing_source as f64,
            Metric::Type(t) => rl
                .by_type
                .get(t)
                .map(|l| ratio(l.counts.matched(), l.counts.source))
                .unwrap_or(100.0),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `==` (or `=`)
    Eq,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            ">=" | "≥" => Op::Ge,
            ">" => Op::Gt,
            "<=" | "≤" => Op::Le,
            "<" => Op::Lt,
            "==" | "=" => Op::Eq,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Eq => "==",
        }
    }

    fn holds(self, actual: f64, bound: f64) -> bool {
        match self {
            Op::Ge => actual >= bound,
            Op::Gt => actual > bound,
            Op::Le => actual <= bound,
            Op::Lt => actual < bound,
            Op::Eq => (actual - bound).abs() < 1e-9,
        }
    }
}

/// One pass condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// What is measured.
    pub metric: Metric,
    /// How it is compared.
    pub op: Op,
    /// The bound (percent 0–100 for percentages).
    pub value: f64,
    /// The 1-based line of the objective file it came from.
    pub line: usize,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.metric.is_count() { "" } else { "%" };
        write!(
            f,
            "{} {} {}{unit}",
            self.metric.name(),
            self.op.as_str(),
            self.value
        )
    }
}

/// A parsed objective file.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// The target fidelity, percent, if the file states one.
    pub target_fidelity: Option<f64>,
    /// Every condition, the target fidelity's first.
    pub conditions: Vec<Condition>,
}

/// Why an objective file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ObjectiveError {
    /// A list item under "Pass conditions" is not `METRIC OP VALUE`.
    #[error(
        "line {line}: `{text}` is not a pass condition (`METRIC OP VALUE`, e.g. `resource_match >= 95%`)"
    )]
    BadCondition {
        /// 1-based line.
        line: usize,
        /// The item.
        text: String,
    },
    /// Neither a target fidelity nor a condition was found.
    #[error("states no target fidelity and no pass conditions")]
    Empty,
}

/// The first `NUMBER%` in a line, e.g. `95` in `at least 95% fidelity`.
fn percent_in(line: &str) -> Option<f64> {
    let b = line.as_bytes();
    let pct = line.find('%')?;
    let mut start = pct;
    while start > 0 && (b[start - 1].is_ascii_digit() || b[start - 1] == b'.') {
        start -= 1;
    }
    line[start..pct].parse().ok()
}

fn parse_condition(item: &str, line: usize) -> Result<Condition, ObjectiveError> {
    let bad = || ObjectiveError::BadCondition {
        line,
        text: item.trim().to_string(),
    };
    let text = match item.split('`').nth(1) {
        Some(inner) if item.contains('`') => inner,
        _ => item,
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let op_at = words
        .iter()
        .position(|w| Op::parse(w).is_some())
        .ok_or_else(bad)?;
    let metric = Metric::parse(&words[..op_at].join(" ")).ok_or_else(bad)?;
    let op = Op::parse(words[op_at]).ok_or_else(bad)?;
    let value = words
        .get(op_at + 1)
        .map(|v| v.trim_end_matches([':', ',', ';']).trim_end_matches('%'))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(bad)?;
    Ok(Condition {
        metric,
        op,
        value,
        line,
    })
}

/// Parses an objective file's text.
///
/// Errors: `BadCondition` for a list item under "Pass conditions" that is
/// not a condition, `Empty` when the file states nothing checkable.
pub fn parse(text: &str) -> Result<Objective, ObjectiveError> {
    let mut target = None;
    let mut conditions = Vec::new();
    let mut in_conditions = false;
    let mut in_code = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if line.starts_with('#') {
            in_conditions = line
                .trim_start_matches('#')
                .trim()
                .eq_ignore_ascii_case("pass conditions");
            continue;
        }
        if in_conditions && let Some(item) = line.strip_prefix("- ").or(line.strip_prefix("* ")) {
            conditions.push(parse_condition(item, i + 1)?);
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if target.is_none()
            && (lower.contains("fidelity") || lower.starts_with("target:"))
            && let Some(p) = percent_in(line)
        {
            target = Some(p);
            conditions.insert(
                0,
                Condition {
                    metric: Metric::Overall,
                    op: Op::Ge,
                    value: p,
                    line: i + 1,
                },
            );
        }
    }
    if conditions.is_empty() {
        return Err(ObjectiveError::Empty);
    }
    Ok(Objective {
        target_fidelity: target,
        conditions,
    })
}

/// Checks a report against an objective.
pub fn check(objective: &Objective, report: &FidelityReport, file: &str) -> ObjectiveResult {
    let conditions: Vec<ConditionResult> = objective
        .conditions
        .iter()
        .map(|c| {
            let actual = c.metric.value(report);
            ConditionResult {
                condition: c.to_string(),
                actual: if c.metric.is_count() {
                    actual
                } else {
                    super::score::round1(actual)
                },
                met: c.op.holds(actual, c.value),
            }
        })
        .collect();
    ObjectiveResult {
        file: file.to_string(),
        met: conditions.iter().all(|c| c.met),
        conditions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_target_fidelity_and_conditions() {
        let o = parse(
            "# Objective\n\nReplicate with at least 95% fidelity.\n\n## Pass conditions\n\n- `resource_match >= 90%`: most resources\n- missing_source <= 0\n- type microsoft.compute/virtualmachines >= 100%\n\n## Notes\n- not a condition\n",
        )
        .unwrap();
        assert_eq!(o.target_fidelity, Some(95.0));
        let shown: Vec<String> = o.conditions.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            shown,
            [
                "overall >= 95%",
                "resource_match >= 90%",
                "missing_source <= 0",
                "type microsoft.compute/virtualmachines >= 100%"
            ]
        );
        assert_eq!(o.conditions[1].line, 7);
    }

    #[test]
    fn python_style_objectives_still_parse() {
        let o = parse("Target: 80% of resources\n").unwrap();
        assert_eq!(o.target_fidelity, Some(80.0));
        assert_eq!(parse("nothing here\n"), Err(ObjectiveError::Empty));
    }

    #[test]
    fn a_bad_condition_names_its_line() {
        let e = parse("## Pass conditions\n- resource_match is high\n").unwrap_err();
        assert_eq!(
            e,
            ObjectiveError::BadCondition {
                line: 2,
                text: "resource_match is high".into()
            }
        );
    }
}
