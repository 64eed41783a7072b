//! Fidelity, history and comparison results as report documents (tables,
//! Markdown), CSV and JSON. What is measured is left to `score` and
//! `compare`; printing to `output`.

use super::compare::{Comparison, ResourceResult, Status};
use super::diff::Difference;
use super::history;
use super::score::{FidelityReport, ratio, round1};
use crate::model::ResourceId;
use crate::report::{Document, Section};
use serde::Serialize;
use serde_json::Value;

/// A short label for an ARM ID: resource group, then the name path
/// (`rg-app/vm-1`, `rg-net/vnet/subnets/a` shortened to `rg-net/vnet/a`);
/// the ID itself when it does not parse.
pub fn short_id(id: &str) -> String {
    match ResourceId::parse(id) {
        Ok(p) if !p.names.is_empty() => {
            let mut parts: Vec<&str> = p.resource_group.as_deref().into_iter().collect();
            parts.extend(p.names.iter().map(String::as_str));
            parts.join("/")
        }
        _ => id.to_string(),
    }
}

/// A value for a table cell: strings bare, `(absent)` for null, other JSON
/// compact; cut to 60 characters.
pub fn cell_value(v: &Value) -> String {
    let s = match v {
        Value::Null => "(absent)".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(59).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// One difference as `path: source → target`.
pub fn difference_line(d: &Difference) -> String {
    format!(
        "{}: {} → {}",
        d.path,
        cell_value(&d.source),
        cell_value(&d.target)
    )
}

fn resource_label(r: &ResourceResult) -> String {
    short_id(
        r.source_id
            .as_deref()
            .or(r.target_id.as_deref())
            .unwrap_or_default(),
    )
}

/// `+2`, `-1`, or `0`.
fn signed(n: i64) -> String {
    if n == 0 { "0".into() } else { format!("{n:+}") }
}

fn pct(p: f64) -> String {
    format!("{p:.1}")
}

/// The fidelity report as a document: counts, resource level, per type,
/// every resource that is not an exact match, and the objective check.
pub fn fidelity_document(r: &FidelityReport) -> Document {
    let mut doc = Document::new("Fidelity");
    let side = |s: &super::score::SideCounts| {
        format!(
            "scan `{}`{}",
            s.scan_id.as_deref().unwrap_or("?"),
            s.subscription_id
                .as_deref()
                .map(|x| format!(", subscription `{x}`"))
                .unwrap_or_default()
        )
    };
    doc.intro.push(format!("Source: {}", side(&r.source)));
    doc.intro.push(format!("Target: {}", side(&r.target)));
    if let Some(n) = r.iteration {
        doc.intro
            .push(format!("Target resource groups carry `ITERATION{n}_`"));
    }
    let f = &r.fidelity;
    doc.sections.push(
        Section::new("Counts")
            .line(format!(
                "Overall fidelity {}% (target {}%: {}); missing resources by count: {}",
                pct(f.overall),
                pct(f.target_fidelity),
                if f.objective_met { "met" } else { "not met" },
                f.missing_resources
            ))
            .table(
                &["measure", "#source", "#target", "fidelity %"],
                vec![
                    vec![
                        "resources".into(),
                        r.source.resources.to_string(),
                        r.target.resources.to_string(),
                        pct(f.overall),
                    ],
                    vec![
                        "resource groups".into(),
                        r.source.resource_groups.to_string(),
                        r.target.resource_groups.to_string(),
                        pct(f.resource_groups),
                    ],
                    vec![
                        "relationships".into(),
                        r.source.relationships.to_string(),
                        r.target.relationships.to_string(),
                        pct(f.relationships),
                    ],
                    vec![
                        "resource types".into(),
                        r.source.resource_types.to_string(),
                        r.target.resource_types.to_string(),
                        pct(round1(ratio(
                            r.target.resource_types,
                            r.source.resource_types,
                        ))),
                    ],
                ],
            ),
    );
    let l = &r.resource_level;
    let c = &l.counts;
    let rel = &l.relationships;
    doc.sections.push(
        Section::new("Resource level")
            .line(format!(
                "{} exact, {} drifted, {} missing in target, {} missing in source: {}% of source resources have a copy, {}% an exact one",
                c.exact_match,
                c.drifted,
                c.missing_target,
                c.missing_source,
                pct(l.matched_percent),
                pct(l.exact_percent)
            ))
            .line(format!(
                "Resource groups: {} of {} paired ({}%)",
                l.resource_groups.matched,
                l.resource_groups.source,
                pct(l.resource_groups_percent)
            ))
            .line(format!(
                "Relationships: {} of {} between paired resources preserved ({}%), {} only in target",
                rel.preserved,
                rel.comparable,
                pct(l.relationships_percent),
                rel.extra
            )),
    );
    let rows = l
        .by_type
        .iter()
        .map(|(t, v)| {
            let n = &v.counts;
            vec![
                t.clone(),
                n.source.to_string(),
                n.target.to_string(),
                f.by_type
                    .get(t)
                    .map(|p| pct(*p))
                    .unwrap_or_else(|| "-".into()),
                n.exact_match.to_string(),
                n.drifted.to_string(),
                n.missing_target.to_string(),
                n.missing_source.to_string(),
                pct(v.matched_percent),
            ]
        })
        .collect();
    doc.sections.push(Section::new("By resource type").table(
        &[
            "resource type",
            "#source",
            "#target",
            "count %",
            "#exact",
            "#drifted",
            "#missing in target",
            "#missing in source",
            "match %",
        ],
        rows,
    ));
    let findings: Vec<Vec<String>> = r
        .resources
        .iter()
        .filter(|x| x.status != Status::ExactMatch)
        .map(|x| {
            vec![
                x.status.as_str().to_string(),
                x.r#type.clone(),
                resource_label(x),
                x.differences
                    .iter()
                    .map(difference_line)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ]
        })
        .collect();
    let mut s = Section::new("Resources that are not exact matches");
    if findings.is_empty() {
        s = s
            .line("None: every source resource has an exact copy and the target has nothing else.");
    }
    doc.sections.push(s.table(
        &["status", "resource type", "resource", "differences"],
        findings,
    ));
    if let Some(o) = &r.objective {
        let rows = o
            .conditions
            .iter()
            .map(|c| {
                vec![
                    c.condition.clone(),
                    c.actual.to_string(),
                    if c.met { "met" } else { "NOT MET" }.to_string(),
                ]
            })
            .collect();
        doc.sections.push(
            Section::new("Objective")
                .line(format!(
                    "`{}`: {}",
                    o.file,
                    if o.met { "met" } else { "NOT met" }
                ))
                .table(&["condition", "#actual", "result"], rows),
        );
    }
    doc
}

/// The fidelity report as CSV: one row per resource (status, type, source
/// and target ARM IDs, differences joined by `; `).
pub fn fidelity_csv(r: &FidelityReport) -> String {
    let rows: Vec<Vec<String>> = r
        .resources
        .iter()
        .map(|x| {
            vec![
                x.status.as_str().to_string(),
                x.r#type.clone(),
                x.source_id.clone().unwrap_or_default(),
                x.target_id.clone().unwrap_or_default(),
                x.differences
                    .iter()
                    .map(difference_line)
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    crate::report::csv(
        &["status", "type", "source_id", "target_id", "differences"],
        &rows,
    )
}

/// The history trend as a document.
pub fn history_document(records: &[FidelityReport], file: &str) -> Document {
    let mut doc = Document::new("Fidelity history");
    doc.intro
        .push(format!("{} runs in `{file}`", records.len()));
    doc.sections
        .push(Section::new("Trend").table(history::TREND_HEADERS, history::trend_rows(records)));
    doc
}

/// The JSON of `atg compare`.
#[derive(Debug, Serialize)]
pub struct CompareJson<'a> {
    /// Source side.
    pub source: &'a super::compare::ScopeSummary,
    /// Target side.
    pub target: &'a super::compare::ScopeSummary,
    /// `N` of the target's `ITERATION{N}_` resource groups, if any.
    pub iteration: Option<u32>,
    /// Counts over all types.
    pub totals: &'a super::compare::StatusCounts,
    /// Counts per type, side by side.
    pub by_type: &'a std::collections::BTreeMap<String, super::compare::StatusCounts>,
    /// Resource groups.
    pub resource_groups: &'a super::compare::GroupResult,
    /// Relationships.
    pub relationships: &'a super::compare::RelationshipResult,
    /// Source resources without a copy (with `--show-missing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_in_target: Option<Vec<&'a ResourceResult>>,
    /// Target resources without an original (with `--show-missing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_in_target: Option<Vec<&'a ResourceResult>>,
    /// Drifted resources and their differences.
    pub drifted: Vec<&'a ResourceResult>,
}

fn with_status(c: &Comparison, s: Status) -> Vec<&ResourceResult> {
    c.resources.iter().filter(|r| r.status == s).collect()
}

/// The JSON shape of a comparison.
pub fn compare_json(c: &Comparison, show_missing: bool) -> CompareJson<'_> {
    CompareJson {
        source: &c.source,
        target: &c.target,
        iteration: c.iteration,
        totals: &c.totals,
        by_type: &c.by_type,
        resource_groups: &c.resource_groups,
        relationships: &c.relationships,
        missing_in_target: show_missing.then(|| with_status(c, Status::MissingTarget)),
        extra_in_target: show_missing.then(|| with_status(c, Status::MissingSource)),
        drifted: with_status(c, Status::Drifted),
    }
}

/// A comparison as a document: summary, types side by side, missing and
/// extra resources (listed with `show_missing`), configuration differences.
pub fn compare_document(
    c: &Comparison,
    source: &str,
    target: &str,
    show_missing: bool,
) -> Document {
    let mut doc = Document::new(format!("Compare {source} with {target}"));
    doc.intro.push(format!(
        "Source scan `{}`, target scan `{}`",
        c.source.scan_id, c.target.scan_id
    ));
    let t = &c.totals;
    doc.sections.push(
        Section::new("Summary")
            .line(format!(
                "- resources: {} in source, {} in target",
                t.source, t.target
            ))
            .line(format!(
                "- {} exact matches, {} with configuration differences",
                t.exact_match, t.drifted
            ))
            .line(format!(
                "- {} missing in target, {} extra in target",
                t.missing_target, t.missing_source
            ))
            .line(format!(
                "- resource groups: {} in source, {} in target, {} paired",
                c.resource_groups.source, c.resource_groups.target, c.resource_groups.matched
            ))
            .line(format!(
                "- relationships: {} in source, {} in target; {} of {} between paired resources preserved",
                c.relationships.source,
                c.relationships.target,
                c.relationships.preserved,
                c.relationships.comparable
            )),
    );
    let rows = c
        .by_type
        .iter()
        .map(|(ty, n)| {
            vec![
                ty.clone(),
                n.source.to_string(),
                n.target.to_string(),
                signed(n.target as i64 - n.source as i64),
                n.missing_target.to_string(),
                n.missing_source.to_string(),
                n.drifted.to_string(),
            ]
        })
        .collect();
    doc.sections.push(Section::new("Resource types").table(
        &[
            "resource type",
            "#source",
            "#target",
            "#difference",
            "#missing",
            "#extra",
            "#drifted",
        ],
        rows,
    ));
    for (heading, status, id_of) in [
        (
            "Missing in target",
            Status::MissingTarget,
            (|r: &ResourceResult| r.source_id.clone()) as fn(&ResourceResult) -> Option<String>,
        ),
        (
            "Extra in target",
            Status::MissingSource,
            |r: &ResourceResult| r.target_id.clone(),
        ),
    ] {
        let list = with_status(c, status);
        let mut s = Section::new(heading);
        if list.is_empty() {
            s = s.line("None.");
        } else if show_missing {
            s = s.table(
                &["resource type", "ARM resource ID"],
                list.iter()
                    .map(|r| vec![r.r#type.clone(), id_of(r).unwrap_or_default()])
                    .collect(),
            );
        } else {
            s = s.line(format!(
                "{} resources (pass `--show-missing` to list them).",
                list.len()
            ));
        }
        doc.sections.push(s);
    }
    let drifted = with_status(c, Status::Drifted);
    let mut s = Section::new("Configuration differences");
    if drifted.is_empty() {
        s = s.line("None.");
    }
    let rows = drifted
        .iter()
        .flat_map(|r| {
            r.differences.iter().map(|d| {
                vec![
                    resource_label(r),
                    r.r#type.clone(),
                    d.path.clone(),
                    cell_value(&d.source),
                    cell_value(&d.target),
                ]
            })
        })
        .collect();
    doc.sections.push(s.table(
        &["resource", "resource type", "property", "source", "target"],
        rows,
    ));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_and_cells() {
        assert_eq!(
            short_id(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
            ),
            "rg/v/a"
        );
        assert_eq!(short_id("not an id"), "not an id");
        assert_eq!(cell_value(&Value::Null), "(absent)");
        assert_eq!(cell_value(&serde_json::json!(["1"])), "[\"1\"]");
        assert_eq!(
            cell_value(&Value::String("x".repeat(80))).chars().count(),
            60
        );
    }
}
