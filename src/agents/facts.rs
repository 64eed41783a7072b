//! The facts a run's prompt carries, read from atg's own data: iteration
//! folders (`validate.json`, `analysis.json`, `generation_report.json`),
//! the iteration state, the fidelity history and the deployment registry.
//! Each function returns a Markdown document; `profile` adds the task and
//! `start` decides whether it travels inline or in a ConfigMap.
//!
//! Nothing here reads credentials. What is read is still passed through
//! the deploy redactor (every `*_SECRET`, `*_PASSWORD`, `*_TOKEN` value of
//! atg's environment), so a value that leaked into a diagnostic never
//! reaches the cluster.

use super::error::AgentError;
use crate::deploy::registry::Registry;
use crate::fidelity::{history, iterations};
use crate::iterate::state::IterationState;
use crate::report::{Document, Section};
use crate::validate::Severity;
use std::collections::BTreeMap;
use std::path::Path;

/// Most distinct error patterns listed.
const TOP_PATTERNS: usize = 100;
/// Most fidelity records and deployments listed.
const RECENT: usize = 5;

fn read_iterations(
    root: &Path,
    numbers: &[u32],
) -> Result<Vec<iterations::IterationData>, AgentError> {
    iterations::load(root, numbers).map_err(|e| {
        AgentError::input(
            e.to_string(),
            "run `atg iterate` first, or pass `--output-root DIR` where the iterationN folders are",
        )
    })
}

/// An error pattern: summary, resource type and attribute.
type Pattern = (String, String, String);
/// How often a pattern occurred, in which iterations, and one example detail.
type Occurrences = (usize, Vec<u32>, String);

/// A section holding a table, or `empty` when there are no rows.
fn table_section(heading: &str, empty: &str, headers: &[&str], rows: Vec<Vec<String>>) -> Section {
    let s = Section::new(heading);
    if rows.is_empty() {
        s.line(empty)
    } else {
        s.table(headers, rows)
    }
}

/// Iterations side by side (reusing `compare-iterations`' document) plus
/// the most frequent error patterns: summary, resource type and attribute,
/// with how often and in which iterations they occurred.
///
/// Errors: `Input` when an iteration folder has no generation report.
pub fn iteration_analysis(root: &Path, numbers: &[u32]) -> Result<Document, AgentError> {
    let loaded = read_iterations(root, numbers)?;
    let cmp = iterations::compare(&loaded);
    let mut doc = iterations::document(&cmp);
    doc.title = format!("Facts: {}", doc.title);
    let mut patterns: BTreeMap<Pattern, Occurrences> = BTreeMap::new();
    for it in &loaded {
        let Some(v) = &it.validation else { continue };
        for d in v
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            let rtype = d
                .address
                .as_deref()
                .and_then(|a| a.split('.').next())
                .unwrap_or("-")
                .to_string();
            let attr = d.attribute.clone().unwrap_or_else(|| "-".into());
            let e = patterns
                .entry((d.summary.clone(), rtype, attr))
                .or_insert_with(|| (0, Vec::new(), d.detail.clone()));
            e.0 += 1;
            if !e.1.contains(&it.number) {
                e.1.push(it.number);
            }
        }
    }
    let mut ranked: Vec<_> = patterns.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    let total = ranked.len();
    let rows = ranked
        .into_iter()
        .take(TOP_PATTERNS)
        .map(|((summary, rtype, attr), (n, its, detail))| {
            let its: Vec<String> = its.iter().map(u32::to_string).collect();
            let detail: String = detail
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(160)
                .collect();
            vec![summary, rtype, attr, n.to_string(), its.join(", "), detail]
        })
        .collect::<Vec<_>>();
    let mut s = Section::new("Most frequent errors");
    if rows.is_empty() {
        s = s.line("No errors in these iterations' `validate.json`.");
    } else if total > TOP_PATTERNS {
        s = s.line(format!(
            "The {TOP_PATTERNS} most frequent of {total} patterns."
        ));
    }
    doc.sections.push(s.table(
        &[
            "summary",
            "resource type",
            "attribute",
            "#count",
            "iterations",
            "example detail",
        ],
        rows,
    ));
    let unremediated: Vec<String> = loaded
        .iter()
        .filter_map(|it| it.analysis.as_ref().map(|a| (it.number, a)))
        .flat_map(|(n, a)| {
            a.unremediated
                .iter()
                .map(move |u| format!("- iteration {n}: {u}"))
        })
        .take(TOP_PATTERNS)
        .collect();
    if !unremediated.is_empty() {
        let mut s = Section::new("Errors no remediation rule covered");
        s.lines = unremediated;
        doc.sections.push(s);
    }
    Ok(doc)
}

