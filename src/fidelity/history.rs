//! The fidelity history: `demos/fidelity_history.jsonl`, one fidelity
//! report per line (without per-resource verdicts), only ever appended to;
//! its trend as table rows; and an SVG chart of it (plotters).
//!
//! Lines written by Azure Tenant Grapher (`timestamp`, `source`, `target`,
//! `fidelity`) read too; they lack the resource-level figures, so charts
//! fall back to their count fidelity.

use super::score::FidelityReport;
use std::path::Path;

/// Where `--track` appends by default, relative to the working folder.
pub const DEFAULT_HISTORY: &str = "demos/fidelity_history.jsonl";

/// Why the history cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file cannot be read or appended to.
    #[error("cannot {action} `{path}`: {message}")]
    Io {
        /// `read` or `append to`.
        action: &'static str,
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
    /// A line is not a fidelity report.
    #[error("`{path}` line {line}: not a fidelity record: {message}")]
    BadLine {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The parse error.
        message: String,
    },
    /// The chart could not be drawn or written.
    #[error("cannot write the chart `{path}`: {message}")]
    Chart {
        /// The chart file.
        path: String,
        /// The cause.
        message: String,
    },
}

/// Appends one report (without its per-resource verdicts) as one JSON line,
/// creating the file and its folder if needed. Earlier lines are never
/// rewritten (`fsutil::append_line`).
///
/// Errors: `Io` when the folder or file cannot be created or written.
pub fn append(path: &Path, report: &FidelityReport) -> Result<(), HistoryError> {
    let io = |e: std::io::Error| HistoryError::Io {
        action: "append to",
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // Everything but the per-resource verdicts, which can be 100k entries.
    let line = FidelityReport {
        timestamp: report.timestamp.clone(),
        source: report.source.clone(),
        target: report.target.clone(),
        fidelity: report.fidelity.clone(),
        iteration: report.iteration,
        resource_level: report.resource_level.clone(),
        objective: report.objective.clone(),
        resources: Vec::new(),
    };
    let text = serde_json::to_string(&line).expect("reports serialise to JSON");
    crate::fsutil::append_line(path, &text).map_err(io)
}

/// Reads every record, oldest first. Blank lines are skipped.
///
/// Errors: `Io` when the file cannot be read, `BadLine` naming the first
/// line that is not a record.
pub fn read(path: &Path) -> Result<Vec<FidelityReport>, HistoryError> {
    let text = std::fs::read_to_string(path).map_err(|e| HistoryError::Io {
        action: "read",
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| HistoryError::BadLine {
                path: path.display().to_string(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// A record's fidelity for one ARM type: resource-level when the record has
/// it, else count fidelity (older or Python records).
pub fn type_fidelity(r: &FidelityReport, arm_type: &str) -> Option<f64> {
    r.resource_level
        .by_type
        .get(arm_type)
        .filter(|l| l.counts.source > 0)
        .map(|l| l.matched_percent)
        .or_else(|| r.fidelity.by_type.get(arm_type).copied())
}

/// The record's resource-level match, percent, if it has one.
pub fn resource_match(r: &FidelityReport) -> Option<f64> {
    (r.resource_level.counts.source > 0 || r.resource_level.counts.target > 0)
        .then_some(r.resource_level.matched_percent)
}

/// The trend as table rows: run number, time, iteration, resources on each
/// side, count fidelity and its change since the previous run, resource
/// match, exact match and relationship fidelity (`-` where a record lacks
/// resource-level figures).
pub fn trend_rows(records: &[FidelityReport]) -> Vec<Vec<String>> {
    let mut prev: Option<f64> = None;
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let has_level = resource_match(r).is_some();
            let level = |v: f64| {
                if has_level {
                    format!("{v:.1}")
                } else {
                    "-".into()
                }
            };
            let change = prev
                .map(|p| format!("{:+.1}", r.fidelity.overall - p))
                .unwrap_or_else(|| "-".into());
            prev = Some(r.fidelity.overall);
            vec![
                (i + 1).to_string(),
                r.timestamp.clone(),
                r.iteration
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                r.source.resources.to_string(),
                r.target.resources.to_string(),
                format!("{:.1}", r.fidelity.overall),
                change,
                level(r.resource_level.matched_percent),
                level(r.resource_level.exact_percent),
                level(r.resource_level.relationships_percent),
            ]
        })
        .collect()
}

/// Headers of `trend_rows`.
pub const TREND_HEADERS: &[&str] = &[
    "#run",
    "time",
    "iteration",
    "#source",
    "#target",
    "overall %",
    "change",
    "resource match %",
    "exact %",
    "relationships %",
];

/// The ARM types to chart: `wanted` (lowercase) when given, else the
/// `limit` types whose fidelity was lowest in any record (the ones that
/// needed work), ties by name.
pub fn chart_types(records: &[FidelityReport], wanted: &[String], limit: usize) -> Vec<String> {
    if !wanted.is_empty() {
        return wanted.iter().map(|t| t.to_ascii_lowercase()).collect();
    }
    let mut lowest: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    for r in records {
        for t in r
            .fidelity
            .by_type
            .keys()
            .chain(r.resource_level.by_type.keys())
        {
            if let Some(v) = type_fidelity(r, t) {
                let e = lowest.entry(t.as_str()).or_insert(v);
                *e = e.min(v);
            }
        }
    }
    let mut types: Vec<(f64, &str)> = lowest.into_iter().map(|(t, v)| (v, t)).collect();
    types.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    types
        .into_iter()
        .take(limit)
        .map(|(_, t)| t.to_string())
        .collect()
}

/// Draws the history as an SVG line chart: count fidelity ("overall"), the
/// resource-level match, and one line per type in `types`, over run number
/// (iteration numbers in the x label when records carry them). Written
/// atomically to `path`. The same records give the same bytes.
///
/// Errors: `Chart` when drawing or writing fails.
pub fn chart(
    records: &[FidelityReport],
    types: &[String],
    path: &Path,
) -> Result<(), HistoryError> {
    use plotters::prelude::*;
    let err = |m: String| HistoryError::Chart {
        path: path.display().to_string(),
        message: m,
    };
    let mut series: Vec<(String, Vec<(u32, f64)>)> = vec![
        (
            "overall (count)".into(),
            records
                .iter()
                .enumerate()
                .map(|(i, r)| (i as u32 + 1, r.fidelity.overall))
                .collect(),
        ),
        (
            "resource match".into(),
            records
                .iter()
                .enumerate()
                .filter_map(|(i, r)| resource_match(r).map(|v| (i as u32 + 1, v)))
                .collect(),
        ),
    ];
    for t in types {
        series.push((
            t.clone(),
            records
                .iter()
                .enumerate()
                .filter_map(|(i, r)| type_fidelity(r, t).map(|v| (i as u32 + 1, v)))
                .collect(),
        ));
    }
    series.retain(|(_, pts)| !pts.is_empty());
    let y_max = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, v)| *v))
        .fold(100.0_f64, f64::max)
        .ceil()
        + 5.0;
    let runs = records.len().max(1) as u32;
    let iterations: Vec<String> = records
        .iter()
        .filter_map(|r| r.iteration.map(|n| n.to_string()))
        .collect();
    let x_desc = if iterations.is_empty() {
        "run".to_string()
    } else {
        format!("run (iterations {})", iterations.join(", "))
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 540)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut c = ChartBuilder::on(&root)
            .caption("atg fidelity history", ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0u32..runs + 1, 0f64..y_max)
            .map_err(|e| err(e.to_string()))?;
        c.configure_mesh()
            .x_desc(x_desc)
            .y_desc("fidelity %")
            .x_labels((runs as usize + 2).min(20))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        for (i, (name, pts)) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let style = color.stroke_width(if i < 2 { 3 } else { 2 });
            c.draw_series(LineSeries::new(pts.iter().copied(), style))
                .map_err(|e| err(e.to_string()))?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            c.draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                .map_err(|e| err(e.to_string()))?;
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    crate::fsutil::write_atomic(path, svg.as_bytes()).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(overall: f64, iteration: Option<u32>) -> FidelityReport {
        let mut r = FidelityReport {
            timestamp: "2026-11-21T00:00:00Z".into(),
            iteration,
            ..Default::default()
        };
        r.fidelity.overall = overall;
        r.fidelity
            .by_type
            .insert("microsoft.web/sites".into(), overall);
        r
    }

    #[test]
    fn appends_reads_back_and_charts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demos/fidelity_history.jsonl");
        append(&path, &record(50.0, Some(3))).unwrap();
        append(&path, &record(75.0, Some(4))).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.len(), 2);
        let rows = trend_rows(&back);
        assert_eq!(rows[1][5], "75.0");
        assert_eq!(rows[1][6], "+25.0");
        assert_eq!(rows[1][7], "-", "no resource-level figures");
        let svg = dir.path().join("h.svg");
        let types = chart_types(&back, &[], 5);
        assert_eq!(types, ["microsoft.web/sites"]);
        chart(&back, &types, &svg).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..40]);
        assert!(text.contains("microsoft.web/sites"));
        assert!(text.contains("run (iterations 3, 4)"));
    }

    #[test]
    fn python_tool_lines_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.jsonl");
        std::fs::write(
            &path,
            "{\"timestamp\": \"2025-10-17T01:30:00Z\", \"source\": {\"subscription_id\": \"a\", \"resources\": 1674, \"relationships\": 5614, \"resource_groups\": 182, \"resource_types\": 94}, \"target\": {\"subscription_id\": \"b\", \"resources\": 516, \"relationships\": 1823, \"resource_groups\": 58, \"resource_types\": 42}, \"fidelity\": {\"overall\": 30.8, \"by_type\": {\"Microsoft.Compute/virtualMachines\": 85.2}, \"missing_resources\": 1158, \"objective_met\": false, \"target_fidelity\": 95.0}}\n\nnot json\n",
        )
        .unwrap();
        match read(&path) {
            Err(HistoryError::BadLine { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        std::fs::write(
            &path,
            std::fs::read_to_string(&path)
                .unwrap()
                .replace("not json\n", ""),
        )
        .unwrap();
        let r = read(&path).unwrap();
        assert_eq!(r[0].source.resources, 1674);
        assert_eq!(r[0].fidelity.overall, 30.8);
    }
}
