//! The fidelity report: count fidelity in Azure Tenant Grapher's JSON
//! shape (`timestamp`, `source`, `target`, `fidelity{overall, by_type,
//! missing_resources, objective_met, target_fidelity}`), plus atg's
//! resource-level figures.
//!
//! Count fidelity follows the Python tool: target count ÷ source count ×
//! 100, so extra resources can lift it above 100. The resource-level
//! figures cannot be fooled that way: a resource counts only when its copy
//! is found. Percentages are 0–100 (count fidelity may exceed 100), rounded
//! to one decimal in the report; checks use the exact ratios (`Metric`).

use super::compare::{Comparison, GroupResult, RelationshipResult, ResourceResult, StatusCounts};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default target fidelity, percent, when no objective says otherwise (the
/// Python tool's default).
pub const DEFAULT_TARGET_FIDELITY: f64 = 95.0;

/// What one side holds (the Python tool's `source` / `target` objects,
/// plus the scan).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SideCounts {
    /// The subscription compared, or the scan's only one.
    pub subscription_id: Option<String>,
    /// The scan the figures come from.
    pub scan_id: Option<String>,
    /// Resources.
    pub resources: u64,
    /// Relationships.
    pub relationships: u64,
    /// Resource groups.
    pub resource_groups: u64,
    /// Distinct ARM types.
    pub resource_types: u64,
}

/// Count fidelity, in the Python tool's shape plus resource groups and
/// relationships.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CountFidelity {
    /// Target resources ÷ source resources × 100.
    pub overall: f64,
    /// Per source ARM type (lowercase): target count ÷ source count × 100.
    pub by_type: BTreeMap<String, f64>,
    /// Source resources minus target resources, at least 0.
    pub missing_resources: u64,
    /// Whether the objective is met: every condition of `--check-objective`,
    /// or else `overall >= target_fidelity`.
    pub objective_met: bool,
    /// The target fidelity, percent.
    pub target_fidelity: f64,
    /// Target resource groups ÷ source resource groups × 100.
    pub resource_groups: f64,
    /// Target relationships ÷ source relationships × 100.
    pub relationships: f64,
}

/// Resource-level counts and shares for one ARM type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypeLevel {
    /// The counts.
    #[serde(flatten)]
    pub counts: StatusCounts,
    /// Paired source resources ÷ source resources × 100.
    pub matched_percent: f64,
}

/// atg's resource-level figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceLevel {
    /// Counts over all types.
    #[serde(flatten)]
    pub counts: StatusCounts,
    /// Paired source resources ÷ source resources × 100.
    pub matched_percent: f64,
    /// Exactly matching source resources ÷ source resources × 100.
    pub exact_percent: f64,
    /// Per lowercase ARM type.
    pub by_type: BTreeMap<String, TypeLevel>,
    /// Resource groups paired by normalised name.
    pub resource_groups: GroupResult,
    /// Paired source resource groups ÷ source resource groups × 100.
    pub resource_groups_percent: f64,
    /// Relationships over paired endpoints.
    pub relationships: RelationshipResult,
    /// Preserved ÷ comparable relationships × 100.
    pub relationships_percent: f64,
}

/// The outcome of one condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionResult {
    /// The condition as written, normalised (e.g. `resource_match >= 95%`).
    pub condition: String,
    /// The measured value (percentages to one decimal).
    pub actual: f64,
    /// Whether it holds.
    pub met: bool,
}

/// The outcome of an objective check (`objective::check` makes it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveResult {
    /// The objective file.
    pub file: String,
    /// Every condition holds.
    pub met: bool,
    /// Each condition's outcome, in file order.
    pub conditions: Vec<ConditionResult>,
}

/// The whole fidelity report (`atg fidelity --format json`, and one line
/// of `fidelity_history.jsonl` without `resources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FidelityReport {
    /// When it was computed, RFC 3339 UTC.
    pub timestamp: String,
    /// The source side.
    pub source: SideCounts,
    /// The target side.
    pub target: SideCounts,
    /// Count fidelity (the Python tool's keys).
    pub fidelity: CountFidelity,
    /// `N` of the target's `ITERATION{N}_` resource groups, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iteration: Option<u32>,
    /// Resource-level figures.
    pub resource_level: ResourceLevel,
    /// The objective check, with `--check-objective`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<ObjectiveResult>,
    /// Every resource's verdict (left out of history lines).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceResult>,
}

/// `part ÷ whole × 100`, exact; 100 when `whole` is 0 (nothing to copy).
pub fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Rounds a percentage to one decimal, as reports show it.
pub fn round1(p: f64) -> f64 {
    (p * 10.0).round() / 10.0
}

/// Builds the report of a comparison (taking its per-resource verdicts). `objective_met` is filled in by the
/// caller's objective check, or here as `overall >= target_fidelity`.
pub fn report(c: Comparison, timestamp: String, target_fidelity: f64) -> FidelityReport {
    let side = |s: &super::compare::ScopeSummary| SideCounts {
        subscription_id: s.subscription_id.clone(),
        scan_id: Some(s.scan_id.clone()),
        resources: s.resources,
        relationships: s.relationships,
        resource_groups: s.resource_groups,
        resource_types: s.resource_types,
    };
    let overall = ratio(c.target.resources, c.source.resources);
    let fidelity = CountFidelity {
        overall: round1(overall),
        by_type: c
            .source
            .by_type
            .iter()
            .map(|(t, n)| {
                let target = c.target.by_type.get(t).copied().unwrap_or(0);
                (t.clone(), round1(ratio(target, *n)))
            })
            .collect(),
        missing_resources: c.source.resources.saturating_sub(c.target.resources),
        objective_met: overall >= target_fidelity,
        target_fidelity,
        resource_groups: round1(ratio(c.target.resource_groups, c.source.resource_groups)),
        relationships: round1(ratio(c.target.relationships, c.source.relationships)),
    };
    let t = &c.totals;
    let resource_level = ResourceLevel {
        counts: *t,
        matched_percent: round1(ratio(t.matched(), t.source)),
        exact_percent: round1(ratio(t.exact_match, t.source)),
        by_type: c
            .by_type
            .iter()
            .map(|(ty, n)| {
                (
                    ty.clone(),
                    TypeLevel {
                        counts: *n,
                        matched_percent: round1(ratio(n.matched(), n.source)),
                    },
                )
            })
            .collect(),
        resource_groups_percent: round1(ratio(c.resource_groups.matched, c.resource_groups.source)),
        resource_groups: c.resource_groups,
        relationships: c.relationships,
        relationships_percent: round1(ratio(c.relationships.preserved, c.relationships.comparable)),
    };
    FidelityReport {
        timestamp,
        source: side(&c.source),
        target: side(&c.target),
        fidelity,
        iteration: c.iteration,
        resource_level,
        objective: None,
        resources: c.resources,
    }
}

/// Source resources without a copy in the target (`MISSING_TARGET`), by
/// lowercase ARM type: their source ARM IDs, in report order. Empty when the
/// report was read back without its per-resource entries.
pub fn missing_in_target(r: &FidelityReport) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for res in &r.resources {
        if res.status == super::compare::Status::MissingTarget
            && let Some(id) = &res.source_id
        {
            out.entry(res.r#type.clone()).or_default().push(id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_exact_and_empty_sources_are_whole() {
        assert_eq!(ratio(1, 3), 100.0 / 3.0);
        assert_eq!(round1(ratio(1, 3)), 33.3);
        assert_eq!(ratio(0, 0), 100.0);
        assert_eq!(ratio(5, 4), 125.0);
    }
}