/// The pull request, and where the iterate loop stands if `root` has an
/// iteration state (the PR is usually about generated code).
///
/// Errors: `Input` when the iteration state exists but cannot be read.
pub fn pull_request(root: &Path, pr: u64, repository: &str) -> Result<Document, AgentError> {
    let mut doc = Document::new(format!("Facts: pull request #{pr} in {repository}"));
    doc.intro.push(format!(
        "Pull request: https://github.com/{repository}/pull/{pr}"
    ));
    let state = IterationState::load(root).map_err(|e| {
        AgentError::input(
            e.to_string(),
            "fix or move the state file, or pass another `--output-root`",
        )
    })?;
    if let Some(last) = state.history.last() {
        doc.sections.push(
            Section::new("Iterate loop")
                .line(format!(
                    "Last iteration {} ({} validator, {} level): {}, {} errors; {} consecutive passes (threshold {}).",
                    last.iteration,
                    last.validator,
                    last.level,
                    if last.passed { "pass" } else { "fail" },
                    last.errors,
                    state.consecutive_passes,
                    state.threshold
                ))
                .table(
                    &["error category", "#errors"],
                    last.errors_by_category
                        .iter()
                        .map(|(c, n)| vec![c.clone(), n.to_string()])
                        .collect(),
                ),
        );
    }
    Ok(doc)
}

/// Iteration `n`'s generation and validation, the deployments recorded for
/// it or for the target subscription, and the latest fidelity records.
///
/// Errors: `Input` when the iteration folder has no generation report or
/// the fidelity history does not parse.
pub fn deployment(root: &Path, n: u32, target_subscription: &str) -> Result<Document, AgentError> {
    let it = read_iterations(root, &[n])?.remove(0);
    let mut doc = Document::new(format!(
        "Facts: deploy iteration {n} to subscription {target_subscription}"
    ));
    let g = &it.generation;
    let mut s = Section::new(format!("Iteration {n}")).line(format!(
        "{} resources emitted, {} skipped, {} unmapped; {} Terraform blocks.",
        g.emitted_resources, g.skipped_resources, g.unmapped_resources, g.terraform_blocks
    ));
    match &it.validation {
        Some(v) => {
            s = s.line(format!(
                "Validation ({} validator, {} level): {}, {} errors, {} warnings.",
                v.validator,
                v.level,
                if v.valid { "valid" } else { "invalid" },
                v.error_count,
                v.warning_count
            ))
        }
        None => s = s.line("No `validate.json`: the iteration was not validated."),
    }
    doc.sections.push(s);
    let folded = Registry::in_root(root).load().map_err(|e| {
        AgentError::input(e.to_string(), "check the deployment registry's permissions")
    })?;
    let rows: Vec<Vec<String>> = folded
        .deployments
        .iter()
        .filter(|d| {
            d.start.iteration == Some(n)
                || d.start
                    .target
                    .subscription_id
                    .eq_ignore_ascii_case(target_subscription)
        })
        .rev()
        .take(RECENT)
        .map(|d| {
            let a = d.applied();
            vec![
                d.id().to_string(),
                d.start.at.clone(),
                d.start.iteration.map_or("-".into(), |i| i.to_string()),
                d.start.target.subscription_id.clone(),
                d.status(),
                format!("+{} ~{} -{}", a.add, a.change, a.destroy),
                d.end
                    .as_ref()
                    .and_then(|e| e.error.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    doc.sections.push(table_section(
        "Recorded deployments (newest first)",
        "None for this iteration or subscription.",
        &[
            "deployment",
            "started",
            "iteration",
            "subscription",
            "status",
            "applied",
            "error",
        ],
        rows,
    ));
    let path = root.join("fidelity_history.jsonl");
    let records = if path.exists() {
        history::read(&path).map_err(|e| {
            AgentError::input(
                e.to_string(),
                "the history is append-only JSON lines; fix the line named",
            )
        })?
    } else {
        Vec::new()
    };
    let rows: Vec<Vec<String>> = records
        .iter()
        .rev()
        .take(RECENT)
        .map(|r| {
            vec![
                r.timestamp.clone(),
                r.iteration.map_or("-".into(), |i| i.to_string()),
                r.target
                    .subscription_id
                    .clone()
                    .unwrap_or_else(|| "-".into()),
                format!("{:.1}", r.fidelity.overall),
                history::resource_match(r).map_or("-".into(), |m| format!("{m:.1}")),
                r.objective.as_ref().map_or("-".into(), |o| {
                    if o.met {
                        "met".into()
                    } else {
                        "not met".into()
                    }
                }),
            ]
        })
        .collect();
    doc.sections.push(table_section(
        "Fidelity history (newest first)",
        "No tracked fidelity yet (`atg fidelity --track` records it).",
        &[
            "time",
            "iteration",
            "target subscription",
            "overall %",
            "resource match %",
            "objective",
        ],
        rows,
    ));
    Ok(doc)
}
